"""Data store configuration: which backend (one URL), names and limits.

Configuration comes from the host (a :class:`StoreConfig` passed to the plugin) or from the
environment (:meth:`StoreConfig.from_env`). With nothing configured the store is the embedded
SQLite file under the user's data directory, so agents work with no setup.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent_data_store.errors import ConfigurationError

URL_ENV_VAR = "AGENT_DATA_STORE_URL"
MAX_VALUE_BYTES_ENV_VAR = "AGENT_DATA_STORE_MAX_VALUE_BYTES"
TRACKING_ENV_VAR = "AGENT_DATA_STORE_TRACKING"
TRACKING_WRITE_ENV_VAR = "AGENT_DATA_STORE_TRACKING_WRITE"
TIMEOUT_ENV_VAR = "AGENT_DATA_STORE_TIMEOUT_S"
QUOTA_RECORDS_ENV_VAR = "AGENT_DATA_STORE_QUOTA_RECORDS"
QUOTA_BYTES_ENV_VAR = "AGENT_DATA_STORE_QUOTA_BYTES"
UNLIMITED_WORDS = frozenset({"unlimited", "none"})
DEFAULT_TABLE = "agent_data_store"
DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
DEFAULT_TIMEOUT_S = 5.0

_SWITCH_WORDS = {
    "1": True, "true": True, "on": True, "yes": True,
    "0": False, "false": False, "off": False, "no": False,
}

SCHEMES = ("sqlite", "memory", "couchdb", "couchdbs", "dynamodb", "firestore")


def default_url() -> str:
    """Return the embedded default: a SQLite file in the user's data directory."""
    path = Path(platformdirs.user_data_dir("agent-data-store")) / "data.db"
    return f"sqlite:///{path}"


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) is this machine's loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class StoreConfig(BaseModel):
    """How the data store is set up: backend URL, collection/table name, limits, tracking."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(default_factory=default_url)
    table: str = DEFAULT_TABLE
    max_value_bytes: int = Field(default=DEFAULT_MAX_VALUE_BYTES, gt=0)
    tracking: bool = True
    tracking_write: Literal["background", "end_of_run"] = "background"
    """When a run's access counts are written: ``background`` (the run returns at once; one
    thread of the plugin writes finished runs' counts, merged, right after, and at exit
    whatever is left), or ``end_of_run`` (before the run returns, a failure in its result).
    Either way they are exact; ``background`` leaves the counts of the last milliseconds
    unwritten if the process is killed."""
    page_size: int = Field(default=500, gt=0, le=10_000)
    timeout_s: float = Field(default=DEFAULT_TIMEOUT_S, gt=0, allow_inf_nan=False)
    """How long one request to the backend may take before it fails with
    ``BackendUnavailableError``: the same bound on every backend (SQLite: how long it waits
    for another process's lock)."""
    create_missing: bool = True
    """Create the database, table or file when it does not exist. Commands that only read
    (the operator's views and exports) pass ``False``, so a mistyped URL creates nothing."""
    sweep_interval_s: float = Field(default=60.0, ge=0, allow_inf_nan=False)
    """How often (at most) the plugin removes a batch of expired records when a run ends, on
    backends that do not expire records by themselves (SQLite, memory, CouchDB); 0: never
    (then ``agent-data-store sweep`` does it)."""
    quota_records: int | None = Field(default=None, ge=0)
    """How many records each user may keep (``None``: no limit unless an operator set one
    for the user)."""
    quota_bytes: int | None = Field(default=None, ge=0)
    """How many bytes of values and metadata (UTF-8 JSON) each user may keep."""
    enforce_quotas: bool = False
    """Check writes against quotas even with no default set, so that only the limits an
    operator set per user apply (the environment's ``unlimited``). See
    :attr:`checks_quotas`."""

    @property
    def checks_quotas(self) -> bool:
        """Whether writes are checked against quotas: when a default quota is set, or
        :attr:`enforce_quotas`. Otherwise a write costs no quota round trip."""
        return self.enforce_quotas or self.quota_records is not None or self.quota_bytes is not None

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        scheme = split_url(url).scheme
        if scheme not in SCHEMES:
            raise ValueError(
                f"unknown backend scheme {scheme!r} in {redact_url(url)}; "
                f"use one of: {', '.join(s + '://' for s in SCHEMES)}"
            )
        return url

    def __repr__(self) -> str:
        return f"StoreConfig(url={redact_url(self.url)!r}, table={self.table!r})"

    def __str__(self) -> str:
        return repr(self)

    @property
    def parts(self) -> SplitResult:
        """The URL split into scheme, netloc, path, query."""
        return split_url(self.url)

    @classmethod
    def from_env(cls, **overrides: object) -> StoreConfig:
        """Build the configuration from ``AGENT_DATA_STORE_*`` variables, then ``overrides``."""
        values: dict[str, object] = {}
        if os.environ.get(URL_ENV_VAR):
            values["url"] = os.environ[URL_ENV_VAR]
        if os.environ.get(MAX_VALUE_BYTES_ENV_VAR):
            values["max_value_bytes"] = os.environ[MAX_VALUE_BYTES_ENV_VAR]
        if os.environ.get(TIMEOUT_ENV_VAR):
            values["timeout_s"] = os.environ[TIMEOUT_ENV_VAR]
        if os.environ.get(TRACKING_ENV_VAR):
            values["tracking"] = _switch(TRACKING_ENV_VAR, os.environ[TRACKING_ENV_VAR])
        if os.environ.get(TRACKING_WRITE_ENV_VAR):
            values["tracking_write"] = os.environ[TRACKING_WRITE_ENV_VAR].strip().lower()
        for name, field in ((QUOTA_RECORDS_ENV_VAR, "quota_records"),
                            (QUOTA_BYTES_ENV_VAR, "quota_bytes")):
            text = os.environ.get(name, "").strip()
            if text.lower() in UNLIMITED_WORDS:
                values["enforce_quotas"] = True
            elif text:
                values[field] = _count(name, text)
        values.update(overrides)
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            raise ConfigurationError(_first_error(exc)) from None


def _switch(name: str, text: str) -> bool:
    try:
        return _SWITCH_WORDS[text.strip().lower()]
    except KeyError:
        raise ConfigurationError(
            f"invalid data store configuration: {name}={text!r}; use on or off"
        ) from None


def _count(name: str, text: str) -> int:
    try:
        number = int(text.replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigurationError(
            f"invalid data store configuration: {name}={text!r}; use a whole number "
            "of at least 0, or unlimited"
        )
    return number


def split_url(url: str) -> SplitResult:
    """Split a backend URL, raising :class:`ConfigurationError` (redacted) if it cannot be."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ConfigurationError(f"invalid backend URL {redact_url(url)}") from None
    if not parts.scheme:
        raise ConfigurationError(
            f"backend URL {redact_url(url)!r} has no scheme; e.g. sqlite:///path/data.db"
        )
    return parts


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"invalid data store configuration: {where}: {message}"
    return f"invalid data store configuration: {exc}"
