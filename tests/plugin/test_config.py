"""Configuration: backend URLs, defaults, environment overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_data_store import ConfigurationError, StoreConfig, open_backend
from agent_data_store.backends.memory import MemoryBackend
from agent_data_store.backends.sqlite import SqliteBackend
from agent_data_store.config import default_url, redact_url


def test_default_is_a_sqlite_file_in_the_user_data_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AGENT_DATA_STORE_URL", raising=False)
    config = StoreConfig.from_env()
    assert config.url == default_url()
    assert config.url.startswith("sqlite:///")
    assert config.url.endswith("agent-data-store/data.db")


def test_environment_variable_selects_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_URL", "memory://")
    assert isinstance(open_backend(StoreConfig.from_env()), MemoryBackend)


def test_environment_sets_limit_and_tracking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_MAX_VALUE_BYTES", "2048")
    monkeypatch.setenv("AGENT_DATA_STORE_TRACKING", "off")
    config = StoreConfig.from_env(url="memory://")
    assert (config.max_value_bytes, config.tracking) == (2048, False)


def test_table_name_defaults_to_agent_data_store() -> None:
    assert StoreConfig(url="memory://").table == "agent_data_store"


def test_sqlite_url_opens_a_file(tmp_path: Path) -> None:
    backend = open_backend(StoreConfig(url=f"sqlite:///{tmp_path}/sub/dir/x.db"))
    assert isinstance(backend, SqliteBackend)
    assert (tmp_path / "sub/dir/x.db").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://localhost/db", "unknown backend scheme 'mysql'"),
        ("no-scheme-at-all", "has no scheme"),
        ("http://[bad", "invalid backend URL"),
    ],
)
def test_bad_url_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_URL", url)
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[")):
        StoreConfig.from_env()


def test_sqlite_url_without_path_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="file path"):
        open_backend(StoreConfig(url="sqlite://"))


def test_bad_table_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="table name"):
        open_backend(StoreConfig(url=f"sqlite:///{tmp_path}/x.db", table="x; DROP TABLE y"))


def test_errors_and_reprs_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "couchdb://admin:s3cret-pw@db.example:5984/agent_data_store"
    assert "s3cret-pw" not in redact_url(url)
    assert redact_url(url) == "couchdb://admin:***@db.example:5984/agent_data_store"
    config = StoreConfig(url=url)
    assert "s3cret-pw" not in repr(config) and "s3cret-pw" not in str(config)
    monkeypatch.setenv("AGENT_DATA_STORE_URL", "mongodb://admin:s3cret-pw@host/db")
    with pytest.raises(ConfigurationError) as raised:
        StoreConfig.from_env()
    assert "s3cret-pw" not in str(raised.value)


def test_invalid_limit_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="max_value_bytes"):
        StoreConfig.from_env(url="memory://", max_value_bytes=0)


def test_named_memory_stores_are_shared_within_the_process() -> None:
    first = open_backend(StoreConfig(url="memory://shared-test"))
    second = open_backend(StoreConfig(url="memory://shared-test"))
    private = open_backend(StoreConfig(url="memory://"))
    from agent_data_store.records import RecordWrite

    first.put_many([RecordWrite("u", "n", "k", "1", None, "a", "2026-01-01T00:00:00Z")])
    assert second.get("u", "n", "k") is not None
    assert private.get("u", "n", "k") is None


@pytest.mark.parametrize(
    ("text", "tracking"),
    [("on", True), ("ON", True), ("1", True), ("yes", True), ("true", True),
     ("off", False), ("0", False), ("no", False), ("False", False)],
)
def test_tracking_variable_takes_on_or_off(
    monkeypatch: pytest.MonkeyPatch, text: str, tracking: bool
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_TRACKING", text)
    assert StoreConfig.from_env().tracking is tracking


def test_tracking_variable_with_another_word_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_TRACKING", "maybe")
    with pytest.raises(ConfigurationError, match="AGENT_DATA_STORE_TRACKING='maybe'; use on or"):
        StoreConfig.from_env()


def test_timeout_variable_sets_the_backend_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    assert StoreConfig.from_env().timeout_s == 5.0
    monkeypatch.setenv("AGENT_DATA_STORE_TIMEOUT_S", "30")
    assert StoreConfig.from_env().timeout_s == 30.0


@pytest.mark.parametrize("text", ["nan", "inf", "0", "-1", "soon"])
def test_timeout_that_is_not_a_positive_finite_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_TIMEOUT_S", text)
    with pytest.raises(ConfigurationError, match="timeout_s"):
        StoreConfig.from_env()


def test_tracking_write_comes_from_the_environment_and_a_bad_word_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert StoreConfig(url="memory://").tracking_write == "background"
    monkeypatch.setenv("AGENT_DATA_STORE_TRACKING_WRITE", " End_Of_Run ")
    assert StoreConfig.from_env(url="memory://").tracking_write == "end_of_run"
    monkeypatch.setenv("AGENT_DATA_STORE_TRACKING_WRITE", "later")
    with pytest.raises(ConfigurationError, match="tracking_write"):
        StoreConfig.from_env(url="memory://")
