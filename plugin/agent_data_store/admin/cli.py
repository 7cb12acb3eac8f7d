"""``agent-data-store``: the operator's command line over any backend URL.

This module only wires argparse to the commands in :mod:`~agent_data_store.admin.views`
(read-only) and :mod:`~agent_data_store.admin.maintenance` (export, import, erase, indexes),
opens the store, and turns errors into one-line messages and :class:`ExitCode` values.

The store is ``--store URL``, else ``$AGENT_DATA_STORE_URL``, else the embedded SQLite
default. Global options may come before or after the command.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from agent_data_store.admin import maintenance, quotas, views
from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.render import Output
from agent_data_store.admin.seed_import.command import import_gofannon
from agent_data_store.admin.session import Session
from agent_data_store.backends import open_backend
from agent_data_store.config import (
    DEFAULT_TIMEOUT_S,
    QUOTA_BYTES_ENV_VAR,
    QUOTA_RECORDS_ENV_VAR,
    TIMEOUT_ENV_VAR,
    StoreConfig,
    redact_url,
)
from agent_data_store.errors import (
    BackendUnavailableError,
    ConfigurationError,
    DataStoreError,
    UnreadableRecordError,
)
from sandbox_host.cli import package_version, positive_seconds

Command = Callable[[argparse.Namespace, Session], ExitCode]

EPILOG = """\
exit codes: 0 ok; 1 operation failed (backend error, record not found, import conflicts or
invalid lines); 2 usage error (bad arguments or store URL); 3 destructive command not
confirmed (no --yes and no terminal, or declined at the prompt); 130 interrupted.
"""


def _global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # On the subcommands the defaults are suppressed, so an option given before the
    # command is not reset by the subcommand's own parser.
    default = argparse.SUPPRESS
    parser.add_argument(
        "--store", metavar="URL", default=None if top_level else default,
        help="backend URL (default: $AGENT_DATA_STORE_URL, else the embedded SQLite file)",
    )
    parser.add_argument(
        "--table", metavar="NAME", default=None if top_level else default,
        help="collection/table name (default: agent_data_store)",
    )
    parser.add_argument(
        "--json", action="store_true", default=False if top_level else default,
        help="print results as JSON for scripts",
    )
    parser.add_argument(
        "--timeout", metavar="S", type=positive_seconds, default=None if top_level else default,
        help=f"how long one request to the backend may take before the command fails "
        f"(default: ${TIMEOUT_ENV_VAR}, else {DEFAULT_TIMEOUT_S:g}); raise it for the first "
        "queries after a large import, while the server builds its indexes",
    )


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _port(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return number


def _serve(args: argparse.Namespace, session: Session) -> ExitCode:
    # Imported here so that the other commands never load the web stack.
    from agent_data_store.web.serve import serve

    return serve(args, session)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``agent-data-store`` with every command."""
    parser = argparse.ArgumentParser(
        prog="agent-data-store",
        description="Inspect, export, import, erase and maintain the agent data store.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {package_version()}")
    _global_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, run: Command, help_text: str, *, creates: bool = False
    ) -> argparse.ArgumentParser:
        # Only commands that write may create a missing store: a mistyped --store for a
        # command that reads must fail, not leave an empty database behind.
        sub = commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        _global_options(sub, top_level=False)
        sub.set_defaults(run=run, creates=creates)
        return sub

    def filters(sub: argparse.ArgumentParser, *, limit: bool = True) -> None:
        sub.add_argument("--user", metavar="U", help="only this user's records")
        sub.add_argument("--namespace", metavar="N", help="only this namespace")
        if limit:
            sub.add_argument("--limit", type=_positive, default=10, metavar="N",
                             help="how many rows (default 10)")

    sub = command("stats", views.stats, "records, users, namespaces and bytes")
    sub.add_argument("--user", metavar="U", help="only this user's records")
    command("users", views.users, "users with record counts")
    sub = command("namespaces", views.namespaces, "a user's namespaces with counts and agents")
    sub.add_argument("--user", metavar="U", required=True, help="the user whose namespaces")
    sub = command("keys", views.keys, "the keys of a namespace")
    sub.add_argument("--user", metavar="U", required=True, help="the user the namespace is of")
    sub.add_argument("--namespace", metavar="N", required=True, help="the namespace")
    sub.add_argument("--prefix", metavar="P", help="only keys starting with P")
    sub = command("show", views.show, "one record in full")
    sub.add_argument("--user", metavar="U", required=True, help="the user the record is of")
    sub.add_argument("--namespace", metavar="N", required=True, help="the record's namespace")
    sub.add_argument("key", metavar="KEY", help="the record's key")

    sub = command("export", maintenance.export, "write records as JSON Lines")
    filters(sub, limit=False)
    sub.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    sub = command("import", maintenance.import_, "read records from a JSON Lines dump",
                  creates=True)
    sub.add_argument("file", metavar="FILE", help="the dump, or - for stdin")
    sub.add_argument("--overwrite", action="store_true",
                     help="replace records that already exist (default: report them)")
    sub.add_argument("--batch-size", type=_positive, metavar="N",
                     help="records per bulk write (default: the store's page size)")
    sub = command("import-gofannon", import_gofannon,
                  "copy a data store written by the seed's runtime (CouchDB, DynamoDB, "
                  "Firestore or a JSON dump) into this store", creates=True)
    sub.add_argument("source", metavar="SOURCE",
                     help="couchdb://…/DB, dynamodb://TABLE?…, firestore://PROJECT/COLLECTION "
                          "(default name agent_data_store), or a JSON file: CouchDB _all_docs "
                          "with include_docs=true, a JSON array or JSON Lines of documents")
    sub.add_argument("--overwrite", action="store_true",
                     help="replace records the target already has (default: keep them)")
    sub.add_argument("--page-size", type=_positive, metavar="N",
                     help="documents per source page and bulk write (default: the store's "
                          "page size)")
    sub.add_argument("--checkpoint", metavar="FILE",
                     help="where progress is saved for resuming (default: one file per source "
                          "and target under the user's state directory)")
    sub.add_argument("--restart", action="store_true",
                     help="ignore a saved checkpoint and start from the beginning")
    sub = command("erase-user", maintenance.erase_user, "delete all data of a user")
    sub.add_argument("user", metavar="U", help="the user whose data is deleted")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    sub = command("clear-namespace", maintenance.clear_namespace,
                  "delete every record of one of a user's namespaces")
    sub.add_argument("--user", metavar="U", required=True, help="the user the namespace is of")
    sub.add_argument("namespace", metavar="N", help="the namespace to clear")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    filters(command("top-accessed", views.top_accessed, "the most-read records"))
    filters(command("largest", views.largest, "the records with the largest values"))
    sub = command("recent", views.recent, "the most recently accessed records")
    filters(sub)
    sub.add_argument("--by-agent", action="store_true", help="one row per agent")
    sub.add_argument("--agent", metavar="A", help="only records last accessed by agent A")
    sub = command("sweep", maintenance.sweep,
                  "delete the records that have expired, in bounded batches")
    sub.add_argument("--batch-size", type=_positive, default=500, metavar="N",
                     help="records read and deleted per batch (default 500)")
    sub = command("usage", quotas.usage, "users' record and byte usage against their quotas")
    sub.add_argument("--recount", action="store_true",
                     help="first count the records a store written by an earlier version "
                     "holds (DynamoDB, Firestore; once, safe while agents write)")
    sub.add_argument("--batch-size", type=_positive, default=500, metavar="N",
                     help="records read per batch of --recount (default 500)")
    quota = commands.add_parser(
        "quota", help="show or set a user's record and byte quota", epilog=EPILOG,
        description="Show or set a user's quota. A user's own limits replace the defaults "
        f"({QUOTA_RECORDS_ENV_VAR}, {QUOTA_BYTES_ENV_VAR}) for that user.",
    )
    actions = quota.add_subparsers(dest="quota_command", metavar="ACTION", required=True)
    for name, run, help_text, creates in (
        ("set", quotas.quota_set, "set a user's own limits", True),
        ("show", quotas.quota_show, "a user's usage and limits", False),
    ):
        sub = actions.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        _global_options(sub, top_level=False)
        sub.set_defaults(run=run, creates=creates)
        sub.add_argument("--user", metavar="U", required=True, help="the user")
    for option, what in (("--records", "records"),
                         ("--bytes", "bytes of values and metadata (UTF-8 JSON)")):
        sub = actions.choices["set"]
        sub.add_argument(
            option, metavar="N", type=quotas.limit_argument, default=quotas.KEEP,
            help=f"how many {what} the user may keep: a number, unlimited, or default (the "
            "configured default); unchanged if not given",
        )
    command("ensure-indexes", maintenance.ensure_indexes,
            "create the store and the backend's indexes if missing, and list them",
            creates=True)
    sub = command("serve", _serve, "browse and edit the store in a web browser (data browser)",
                  creates=True)
    sub.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only)")
    sub.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free)")
    return parser


def store_config(args: argparse.Namespace) -> StoreConfig:
    """The store the command line names: ``--store``, else the environment, else the default."""
    overrides: dict[str, object] = {"create_missing": getattr(args, "creates", True)}
    if args.timeout is not None:
        overrides["timeout_s"] = args.timeout
    if args.store:
        overrides["url"] = args.store
    if args.table:
        overrides["table"] = args.table
    return StoreConfig.from_env(**overrides)


def _failure(exc: DataStoreError, config: StoreConfig) -> str:
    """The one-line message of a failed command: what failed, the store, what to try."""
    message = f"{exc} (store {redact_url(config.url)})"
    if isinstance(exc, BackendUnavailableError):
        # After a large import CouchDB builds its indexes on the first query, which can take
        # longer than the timeout a request of an agent should wait.
        message += (f"; if the server is busy, e.g. building its indexes after a large "
                    f"import, retry with a longer --timeout (now {config.timeout_s:g} s)")
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``agent-data-store`` with ``argv`` (default: the process arguments)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    out = Output(json_mode=args.json)
    try:
        config = store_config(args)
        backend = open_backend(config)
    except ConfigurationError as exc:
        out.error(str(exc))
        return ExitCode.USAGE
    except DataStoreError as exc:
        out.error(_failure(exc, config))
        return ExitCode.FAILED
    run: Command = args.run
    try:
        return run(args, Session(backend, config, out))
    except UnreadableRecordError as exc:
        # Agents never learn the record's user; the operator needs the full record ID.
        out.error(f"record {exc._record_id!r}: {exc} (store {redact_url(config.url)})")
        return ExitCode.FAILED
    except DataStoreError as exc:
        out.error(_failure(exc, config))
        return ExitCode.FAILED
    except BrokenPipeError:
        # The reader went away (e.g. ``| head``); stop quietly without a second error
        # when Python flushes stdout at exit.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return ExitCode.FAILED
    except OSError as exc:
        out.error(f"{exc.filename or 'I/O'}: {exc.strerror or exc}")
        return ExitCode.FAILED
    except KeyboardInterrupt:
        out.error("interrupted")
        return ExitCode.INTERRUPTED
    finally:
        backend.close()
