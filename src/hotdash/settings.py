"""Process-wide settings, read from the environment and `.env`.

Business thresholds (the playbook's tunables) do not live here: `hotdash.kernel.tunables` keeps the one
registry of named, documented numbers that managers change at run time. This module holds only what an
operator sets when deploying: where the database is, where to listen, how to log.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    shopify_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "The Shopify app's client secret, which signs its webhooks (X-Shopify-Hmac-Sha256). Empty: "
            "POST /webhooks/shopify refuses every delivery until a secret is configured."
        ),
    )
    chatwoot_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "The secret Chatwoot shows for the HotDash webhook, which signs its deliveries "
            "(X-Chatwoot-Signature). Empty: POST /webhooks/chatwoot refuses every delivery."
        ),
    )
    webhook_max_bytes: int = Field(
        default=3 * 1024 * 1024,
        description="Largest webhook body accepted, in bytes; larger deliveries get 413.",
    )
    import_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        description=(
            "Largest file upload accepted (POST /api/v1/imports/{entity} and the Imports page), in bytes of "
            "the whole request; larger uploads get 413."
        ),
    )
    inbound_batch_max: int = Field(
        default=1000,
        description=(
            "Most webhook deliveries committed together by the group-commit writer; 1 commits each delivery "
            "on its own (slower, for comparison)."
        ),
    )
    inbound_processor: bool = Field(
        default=True,
        description=(
            "Map received webhooks in the web process, in a background thread. Off: run "
            "`hotdash ingest process` instead."
        ),
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key(s) that encrypt the sources' stored secrets: Fernet keys separated by commas, newest first "
            "(older ones only decrypt, for key rotation). Unset means the key file var/secret.key, created "
            "once with 0600 permissions. `hotdash sources new-key` prints a fresh key."
        ),
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="Where the key file is kept when HOTDASH_SECRET_KEY is unset [default: var/secret.key].",
    )
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

    def resolved_secret_key_file(self) -> Path:
        """Return where the sources' key file is (whether or not it exists yet)."""
        return self.secret_key_file or default_data_dir() / "secret.key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process, read once."""
    return Settings()
