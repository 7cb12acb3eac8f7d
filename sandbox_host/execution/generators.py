"""A run's async generators: recorded as they start, closed when the run ends.

asyncio's own hooks would have the loop close a generator the run left unfinished
whenever it is garbage-collected -- after the run, running agent code. The hooks here wrap
the loop's: they record each run's generators in its scope (so the run's end can close
them, still under the run's limits) and drop the finalisation of those whose run has
finished. Hooks are per thread; a loop installs its own while it runs, and a session
wraps them when it starts, in every isolation mode.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import weakref
from typing import Any

from sandbox_host.guards import AGENT_FILENAME_PREFIX
from sandbox_host.scope import CURRENT_SCOPE, RunScope

_generator_runs: weakref.WeakKeyDictionary[Any, RunScope] = weakref.WeakKeyDictionary()
_previous_hooks = threading.local()


def _first_iteration(agen: Any) -> None:
    scope = CURRENT_SCOPE.get(None)
    if scope is not None and agen.ag_code.co_filename.startswith(AGENT_FILENAME_PREFIX):
        scope.agens.add(agen)
        _generator_runs[agen] = scope
    previous = getattr(_previous_hooks, "hooks", None)
    if previous is not None and previous.firstiter is not None:
        previous.firstiter(agen)


def _finalize(agen: Any) -> None:
    scope = _generator_runs.get(agen)
    if scope is not None and scope.limits.finished:
        return
    previous = getattr(_previous_hooks, "hooks", None)
    if previous is not None and previous.finalizer is not None:
        previous.finalizer(agen)


def track_generators() -> None:
    """Wrap this thread's current async-generator hooks (call inside the running loop)."""
    current = sys.get_asyncgen_hooks()
    if current.firstiter is _first_iteration:
        return
    _previous_hooks.hooks = current
    sys.set_asyncgen_hooks(firstiter=_first_iteration, finalizer=_finalize)


async def close_generators(scope: RunScope) -> None:
    """Close the async generators the run left unfinished (its ``finally`` blocks run)."""
    for agen in list(scope.agens):
        with contextlib.suppress(BaseException):
            await agen.aclose()
