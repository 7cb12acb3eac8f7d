"""The DynamoDB requests that change items: transaction actions and single-item updates.

Each function builds one request (or one action of a ``TransactWriteItems``) from the item
layout of :mod:`agent_data_store.backends.dynamodb_schema`; conditions make every write
safe against concurrent writers (a record's ``rev``, its existence, its version).
"""

from __future__ import annotations

from functools import lru_cache

from agent_data_store.backends.base import metadata_bytes, utf8_length
from agent_data_store.backends.dynamodb_schema import (
    MAX_NUMBER_DIGITS,
    PK,
    TTL_ATTRIBUTE,
    VALUE_FORMS,
    Item,
    bucket_key,
    is_integer_json,
    metadata_json,
    n,
    namespace_key,
    record_key,
    s,
    size_attributes,
    value_form,
)
from agent_data_store.backends.usage_counters import (
    Counted,
    CounterDeltas,
    bucket_end,
    epoch_seconds,
)
from agent_data_store.records import Increment, Record, RecordWrite


def _expression(names: list[str]) -> dict[str, str]:
    """Placeholders for attribute names, since many (``key``, ``value``…) are reserved words."""
    return {f"#{name.lstrip('_')}": name for name in names}


def put_action(table: str, item: Item, *, expect_rev: int | None) -> Item:
    """Put ``item``: as a create (must not exist) or over the write ``expect_rev``."""
    put: Item = {"TableName": table, "Item": item}
    if expect_rev is None:
        put["ConditionExpression"] = "attribute_not_exists(#pk)"
        put["ExpressionAttributeNames"] = _expression([PK])
    else:
        put["ConditionExpression"] = "#rev = :expect"
        put["ExpressionAttributeNames"] = _expression(["rev"])
        put["ExpressionAttributeValues"] = {":expect": n(expect_rev)}
    return {"Put": put}


def overwrite_action(table: str, record: Record, rev: int, chunks: list[bytes],
                     counted: Counted) -> Item:
    """Update an existing record item over the write ``rev`` with an overwrite's fields.

    ``accessCount``, ``createdAt`` and ``createdByAgent`` are left alone, so an access count
    added meanwhile (which does not change ``rev``) is kept. The expiry is set, or removed,
    and what the record ``counted`` in usage is set.
    """
    names = ["metadata", "lastAccessedByAgent", "updatedAt", "lastAccessedAt", "rev", "version"]
    values: Item = {
        ":metadata": s(metadata_json(record.metadata)),
        ":lastAccessedByAgent": s(record.last_accessed_by_agent),
        ":updatedAt": s(record.updated_at),
        ":lastAccessedAt": s(record.last_accessed_at),
        ":rev": n(rev + 1),
        ":version": s(record.version),
        ":expect": n(rev),
    }
    form, stored = value_form(record.value_json, chunks)
    names.append(form)
    values[f":{form}"] = stored
    dropped = [other for other in VALUE_FORMS if other != form]
    for name, stored_size in size_attributes(counted).items():
        names.append(name)
        values[f":{name}"] = stored_size
    if record.expires_at is None:
        dropped += ["expiresAt", TTL_ATTRIBUTE, "usageBucket"]
    else:
        names += ["expiresAt", TTL_ATTRIBUTE]
        values[":expiresAt"] = s(record.expires_at)
        values[f":{TTL_ATTRIBUTE}"] = n(epoch_seconds(record.expires_at))
    assignments = ", ".join(f"#{name} = :{name}" for name in names)
    return {"Update": {
        "TableName": table,
        "Key": record_key(record.user_id, record.namespace, record.key),
        "UpdateExpression": f"SET {assignments} REMOVE {', '.join('#' + d for d in dropped)}",
        "ConditionExpression": "#rev = :expect",
        "ExpressionAttributeNames": _expression([*names, *dropped]),
        "ExpressionAttributeValues": values,
    }}


def overwrite_in_place(table: str, write: RecordWrite, old: Counted, expect: str | None = None
                       ) -> tuple[Item, Counted, Counted] | None:
    """An ``UpdateItem`` request that applies ``write`` to its record without reading it, what
    its condition makes sure the record counts before, and what it counts after; ``None``
    where ``old`` (what the caller saw or guesses the record counts) cannot make one.

    It sets what an overwrite changes (the value, ``updatedAt``, ``lastAccessedAt``,
    ``lastAccessedByAgent``, ``version``, the sizes) and moves ``rev`` on, leaving
    ``createdAt``, ``createdByAgent`` and ``accessCount`` alone. Its condition holds only
    where the result equals what :func:`~agent_data_store.records.apply_write` gives and the
    record counts ``old``, so that the caller knows what the usage counters gain: the record
    exists with its value inline and of ``old``'s size; when the write has metadata, the
    stored metadata is empty or already the write's, as ``old`` says (so that the shallow
    merge is the write's metadata). Its expiry must change as the namespace's count of
    expiring records already says: a write without ``ttl`` only over a record that never
    expires, one with ``ttl`` only over a record that expires, has not expired yet, and is
    in ``old``'s bucket with ``old``'s metadata size. With ``expect`` the record must also
    be at that version. The write's value must fit inline (:func:`split_value` is empty). A
    refusal returns the stored item (``ALL_OLD``).
    """
    if old.value_bytes is None:
        return None  # written before sizes were kept: only a transaction can count it
    form, stored = value_form(write.value_json, [])
    metadata_size = old.metadata_bytes
    names = [form, "updatedAt", "lastAccessedAt", "lastAccessedByAgent", "version", "valueBytes"]
    values: Item = {
        f":{form}": stored, ":updatedAt": s(write.at), ":lastAccessedAt": s(write.at),
        ":lastAccessedByAgent": s(write.agent), ":version": s(write.version), ":one": n(1),
    }
    condition = ("attribute_exists(#pk) AND attribute_not_exists(#chunks) "
                 "AND #valueBytes = :oldValueBytes")
    values[":oldValueBytes"] = n(old.value_bytes)
    conditioned = ["pk", "chunks"]
    if write.metadata:
        metadata_size = metadata_bytes(write.metadata)
        if old.metadata_bytes not in (0, metadata_size):
            return None  # the stored metadata is another: the merge needs it read
        names += ["metadata", "metadataBytes"]
        values[":metadata"] = s(metadata_json(write.metadata))
        values[":metadataBytes"] = n(metadata_size)
        if old.metadata_bytes:
            condition += " AND #metadata = :metadata"
        else:
            values[":empty"] = s("{}")
            condition += " AND #metadata = :empty"
    if expect is not None:
        values[":expect"] = s(expect)
        condition += " AND #version = :expect"
    new_bucket = None
    if write.expires_at is None:
        condition += " AND attribute_not_exists(#expiresAt)"
        conditioned.append("expiresAt")
    else:
        if old.bucket is None:
            return None
        new_bucket = bucket_end(write.expires_at)
        names += ["expiresAt", TTL_ATTRIBUTE, "usageBucket"]
        values.update({":expiresAt": s(write.expires_at), ":now": s(write.now),
                       f":{TTL_ATTRIBUTE}": n(epoch_seconds(write.expires_at)),
                       ":usageBucket": n(new_bucket), ":oldBucket": n(old.bucket)})
        condition += " AND #expiresAt > :now AND #usageBucket = :oldBucket"
        if not write.metadata:
            values[":oldMetadataBytes"] = n(old.metadata_bytes)
            condition += " AND #metadataBytes = :oldMetadataBytes"
            conditioned.append("metadataBytes")
    values[":valueBytes"] = n(utf8_length(write.value_json))
    dropped = "num" if form == "value" else "value"
    assignments = ", ".join(f"#{name} = :{name}" for name in names)
    request = {
        "TableName": table,
        "Key": record_key(write.user_id, write.namespace, write.key),
        "UpdateExpression": f"SET {assignments} REMOVE #{dropped} ADD #rev :one",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": _expression(
            list(dict.fromkeys([*names, dropped, "rev", *conditioned]))),
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    expires = write.expires_at is not None
    assumed = Counted(old.value_bytes, old.metadata_bytes, expires, old.bucket if expires else None)
    new = Counted(utf8_length(write.value_json), metadata_size, expires, new_bucket)
    return request, assumed, new


def increment_in_place(table: str, change: Increment) -> Item | None:
    """An ``UpdateItem`` request that adds an integer amount to a record's ``num``.

    Like :func:`overwrite_in_place` it changes what a write changes (``updatedAt``,
    ``lastAccessedAt``, ``lastAccessedByAgent``, ``version``, ``rev``) and nothing else; its
    condition holds only for a live record (one that has not expired) whose value is an
    integer that keeps its number of characters when the amount is added (and so stays
    within :data:`MAX_NUMBER_DIGITS` digits): the record's size, and so its user's usage,
    does not change. Its expiry stays. It returns the new number; a refusal (a sum that
    gains or loses a digit, too, once in a while) returns the stored item. ``None`` when the
    amount is not such an integer.
    """
    if not isinstance(change.amount, int) or not is_integer_json(str(change.amount)):
        return None
    ranges, range_values = _same_length_condition(change.amount)
    return {
        "TableName": table,
        "Key": record_key(change.user_id, change.namespace, change.key),
        "UpdateExpression": "ADD #num :amount, #rev :one SET #updatedAt = :at, "
                            "#lastAccessedAt = :at, #lastAccessedByAgent = :agent, "
                            "#version = :version",
        "ConditionExpression": f"attribute_exists(#num) AND ({ranges}) "
                               "AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)",
        "ExpressionAttributeNames": _expression(
            ["num", "rev", "updatedAt", "lastAccessedAt", "lastAccessedByAgent", "version",
             "expiresAt"]),
        "ExpressionAttributeValues": {
            ":amount": n(change.amount), ":one": n(1), ":at": s(change.at), ":now": s(change.now),
            ":agent": s(change.agent), ":version": s(change.version), **range_values,
        },
        "ReturnValues": "UPDATED_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


@lru_cache(maxsize=64)
def _same_length_condition(amount: int) -> tuple[str, dict[str, dict[str, str]]]:
    """``#num`` is in a range where adding ``amount`` keeps its number of characters.

    Integers with the same sign and number of digits form a range; adding ``amount``
    keeps the length of those in the part of it that ``amount`` does not move out of it.
    """
    clauses: list[str] = []
    values: dict[str, dict[str, str]] = {}
    for digits in range(1, MAX_NUMBER_DIGITS + 1):
        lowest = 0 if digits == 1 else 10 ** (digits - 1)
        highest = 10**digits - 1
        for low, high in ((lowest, highest), (-highest, -max(lowest, 1))):
            low, high = max(low, low - amount), min(high, high - amount)
            if low > high:
                continue
            index = len(clauses)
            clauses.append(f"#num BETWEEN :low{index} AND :high{index}")
            values[f":low{index}"] = n(low)
            values[f":high{index}"] = n(high)
    return " OR ".join(clauses), values


def sizes_action(table: str, target: tuple[str, str, str], rev: int, counted: Counted) -> Item:
    """Give a record written before sizes were kept its sizes (and expiry bucket), moving its
    ``rev`` on from ``rev``."""
    stored = size_attributes(counted)
    assignments = ", ".join(f"#{name} = :{name}" for name in stored)
    return {"Update": {
        "TableName": table,
        "Key": record_key(*target),
        "UpdateExpression": f"SET {assignments} ADD #rev :one",
        "ConditionExpression": "#rev = :expect",
        "ExpressionAttributeNames": _expression([*stored, "rev"]),
        "ExpressionAttributeValues": {
            **{f":{name}": value for name, value in stored.items()},
            ":one": n(1), ":expect": n(rev),
        },
    }}


def delete_action(table: str, key: Item, *, expect_rev: int | None = None) -> Item:
    """Delete the item ``key``; a record only if it is still at the write ``expect_rev``."""
    delete: Item = {"TableName": table, "Key": key}
    if expect_rev is not None:
        delete["ConditionExpression"] = "#rev = :expect"
        delete["ExpressionAttributeNames"] = _expression(["rev"])
        delete["ExpressionAttributeValues"] = {":expect": n(expect_rev)}
    return {"Delete": delete}


def counter_actions(table: str, deltas: CounterDeltas) -> list[Item]:
    """The ``Update`` actions that add ``deltas`` to their counter items (creating them)."""
    actions = [namespace_action(table, *key, row)
               for key, row in deltas.changed_namespaces().items()]
    actions += [bucket_action(table, *key, row) for key, row in deltas.changed_buckets().items()]
    return actions


def namespace_action(table: str, user_id: str, namespace: str, row: list[int]) -> Item:
    """Add ``[records, expiring, bytes, expiring bytes]`` to the namespace's counter item."""
    return {"Update": {
        "TableName": table,
        "Key": namespace_key(user_id, namespace),
        "UpdateExpression": "SET #userId = :user, #namespace = :namespace "
                            "ADD #records :records, #expiring :expiring, #bytes :bytes, "
                            "#expiringBytes :expiringBytes",
        "ExpressionAttributeNames": _expression(
            ["userId", "namespace", "records", "expiring", "bytes", "expiringBytes"]),
        "ExpressionAttributeValues": {
            ":user": s(user_id), ":namespace": s(namespace), ":records": n(row[0]),
            ":expiring": n(row[1]), ":bytes": n(row[2]), ":expiringBytes": n(row[3]),
        },
    }}


def bucket_action(table: str, user_id: str, end: int, digest: str, row: list[int]) -> Item:
    """Add ``[records, bytes]`` to an expiry bucket's counter item, which the table's time
    to live deletes once the bucket has ended."""
    return {"Update": {
        "TableName": table,
        "Key": bucket_key(user_id, end, digest),
        "UpdateExpression": f"SET #userId = :user, #{TTL_ATTRIBUTE} = :end "
                            "ADD #records :records, #bytes :bytes",
        "ExpressionAttributeNames": _expression(["userId", TTL_ATTRIBUTE, "records", "bytes"]),
        "ExpressionAttributeValues": {
            ":user": s(user_id), ":end": n(end), ":records": n(row[0]), ":bytes": n(row[1]),
        },
    }}


def access_action(table: str, user_id: str, namespace: str, key: str, count: int,
                  agent: str | None, at: str) -> Item:
    """Add ``count`` reads to an existing record; with ``agent``, also move its last access.

    The condition keeps a deleted record deleted, and (with ``agent``) lets the last-access
    fields only move forward in time.
    """
    names = ["pk", "accessCount"]
    values: Item = {":count": n(count)}
    expression = "ADD #accessCount :count"
    condition = "attribute_exists(#pk)"
    if agent is not None:
        names += ["lastAccessedAt", "lastAccessedByAgent"]
        values.update({":at": s(at), ":agent": s(agent)})
        expression += " SET #lastAccessedAt = :at, #lastAccessedByAgent = :agent"
        condition += " AND #lastAccessedAt <= :at"
    return {"Update": {
        "TableName": table,
        "Key": record_key(user_id, namespace, key),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": _expression(names),
        "ExpressionAttributeValues": values,
    }}
