"""The compatibility harness: run one agent under plain CPython and in the sandbox.

Every agent of the corpus is a file ``agents/cNN_<class>/<idiom>.py`` holding
``async def run(input_dict, tools)``; ``NN`` is the number of the incompatibility class of
issue 13 it exercises. An optional first line ``# input: {...}`` gives the agent's
``input_dict`` as JSON.

Plain CPython is the reference: the source runs as a module whose globals hold the modules
the sandbox preloads (``json``, ``re``, ``asyncio``), ``run`` is driven by ``asyncio.run``
with empty tools, and what it prints is captured. The sandbox must give the same output
and the same printed text, with no error.

``python -m tests.compat.harness`` checks the corpus itself without touching the sandbox:
the CPython half of every agent runs twice and must succeed, return a JSON-native dict and
give the same answer both times. ``python -m tests.compat.harness --sandbox cNN_x/idiom``
runs one agent in the sandbox and prints the result as JSON (used for fresh interpreters).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
import logging
import re
import subprocess
import sys
import types
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sandbox_host import ExecutionContext, RunError, RunResult, SandboxHost

AGENT_MODULE = "agent"
AGENTS_DIR = Path(__file__).parent / "agents"
REPO_ROOT = Path(__file__).parents[2]
INPUT_PREFIX = "# input:"
CLASS_DIR = re.compile(r"c(\d\d)_\w+")
SYNTAX_CLASSES = (1, 2, 3, 4, 10)
"""Star calls, match, nonlocal, annotated assignments, ``from __future__ import annotations``."""
OBJECT_CLASSES = (5, 6, 13, 14, 17)
"""Protocol methods, super(), function attributes, naming conventions, recursion depth."""
RUNTIME_CLASSES = (7, 8, 11, 12, 15, 16)
"""print, asyncio, ChainMap, format fields, the importable modules, preloads."""
FRESH_INTERPRETER_CLASSES = (9,)
"""strptime: its sandbox half runs in a new interpreter (see :func:`run_in_fresh_sandbox`)."""
SANDBOX_TIMEOUT_S = 10.0
"""Every agent finishes in well under a second; a hung sandbox run fails after this."""


@dataclass(frozen=True)
class Agent:
    """One agent of the corpus: its class number, its idiom name, its source and input."""

    issue_class: int
    group: str
    idiom: str
    source: str
    input_dict: dict[str, Any] = field(default_factory=dict)

    @property
    def test_id(self) -> str:
        """``<class dir>/<idiom>``: the pytest id, selectable with ``-k``."""
        return f"{self.group}/{self.idiom}"


def load_agent(path: Path) -> Agent:
    """Read one agent file; its class comes from the ``cNN_`` directory it is in."""
    matched = CLASS_DIR.fullmatch(path.parent.name)
    if matched is None:
        raise ValueError(f"{path}: agents live in a directory named cNN_<class>")
    source = path.read_text(encoding="utf-8")
    first_line = source.split("\n", 1)[0]
    input_dict: dict[str, Any] = {}
    if first_line.startswith(INPUT_PREFIX):
        try:
            input_dict = json.loads(first_line[len(INPUT_PREFIX):])
        except ValueError as exc:
            raise ValueError(f"{path}: the '{INPUT_PREFIX}' line is not JSON: {exc}") from exc
    return Agent(int(matched.group(1)), path.parent.name, path.stem, source, input_dict)


def load_corpus() -> list[Agent]:
    """Every agent of the corpus, sorted by class directory and idiom name."""
    return [load_agent(path) for path in sorted(AGENTS_DIR.glob("c[0-9][0-9]_*/*.py"))]


def agents_of(*classes: int) -> list[Agent]:
    """The agents of the given issue classes."""
    return [agent for agent in load_corpus() if agent.issue_class in classes]


def parametrize_classes(*classes: int) -> pytest.MarkDecorator:
    """Parametrise a test with an ``agent`` argument over the agents of ``classes``."""
    return pytest.mark.parametrize("agent", agents_of(*classes), ids=lambda a: a.test_id)


def run_in_cpython(agent: Agent) -> tuple[Any, str]:
    """Run ``agent`` under plain CPython with the sandbox's preloads: (output, printed text).

    The agent is a real module named ``agent`` while it runs, registered in ``sys.modules``
    as an imported agent file would be: ``dataclasses`` looks a class's module up there to
    resolve string annotations (``from __future__ import annotations``). ``dont_inherit``
    keeps this file's own ``__future__`` imports out of the agent's compilation.
    """
    module = types.ModuleType(AGENT_MODULE)
    namespace = module.__dict__
    namespace.update({"json": json, "re": re, "asyncio": asyncio})
    printed = io.StringIO()
    previous = sys.modules.get(AGENT_MODULE)
    sys.modules[AGENT_MODULE] = module
    try:
        # The sandbox's "printed output" is what CPython would print to standard output
        # and standard error (where unconfigured logging writes), in one stream.
        with _fresh_logging(), _fresh_warnings(), contextlib.redirect_stdout(printed), \
                contextlib.redirect_stderr(printed):
            exec(compile(agent.source, "<agent>", "exec", dont_inherit=True), namespace)
            output = asyncio.run(namespace["run"](copy.deepcopy(agent.input_dict), {}))
    finally:
        if previous is None:
            del sys.modules[AGENT_MODULE]
        else:
            sys.modules[AGENT_MODULE] = previous
    return output, printed.getvalue()


@contextlib.contextmanager
def _fresh_warnings() -> Any:
    """The warning filters and printer a fresh interpreter has (pytest replaces both)."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                         ResourceWarning):
            warnings.simplefilter("ignore", category)
        warnings.showwarning = _print_warning
        yield


def _print_warning(message: Warning | str, category: type[Warning], filename: str,
                   lineno: int, file: Any = None, line: str | None = None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _fresh_logging() -> Any:
    """The process's logging as a fresh interpreter has it, restored afterwards: an agent
    that calls ``logging.basicConfig`` configures the root logger for itself only."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, dict(logging.Logger.manager.loggerDict))
    root.handlers.clear()
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.handlers[:], level, loggers = saved
        root.setLevel(level)
        logging.Logger.manager.loggerDict.clear()
        logging.Logger.manager.loggerDict.update(loggers)


def run_in_sandbox(agent: Agent) -> RunResult:
    """Run ``agent`` in a sandbox host with no plugins, as user ``alice``."""
    host = SandboxHost(load_entry_points=False, timeout_s=SANDBOX_TIMEOUT_S)
    return host.run_sync(
        agent.source,
        copy.deepcopy(agent.input_dict),
        context=ExecutionContext(user_id="alice", agent_name="compat"),
    )


def check_reference(output: Any) -> None:
    """The CPython output must be a dict that survives a JSON round trip unchanged.

    Agents return JSON-native values only (lists, not tuples; string keys; no NaN), so the
    comparison with the sandbox's output cannot hinge on how the host serialises.
    """
    assert isinstance(output, dict), f"run() returned {type(output).__name__}, not a dict"
    assert json.loads(json.dumps(output)) == output, "run() returned non JSON-native values"


def run_in_fresh_sandbox(agent: Agent) -> RunResult:
    """:func:`run_in_sandbox` in a new interpreter, where no agent has run before.

    Some C code caches what it imported on its first call, whoever the caller was:
    ``datetime.strptime`` keeps the ``_strptime`` module it imported. After a CPython run in
    this process, a sandbox run would find it cached and pass whatever the sandbox does.
    """
    completed = subprocess.run(
        [sys.executable, "-m", "tests.compat.harness", "--sandbox", agent.test_id],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=SANDBOX_TIMEOUT_S * 3,
        check=False,
    )
    assert completed.returncode == 0, f"sandbox interpreter failed:\n{completed.stderr}"
    reported = json.loads(completed.stdout)
    error = RunError(**reported["error"]) if reported["error"] else None
    return RunResult(output=reported["output"], error=error, stdout=reported["stdout"])


def assert_same_as_cpython(agent: Agent, *, fresh_interpreter: bool = False) -> None:
    """The test body of every compat test: same output and same printed text."""
    expected_output, expected_stdout = run_in_cpython(agent)
    check_reference(expected_output)
    result = run_in_fresh_sandbox(agent) if fresh_interpreter else run_in_sandbox(agent)
    assert result.error is None, f"sandbox error: {result.error}"
    assert result.output == expected_output
    assert result.stdout == expected_stdout


def _report_sandbox_run(test_id: str) -> int:
    # The child side of run_in_fresh_sandbox: run one agent, print the result as JSON.
    agent = load_agent(AGENTS_DIR / f"{test_id}.py")
    result = run_in_sandbox(agent)
    error = asdict(result.error) if result.error else None
    print(json.dumps({"error": error, "output": result.output, "stdout": result.stdout},
                     default=repr))
    return 0


def main() -> int:
    """Check the CPython half of every agent: it runs, is JSON-native and deterministic."""
    failures = 0
    corpus = load_corpus()
    for agent in corpus:
        try:
            first = run_in_cpython(agent)
            check_reference(first[0])
            second = run_in_cpython(agent)
            assert first == second, f"not deterministic:\n{first}\n{second}"
        except Exception as exc:  # report every broken agent, then go on
            failures += 1
            print(f"FAIL {agent.test_id}: {type(exc).__name__}: {exc}")
    for group, count in sorted(Counter(agent.group for agent in corpus).items()):
        print(f"{group:32} {count:3}")
    print(f"{len(corpus)} agents, {failures} failing under plain CPython")
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sandbox"]:
        sys.exit(_report_sandbox_run(sys.argv[2]))
    sys.exit(main())
