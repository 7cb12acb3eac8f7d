"""Per-run limits: wall-clock deadline, operation budget and recursion depth.

The policy (:mod:`sandbox_host.policy`) inserts a call to ``_tick_()`` at the top of every
loop body and comprehension element, and a call to ``_enter_()`` at every function entry.
Those calls are how CPU-bound agent code that never awaits (``while True: pass``) is
stopped: nothing else gets control while it runs.

``_tick_`` runs once per loop iteration, so it must be nearly free. It is the C-level
``__next__`` of an iterator that yields ``None`` in batches of :data:`CHECK_EVERY`; only
when a batch is used up does Python code run, charge the batch to the budget and look at
the clock. Once a limit is exceeded every further tick raises again (a fresh exception
each time, so no traceback grows with every raise), so an agent that catches
:class:`ExecutionTimeout` cannot keep looping.

:class:`RunLimits` is also what plugins see of a run (:func:`run_controls`): a
``data_store`` call checks the deadline and charges the budget like agent code does, so
work driven from C iterators (``list(map(data_store.set, ...))``) stops at the deadline too.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_OPERATIONS = 50_000_000
"""Loop iterations plus function calls per run: a million-iteration loop uses 2%."""
DEFAULT_MAX_DEPTH = 1000
"""Nested agent function calls (recursion) per run: CPython's own default recursion limit.
Whichever comes first stops the recursion: this bound (``RecursionLimitExceeded``) or the
interpreter's (``RecursionError``), which also counts the host's frames."""
CHECK_EVERY = 4096
"""Ticks between two looks at the clock; ~0.1 ms of a tight loop, so a deadline is met
within well under a millisecond of CPU-bound code."""
EXPIRY_TOLERANCE_S = 0.001
_NO_DEPTH_LIMIT_YET = 1 << 30  # fits the C int sys._getframe takes


class ExecutionTimeout(BaseException):
    """A run exceeded its deadline or operation budget.

    A ``BaseException`` so that an agent's ``except Exception:`` does not swallow it.
    """


class RecursionLimitExceeded(RecursionError):
    """Agent functions nested deeper than the run's recursion bound."""


FINISHED_MESSAGE = "the run has finished; nothing of it may run any more"


def _raising(exc: BaseException) -> Iterator[None]:
    raise exc
    yield  # unreachable; makes this a generator, raising on its first next()


def stack_depth() -> int:
    """Return the number of frames on the current thread's stack."""
    depth = 0
    frame = sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


class RunLimits:
    """The deadline, operation budget and recursion bound of one run."""

    def __init__(
        self,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_operations: int = DEFAULT_MAX_OPERATIONS,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if max_operations <= 0:
            raise ValueError("max_operations must be positive")
        self.timeout_s = timeout_s
        self.max_operations = max_operations
        self.max_depth = max_depth
        self.deadline = time.monotonic() + timeout_s
        self.operations = 0
        self.exceeded: str | None = None
        """Why the run is over (deadline, budget, finished), once it is."""
        self.finished = False
        self._depth_frame_index = _NO_DEPTH_LIMIT_YET

    def remaining_s(self) -> float:
        """Seconds left until the deadline (negative once it has passed)."""
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        """True once a limit was exceeded or the deadline (almost) passed."""
        return self.exceeded is not None or self.remaining_s() <= EXPIRY_TOLERANCE_S

    def expire(self, why: str) -> ExecutionTimeout:
        """Record that the run is over because of ``why``; return a fresh exception to raise."""
        if self.exceeded is None:
            self.exceeded = why
        return ExecutionTimeout(self.exceeded)

    def error(self) -> ExecutionTimeout | None:
        """A fresh exception saying why the run is over, or ``None`` while it is not."""
        return None if self.exceeded is None else ExecutionTimeout(self.exceeded)

    def deadline_error(self) -> ExecutionTimeout:
        """The exception for a run that reached its wall-clock deadline."""
        return self.expire(f"run exceeded its time limit of {self.timeout_s:g} s")

    def finish(self) -> None:
        """Mark the run as over: from now on every tick, call and check raises."""
        self.finished = True
        self.expire(FINISHED_MESSAGE)

    def charge(self, operations: int = 1) -> None:
        """Charge ``operations`` to the budget and check every limit (for plugins' calls)."""
        self.operations += operations
        # check() inlined for the common answer: every data_store call pays this.
        if (self.exceeded is None and self.operations <= self.max_operations
                and time.monotonic() < self.deadline):
            return
        self.check()

    def check(self) -> None:
        """Raise :class:`ExecutionTimeout` if the run is over its deadline or budget."""
        if self.exceeded is not None:
            raise ExecutionTimeout(self.exceeded)
        if self.operations > self.max_operations:
            raise self.expire(
                f"run exceeded its operation budget of {self.max_operations:,} "
                "loop iterations and function calls"
            )
        if time.monotonic() >= self.deadline:
            raise self.deadline_error()

    def _next_batch(self, _: object) -> Iterator[None]:
        # Must not raise itself: ``chain`` drops its source for good when the source raises,
        # and every later tick would be a bare StopIteration. An exhausted or failed batch
        # is just replaced, so raising from inside the batch repeats on every tick.
        try:
            self.check()
        except ExecutionTimeout as exc:
            return _raising(exc)
        self.operations += CHECK_EVERY
        return itertools.repeat(None, CHECK_EVERY)

    def make_tick(self) -> Callable[[], None]:
        """Return the ``_tick_`` callable for loop bodies (see the module docstring)."""
        batches = map(self._next_batch, itertools.repeat(None))
        return itertools.chain.from_iterable(batches).__next__

    def start_depth_count(self) -> None:
        """Count recursion from the caller's stack depth on (call just before agent code)."""
        self._depth_frame_index = stack_depth() + self.max_depth

    def make_enter(self) -> Callable[[], None]:
        """Return the ``_enter_`` callable run at every agent function entry.

        It charges the call to the budget and bounds recursion: ``sys._getframe(n)`` fails
        when the stack is shallower than ``n``, which is the normal case.
        """
        tick = self.make_tick()
        getframe = sys._getframe

        def enter() -> None:
            tick()
            try:
                getframe(self._depth_frame_index)
            except ValueError:
                return
            raise RecursionLimitExceeded(
                f"agent functions nested deeper than {self.max_depth} calls"
            )

        return enter


_CONTROLS: ContextVar[RunLimits | None] = ContextVar("sandbox_run_controls", default=None)


def run_controls() -> RunLimits | None:
    """The limits of the run being set up, for plugins to bind in ``sandbox_globals``.

    The host sets this while it calls the hooks of a run; elsewhere it is ``None``. A
    plugin whose sandbox objects do work for the agent calls ``controls.charge()`` (or
    ``check()``) first, and can cap a blocking call at ``controls.remaining_s()``.
    """
    return _CONTROLS.get()


def controls_context(limits: RunLimits) -> object:
    """Set :func:`run_controls` for the caller's context; undo with :func:`reset_controls`."""
    return _CONTROLS.set(limits)


def reset_controls(token: object) -> None:
    """Undo :func:`controls_context`."""
    _CONTROLS.reset(token)  # type: ignore[arg-type]
