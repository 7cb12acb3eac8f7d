"""The read-only commands: totals, listings, one record, and the usage and audit views.

Each command streams the records it needs from the backend and aggregates them with
:mod:`agent_data_store.admin.reports`; none of them changes a record (showing a record is
not an access by an agent, so it is not tracked).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from agent_data_store.admin import reports
from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.progress import counted, progress
from agent_data_store.admin.session import Session
from sandbox_host.terminal import escape_json, escape_line

BYTES = "bytes (value JSON, UTF-8)"


def stats(args: argparse.Namespace, session: Session) -> ExitCode:
    """Records, users, namespaces and bytes, in total and per namespace."""
    with progress("Counting", console=session.out.stderr) as advance:
        result = reports.store_stats(counted(session.pages(args.user), advance))
    out = session.out
    if out.json_mode:
        out.json(result.to_json())
        return ExitCode.OK
    out.fields(
        [("records", result.records), ("users", result.users),
         ("namespaces", result.namespaces), (BYTES, result.bytes)],
        title="Store totals",
    )
    out.table(
        ["user", "namespace", "records", "bytes"],
        ([t.user_id, t.namespace, t.records, t.bytes] for t in result.per_namespace),
        title="Per namespace",
        right=["records", "bytes"],
    )
    return ExitCode.OK


def users(args: argparse.Namespace, session: Session) -> ExitCode:
    """Users with their record counts, namespaces and bytes."""
    with progress("Counting", console=session.out.stderr) as advance:
        result = reports.user_totals(counted(session.pages(), advance))
    out = session.out
    if out.json_mode:
        out.json([user.to_json() for user in result])
    else:
        out.table(
            ["user", "records", "namespaces", "bytes"],
            ([u.user_id, u.records, len(u.namespaces), u.bytes] for u in result),
            title="Users",
            right=["records", "namespaces", "bytes"],
        )
    return ExitCode.OK


def namespaces(args: argparse.Namespace, session: Session) -> ExitCode:
    """A user's namespaces: records, bytes, agents and last update."""
    with progress("Counting", console=session.out.stderr) as advance:
        result = reports.user_namespace_totals(
            session.backend, args.user, lambda pages: counted(pages, advance)
        )
    out = session.out
    if out.json_mode:
        out.json([namespace.to_json() for namespace in result])
    else:
        out.table(
            ["namespace", "records", "bytes", "created by", "last accessed by", "last update"],
            (
                [n.namespace, n.records, n.bytes, n.created_by, n.last_accessed_by,
                 n.last_updated]
                for n in result
            ),
            title=f"Namespaces of {args.user}",
            right=["records", "bytes"],
        )
    return ExitCode.OK


def keys(args: argparse.Namespace, session: Session) -> ExitCode:
    """The keys of a namespace, streamed a page at a time (one per line, or a JSON array).

    Keys come in the backend's page order (key order on SQLite); nothing is collected to
    sort them, so a namespace of any size lists in constant memory.
    """
    pages = session.backend.iter_keys(args.user, args.namespace, args.prefix)
    if not session.out.json_mode:
        for page in pages:
            sys.stdout.write("".join(f"{escape_line(key)}\n" for key in page))
        return ExitCode.OK
    separator = "[\n  "
    for page in pages:
        for key in page:
            sys.stdout.write(separator + escape_json(json.dumps(key, ensure_ascii=False)))
            separator = ",\n  "
    sys.stdout.write("[]\n" if separator == "[\n  " else "\n]\n")
    return ExitCode.OK


def show(args: argparse.Namespace, session: Session) -> ExitCode:
    """One record in full: value, metadata, tracking fields, timestamps."""
    record = session.backend.get(args.user, args.namespace, args.key)
    out = session.out
    if record is None:
        out.error(f"no record {args.key!r} in namespace {args.namespace!r} of user {args.user!r}")
        return ExitCode.FAILED
    document = record.to_document()
    if out.json_mode:
        out.json(document)
        return ExitCode.OK
    out.fields(
        [*((name, value) for name, value in document.items() if name != "value"),
         (BYTES, reports.value_bytes(record)), ("value", document["value"])],
        title=f"{args.user} / {args.namespace} / {args.key}",
    )
    return ExitCode.OK


def _summaries_table(session: Session, rows: list[reports.RecordSummary], title: str) -> None:
    session.out.table(
        ["user", "namespace", "key", "accesses", "bytes", "last accessed by",
         "last accessed at", "updated at"],
        (
            [s.user_id, s.namespace, s.key, s.access_count, s.bytes, s.last_accessed_by_agent,
             s.last_accessed_at, s.updated_at]
            for s in rows
        ),
        title=title,
        right=["accesses", "bytes"],
    )


def _show_summaries(session: Session, rows: list[reports.RecordSummary], title: str) -> None:
    if session.out.json_mode:
        session.out.json([summary.to_json() for summary in rows])
    else:
        _summaries_table(session, rows, title)


def _ranking(
    args: argparse.Namespace,
    session: Session,
    rank: Callable[[reports.Pages, int], list[reports.RecordSummary]],
    title: str,
) -> ExitCode:
    """Scan the selected records, keep the ``args.limit`` first by ``rank`` and show them."""
    with progress("Scanning", console=session.out.stderr) as advance:
        rows = rank(counted(session.pages(args.user, args.namespace), advance), args.limit)
    _show_summaries(session, rows, title)
    return ExitCode.OK


def top_accessed(args: argparse.Namespace, session: Session) -> ExitCode:
    """The most-read records."""
    return _ranking(args, session, reports.top_accessed, f"Top {args.limit} most-accessed records")


def largest(args: argparse.Namespace, session: Session) -> ExitCode:
    """The records with the largest values."""
    return _ranking(args, session, reports.largest, f"Top {args.limit} largest values")


def recent(args: argparse.Namespace, session: Session) -> ExitCode:
    """The most recently accessed records, or (``--by-agent``) each agent's latest activity."""
    with progress("Scanning", console=session.out.stderr) as advance:
        pages = counted(session.pages(args.user, args.namespace), advance)
        if args.by_agent:
            agents = reports.recent_by_agent(pages)
        else:
            rows = reports.most_recent(pages, args.limit, args.agent)
    if not args.by_agent:
        _show_summaries(session, rows, f"{args.limit} most recently accessed records")
        return ExitCode.OK
    if args.agent is not None:
        agents = [activity for activity in agents if activity.agent == args.agent]
    agents = agents[: args.limit]
    out = session.out
    if out.json_mode:
        out.json([activity.to_json() for activity in agents])
        return ExitCode.OK
    out.table(
        ["agent", "last access at", "last accessed record", "records last accessed",
         "records created"],
        (
            [a.agent, a.last_access_at, " / ".join(a.last_access or ()),
             a.records_last_accessed, a.records_created]
            for a in agents
        ),
        title="Recent access by agent",
        right=["records last accessed", "records created"],
    )
    return ExitCode.OK
