"""The DynamoDB requests that change items: transaction actions and single-item updates.

Each function builds one request (or one action of a ``TransactWriteItems``) from the item
layout of :mod:`agent_data_store.backends.dynamodb_schema`; conditions make every write
safe against concurrent writers (a record's ``rev``, its existence, its version).
"""

from __future__ import annotations

from agent_data_store.backends.dynamodb_schema import (
    MAX_NUMBER_DIGITS,
    PK,
    TTL_ATTRIBUTE,
    VALUE_FORMS,
    Item,
    epoch_seconds,
    is_integer_json,
    metadata_json,
    n,
    namespace_key,
    record_key,
    s,
    value_form,
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


def overwrite_action(table: str, record: Record, rev: int, chunks: list[bytes]) -> Item:
    """Update an existing record item over the write ``rev`` with an overwrite's fields.

    ``accessCount``, ``createdAt`` and ``createdByAgent`` are left alone, so an access count
    added meanwhile (which does not change ``rev``) is kept. The expiry is set, or removed.
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
    if record.expires_at is None:
        dropped += ["expiresAt", TTL_ATTRIBUTE]
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


def overwrite_in_place(table: str, write: RecordWrite, expect: str | None = None) -> Item:
    """An ``UpdateItem`` request that applies ``write`` to its record without reading it.

    It sets what an overwrite changes (the value, ``updatedAt``, ``lastAccessedAt``,
    ``lastAccessedByAgent``, ``version``) and moves ``rev`` on, leaving ``createdAt``,
    ``createdByAgent`` and ``accessCount`` alone. Its condition holds only where the result
    equals what :func:`~agent_data_store.records.apply_write` gives: the record exists with
    its value inline, and (when the write has metadata) its stored metadata is empty or
    already the write's, so that the shallow merge is the write's metadata. Its expiry must
    change as the namespace's count of expiring records already says: a write without
    ``ttl`` only over a record that never expires, one with ``ttl`` only over a record that
    expires and has not expired yet. With ``expect`` the record must also be at that
    version. The write's value must fit inline (:func:`split_value` is empty). A refusal
    returns the stored item (``ALL_OLD``).
    """
    form, stored = value_form(write.value_json, [])
    names = [form, "updatedAt", "lastAccessedAt", "lastAccessedByAgent", "version"]
    values: Item = {
        f":{form}": stored, ":updatedAt": s(write.at), ":lastAccessedAt": s(write.at),
        ":lastAccessedByAgent": s(write.agent), ":version": s(write.version), ":one": n(1),
    }
    condition = "attribute_exists(#pk) AND attribute_not_exists(#chunks)"
    if write.metadata:
        names.append("metadata")
        values[":metadata"] = s(metadata_json(write.metadata))
        values[":empty"] = s("{}")
        condition += " AND #metadata IN (:empty, :metadata)"
    if expect is not None:
        values[":expect"] = s(expect)
        condition += " AND #version = :expect"
    if write.expires_at is None:
        condition += " AND attribute_not_exists(#expiresAt)"
    else:
        names += ["expiresAt", TTL_ATTRIBUTE]
        values.update({":expiresAt": s(write.expires_at), ":now": s(write.now),
                       f":{TTL_ATTRIBUTE}": n(epoch_seconds(write.expires_at))})
        condition += " AND #expiresAt > :now"
    dropped = "num" if form == "value" else "value"
    assignments = ", ".join(f"#{name} = :{name}" for name in names)
    return {
        "TableName": table,
        "Key": record_key(write.user_id, write.namespace, write.key),
        "UpdateExpression": f"SET {assignments} REMOVE #{dropped} ADD #rev :one",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": _expression(
            [*names, dropped, "rev", PK, "chunks", "expiresAt"]),
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def increment_in_place(table: str, change: Increment) -> Item | None:
    """An ``UpdateItem`` request that adds an integer amount to a record's ``num``.

    Like :func:`overwrite_in_place` it changes what a write changes (``updatedAt``,
    ``lastAccessedAt``, ``lastAccessedByAgent``, ``version``, ``rev``) and nothing else; its
    condition holds only for a live record (one that has not expired) whose value is an
    integer small enough that the sum stays within :data:`MAX_NUMBER_DIGITS` digits; its
    expiry stays. It returns the new number; a refusal returns the stored item. ``None``
    when the amount is not such an integer.
    """
    if not isinstance(change.amount, int) or not is_integer_json(str(change.amount)):
        return None
    largest = 10**MAX_NUMBER_DIGITS - 1
    return {
        "TableName": table,
        "Key": record_key(change.user_id, change.namespace, change.key),
        "UpdateExpression": "ADD #num :amount, #rev :one SET #updatedAt = :at, "
                            "#lastAccessedAt = :at, #lastAccessedByAgent = :agent, "
                            "#version = :version",
        "ConditionExpression": "attribute_exists(#num) AND #num BETWEEN :low AND :high "
                               "AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)",
        "ExpressionAttributeNames": _expression(
            ["num", "rev", "updatedAt", "lastAccessedAt", "lastAccessedByAgent", "version",
             "expiresAt"]),
        "ExpressionAttributeValues": {
            ":amount": n(change.amount), ":one": n(1), ":at": s(change.at), ":now": s(change.now),
            ":agent": s(change.agent), ":version": s(change.version),
            ":low": n(-largest - min(change.amount, 0)),
            ":high": n(largest - max(change.amount, 0)),
        },
        "ReturnValues": "UPDATED_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def delete_action(table: str, key: Item, *, expect_rev: int | None = None) -> Item:
    """Delete the item ``key``; a record only if it is still at the write ``expect_rev``."""
    delete: Item = {"TableName": table, "Key": key}
    if expect_rev is not None:
        delete["ConditionExpression"] = "#rev = :expect"
        delete["ExpressionAttributeNames"] = _expression(["rev"])
        delete["ExpressionAttributeValues"] = {":expect": n(expect_rev)}
    return {"Delete": delete}


def count_action(table: str, user_id: str, namespace: str, delta: int, expiring: int) -> Item:
    """Add ``delta`` to the namespace's record count and ``expiring`` to its count of records
    that expire (creating its item if missing)."""
    return {"Update": {
        "TableName": table,
        "Key": namespace_key(user_id, namespace),
        "UpdateExpression": "SET #userId = :user, #namespace = :namespace "
                            "ADD #records :delta, #expiring :expiring",
        "ExpressionAttributeNames": _expression(["userId", "namespace", "records", "expiring"]),
        "ExpressionAttributeValues": {
            ":user": s(user_id), ":namespace": s(namespace), ":delta": n(delta),
            ":expiring": n(expiring),
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
