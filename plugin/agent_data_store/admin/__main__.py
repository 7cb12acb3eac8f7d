"""``python -m agent_data_store.admin``: the same as the ``agent-data-store`` command."""

from agent_data_store.admin.cli import main

raise SystemExit(main())
