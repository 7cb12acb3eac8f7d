"""The data store as agent code sees it: record semantics over a backend, bound to one identity.

:class:`DataStore` is the trusted implementation: it validates input, builds record writes,
tracks accesses and logs operations. :func:`agent_handle` wraps one in the object agent code
gets as ``data_store``, which exposes the documented methods and nothing else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from agent_data_store.backends.base import CALL_DEADLINE, request_timeout
from agent_data_store.errors import (
    DataStoreError,
    InvalidValueError,
    UnreadableRecordError,
    for_agent,
)
from agent_data_store.json_text import decode
from agent_data_store.permissions import UNRESTRICTED, NamespacePermissions
from agent_data_store.quotas import (
    check_growth,
    exact_growth,
    increment_growth,
    most_growth,
    most_increment_growth,
)
from agent_data_store.records import (
    Increment,
    RecordWrite,
    document_id,
    expiry_after,
    new_version,
    new_versions,
    precise_now,
    utc_now,
)
from agent_data_store.validation import (
    check_amount,
    check_keys,
    check_metadata,
    check_name,
    check_size,
    check_ttl,
    check_version,
    to_json,
)

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend
    from agent_data_store.config import StoreConfig
    from agent_data_store.tracking import RunState

DEFAULT_NAMESPACE = "default"

log = logging.getLogger(__name__)


class DataStore:
    """Key-value storage of one user's namespace, used by one agent during one run.

    The user and agent are fixed at construction, and so are the namespaces the run may
    read and write (``permissions``; :func:`agent_handle` enforces them on every call, and
    :meth:`list_namespaces` and :meth:`use_namespace` here). Reads count as accesses,
    buffered in ``run.tracker``; every call is logged in ``run``.
    """

    def __init__(
        self,
        backend: Callable[[], Backend],
        config: StoreConfig,
        user_id: str,
        agent: str,
        run: RunState,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        permissions: NamespacePermissions = UNRESTRICTED,
    ) -> None:
        self._backend = backend
        self._config = config
        self._user_id = user_id
        self._agent = agent
        self._run = run
        self._namespace = check_name(namespace, "namespace")
        self._permissions = permissions
        self._tracking = config.tracking
        self._reads = run.tracker.read_log(user_id, self._namespace, agent)
        self._max_value_bytes = config.max_value_bytes

    @property
    def namespace(self) -> str:
        """The namespace this store reads and writes."""
        return self._namespace

    @property
    def user_id(self) -> str:
        """The user whose records this store reads and writes (never shown to agent code)."""
        return self._user_id

    @property
    def agent(self) -> str:
        """The agent this store acts for (never shown to agent code)."""
        return self._agent

    @property
    def permissions(self) -> NamespacePermissions:
        """The namespaces the run may read and write (never shown to agent code)."""
        return self._permissions

    def _track(self, keys: list[str]) -> None:
        if self._tracking and keys:
            self._run.tracker.record_in(self._reads, keys)

    def _decode(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """Key → a fresh copy of the value, from ``(key, value JSON text)`` pairs.

        Backends hand values over as stored; one that is not JSON text (written by hand or
        in another layout) is an :class:`UnreadableRecordError` naming its key.
        """
        try:
            return {key: decode(value_json) for key, value_json in pairs}
        except ValueError:
            key = next(key for key, value_json in pairs if not _is_json(value_json))
        raise self._unreadable(key)

    def _unreadable(self, key: str) -> UnreadableRecordError:
        return UnreadableRecordError(
            "value is not JSON text", namespace=self._namespace, key=key,
            record_id=document_id(self._user_id, self._namespace, key),
        )

    def _write(
        self, key: str, value: Any, metadata: dict[str, Any] | None, at: str,
        expires_at: str | None, now: str | None = None, version: str | None = None,
    ) -> RecordWrite:
        """The one place a write of this store is built: every write method goes through it.

        The value is encoded once, here; its text is what is size-checked, stored and
        logged. ``now`` and ``version`` default to fresh ones (bulk writes pass their own).
        """
        value_json = to_json(value)
        check_size(value_json, self._max_value_bytes)
        return RecordWrite(
            self._user_id, self._namespace, key, value_json, metadata, self._agent, at,
            version or new_version(), expires_at, now or precise_now(),
        )

    def _admit(
        self, operation: str, writes: list[RecordWrite], *, create_only: bool = False
    ) -> None:
        """Refuse ``writes`` if they would take the user over a quota (:mod:`.quotas`);
        ``create_only``: they store only keys that do not exist."""
        if not self._config.checks_quotas:
            return
        backend = self._backend()
        check_growth(
            backend, self._config, self._user_id, operation, most_growth(writes),
            lambda: exact_growth(
                backend.get_many(self._user_id, self._namespace, [w.key for w in writes]),
                writes, create_only=create_only,
            ),
        )

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key`` (a fresh copy), or ``default`` if it does not exist."""
        key = check_name(key, "key")
        value_json = self._backend().get_value_json(self._user_id, self._namespace, key)
        if value_json is None:
            self._run.log("get", self._namespace, key=key, found=False)
            return default
        try:
            value = decode(value_json)
        except ValueError:
            raise self._unreadable(key) from None
        if self._tracking:
            self._run.tracker.record_one(self._reads, key)
        self._run.log_read("get", self._namespace, key, value_json)
        return value

    def set(
        self, key: str, value: Any, metadata: dict[str, Any] | None = None,
        ttl: float | None = None,
    ) -> None:
        """Create or overwrite ``key``; ``metadata`` is shallow-merged into the existing one.

        With ``ttl`` (seconds) the record expires that long from now; without, it never
        does (an earlier expiry is cleared).
        """
        key = check_name(key, "key")
        write = self._write(key, value, None if metadata is None else check_metadata(metadata),
                            utc_now(), None if ttl is None else _expiry(ttl))
        self._admit("set", [write])
        self._backend().put_many([write])
        self._run.log("set", self._namespace, key=key, value_json=write.value_json)

    def set_if_absent(
        self, key: str, value: Any, metadata: dict[str, Any] | None = None,
        ttl: float | None = None,
    ) -> bool:
        """Create ``key`` only if it does not exist (or has expired); return whether it did.

        Atomic: of concurrent callers, one creates the key. ``ttl`` as for :meth:`set`.
        """
        key = check_name(key, "key")
        write = self._write(key, value, check_metadata(metadata), utc_now(), _expiry(ttl))
        self._admit("set_if_absent", [write], create_only=True)
        created = self._backend().put_if(write, None)
        self._run.log("set_if_absent", self._namespace, key=key, written=created,
                      value_json=write.value_json if created else None)
        return created

    def compare_and_set(
        self, key: str, value: Any, version: str | None, metadata: dict[str, Any] | None = None,
        ttl: float | None = None,
    ) -> bool:
        """Write ``key`` only if its version is still ``version`` (``None``: it must not exist).

        Returns whether the write happened. The version comes from :meth:`get_record`; an
        expired record does not exist. ``ttl`` as for :meth:`set`.
        """
        key = check_name(key, "key")
        expect = check_version(version)
        write = self._write(key, value, check_metadata(metadata), utc_now(), _expiry(ttl))
        self._admit("compare_and_set", [write], create_only=expect is None)
        written = self._backend().put_if(write, expect)
        self._run.log("compare_and_set", self._namespace, key=key, written=written,
                      value_json=write.value_json if written else None)
        return written

    def increment(self, key: str, amount: int | float = 1) -> int | float:
        """Add ``amount`` to the number stored at ``key`` atomically; return the new value.

        A missing (or expired) key is created holding ``amount``, without expiry; a live one
        keeps its expiry. A value that is not a number raises ``InvalidValueError`` and
        nothing changes. Counts as a write, like :meth:`set`.
        """
        key = check_name(key, "key")
        change = Increment(self._user_id, self._namespace, key, check_amount(amount),
                           self._agent, utc_now())
        backend = self._backend()
        check_growth(
            backend, self._config, self._user_id, "increment", most_increment_growth(change),
            lambda: increment_growth(backend.get(self._user_id, self._namespace, key), change),
        )
        value_json = backend.increment(change)
        self._run.log("increment", self._namespace, key=key, value_json=value_json)
        result: int | float = json.loads(value_json)
        return result

    def get_record(self, key: str) -> dict[str, Any] | None:
        """Return ``key``'s value with its version, metadata and tracking fields, or ``None``.

        Counts as an access, like :meth:`get`.
        """
        key = check_name(key, "key")
        if self._run.counts_written is not None:
            # The record's access count includes the finished runs' reads.
            self._run.counts_written(request_timeout(self._config.timeout_s))
        record = self._backend().get(self._user_id, self._namespace, key)
        if record is None:
            self._run.log("get_record", self._namespace, key=key, found=False)
            return None
        if self._tracking:
            self._run.tracker.record_one(self._reads, key)
        self._run.log_read("get_record", self._namespace, key, record.value_json)
        return {
            "value": record.value,
            "version": record.version,
            "metadata": json.loads(to_json(record.metadata, "metadata")),
            "createdByAgent": record.created_by_agent,
            "lastAccessedByAgent": record.last_accessed_by_agent,
            "accessCount": record.access_count,
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "lastAccessedAt": record.last_accessed_at,
            "expiresAt": record.expires_at,
        }

    def delete(self, key: str) -> bool:
        """Delete ``key``; return whether it existed."""
        key = check_name(key, "key")
        existed = self._backend().delete_many(self._user_id, self._namespace, [key]) > 0
        self._run.log("delete", self._namespace, key=key, found=existed)
        return existed

    def delete_many(self, keys: list[str]) -> int:
        """Delete ``keys`` in one bulk call; return how many existed."""
        checked = check_keys(keys)
        deleted = (
            self._backend().delete_many(self._user_id, self._namespace, checked) if checked else 0
        )
        self._run.log("delete_many", self._namespace, count=len(checked), found=deleted)
        return deleted

    def list_keys(self, prefix: str | None = None) -> list[str]:
        """Return the namespace's keys (starting with ``prefix``), sorted."""
        if prefix is not None and not isinstance(prefix, str):
            raise InvalidValueError(f"prefix must be a string or None, not {type(prefix).__name__}")
        keys = [
            key
            for page in self._backend().iter_keys(self._user_id, self._namespace, prefix or None)
            for key in page
        ]
        keys.sort()
        self._run.log("list_keys", self._namespace, count=len(keys))
        return keys

    def list_namespaces(self) -> list[str]:
        """Return the user's namespaces that hold at least one key and that the run may read,
        sorted."""
        namespaces = sorted(
            namespace for namespace in self._backend().list_namespaces(self._user_id)
            if self._permissions.can_read(namespace)
        )
        self._run.log("list_namespaces", self._namespace, count=len(namespaces))
        return namespaces

    def use_namespace(self, namespace: str) -> DataStore:
        """Return a store for ``namespace`` with the same user, agent and permissions.

        A namespace the run may neither read nor write is refused at once
        (:class:`~agent_data_store.errors.NamespacePermissionError`).
        """
        namespace = check_name(namespace, "namespace")
        self._permissions.check_reachable(namespace, self._agent)
        return DataStore(
            self._backend, self._config, self._user_id, self._agent, self._run, namespace,
            permissions=self._permissions,
        )

    def clear(self) -> int:
        """Delete every key of this namespace; return how many."""
        deleted = self._backend().clear_namespace(self._user_id, self._namespace)
        self._run.log("clear", self._namespace, count=deleted)
        return deleted

    def get_all(self) -> dict[str, Any]:
        """Return every key → value of the namespace (paged indexed queries)."""
        pairs = [
            pair
            for page in self._backend().iter_values(self._user_id, self._namespace)
            for pair in page
        ]
        pairs.sort()
        result = self._decode(pairs)
        self._track(list(result))
        self._run.log("get_all", self._namespace, count=len(result))
        return result

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        """Return key → value for the ``keys`` that exist, in one bulk call."""
        checked = check_keys(keys)
        found = (
            self._backend().get_many_values(self._user_id, self._namespace, checked)
            if checked else {}
        )
        result = self._decode([(key, found[key]) for key in dict.fromkeys(checked) if key in found])
        self._track(list(result))
        self._run.log("get_many", self._namespace, count=len(checked), found=len(result))
        return result

    def set_many(
        self, items: Mapping[str, Any], metadata: dict[str, Any] | None = None,
        ttl: float | None = None,
    ) -> int:
        """Store every key → value of ``items`` in one bulk call; return how many.

        ``metadata`` and ``ttl`` apply to every item, as for :meth:`set`.
        """
        if not isinstance(items, Mapping):
            raise InvalidValueError(
                f"items must be a dict of key to value, not {type(items).__name__}"
            )
        checked_metadata = check_metadata(metadata)
        at, now, expires_at = utc_now(), precise_now(), _expiry(ttl)
        pairs = list(items.items())
        writes = [
            self._write(check_name(key, "key"), value, checked_metadata, at, expires_at, now,
                        version)
            for (key, value), version in zip(pairs, new_versions(len(pairs)), strict=True)
        ]
        if writes:
            self._admit("set_many", writes)
            self._backend().put_many(writes)
        self._run.log("set_many", self._namespace, count=len(writes))
        return len(writes)


def _expiry(ttl: object) -> str | None:
    """The expiry time of a write with ``ttl`` (checked), or ``None`` for no expiry."""
    seconds = check_ttl(ttl)
    return None if seconds is None else expiry_after(seconds)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


_METHODS = (
    "get", "set", "delete", "delete_many", "list_keys", "list_namespaces",
    "use_namespace", "clear", "get_all", "get_many", "set_many",
    "increment", "set_if_absent", "get_record", "compare_and_set",
)


class DataStoreHandle:
    """The ``data_store`` object agent code gets.

    Each attribute is a plain function closed over a :class:`DataStore`; there is no
    attribute, bound method owner or repr through which agent code could read or change
    the user, the agent or the backend. Instances cannot be modified.
    """

    __slots__ = (*_METHODS, "_namespace")

    get: Callable[..., Any]
    set: Callable[..., None]
    delete: Callable[[str], bool]
    delete_many: Callable[[list[str]], int]
    list_keys: Callable[..., list[str]]
    list_namespaces: Callable[[], list[str]]
    use_namespace: Callable[[str], DataStoreHandle]
    clear: Callable[[], int]
    get_all: Callable[[], dict[str, Any]]
    get_many: Callable[[list[str]], dict[str, Any]]
    set_many: Callable[..., int]
    increment: Callable[..., int | float]
    set_if_absent: Callable[..., bool]
    get_record: Callable[[str], dict[str, Any] | None]
    compare_and_set: Callable[..., bool]
    _namespace: str

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("data_store cannot be modified")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("data_store cannot be modified")

    def __repr__(self) -> str:
        return f"<data_store namespace={self._namespace!r}>"

    def __reduce__(self) -> Any:
        raise TypeError(
            "data_store cannot be copied or pickled (copy.copy, copy.deepcopy, pickle): "
            "use it directly, or data_store.use_namespace() for another namespace"
        )


def agent_handle(store: DataStore) -> DataStoreHandle:
    """Wrap ``store`` in the object agent code gets as ``data_store``."""
    handle = object.__new__(DataStoreHandle)

    def use_namespace(namespace: str) -> DataStoreHandle:
        """Return a data_store for another namespace of the same user."""
        return agent_handle(store.use_namespace(namespace))

    run = store._run
    functions: dict[str, Any] = {name: _expose(store, name, run) for name in _METHODS}
    functions["use_namespace"] = use_namespace
    functions["_namespace"] = store.namespace
    for name, function in functions.items():
        object.__setattr__(handle, name, function)
    return handle


DEADLINE_MARGIN_S = 0.1
"""A storage error this close to the run's deadline is the deadline's doing (requests are
cut to the run's remaining time, rounded down)."""

_KEYED = frozenset({
    "get", "set", "delete", "increment", "set_if_absent", "get_record", "compare_and_set",
})
"""Methods whose first argument is a key, which an agent-facing error names."""


def _expose(store: DataStore, name: str, run: RunState) -> Callable[..., Any]:
    """A plain function calling ``store.<name>``, so agent code never holds a bound method.

    Every call first checks that the run is still on (:meth:`RunState.check_open`) and
    caps the database's requests at the run's deadline, then
    that the run may do this to the store's namespace (what each operation needs is
    :data:`~agent_data_store.permissions.OPERATION_ACCESS`, which must list every exposed
    operation; the answer is fixed per handle, as its namespace is). A storage failure
    reaches the agent as :func:`~agent_data_store.errors.for_agent` words it (operation,
    key, what went wrong in general); the full error, with the backend's details, goes to
    this module's log for the host's operator.
    """
    method = getattr(store, name)
    check_open = run.check_open
    # What check_open does on an open run, without its call: every data_store call pays it.
    charge = None if run.controls is None else run.controls.charge
    permissions = store.permissions
    allowed = permissions.allows(name, store.namespace)
    deadline = None if run.controls is None else run.controls.deadline

    def call(*args: Any, **kwargs: Any) -> Any:
        if run.finished:
            check_open()
        if charge is not None:
            charge(1)
        if not allowed:
            raise permissions.denied(name, store.namespace, store.agent)
        # No request to the database outlasts the run's deadline (see request_timeout).
        token = CALL_DEADLINE.set(deadline)
        try:
            result = method(*args, **kwargs)
        except DataStoreError as exc:
            if run.controls is not None and run.controls.remaining_s() < DEADLINE_MARGIN_S:
                # A request cut short by the run's deadline: the run is over, say that.
                raise run.controls.deadline_error() from None
            key = args[0] if args and name in _KEYED else kwargs.get("key")
            shown = for_agent(exc, name, key)
            if shown is exc:
                raise
            log.warning(
                "data_store.%s failed for user %r, agent %r, namespace %r: %s: %s", name,
                store.user_id, store.agent, store.namespace, type(exc).__name__, exc,
            )
            raise shown from None
        finally:
            CALL_DEADLINE.reset(token)
        if run.finished:
            # The run ended while the call was under way (the host stopped waiting for
            # it): its answer never reaches the agent, so no access is counted for it.
            check_open()
        return result

    call.__name__ = method.__name__
    call.__qualname__ = f"data_store.{method.__name__}"
    call.__doc__ = method.__doc__
    return call

