"""The exceptions agent code and operators can see.

Every error a backend raises reaches callers as one of these, with a message a user can act
on and never a credential. Validation errors are also ``TypeError``/``ValueError`` so agent
code can catch them the ordinary way.
"""

from __future__ import annotations

from typing import Any


class DataStoreError(Exception):
    """Base class of every data store error."""


class BackendUnavailableError(DataStoreError):
    """The storage backend could not be reached or did not answer in time."""


class RunFinishedError(DataStoreError):
    """The ``data_store`` of a run that has finished was used (by code the run left behind)."""


class BackendError(DataStoreError):
    """The storage backend refused or failed an operation."""


class ConfigurationError(DataStoreError, ValueError):
    """The data store configuration (e.g. the backend URL) is invalid."""


class InvalidKeyError(DataStoreError, ValueError):
    """A key or namespace is empty, too long or not a string."""


class InvalidKeyTypeError(DataStoreError, TypeError):
    """A key, namespace or list of keys is of the wrong type (e.g. a number)."""


class InvalidValueError(DataStoreError, TypeError):
    """A value or metadata is not JSON-serialisable; nothing was stored."""


class ValueTooLargeError(DataStoreError, ValueError):
    """A value's JSON is larger than the configured limit; nothing was stored."""


class NamespacePermissionError(DataStoreError):
    """The run may not do this to this namespace (the host limited the namespaces it may read
    or write); nothing was read or stored.

    ``namespace``, ``operation`` and ``agent`` say which; the message also lists what the
    run may do instead.
    """

    def __init__(
        self, message: str, *, namespace: str = "", operation: str = "", agent: str = ""
    ) -> None:
        super().__init__(message)
        self.namespace = namespace
        self.operation = operation
        self.agent = agent


class QuotaExceededError(DataStoreError):
    """A write would take the user over a quota (records, or bytes of values and metadata);
    nothing was stored.

    ``records``/``bytes`` are the user's usage before the write, ``max_records``/``max_bytes``
    the limits in force (``None``: no limit).
    """

    def __init__(
        self, message: str, *, records: int = 0, bytes: int = 0,
        max_records: int | None = None, max_bytes: int | None = None,
    ) -> None:
        super().__init__(message)
        self.records = records
        self.bytes = bytes
        self.max_records = max_records
        self.max_bytes = max_bytes


UNREADABLE_HINT = (
    "It was not written by this data store, or not in its layout; records in the seed "
    "runtime's layout are converted with `agent-data-store import-gofannon`"
)


class UnreadableRecordError(BackendError):
    """A stored record cannot be read: a field is missing or not in this store's layout.

    Agents see the message, which names the record by namespace and key but never by user.
    Operator tools name the record in full from ``_record_id`` (the stored document's ID),
    which agent code cannot reach: RestrictedPython refuses every underscore name.
    """

    def __init__(
        self, problem: str, *, record_id: str, namespace: object = None, key: object = None
    ) -> None:
        if isinstance(namespace, str) and isinstance(key, str):
            where = f"the stored record of key {key!r} in namespace {namespace!r}"
        else:
            where = "a stored record"
        super().__init__(f"{where} cannot be read: {problem}. {UNREADABLE_HINT}")
        self.problem = problem
        self._record_id = record_id

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args), which this constructor cannot take. A pickled
        # copy crosses to worker processes that run agent code, so it leaves the record ID
        # (which names the user) behind: the message is all an agent needs.
        return (_unpickle_unreadable, (type(self), str(self), self.problem))


def _unpickle_unreadable(
    cls: type[UnreadableRecordError], message: str, problem: str
) -> UnreadableRecordError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.problem = problem
    error._record_id = ""
    return error


AGENT_VISIBLE_ERRORS: tuple[type[DataStoreError], ...] = (
    DataStoreError,
    BackendUnavailableError,
    BackendError,
    ConfigurationError,
    InvalidKeyError,
    InvalidKeyTypeError,
    InvalidValueError,
    ValueTooLargeError,
    UnreadableRecordError,
    NamespacePermissionError,
    QuotaExceededError,
)
"""The exception classes agent code can name (the plugin makes each a sandbox global of the
same name), so it can ``except InvalidValueError:``. New agent-facing errors join here."""

_OWN_WORDS: tuple[type[DataStoreError], ...] = (
    InvalidKeyError, InvalidKeyTypeError, InvalidValueError, ValueTooLargeError,
    UnreadableRecordError, NamespacePermissionError, QuotaExceededError,
)
"""Errors whose message is written for agents already: they name the key and the rule and
nothing of the backend."""

KEY_SHOWN_CHARS = 80


def for_agent(exc: DataStoreError, operation: str, key: object = None) -> DataStoreError:
    """The error agent code sees when ``data_store.<operation>`` fails with ``exc``.

    Validation errors pass unchanged. A storage failure becomes a new error of its family
    naming the operation, the key and what went wrong in general, never the backend, a file
    path, URL, user or host: those stay in the original, which the caller logs for operators.
    """
    if isinstance(exc, _OWN_WORDS):
        return exc
    shown = repr(key[:KEY_SHOWN_CHARS]) + ("…" if len(key) > KEY_SHOWN_CHARS else "") \
        if isinstance(key, str) else ""
    target = f"data_store.{operation}({shown})"
    if isinstance(exc, BackendUnavailableError):
        return BackendUnavailableError(
            f"{target} failed: the data store is unavailable (it could not be reached or did "
            "not answer in time); try again later"
        )
    if isinstance(exc, ConfigurationError):
        return ConfigurationError(
            f"{target} failed: the data store is not configured correctly; the host's "
            "operator finds the reason in its log"
        )
    return BackendError(
        f"{target} failed: the data store could not complete the operation; the host's "
        "operator finds the reason in its log"
    )
