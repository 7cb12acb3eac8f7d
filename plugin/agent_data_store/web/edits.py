"""What the browser changes, written through :class:`DataStore` as an agent's calls would be.

An edit is ``data_store.set`` by the agent :data:`EDITOR_AGENT` (unless the host names
another): the value is checked by :mod:`agent_data_store.validation` (JSON only, no
NaN/Infinity, at most the configured size) and the record changes as
:func:`~agent_data_store.records.apply_write` says (value replaced, metadata kept,
``updatedAt``/``lastAccessedAt`` now, ``lastAccessedByAgent`` the editor; creation fields and
``accessCount`` kept). Deleting a record and clearing a namespace are ``delete`` and
``clear`` of the same store.
"""

from __future__ import annotations

import json
from typing import Any

from agent_data_store.backends.base import Backend
from agent_data_store.config import StoreConfig
from agent_data_store.errors import DataStoreError, InvalidValueError
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState

EDITOR_AGENT = "operator"
"""The agent name an edit in the browser is recorded under (``lastAccessedByAgent``)."""


class RecordGoneError(DataStoreError, LookupError):
    """The record being edited was deleted meanwhile; the edit was not saved."""


class RecordChangedError(DataStoreError):
    """The record being edited was written meanwhile; the edit was not saved."""


def _refuse_constant(name: str) -> Any:
    raise InvalidValueError(f"{name} is not a JSON value; nothing was stored")


def parse_value(text: str) -> Any:
    """Parse the edited JSON text, or raise :class:`InvalidValueError` saying where it breaks."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidValueError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
            "nothing was stored"
        ) from None


class Editor:
    """Writes of one user's namespace by the browser, as the agent ``agent``."""

    def __init__(
        self, backend: Backend, config: StoreConfig, user_id: str, namespace: str, agent: str
    ) -> None:
        self._backend = backend
        self._store = DataStore(lambda: backend, config, user_id, agent, RunState(agent),
                                namespace)
        self._user_id = user_id

    def save(self, key: str, text: str, seen_updated_at: str | None) -> None:
        """Store the JSON ``text`` as the value of the existing record ``key``.

        ``seen_updated_at`` is the ``updatedAt`` the editor was opened on: if the record
        was written since (or deleted), nothing is stored. The check narrows the window
        for lost edits; it is not a transaction.
        """
        value = parse_value(text)
        current = self._backend.get(self._user_id, self._store.namespace, key)
        if current is None:
            raise RecordGoneError(f"the record {key!r} no longer exists; nothing was stored")
        if seen_updated_at is not None and current.updated_at != seen_updated_at:
            raise RecordChangedError(
                f"the record {key!r} was changed by {current.last_accessed_by_agent!r} at "
                f"{current.updated_at} after you opened it; nothing was stored"
            )
        self._store.set(key, value)

    def delete(self, key: str) -> bool:
        """Delete the record ``key``; return whether it existed."""
        return self._store.delete(key)

    def clear(self) -> int:
        """Delete every record of the namespace; return how many."""
        return self._store.clear()
