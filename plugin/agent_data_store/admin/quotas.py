"""The quota commands: ``quota set``, ``quota show`` and ``usage``.

Usage comes from the backend's per-user totals (kept as records change, never counted by a
scan here); limits are the user's own where an operator set them, else the configured
defaults (``AGENT_DATA_STORE_QUOTA_RECORDS``/``_BYTES``).
"""

from __future__ import annotations

import argparse
from typing import Any

from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.progress import progress
from agent_data_store.admin.session import Session
from agent_data_store.backends.base import UNLIMITED, UserUsage
from agent_data_store.config import QUOTA_BYTES_ENV_VAR, QUOTA_RECORDS_ENV_VAR, StoreConfig
from agent_data_store.quotas import limits_for

KEEP = object()
"""``quota set`` without ``--records`` (or ``--bytes``): that limit stays as it is."""


def limit_argument(text: str) -> int | None:
    """An ``argparse`` type: a whole number ≥ 0, ``unlimited``, or ``default``."""
    word = text.strip().lower()
    if word == "default":
        return None
    if word in ("unlimited", "none"):
        return UNLIMITED
    try:
        number = int(word.replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a limit: use a whole number of at least 0, unlimited or default"
        )
    return number


def quota_set(args: argparse.Namespace, session: Session) -> ExitCode:
    """Store the user's own limits (keeping the one not given) and show the result."""
    if args.records is KEEP and args.bytes is KEEP:
        session.out.error("quota set: give --records, --bytes or both")
        return ExitCode.USAGE
    backend = session.backend
    current = backend.user_usage(args.user)
    records = current.max_records if args.records is KEEP else args.records
    size = current.max_bytes if args.bytes is KEEP else args.bytes
    backend.set_user_quota(args.user, records, size)
    return _show(session, backend.user_usage(args.user))


def quota_show(args: argparse.Namespace, session: Session) -> ExitCode:
    """The user's usage against its limits, and where each limit comes from."""
    return _show(session, session.backend.user_usage(args.user))


def _show(session: Session, usage: UserUsage) -> ExitCode:
    config = session.config
    out = session.out
    if out.json_mode:
        out.json(usage_json(usage, config))
        return ExitCode.OK
    limits = limits_for(usage, config)
    out.fields(
        [
            ("records", _against(usage.records, limits.records)),
            ("record limit from", _source(usage.max_records, config.quota_records)),
            ("bytes", _against(usage.bytes, limits.bytes)),
            ("byte limit from", _source(usage.max_bytes, config.quota_bytes)),
        ],
        title=f"Quota of {usage.user_id}",
    )
    if not config.checks_quotas:
        out.note(
            f"quotas are not enforced: writes are checked once {QUOTA_RECORDS_ENV_VAR} or "
            f"{QUOTA_BYTES_ENV_VAR} is set (a number, or unlimited to apply only users' own "
            "limits)"
        )
    return ExitCode.OK


def usage(args: argparse.Namespace, session: Session) -> ExitCode:
    """Every user with records or own limits: usage against the limits in force (with
    ``--recount``, after counting what records of an earlier version hold)."""
    config = session.config
    if args.recount:
        recount(session, args.batch_size)
    rows = [u for page in session.backend.iter_usage() for u in page]
    out = session.out
    if out.json_mode:
        out.json([usage_json(u, config) for u in rows])
        return ExitCode.OK
    table = []
    for user in rows:
        limits = limits_for(user, config)
        table.append([
            user.user_id, user.records, _limit(limits.records), user.bytes,
            _limit(limits.bytes), _share(user, limits.records, limits.bytes),
        ])
    out.table(["user", "records", "of", "bytes", "of", "use"], table, title="Usage",
              right=["records", "of", "bytes", "use"])
    return ExitCode.OK


def recount(session: Session, batch_size: int) -> int:
    """Count the records written before the backend kept their sizes; say how many."""
    counted = 0
    with progress("Counting records of an earlier version", unit="counted",
                  console=session.out.stderr) as advance:
        for count in session.backend.recount_usage(batch_size):
            counted += count
            advance(count)
    session.out.note(f"recount: {counted:,} records of an earlier version counted")
    return counted


def usage_json(usage: UserUsage, config: StoreConfig) -> dict[str, Any]:
    """A user's usage and limits for ``--json`` (``null``: no limit)."""
    limits = limits_for(usage, config)
    return {
        "user": usage.user_id, "records": usage.records, "maxRecords": limits.records,
        "bytes": usage.bytes, "maxBytes": limits.bytes, "enforced": config.checks_quotas,
        "ownLimits": {"records": _own(usage.max_records), "bytes": _own(usage.max_bytes)},
    }


def _own(value: int | None) -> int | str | None:
    return "unlimited" if value == UNLIMITED else value


def _limit(limit: int | None) -> str:
    return "unlimited" if limit is None else str(limit)


def _against(used: int, limit: int | None) -> str:
    return f"{used} of {_limit(limit)}"


def _source(own: int | None, default: int | None) -> str:
    if own is None:
        return "the default" + ("" if default is not None else " (none set)")
    return "the user's own limit"


def _share(usage: UserUsage, records: int | None, size: int | None) -> str:
    shares = [used / limit for used, limit in ((usage.records, records), (usage.bytes, size))
              if limit]
    zero = any(limit == 0 for limit in (records, size))
    if not shares:
        return "full" if zero else ""
    return f"{max(shares):.0%}"
