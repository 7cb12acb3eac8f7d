"""Storage backends, selected by the scheme of the store URL.

Backends are imported only when selected, so a deployment on SQLite never imports boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from agent_data_store.backends.base import Backend
from agent_data_store.errors import ConfigurationError

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig

BACKENDS: dict[str, str] = {
    "memory": "agent_data_store.backends.memory:MemoryBackend",
    "sqlite": "agent_data_store.backends.sqlite:SqliteBackend",
    "couchdb": "agent_data_store.backends.couchdb:CouchDBBackend",
    "couchdbs": "agent_data_store.backends.couchdb:CouchDBBackend",
    "dynamodb": "agent_data_store.backends.dynamodb:DynamoDBBackend",
    "firestore": "agent_data_store.backends.firestore:FirestoreBackend",
}
"""URL scheme → ``module:class`` of the backend that serves it."""


def backend_class(scheme: str) -> type[Backend]:
    """Return the backend class for a URL scheme."""
    try:
        target = BACKENDS[scheme]
    except KeyError:
        raise ConfigurationError(
            f"unknown backend scheme {scheme!r}; use one of: {', '.join(BACKENDS)}"
        ) from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"the {scheme} backend is not available: {exc}") from None
    cls: type[Backend] = getattr(module, class_name)
    return cls


def open_backend(config: StoreConfig) -> Backend:
    """Open the backend the configuration's URL selects."""
    return backend_class(config.parts.scheme).from_config(config)


__all__ = ["BACKENDS", "Backend", "backend_class", "open_backend"]
