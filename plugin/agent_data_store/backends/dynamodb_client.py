"""The boto3 client of the DynamoDB backend: connection, retries, errors, table creation.

Every call goes through :meth:`DynamoDBClient.call`, which retries throttling with backoff
and turns every other failure into a ``DataStoreError`` whose message names the table and
region but never a credential, an AWS exception class or the endpoint's user info.
:func:`backoff` and :data:`CONFLICT_ATTEMPTS` pace the backend's own retries of refused
conditions and of large values overwritten while read.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import botocore.session
import orjson
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
)
from botocore.loaders import create_loader

from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.base import not_applied, request_timeout
from agent_data_store.config import is_loopback_host, split_url
from agent_data_store.errors import BackendError, BackendUnavailableError, ConfigurationError

DEFAULT_REGION = "us-east-1"
CONFLICTS = frozenset({
    "ConditionalCheckFailedException", "TransactionCanceledException",
    "TransactionConflictException",
})
"""Refusals the backend resolves by re-reading and retrying."""
CONFLICT_ATTEMPTS = 30
"""Re-reads before a write that keeps losing to concurrent writers gives up."""

THROTTLING = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
})
THROTTLING_ATTEMPTS = 6
NOT_SENT = (EndpointConnectionError, ConnectTimeoutError, ProxyConnectionError)
"""Connection failures that happen before a request leaves: a write failing so was not
applied (any other dropped connection may have carried it)."""
BATCH_ATTEMPTS = 10
"""``BatchGetItem`` calls spent retrying ``UnprocessedKeys`` before giving up."""

CREDENTIAL_ERRORS = frozenset({
    "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
    "ExpiredTokenException", "MissingAuthenticationTokenException", "IncompleteSignature",
    "InvalidClientTokenId", "SignatureDoesNotMatch",
})
TABLE_WAIT_S = 120.0

FAST_PARSED = ("GetItem", "BatchGetItem", "Query", "Scan")
"""Reads whose answers :func:`parse_items_fast` decodes instead of botocore's parser."""
_BINARY_TAGS = (b'"B"', b'"BS"')

_MODEL_LOADER = create_loader()
"""botocore's loader of service descriptions, shared by every client of this process: the
descriptions never change, and parsing them again made up most of opening a backend."""


def backoff(attempt: int, base: float = 0.02, cap: float = 1.0) -> None:
    """Sleep a jittered, exponentially growing delay before retry number ``attempt``."""
    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))


def parse_items_fast(response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
                     **_: Any) -> None:
    """Decode a successful read's JSON body with orjson, ahead of botocore's parser.

    botocore parses a response attribute by attribute, guided by the service model: most of
    the client time of a 1,000-item query. The low-level client returns items in the wire
    format except for binary attributes (base64 on the wire, ``bytes`` once parsed), so a
    body with no binary attribute (no ``"B"``/``"BS"`` tag: inside string attributes quotes
    are escaped) is decoded here whole and botocore is left an empty body; any other body,
    or one orjson refuses, is parsed by botocore as usual.
    """
    body = response_dict.get("body")
    if (response_dict.get("status_code") != 200 or not isinstance(body, bytes)
            or any(tag in body for tag in _BINARY_TAGS)):
        return
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    if isinstance(parsed, dict):
        customized_response_dict.update(parsed)
        response_dict["body"] = b"{}"


class Refused(Exception):
    """A call DynamoDB refused with one of the codes the caller expects (e.g. a condition)."""

    def __init__(self, code: str, reasons: list[dict[str, Any]] | None,
                 item: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.reasons = reasons
        """For a cancelled transaction: one ``{"Code": …}`` per action, in order (with the
        stored ``"Item"`` where the action asked for it on a failed condition)."""
        self.item = item
        """For a refused single-item write that asked for it: the item as stored."""


def _is_loopback(endpoint_url: str | None) -> bool:
    host = urlsplit(endpoint_url).hostname if endpoint_url else None
    return host is not None and is_loopback_host(host)


def _public_endpoint(endpoint_url: str) -> str:
    parts = urlsplit(endpoint_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class DynamoDBClient:
    """A boto3 DynamoDB client bound to one table, with the backend's error handling."""

    def __init__(self, table: str, region: str | None = None, endpoint_url: str | None = None,
                 timeout_s: float = 5.0) -> None:
        if not 3 <= len(table) <= 255 or not all(c.isalnum() or c in "_.-" for c in table):
            raise ConfigurationError(
                f"invalid DynamoDB table name {table!r}: 3-255 letters, digits, '_', '-', '.'"
            )
        if endpoint_url and urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise ConfigurationError("endpoint_url must be an http:// or https:// URL")
        self.table = table
        session = botocore.session.Session()
        session.register_component("data_loader", _MODEL_LOADER)
        if _is_loopback(endpoint_url):
            # DynamoDB Local accepts any credentials: don't wait on the instance-metadata
            # service, and use placeholders when none are configured.
            resolver = session.get_component("credential_provider")
            for provider in ("container-role", "iam-role"):
                resolver.remove(provider)
            if session.get_credentials() is None:
                session.set_credentials("local", "local")
        self.region = region or session.get_config_variable("region") or DEFAULT_REGION
        endpoint = f", {_public_endpoint(endpoint_url)}" if endpoint_url else ""
        self.where = f"DynamoDB table {table!r} ({self.region}{endpoint})"
        self.timeout_s = timeout_s
        config = Config(
            connect_timeout=min(timeout_s, 2.0),
            read_timeout=timeout_s,
            # botocore's own retries would multiply the timeout (each attempt waits the full
            # read timeout); call() retries throttling itself and a dropped connection once,
            # both only while the timeout lasts.
            retries={"mode": "standard", "total_max_attempts": 1},
            max_pool_connections=32,
            # Requests are built by the backend, never from caller input, and DynamoDB checks
            # them again; client-side validation walks every attribute of every request
            # (a quarter of the client time of a 100-action transaction).
            parameter_validation=False,
        )
        self.client: Any = boto3.Session(botocore_session=session).client(
            "dynamodb", region_name=self.region, endpoint_url=endpoint_url, config=config
        )
        """The boto3 client (tests register botocore event hooks on ``client.meta.events``)."""
        for operation in FAST_PARSED:
            self.client.meta.events.register(f"before-parse.dynamodb.{operation}",
                                             parse_items_fast)

    @classmethod
    def from_url(cls, url: str, default_table: str, timeout_s: float) -> DynamoDBClient:
        """The client of ``dynamodb://TABLE?region=…&endpoint_url=…`` (``default_table``
        when the URL names none)."""
        parts = split_url(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"region", "endpoint_url"}
        if unknown:
            raise ConfigurationError(
                f"unknown dynamodb URL parameter(s) {', '.join(sorted(unknown))}; "
                "use region and endpoint_url"
            )
        return cls(
            table=unquote(parts.netloc) or default_table,
            region=query.get("region", [""])[-1] or None,
            endpoint_url=query.get("endpoint_url", [""])[-1] or None,
            timeout_s=timeout_s,
        )

    def call(self, operation: str, expect: Collection[str] = CONFLICTS, **request: Any
             ) -> dict[str, Any]:
        """Call ``operation``; raise :class:`Refused` for ``expect`` codes, else a store error."""
        if operation not in ("describe_table", "create_table", "batch_get_item",
                             "transact_write_items"):
            request.setdefault("TableName", self.table)
        name = operation.replace("_", " ")
        # Retries stop at the run's deadline; a request in flight waits the client's read
        # timeout (botocore has no per-request one), the host having stopped waiting.
        deadline = time.monotonic() + request_timeout(self.timeout_s)
        reconnected = False
        # Whether an attempt may have reached DynamoDB unanswered: a write whose outcome is
        # unknown. Errors raised otherwise are marked as certainly not applied.
        maybe_sent = False
        for attempt in range(THROTTLING_ATTEMPTS):
            try:
                response: dict[str, Any] = getattr(self.client, operation)(**request)
                return response
            except (ReadTimeoutError, ConnectTimeoutError) as exc:
                unavailable = BackendUnavailableError(
                    f"{self.where} did not answer within {self.timeout_s:g} s (during {name}); "
                    "check that the service is running, or raise the timeout"
                )
                raise self._sure(unavailable, maybe_sent or isinstance(exc, ReadTimeoutError)
                                 ) from None
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in expect:
                    raise Refused(code, exc.response.get("CancellationReasons"),
                                  exc.response.get("Item")) from None
                if code in THROTTLING and attempt + 1 < THROTTLING_ATTEMPTS:
                    time.sleep(random.uniform(0, min(2.0, 0.1 * 2**attempt)))
                    continue
                raise self._sure(self._translate(name, code, exc), maybe_sent) from None
            except (NoCredentialsError, PartialCredentialsError):
                raise self._sure(BackendUnavailableError(
                    f"{self.where}: no AWS credentials found; configure them as boto3 looks "
                    "for them (environment, shared credentials file, SSO, instance role)"
                ), maybe_sent) from None
            except NoRegionError:
                raise ConfigurationError(f"{self.where}: no AWS region; add ?region=…") from None
            except (ConnectionError, HTTPClientError) as exc:
                # Failing to connect sends nothing; a connection dropped later may have
                # carried the request.
                maybe_sent = maybe_sent or not isinstance(exc, NOT_SENT)
                if not reconnected and time.monotonic() < deadline:
                    # A pooled connection the server had closed: one fresh try.
                    reconnected = True
                    continue
                raise self._sure(BackendUnavailableError(
                    f"{self.where} could not be reached (during {name}); check the endpoint, "
                    "the network and that the service is running"
                ), maybe_sent) from None
            except BotoCoreError as exc:
                raise BackendError(f"{self.where}: {name} failed: {type(exc).__doc__}") from None
        raise self._sure(BackendUnavailableError(
            f"{self.where} kept throttling {name} requests; retry later or raise its capacity"
        ), maybe_sent)

    @staticmethod
    def _sure(exc: Exception, maybe_sent: bool) -> Exception:
        """``exc``, marked as certainly not applied unless a request may have landed."""
        return exc if maybe_sent else not_applied(exc)

    def _translate(self, name: str, code: str, exc: ClientError) -> Exception:
        if code in THROTTLING:
            return BackendUnavailableError(
                f"{self.where} kept throttling {name} requests; retry later or raise its capacity"
            )
        if code in CREDENTIAL_ERRORS:
            return BackendUnavailableError(
                f"{self.where}: AWS refused the credentials or their permissions for {name}; "
                "check the credentials boto3 finds and the IAM policy (see the README)"
            )
        if code == "ResourceNotFoundException":
            return BackendError(f"{self.where} does not exist (was it deleted?)")
        message = str(exc.response.get("Error", {}).get("Message", "")) or "no details"
        return BackendError(f"{self.where}: {name} failed: {message}")

    def call_ignoring_refusal(self, operation: str, **request: Any) -> None:
        """Call ``operation``, treating a refused condition as nothing to do."""
        with contextlib.suppress(Refused):
            self.call(operation, **request)

    def batch_get(self, keys: Sequence[dict[str, Any]], attributes: Sequence[str] | None
                  ) -> list[dict[str, Any]]:
        """Consistent ``BatchGetItem`` of ``keys``, 100 a call, retrying ``UnprocessedKeys``."""
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {"Keys": list(keys[start : start + 100]),
                                       "ConsistentRead": True}
            if attributes is not None:
                request.update(schema.projection(attributes))
            pending: dict[str, Any] = {self.table: request}
            for attempt in range(BATCH_ATTEMPTS):
                response = self.call("batch_get_item", RequestItems=pending)
                items.extend(response.get("Responses", {}).get(self.table, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
            else:
                raise BackendUnavailableError(
                    f"{self.where} left keys unprocessed {BATCH_ATTEMPTS} times (throttling); "
                    "retry later or raise its capacity"
                )
        return items

    def ensure_table(self, *, create: bool = True) -> None:
        """Create the table if missing (safe when several processes race) and wait for ACTIVE.

        With ``create=False`` a missing table is a :class:`ConfigurationError`.
        """
        deadline = time.monotonic() + TABLE_WAIT_S
        created = False
        while True:
            try:
                table = self.call("describe_table", expect={"ResourceNotFoundException"},
                                  TableName=self.table)["Table"]
            except Refused:
                if not create:
                    raise ConfigurationError(
                        f"{self.where} does not exist (nothing was created)"
                    ) from None
                created = self._create_table() or created
                continue
            keys = {(k["AttributeName"], k["KeyType"]) for k in table.get("KeySchema", [])}
            if keys != {(schema.PK, "HASH"), (schema.SK, "RANGE")}:
                raise ConfigurationError(
                    f"{self.where} exists with another key schema; the data store needs "
                    f"{schema.PK} (HASH, string) and {schema.SK} (RANGE, string)"
                )
            if table.get("TableStatus") == "ACTIVE":
                if created:
                    self.ensure_time_to_live()
                return
            if time.monotonic() > deadline:
                raise BackendUnavailableError(f"{self.where} did not become ACTIVE in time")
            time.sleep(0.5)

    def ensure_time_to_live(self) -> str:
        """Switch the table's time to live on for :data:`~schema.TTL_ATTRIBUTE`, unless it is;
        describe the setting.

        A table whose time to live is on for another attribute keeps it (a table has one):
        expired records are then removed by ``agent-data-store sweep`` alone.
        """
        described = self.call("describe_time_to_live", TableName=self.table)
        setting = described.get("TimeToLiveDescription", {})
        status, attribute = setting.get("TimeToLiveStatus"), setting.get("AttributeName")
        if status in ("ENABLED", "ENABLING") and attribute == schema.TTL_ATTRIBUTE:
            return f"time to live on {attribute!r} ({status.lower()})"
        if status in ("ENABLED", "ENABLING"):
            return (f"time to live is on for {attribute!r}, not {schema.TTL_ATTRIBUTE!r}: "
                    "expired records are removed by `agent-data-store sweep` only")
        self.call("update_time_to_live", TableName=self.table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": schema.TTL_ATTRIBUTE})
        return f"time to live on {schema.TTL_ATTRIBUTE!r} (switched on)"

    def _create_table(self) -> bool:
        """Create the table; whether this call did (not another process, first)."""
        # Refused: another process created it first; ensure_table then waits for ACTIVE.
        with contextlib.suppress(Refused):
            self.call(
                "create_table",
                expect={"ResourceInUseException"},
                TableName=self.table,
                AttributeDefinitions=[
                    {"AttributeName": schema.PK, "AttributeType": "S"},
                    {"AttributeName": schema.SK, "AttributeType": "S"},
                ],
                KeySchema=[
                    {"AttributeName": schema.PK, "KeyType": "HASH"},
                    {"AttributeName": schema.SK, "KeyType": "RANGE"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            return True
        return False

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self.client.close()
