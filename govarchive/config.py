"""The one configuration of govarchive.

Read once from ``$GOVARCHIVE_HOME/govarchive.toml`` and ``GOVARCHIVE_*`` environment variables
(nested keys with ``__``: ``GOVARCHIVE_STORE__URL``), then passed down as plain values. With no file
at all the embedded mode works: a SQLite catalog and a folder of objects inside the home.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from archive.urlmask import mask_url

if TYPE_CHECKING:
    from archive.storage import StoreOptions
    from crawler.extraction.readers.base import ReadLimits

CONFIG_FILE = "govarchive.toml"
DEFAULT_HOME = Path("govarchive-data")
ENV_PREFIX = "GOVARCHIVE_"


class ConfigError(Exception):
    """A bad configuration value; the message is one line naming the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_url(value: str | None, schemes: tuple[str, ...]) -> str | None:
    if not value:
        return value
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in schemes or not rest:
        raise ValueError(f"{value!r} is not a URL with scheme {' / '.join(schemes)}")
    return value


class CatalogSettings(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty: sqlite:///<home>/catalog.db")

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return _check_url(value, ("sqlite", "postgresql", "postgresql+psycopg")) or ""


class StoreSettings(_Section):
    url: str = Field("", description="object store: empty = folder <home>/objects; file:///DIR; s3://BUCKET/PREFIX")
    endpoint_url: str | None = Field(None, description="S3 endpoint (MinIO, SeaweedFS …); empty for AWS")
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    compress: bool = Field(True, description="zstd-compress objects where it pays")

    @field_validator("url")
    @classmethod
    def _valid_store_url(cls, value: str) -> str:
        return _check_url(value, ("file", "s3")) or ""

    @field_validator("endpoint_url")
    @classmethod
    def _valid_endpoint(cls, value: str | None) -> str | None:
        return _check_url(value, ("http", "https"))


class CrawlSettings(_Section):
    user_agent: str = "govarchive/0.1 (+{contact_url})"
    contact_url: str = "https://github.com/govarchive/govarchive"
    obey_robots: bool = True
    concurrent_per_domain: int = Field(2, ge=1, le=32)
    download_delay: float = Field(0.25, ge=0)
    autothrottle: bool = True
    timeout: float = Field(30.0, gt=0)
    retry_times: int = Field(3, ge=0, le=20)
    max_page_bytes: int = Field(20 * 1024 * 1024, gt=0)
    max_attachment_bytes: int = Field(50 * 1024 * 1024, gt=0)
    depth_limit: int = Field(8, ge=1)
    max_list_pages: int = Field(200, ge=1, description="pagination beyond this is treated as a trap")
    removal_checks: int = Field(3, ge=1, description="consecutive 404/410 checks before 'removed'")
    recheck_hours: float = Field(24.0, ge=0, description="cadence of re-checking known report pages")
    chromium_path: str = "/usr/bin/chromium"
    browser_timeout: float = Field(30.0, gt=0)
    max_browser_contexts: int = Field(2, ge=1)
    resumable: bool = Field(True, description="keep a Scrapy JOBDIR so a killed crawl resumes")
    retry_backoff: float = Field(1.0, ge=0, description="first retry waits this many seconds, doubling after")
    retry_max_delay: float = Field(120.0, ge=0, description="longest wait before a retry (Retry-After included)")
    parallel_sources: int = Field(4, ge=1, le=4096, description="sources crawled at the same time in one run")
    seek_depth: int = Field(4, ge=1, le=10, description="clicks from a home page to its report column, at most")
    max_seek_pages: int = Field(40, ge=1, description="pages looked at per portal to find its report column")
    page_workers: int | None = Field(None, ge=0, le=64, description=(
        "processes extracting pages; 0 = threads of the crawl process; default: cores - 1, at least 1"))
    writer_batch: int = Field(64, ge=1, le=4096, description="pages committed to the archive in one transaction, at most")
    writer_wait: float = Field(0.25, gt=0, le=60, description="seconds a batch waits to fill before it is committed")
    writer_queue: int = Field(256, ge=1, le=65536, description=(
        "pages waiting for the archive writer; at twice this many, fetching pauses until it catches up"))

    @model_validator(mode="after")
    def _writer_bounds(self) -> Self:
        if self.writer_queue < self.writer_batch:
            raise ValueError(f"writer_queue ({self.writer_queue}) must be at least writer_batch ({self.writer_batch})")
        return self

    @field_validator("contact_url")
    @classmethod
    def _valid_contact(cls, value: str) -> str:
        if value.lower().startswith("mailto:") and "@" in value:
            return value  # mailto: has no "//"
        return _check_url(value, ("http", "https")) or value

    def resolved_user_agent(self) -> str:
        return self.user_agent.replace("{contact_url}", self.contact_url)


class DocumentSettings(_Section):
    """What reading one report file (PDF, DOC, scan …) may cost; over it the file is kept, marked why."""

    max_pages: int = Field(200, ge=1, description="pages per document read (text layer or OCR)")
    max_seconds: float = Field(600.0, gt=0, description="seconds per document, OCR and conversion included")
    max_memory_mb: int = Field(2048, ge=256, description="address space of each OCR or LibreOffice process")
    ocr_dpi: int = Field(200, ge=100, le=600, description="resolution PDF pages are rendered at for OCR")
    ocr_images: bool = Field(True, description="OCR <img> scans in the body of a page with little text")

    def limits(self) -> ReadLimits:
        """The plain values the readers take."""
        from crawler.extraction.readers.base import ReadLimits

        return ReadLimits(self.max_pages, self.max_seconds, self.max_memory_mb, self.ocr_dpi)


class SchedulerSettings(_Section):
    timezone: str = "Asia/Shanghai"
    default_cron: str = Field("0 3 * * *", description="sources without their own schedule")
    busy_season_cron: str = Field("0 */6 * 1-4 *", description="extra runs while reports are due")
    jitter_seconds: int = Field(1800, ge=0)
    run_timeout_seconds: int = Field(6 * 3600, ge=1)
    misfire_grace_seconds: int = Field(3600, ge=1)
    max_concurrent_crawls: int = Field(2, ge=1, description="crawl child processes running at once")
    stop_grace_seconds: int = Field(30, ge=1, description="on shutdown, wait this long for crawls told to stop")


class AlertSettings(_Section):
    base_url: str = Field("http://127.0.0.1:8000", description="where `govarchive serve` is reachable, for links")
    failing_after_runs: int = Field(3, ge=1)
    drop_ratio: float = Field(0.5, gt=0, le=1, description="listing yielding fewer than this share of usual links")
    overdue_month_day: str = Field("04-01", pattern=r"^\d{2}-\d{2}$")
    max_attempts: int = Field(8, ge=1)
    retry_base_seconds: float = Field(30.0, gt=0)
    dispatch_interval_seconds: int = Field(60, ge=1, description="how often the scheduler sends alerts")
    digest_time: str = Field("08:00", pattern=r"^\d{2}:\d{2}$", description="daily digests leave at this local time")
    send_lease_seconds: int = Field(300, ge=1, description="a delivery claimed this long ago by a dead dispatcher is retried")


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_read: bool = True
    tokens: list[SecretStr] = Field(default_factory=list, description="API tokens allowed to change state")
    users: dict[str, SecretStr] = Field(default_factory=dict, description="login name → password")
    secret_key: SecretStr | None = Field(None, description="session signing key; generated into the home if empty")


class WorkerSettings(_Section):
    redis_url: str = "redis://127.0.0.1:6379/0"
    distributed: bool = Field(False, description="`govarchive crawl` (and scheduled crawls) queue runs for workers")
    idle_timeout: float = Field(60.0, ge=0, description="a worker exits after its frontier stayed empty this long")
    lease_seconds: float = Field(30.0, ge=1, description="a worker silent this long is dead; its requests go back")
    concurrency: int | None = Field(None, ge=1, le=256, description="requests in flight per source in one worker")

    @field_validator("redis_url")
    @classmethod
    def _valid_redis(cls, value: str) -> str:
        return _check_url(value, ("redis", "rediss", "unix")) or value


class Settings(BaseSettings):
    """Effective settings: defaults < govarchive.toml < GOVARCHIVE_* environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    home: Path = DEFAULT_HOME
    language: Literal["zh", "en"] = Field(
        "zh", description="web app default (a browser may choose the other) and alert messages: zh or en"
    )
    timezone: str = Field("Asia/Shanghai", description="dates and times in the web app, feeds and alerts")
    sources_dirs: list[Path] = Field(default_factory=list, description="extra folders of source TOML files")
    builtin_sources: bool = Field(False, description="crawl and schedule the built-in sources unasked")
    catalog: CatalogSettings = CatalogSettings()
    store: StoreSettings = StoreSettings()
    crawl: CrawlSettings = CrawlSettings()
    documents: DocumentSettings = DocumentSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    alerts: AlertSettings = AlertSettings()
    web: WebSettings = WebSettings()
    worker: WorkerSettings = WorkerSettings()

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone (e.g. Asia/Shanghai)") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment must win over them.
        return (env_settings, init_settings)

    # Derived locations -------------------------------------------------------------
    @property
    def catalog_url(self) -> str:
        return self.catalog.url or f"sqlite:///{(self.home / 'catalog.db').resolve()}"

    @property
    def store_url(self) -> str:
        return self.store.url or (self.home / "objects").resolve().as_uri()

    def store_options(self) -> StoreOptions:
        """The object store as the archive takes it (``archive.storage.StoreOptions``)."""
        from archive.storage import StoreOptions

        secret = self.store.secret_access_key
        return StoreOptions(self.store_url, endpoint_url=self.store.endpoint_url, region=self.store.region,
                            access_key_id=self.store.access_key_id,
                            secret_access_key=secret.get_secret_value() if secret else None,
                            compress=self.store.compress)

    @property
    def sources_dir(self) -> Path:
        """The user's own source definitions."""
        return self.home / "sources"

    @property
    def source_state_file(self) -> Path:
        """Which sources are switched on or off (``govarchive sources enable|disable``)."""
        return self.home / "source-state.toml"

    @property
    def jobs_dir(self) -> Path:
        return self.home / "jobs"

    @property
    def config_file(self) -> Path:
        return self.home / CONFIG_FILE

    def masked(self) -> dict[str, Any]:
        """All settings as plain data with secrets replaced by ``'********'`` (URLs: archive.urlmask)."""
        data = self.model_dump(mode="json")
        data["home"] = str(self.home.resolve())
        data["catalog"]["url"] = mask_url(self.catalog.url)
        data["catalog"]["effective_url"] = mask_url(self.catalog_url)
        data["store"]["url"] = mask_url(self.store.url)
        data["store"]["effective_url"] = mask_url(self.store_url)
        data["worker"]["redis_url"] = mask_url(self.worker.redis_url)
        return data


def resolve_home(home: str | Path | None = None) -> Path:
    """The data home: the argument, else ``GOVARCHIVE_HOME``, else ``./govarchive-data``."""
    if home is not None:
        return Path(home)
    return Path(os.environ.get(f"{ENV_PREFIX}HOME") or DEFAULT_HOME)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The settings model that holds the key at ``loc`` (its last part)."""
    model: Any = Settings
    for part in loc[:-1]:
        is_model = isinstance(model, type) and issubclass(model, BaseModel)
        field = model.model_fields.get(str(part)) if is_model else None
        model = field.annotation if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _origin(loc: tuple[Any, ...], file_values: dict[str, Any], config_file: Path) -> str:
    """Where the value at ``loc`` came from: the file when it holds that key, else the environment."""
    node: Any = file_values
    for part in loc:
        if not isinstance(node, dict) or str(part) not in node:
            return f"the environment ({ENV_PREFIX}{'__'.join(str(p).upper() for p in loc)})"
        node = node[str(part)]
    return str(config_file)


def _format_error(error: ValidationError, file_values: dict[str, Any], config_file: Path) -> str:
    first = error.errors()[0]
    loc = tuple(first["loc"])
    key = ".".join(str(part) for part in loc) or "(settings)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        model = _model_at(loc)
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6) if loc else []
        prefix = ".".join(str(part) for part in loc[:-1])
        message = "unknown key" + (f" (did you mean {prefix + '.' if prefix else ''}{close[0]}?)" if close else "")
    return f"bad configuration in {_origin(loc, file_values, config_file)}: {key}: {message}"


def load_settings(home: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the effective settings; raise ConfigError with one clear line on a bad value."""
    home_path = resolve_home(home)
    config_file = home_path / CONFIG_FILE
    file_values: dict[str, Any] = {}
    if config_file.is_file():
        try:
            file_values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"bad configuration in {config_file}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {config_file}: {exc}") from None
        if "home" in file_values:
            raise ConfigError(f"bad configuration in {config_file}: home: set it with --home or GOVARCHIVE_HOME")
    values = {**file_values, **overrides, "home": home_path}
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, file_values, config_file)) from None


def ensure_home_writable(settings: Settings) -> None:
    """Create the home if needed; raise ConfigError when it cannot be written."""
    home = settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"bad configuration: home: {home} is not writable ({exc.strerror or exc})") from None


DEFAULT_CONFIG_TOML = """\
# govarchive configuration. Every key is optional; environment variables GOVARCHIVE_<SECTION>__<KEY>
# override this file (e.g. GOVARCHIVE_STORE__URL=s3://bucket/prefix).

# language = "zh"                         # web app default (browsers may pick English) and alert messages: zh / en
# timezone = "Asia/Shanghai"              # dates and times in the web app, feeds and alerts

[catalog]
# url = "postgresql+psycopg://user:password@127.0.0.1:5432/govarchive"   # default: SQLite in the home

[store]
# url = "s3://govarchive/archive"        # default: the folder objects/ in the home
# endpoint_url = "http://127.0.0.1:8333"
# access_key_id = "…"
# secret_access_key = "…"

[crawl]
# contact_url = "https://example.org/about-our-crawler"
# concurrent_per_domain = 2
# removal_checks = 3

[documents]
# max_pages = 200          # report files (PDF, DOC, scans …): over a limit the file is kept, marked why
# max_seconds = 600
# max_memory_mb = 2048

[web]
# public_read = true                      # false: reading needs a login or a token too
# tokens = ["change-me"]                  # API tokens: Authorization: Bearer change-me (may change state)
# Logins: prefer `govarchive users add NAME --admin` (hashed, in the catalog). Here: name = password,
# plain or a pbkdf2_sha256$ROUNDS$SALT$HEX hash; these users are administrators.
# [web.users]
# archivist = "pbkdf2_sha256$200000$…"
"""

