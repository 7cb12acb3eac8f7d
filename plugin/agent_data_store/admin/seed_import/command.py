"""``agent-data-store --store TARGET import-gofannon SOURCE``: the command and its report.

Problems are printed on stderr as they are found (every document that could not be
converted, with the reason; every record the target holds differently); the summary and the
verification go to stdout, as text or ``--json``. Exit 0 when every document was imported
or was already in the target unchanged and the verification found every record.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.progress import progress
from agent_data_store.admin.seed_import.checkpoint import Checkpoint, default_path
from agent_data_store.admin.seed_import.importer import NamespaceCheck, SeedImport
from agent_data_store.admin.seed_import.sources import open_source
from agent_data_store.admin.session import Session
from agent_data_store.config import redact_url
from agent_data_store.errors import ConfigurationError

SHOWN_NAMESPACES = 20
"""Namespaces listed in the text report; ``--json`` lists all."""


def import_gofannon(args: argparse.Namespace, session: Session) -> ExitCode:
    """Copy every record of a seed source into the store; report, verify."""
    out, config = session.out, session.config
    page_size = args.page_size or config.page_size
    try:
        source = open_source(args.source, page_size=page_size, timeout_s=config.timeout_s)
    except ConfigurationError as exc:
        out.error(str(exc))
        return ExitCode.USAGE
    try:
        target = f"{redact_url(config.url)} (table {config.table})"
        checkpoint = Checkpoint(
            Path(args.checkpoint) if args.checkpoint else default_path(source.identity, target),
            source.identity, target,
        )
        if args.restart:
            checkpoint.remove()
        try:
            saved = checkpoint.load()
        except ConfigurationError as exc:
            out.error(str(exc))
            return ExitCode.USAGE
        job = SeedImport(
            source, session.backend, checkpoint, saved, overwrite=args.overwrite,
            max_value_bytes=config.max_value_bytes,
            on_unconvertible=lambda doc_id, reason: out.note(
                f"not imported: {doc_id}: {reason}"),
            on_different=lambda record_id: out.note(
                f"different: {record_id} is already in the target with other fields; "
                "kept the target's"),
        )
        state = job.state
        if job.resumed:
            out.note(f"resuming from {checkpoint.path}: {state.read:,} documents done")
        try:
            with progress("Importing", total=source.total(), unit="documents",
                          console=out.stderr) as advance:
                advance(state.read)
                job.copy(advance)
        except KeyboardInterrupt:
            out.note(f"stopped; run the same command again to resume ({checkpoint.path})")
            raise
        with progress("Verifying", total=len(state.per_namespace), unit="namespaces",
                      console=out.stderr) as advance:
            checks = job.verify(advance)
        job.finish()
    finally:
        source.close()
    missing = [check for check in checks if not check.ok]
    _report(args, session, job, source.description, checks, missing)
    ok = not (state.unconvertible or state.different or missing)
    return ExitCode.OK if ok else ExitCode.FAILED


def _report(args: argparse.Namespace, session: Session, job: SeedImport, description: str,
            checks: list[NamespaceCheck], missing: list[NamespaceCheck]) -> None:
    out, state = session.out, job.state
    users = {check.user_id for check in checks}
    for name, count in sorted(state.ignored_fields.items()):
        out.note(f"ignored the field {name!r} of {_count(count, 'document')}: the layout has "
                 "no such field")
    if state.different and not args.overwrite:
        out.note("records that differ in the target were kept as stored; --overwrite replaces them")
    if out.json_mode:
        out.json({
            "source": description,
            "documentsRead": state.read,
            "pages": state.pages,
            "resumed": job.resumed,
            "imported": state.imported,
            "identical": state.identical,
            "different": state.different,
            "unconvertible": state.unconvertible,
            "unconvertibleDocuments": [
                {"id": doc_id, "reason": reason} for doc_id, reason in state.unconvertible_sample
            ],
            "differentIds": state.different_sample,
            "ignoredFields": dict(sorted(state.ignored_fields.items())),
            "verified": not missing,
            "namespaces": [
                {"userId": c.user_id, "namespace": c.namespace, "source": c.source,
                 "target": c.target, "ok": c.ok}
                for c in checks
            ],
        })
        return
    out.line(
        f"imported {_count(state.imported, 'record')} from {description} "
        f"({_count(state.read, 'document')} read in {_count(state.pages, 'page')}); "
        f"{state.identical:,} already in the target, "
        f"{state.different:,} different in the target, {state.unconvertible:,} not convertible"
    )
    shown = missing or (checks if len(checks) <= SHOWN_NAMESPACES else [])
    if shown:
        out.table(
            ["user", "namespace", "source", "target"],
            ([c.user_id, c.namespace, c.source, c.target] for c in shown),
            title="Namespaces missing records" if missing else "Records per namespace",
            right=["source", "target"],
        )
    if missing:
        out.error(
            f"verification failed: {len(missing):,} namespace(s) have fewer records in the target "
            "than in the source; run the import again to copy what is missing (records deleted "
            "from the target meanwhile, or documents of the source naming the same record)"
        )
    else:
        out.line(
            f"verified: the target holds every record of the {len(checks):,} namespace(s) of "
            f"{len(users):,} user(s) read from the source"
        )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
