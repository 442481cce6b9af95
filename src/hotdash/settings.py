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
    request_max_bytes: int = Field(
        default=1024 * 1024,
        description=(
            "Largest request body accepted by every route without a limit of its own (forms, the JSON API), "
            "in bytes; counted as it arrives, before sign-in, so a larger body gets 413 without being read."
        ),
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
            "Map received webhooks as the job `inbound.process`, wherever jobs run (the web process on "
            "SQLite, `hotdash worker`). Off: run `hotdash ingest process` instead."
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
            "Evaluate ingested records in a background thread of the web process and install the default "
            "rules at startup. Empty means on for `hotdash serve`, off for an app built any other way "
            "(tests); "
            "ingested records are then still evaluated at once, inline. Scheduled rules run as the job "
            "`detection.schedule`, wherever jobs run (HOTDASH_JOBS_IN_PROCESS or `hotdash worker`)."
        ),
    )

    jobs_in_process: bool | None = Field(
        default=None,
        description=(
            "Run the job queue's worker in the web process, in a background thread. Empty means on for "
            "`hotdash serve` on SQLite (one command runs everything), off on PostgreSQL and for an app built "
            "any other way; run `hotdash worker` where it is off."
        ),
    )
    jobs_lease_seconds: float = Field(
        default=300.0,
        description=(
            "How long a worker holds a job it claimed; a job whose worker died is taken up again after this."
        ),
    )
    jobs_poll_seconds: float = Field(default=1.0, description="How often an idle job worker looks for work.")
    jobs_retry_base_seconds: float = Field(
        default=10.0, description="Wait after a job's first failure; it doubles with each further failure."
    )
    jobs_retry_max_seconds: float = Field(default=3600.0, description="Longest wait between two attempts.")
    jobs_modules: str = Field(
        default="",
        description=(
            "Extra modules (comma-separated) whose `register_jobs(registry)` adds job kinds and event "
            "subscribers to the worker, for extensions and tests."
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
