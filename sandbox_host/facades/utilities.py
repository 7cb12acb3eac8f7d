"""Facades of small utility modules agents reach for, shared by every run.

zoneinfo, calendar, numbers, cmath, secrets, unicodedata, difflib, fnmatch, shlex,
graphlib, and the harmless parts of types. Left out: what changes process-wide state
(``zoneinfo.reset_tzpath`` and the shared zone cache, ``calendar.setfirstweekday``), what
reads files an agent names (``ZoneInfo.from_file``), what prints to the host's streams
(``calendar.prmonth``), and ``types``' constructors of functions and code.
"""

from __future__ import annotations

import calendar
import cmath
import difflib
import fnmatch
import graphlib
import numbers
import secrets
import shlex
import types
import unicodedata
import zoneinfo
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from sandbox_host.facades.core import ModuleFacade, pick, public
from sandbox_host.guards import add_writable_types


class ZoneInfo(zoneinfo.ZoneInfo):
    """``zoneinfo.ZoneInfo`` without the class methods that reach past one run: clearing
    the zone cache every run shares, and reading a zone from a file object."""

    @classmethod
    def clear_cache(cls, *, only_keys: Any = None) -> NoReturn:
        """Refused: the cache is shared by every run."""
        raise TypeError("ZoneInfo.clear_cache is not available in the sandbox: the zone "
                        "cache is shared by every run; use ZoneInfo.no_cache(key)")

    @classmethod
    def from_file(cls, fobj: Any, /, key: Any = None) -> NoReturn:
        """Refused: zones come from the host's zone database only."""
        raise TypeError("ZoneInfo.from_file is not available in the sandbox: use ZoneInfo(key)")


add_writable_types(types.SimpleNamespace)

UTILITY_FACADES: Mapping[str, ModuleFacade] = MappingProxyType(
    {
        "zoneinfo": ModuleFacade(
            "zoneinfo",
            {**pick(zoneinfo, "ZoneInfoNotFoundError available_timezones TZPATH"),
             "ZoneInfo": ZoneInfo},
            refused={"reset_tzpath": "it changes where every run's zones come from"},
        ),
        "calendar": ModuleFacade(
            "calendar",
            {
                **pick(
                    calendar,
                    "isleap leapdays monthrange weekday timegm monthcalendar month calendar "
                    "firstweekday weekheader month_name month_abbr day_name day_abbr Calendar "
                    "IllegalMonthError IllegalWeekdayError MONDAY TUESDAY WEDNESDAY THURSDAY "
                    "FRIDAY SATURDAY SUNDAY",
                ),
                "mdays": tuple(calendar.mdays),  # type: ignore[attr-defined]
            },
            refused={
                "setfirstweekday": "it changes the calendar of every run; pass "
                "firstweekday to calendar.Calendar(...) instead",
                **{name: "it prints to the host's standard output; format with "
                   "calendar.month() and print that"
                   for name in ("prmonth", "prcal", "prweek", "TextCalendar", "HTMLCalendar")},
            },
        ),
        "numbers": ModuleFacade(
            "numbers", pick(numbers, "Number Complex Real Rational Integral")
        ),
        "cmath": ModuleFacade("cmath", public(cmath)),
        "secrets": ModuleFacade(
            "secrets",
            pick(secrets, "token_bytes token_hex token_urlsafe choice randbelow randbits "
                          "compare_digest"),
        ),
        "unicodedata": ModuleFacade("unicodedata", public(unicodedata)),
        "difflib": ModuleFacade(
            "difflib",
            pick(
                difflib,
                "SequenceMatcher Differ HtmlDiff get_close_matches ndiff unified_diff "
                "context_diff diff_bytes restore IS_LINE_JUNK IS_CHARACTER_JUNK",
            ),
        ),
        "fnmatch": ModuleFacade("fnmatch", pick(fnmatch, "fnmatch fnmatchcase filter translate")),
        "shlex": ModuleFacade("shlex", pick(shlex, "split join quote")),
        "graphlib": ModuleFacade("graphlib", pick(graphlib, "TopologicalSorter CycleError")),
        "types": ModuleFacade(
            "types",
            pick(types, "SimpleNamespace MappingProxyType NoneType GenericAlias"),
            refused={
                name: "it builds functions, code or classes outside the sandbox's compiler"
                for name in ("FunctionType", "CodeType", "LambdaType", "new_class",
                             "MethodType", "ModuleType", "coroutine")
            },
        ),
    }
)
"""Facades of small utility modules, without per-run state."""
