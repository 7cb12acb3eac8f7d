"""The commands that move, delete or prepare data: export, import, erase, clear, indexes.

Destructive commands (``erase-user``, ``clear-namespace``) need confirmation: ``--yes``, or
"y" typed at a terminal; otherwise they change nothing and exit with
:attr:`ExitCode.REFUSED`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import IO

from agent_data_store.admin.confirmation import Confirmation, confirm
from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.progress import progress
from agent_data_store.admin.session import Session
from agent_data_store.admin.transfer import RecordImporter, export_records, import_lines
from agent_data_store.records import precise_now

ERASE_ROUNDS = 3
"""How often ``erase-user`` re-lists a user's namespaces, in case an agent wrote while the
erasure ran; data still there after that many rounds is reported as a failure."""


def export(args: argparse.Namespace, session: Session) -> ExitCode:
    """Write records as JSON Lines to stdout or ``--output``, a page at a time."""
    pages = session.pages(args.user, args.namespace)
    out = session.out
    if args.output in (None, "-"):
        _ensure_utf8(sys.stdout)
        with progress("Exporting", console=out.stderr) as advance:
            count = export_records(pages, sys.stdout, advance)
        sys.stdout.flush()
        out.note(f"exported {count:,} records")
        return ExitCode.OK
    target = Path(args.output)
    # Written next to the target and renamed when complete, so a failed export never
    # leaves a file that looks like a full dump.
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as file, progress(
            "Exporting", console=out.stderr
        ) as advance:
            count = export_records(pages, file, advance)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    if out.json_mode:
        out.json({"exported": count, "file": str(target)})
    else:
        out.line(f"exported {count:,} records to {target}")
    return ExitCode.OK


def import_(args: argparse.Namespace, session: Session) -> ExitCode:
    """Read a JSON Lines dump and store its records in batches; report every problem."""
    out = session.out
    name = "<stdin>" if args.file == "-" else args.file
    importer = RecordImporter(
        session.backend,
        overwrite=args.overwrite,
        batch_size=args.batch_size or session.config.page_size,
        max_value_bytes=session.config.max_value_bytes,
        on_conflict=lambda record_id: out.note(
            f"conflict: {record_id} already exists; kept the stored record"
        ),
        on_invalid=lambda number, message: out.note(f"{name}:{number}: invalid: {message}"),
    )
    with contextlib.ExitStack() as stack:
        if args.file == "-":
            lines: IO[bytes] = sys.stdin.buffer
            total = None
        else:
            lines = stack.enter_context(open(args.file, "rb"))
            total = os.fstat(lines.fileno()).st_size
        advance = stack.enter_context(
            progress("Importing", total=total, unit="bytes", console=out.stderr)
        )
        report = import_lines(lines, importer, advance)
    if out.json_mode:
        out.json({"file": name, **report.to_json()})
    else:
        out.line(
            f"imported {report.imported:,} records from {name}; "
            f"{report.conflicts:,} conflicts, {report.invalid:,} invalid lines"
        )
        if report.conflicts and not args.overwrite:
            out.note("conflicting records were left as stored; --overwrite replaces them")
    return ExitCode.OK if report.ok else ExitCode.FAILED


def erase_user(args: argparse.Namespace, session: Session) -> ExitCode:
    """Delete every record of a user, namespace by namespace (the right to erasure)."""
    backend, out = session.backend, session.out
    names = backend.list_namespaces(args.user)
    if not names:
        _report_deleted(session, args.user, {})
        return ExitCode.OK
    shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    answer = confirm(
        f"Erase ALL data of user {args.user!r}: {len(names)} namespace(s) ({shown})? "
        "This cannot be undone.",
        assume_yes=args.yes,
    )
    if answer is not Confirmation.GIVEN:
        return _refused(session, answer, f"erase the data of user {args.user!r}")
    deleted: dict[str, int] = {}
    for _round in range(ERASE_ROUNDS):
        with progress(f"Erasing {args.user}", total=len(names), unit="namespaces",
                      console=out.stderr) as advance:
            for namespace in names:
                deleted[namespace] = deleted.get(namespace, 0) + backend.clear_namespace(
                    args.user, namespace
                )
                advance(1)
        names = backend.list_namespaces(args.user)
        if not names:
            _report_deleted(session, args.user, deleted)
            return ExitCode.OK
    _report_deleted(session, args.user, deleted)
    out.error(
        f"user {args.user!r} still has data in {len(names)} namespace(s) after "
        f"{ERASE_ROUNDS} rounds; is an agent still writing? Run erase-user again."
    )
    return ExitCode.FAILED


def clear_namespace(args: argparse.Namespace, session: Session) -> ExitCode:
    """Delete every record of one of a user's namespaces."""
    backend = session.backend
    if args.namespace not in backend.list_namespaces(args.user):
        _report_deleted(session, args.user, {})
        return ExitCode.OK
    answer = confirm(
        f"Delete every record of namespace {args.namespace!r} of user {args.user!r}? "
        "This cannot be undone.",
        assume_yes=args.yes,
    )
    if answer is not Confirmation.GIVEN:
        return _refused(session, answer, f"clear namespace {args.namespace!r}")
    count = backend.clear_namespace(args.user, args.namespace)
    _report_deleted(session, args.user, {args.namespace: count})
    return ExitCode.OK


def sweep(args: argparse.Namespace, session: Session) -> ExitCode:
    """Delete the records that have expired, in bounded batches, counting as it goes."""
    out = session.out
    removed = 0
    with progress("Sweeping expired records", unit="removed", console=out.stderr) as advance:
        for count in session.backend.sweep_expired(precise_now(), args.batch_size):
            removed += count
            advance(count)
    if out.json_mode:
        out.json({"removed": removed})
    else:
        out.line(f"removed {removed:,} expired records")
    return ExitCode.OK


def ensure_indexes(args: argparse.Namespace, session: Session) -> ExitCode:
    """Create the backend's indexes if missing and describe what exists."""
    descriptions = session.backend.ensure_indexes()
    if session.out.json_mode:
        session.out.json({"indexes": descriptions})
    else:
        for description in descriptions:
            session.out.line(description)
    return ExitCode.OK


def _report_deleted(session: Session, user_id: str, deleted: dict[str, int]) -> None:
    total = sum(deleted.values())
    out = session.out
    if out.json_mode:
        out.json({"userId": user_id, "records": total, "namespaces": deleted})
        return
    if deleted:
        out.table(
            ["namespace", "records deleted"],
            sorted(deleted.items()),
            title=f"Deleted from user {user_id}",
            right=["records deleted"],
        )
    out.line(f"deleted {total:,} records in {len(deleted)} namespace(s) of user {user_id}")


def _refused(session: Session, answer: Confirmation, action: str) -> ExitCode:
    if answer is Confirmation.NO_TERMINAL:
        session.out.error(f"refusing to {action} without confirmation; pass --yes")
    else:
        session.out.error(f"did not {action}: not confirmed")
    return ExitCode.REFUSED


def _ensure_utf8(stream: IO[str]) -> None:
    """Make ``stream`` write UTF-8 whatever the locale, since dumps are UTF-8 by definition."""
    if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
        stream.reconfigure(encoding="utf-8")
