"""The ``data_store`` sandbox plugin: persistent, per-user, namespaced key-value storage.

Agent code gets ``data_store`` as a builtin; hosts register :class:`DataStorePlugin`;
operators use :func:`open_backend` with a :class:`StoreConfig` (or the ``agent-data-store``
command).
"""

from agent_data_store.backends import Backend, open_backend
from agent_data_store.config import StoreConfig
from agent_data_store.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigurationError,
    DataStoreError,
    InvalidKeyError,
    InvalidKeyTypeError,
    InvalidValueError,
    NamespacePermissionError,
    QuotaExceededError,
    RunFinishedError,
    ValueTooLargeError,
)
from agent_data_store.hooks import DataStorePlugin
from agent_data_store.records import Access, Record, RecordWrite
from agent_data_store.store import DataStore

__all__ = [
    "Access",
    "Backend",
    "BackendError",
    "BackendUnavailableError",
    "ConfigurationError",
    "DataStore",
    "DataStoreError",
    "DataStorePlugin",
    "InvalidKeyError",
    "InvalidKeyTypeError",
    "InvalidValueError",
    "NamespacePermissionError",
    "QuotaExceededError",
    "Record",
    "RecordWrite",
    "RunFinishedError",
    "StoreConfig",
    "ValueTooLargeError",
    "open_backend",
]
