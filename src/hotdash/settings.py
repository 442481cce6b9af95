"""Process-wide settings, read from the environment and `.env`.

Business thresholds (the playbook's tunables) do not live here: each context keeps its own registry of
named, documented thresholds that managers change at run time. This module holds only what an operator sets
when deploying: where the database is, where to listen, how to log.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Return the directory that holds the embedded SQLite database by default."""
    return Path.cwd() / "var"


class Settings(BaseSettings):
    """Deployment settings; every field can be set as `HOTDASH_<NAME>` in the environment or `.env`."""

    model_config = SettingsConfigDict(env_prefix="HOTDASH_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy URL of the database. Empty means the embedded SQLite file var/hotdash.db under "
            "the working directory. PostgreSQL: postgresql+psycopg://user:pass@host/db"
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    log_level: str = Field(default="info", description="Python log level name.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    detection_scheduler: bool | None = Field(
        default=None,
        description=(
            "Run detection rules in the web process: each minute, and right after ingest. Empty means on for "
            "`hotdash serve`, off for an app built any other way (tests); ingested records are then still "
            "evaluated at once, inline."
        ),
    )

    def resolved_database_url(self) -> str:
        """Return the database URL, creating the default SQLite directory when that is what is used."""
        if self.database_url:
            return self.database_url
        data_dir = default_data_dir()
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{data_dir / 'hotdash.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process, read once."""
    return Settings()
