"""Facades built afresh for each run that imports them: their state is the run's own.

``time.sleep`` stops at the run's deadline; ``random`` is a generator of the run's own (so
``random.seed`` in one run steers no other); ``decimal``'s template contexts are the run's
copies (``decimal.getcontext()`` is per task already, and every run starts in a context of
its own); ``logging`` is a logger hierarchy of the run's own (see :mod:`.logs`), and
``warnings`` keeps the run's own filters.
"""

from __future__ import annotations

import decimal
import random
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType

from sandbox_host.facades.core import ModuleFacade, pick
from sandbox_host.facades.logs import build_logging
from sandbox_host.facades.reporting import build_warnings
from sandbox_host.scope import RunScope


def build_time(scope: RunScope) -> ModuleFacade:
    """``time`` with a ``sleep`` that ends at the run's deadline."""
    limits = scope.limits

    def sleep(seconds: float) -> None:
        """Block like ``time.sleep``, but never past the run's deadline."""
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        scope.check_alive()
        remaining = limits.remaining_s()
        if seconds >= remaining:
            time.sleep(max(remaining, 0.0))
            raise limits.deadline_error()
        time.sleep(seconds)

    members = pick(
        time,
        "time time_ns monotonic monotonic_ns perf_counter perf_counter_ns process_time "
        "process_time_ns gmtime localtime mktime strftime strptime asctime ctime "
        "struct_time timezone altzone daylight tzname",
    )
    return ModuleFacade("time", {**members, "sleep": sleep})


def build_random(scope: RunScope) -> ModuleFacade:
    """``random`` on a generator of the run's own."""
    generator = random.Random()
    members = pick(
        generator,
        "random randint randrange choice choices shuffle sample uniform gauss normalvariate "
        "lognormvariate triangular betavariate expovariate gammavariate paretovariate "
        "vonmisesvariate weibullvariate seed getrandbits randbytes getstate setstate",
    )
    return ModuleFacade("random", {**members, "Random": random.Random})


def build_decimal(scope: RunScope) -> ModuleFacade:
    """``decimal`` with the run's own copies of the template contexts."""
    members = pick(
        decimal,
        "Decimal Context DecimalTuple getcontext setcontext localcontext MAX_PREC MAX_EMAX "
        "MIN_EMIN MIN_ETINY HAVE_THREADS HAVE_CONTEXTVAR ROUND_DOWN ROUND_HALF_UP "
        "ROUND_HALF_EVEN ROUND_CEILING ROUND_FLOOR ROUND_UP ROUND_HALF_DOWN ROUND_05UP "
        "DecimalException Clamped InvalidOperation DivisionByZero Inexact Rounded Subnormal "
        "Overflow Underflow FloatOperation DivisionImpossible DivisionUndefined "
        "ConversionSyntax InvalidContext",
    )
    members.update(
        BasicContext=decimal.BasicContext.copy(),
        ExtendedContext=decimal.ExtendedContext.copy(),
        DefaultContext=decimal.DefaultContext.copy(),
    )
    return ModuleFacade("decimal", members)


PER_RUN_FACADES: Mapping[str, Callable[[RunScope], ModuleFacade]] = MappingProxyType(
    {
        "time": build_time,
        "random": build_random,
        "decimal": build_decimal,
        "logging": build_logging,
        "warnings": build_warnings,
    }
)
"""Facades built afresh for each run that imports them."""
