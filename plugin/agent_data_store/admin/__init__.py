"""The operator command line ``agent-data-store``: inspect, export, import, erase, maintain.

It works the same on every backend URL because it uses only the :class:`Backend` protocol:
:meth:`~Backend.iter_all` pages for every scan, :meth:`~Backend.import_records` for imports,
:meth:`~Backend.list_namespaces` and :meth:`~Backend.clear_namespace` for erasure. Scans keep
counters or a bounded heap, never the records, so memory does not grow with the store.

* :mod:`.cli` — argument parsing, store selection, errors and exit codes
* :mod:`.views` — read-only commands; :mod:`.reports` — their aggregations
* :mod:`.maintenance` — export, import, erase-user, clear-namespace, ensure-indexes
* :mod:`.transfer` — JSON Lines streaming; :mod:`.record_document` — line validation
* :mod:`.render`, :mod:`.progress`, :mod:`.confirmation` — tables/JSON, progress, prompts
"""

from agent_data_store.admin.exit_codes import ExitCode

__all__ = ["ExitCode"]
