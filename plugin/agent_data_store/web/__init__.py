"""The data browser: a server-rendered web UI over the store, for operators and per user.

``agent-data-store serve`` runs it for an operator (every user's data, behind a token);
:func:`create_app` returns the same app for a host to mount behind its own authentication,
showing one signed-in user's data.

* :mod:`.app` — the ASGI app: routes, pages and actions
* :mod:`.browse` — what the pages read, with the operator layer's queries
* :mod:`.edits` — what they change, through the data store's own validation and semantics
* :mod:`.security` — token sign-in, the per-user gate, CSRF checks and security headers
* :mod:`.serve` — the ``serve`` command
"""

from agent_data_store.web.app import create_app
from agent_data_store.web.edits import EDITOR_AGENT

__all__ = ["EDITOR_AGENT", "create_app"]
