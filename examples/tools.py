"""Deterministic stand-ins for the tools a real host hands to agents, so the examples run offline.

A host passes tools to an agent as ``tools``, a dict of name → callable; agent code calls
them (``await tools["fetch"](url)``). Real hosts would offer an LLM or an HTTP client. These
implementations read fixtures under ``examples/fixtures/`` and compute everything locally,
so every example gives the same answer on every machine.

:class:`ExampleTools` counts how often each tool was called, so a test can tell a cache hit
from a recomputation.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WEB_ROOT = "https://intranet.example/"
"""URLs under this prefix are served by :meth:`ExampleTools.fetch` from ``fixtures/web/``."""

_STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its"}
    | {"of", "on", "or", "the", "to", "when", "with"}
)


class ToolError(LookupError):
    """A tool was asked for something its fixtures do not have."""


class ExampleTools:
    """The example tools, with a call counter per tool name."""

    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.fixtures = fixtures
        self.calls: collections.Counter[str] = collections.Counter()

    async def fetch(self, url: str) -> dict[str, Any]:
        """Fake HTTP GET: return ``{"url", "status", "text"}`` for a fixture URL."""
        self.calls["fetch"] += 1
        if not url.startswith(WEB_ROOT):
            raise ToolError(f"fetch: only {WEB_ROOT}... URLs are served offline, not {url!r}")
        path = self._inside(self.fixtures / "web", url.removeprefix(WEB_ROOT))
        if not path.is_file():
            return {"url": url, "status": 404, "text": ""}
        return {"url": url, "status": 200, "text": path.read_text(encoding="utf-8")}

    async def list_repo(self, repo: str) -> dict[str, str]:
        """Fake repository checkout: return path → file text for a fixture repository."""
        self.calls["list_repo"] += 1
        root = self._inside(self.fixtures / "repos", repo)
        if not root.is_dir():
            raise ToolError(f"list_repo: no repository {repo!r} in {self.fixtures / 'repos'}")
        return {
            path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }

    async def summarise(self, text: str, max_words: int = 16) -> dict[str, Any]:
        """Fake LLM summariser: the first sentence (shortened) and the most frequent words."""
        self.calls["summarise"] += 1
        prose = " ".join(
            line.strip(" #\"'") for line in text.splitlines() if line.strip(" #\"'")
        )
        first = re.split(r"(?<=[.!?])\s", prose, maxsplit=1)[0]
        words = first.split()
        summary = " ".join(words[:max_words]) + (" ..." if len(words) > max_words else "")
        return {"summary": summary, "keywords": keywords(text, 5)}

    def count_primes(self, limit: int) -> int:
        """The expensive computation of the cache example: how many primes are below ``limit``."""
        self.calls["count_primes"] += 1
        if limit < 3:
            return 0
        sieve = bytearray([1]) * limit
        sieve[0:2] = b"\x00\x00"
        for n in range(2, int(limit**0.5) + 1):
            if sieve[n]:
                sieve[n * n :: n] = bytearray(len(range(n * n, limit, n)))
        return sum(sieve)

    def as_dict(self, names: Iterable[str] | None = None) -> dict[str, Callable[..., Any]]:
        """The ``tools`` dict for an agent: the named tools (all when ``names`` is None)."""
        available = {
            "fetch": self.fetch,
            "list_repo": self.list_repo,
            "summarise": self.summarise,
            "count_primes": self.count_primes,
        }
        if names is None:
            return available
        unknown = sorted(set(names) - set(available))
        if unknown:
            raise ToolError(f"unknown tools {unknown}; available: {sorted(available)}")
        return {name: available[name] for name in names}

    @staticmethod
    def _inside(root: Path, relative: str) -> Path:
        path = (root / relative).resolve()
        # Fixture lookups must not read files outside the fixture tree (``../`` in a URL).
        if not path.is_relative_to(root.resolve()):
            raise ToolError(f"{relative!r} is outside the fixtures")
        return path


def keywords(text: str, limit: int) -> list[str]:
    """The ``limit`` most frequent words of ``text`` (lower case, no stop words), ties by name."""
    counts = collections.Counter(
        word
        for word in re.findall(r"[a-z][a-z_]+", text.lower())
        if word not in _STOP_WORDS
    )
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][
        :limit
    ]


def tools() -> dict[str, Callable[..., Any]]:
    """Every example tool, for ``sandbox-host run AGENT --tools examples/tools.py``."""
    return ExampleTools().as_dict()
