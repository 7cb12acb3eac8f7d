"""Machinery of the hardening red-team tests (issues 13-15): run hostile agents and observe.

An attack is a :class:`Scenario`: one or more runs (:class:`Step`) on one host whose only
plugin is the data store on a ``memory://`` backend, all awaited by one task on one event
loop, as a host's worker would. :func:`observe` returns what anyone outside the sandbox
can see (an :class:`Observation`): whether ``host.run`` returned or raised and how fast, the
``RunResult`` fields, which tasks, callbacks and async generators the host's loop holds after
each run, the records right after each run returned and again a little later, and the calls
the agent made to a host ``note`` tool (with the time relative to the run's return).

Attacks that hang, crash or change process-wide state on unhardened code run in a child
process (:func:`observe_in_child`): the child is killed at its time limit and its death is
reported as an observation, so the test process never hangs, segfaults or inherits the
damage. Assertions live in the tests; the ``assert_*`` helpers here name the common ones.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from agent_data_store.backends.base import Backend
from sandbox_host import ExecutionContext, RunResult, SandboxHost

REPO = Path(__file__).resolve().parents[2]

MARGIN_S = 0.5
"""Slack over a run's deadline before ``host.run`` counts as late (the machine is shared)."""

SETTLE_S = 0.3
"""How long the host's loop keeps running after the last run before the store is read again."""

TRANSPORT_CHARS = 20_000
"""Longest error message or stdout kept whole in an observation; of longer ones the first and
last halves of this are kept (and the full length)."""


def agent(body: str, *, imports: str = "", module: str = "") -> str:
    """Agent source: ``imports`` and ``module`` code at module level, ``body`` inside ``run``."""
    run = "async def run(input_dict, tools):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return "\n".join(
        part for part in (textwrap.dedent(imports), textwrap.dedent(module), run) if part.strip()
    )


@dataclass
class Step:
    """One run: agent source, who runs it, its deadline."""

    source: str
    user: str = "mallory"
    agent: str = "attacker"
    timeout_s: float = 1.0
    input: dict[str, Any] | None = None
    settle_s: float = 0.0
    """Seconds the host's loop runs on after this run, before its records are read again."""


@dataclass
class Scenario:
    """Runs on one host, awaited one after another by one task of one event loop."""

    steps: list[Step]
    host_options: dict[str, Any] = field(default_factory=dict)
    """Extra ``SandboxHost`` keyword arguments (``isolation``, ``max_operations`` ...)."""
    shared_tools: bool = False
    """Pass the very same ``tools`` dict to every run (a host that reuses one)."""
    seed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Records to store before the first run: user → key → value (namespace ``default``)."""
    settle_s: float = SETTLE_S


@dataclass
class Outcome:
    """What the host's caller saw of one run."""

    raised: str | None = None
    """``Type: message`` when ``host.run`` raised instead of returning a ``RunResult``."""
    elapsed: float = 0.0
    error_type: str | None = None
    error_message: str | None = None
    error_message_len: int = 0
    output: Any = None
    output_json_len: int = 0
    stdout: str = ""
    stdout_len: int = 0
    leftover_tasks: list[str] = field(default_factory=list)
    leftover_callbacks: list[str] = field(default_factory=list)
    leftover_asyncgens: int = 0
    late_writes: list[str] = field(default_factory=list)
    """Records that changed between the run's return and the end of its settle time."""

    @property
    def ok(self) -> bool:
        return self.raised is None and self.error_type is None

    def describe(self) -> str:
        if self.raised is not None:
            return f"host.run raised {self.raised} after {self.elapsed:.2f} s"
        what = (f"error {self.error_type}: {(self.error_message or '')[:300]!r}"
                if self.error_type else f"output {str(self.output)[:300]}")
        return f"RunResult with {what} after {self.elapsed:.2f} s"


@dataclass
class Observation:
    """Everything observed of one scenario."""

    outcomes: list[Outcome] = field(default_factory=list)
    crashed: str | None = None
    """The host or its process did not survive: host setup failed, hang, signal, exit code."""
    records_at_return: dict[str, list[Any]] = field(default_factory=dict)
    """Every record right after the last run returned: ``user/ns/key`` → [value, count]."""
    records_later: dict[str, list[Any]] = field(default_factory=dict)
    """Every record once the loop ran on for the scenario's settle time (tracking flushed)."""
    notes: list[list[Any]] = field(default_factory=list)
    """Calls of the ``note`` tool: [index of the last run that had returned (-1: none had),
    label, seconds since that return]."""
    settle_elapsed: float = 0.0
    """How long the host loop took to run the settle time: longer means it was kept busy."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def last(self) -> Outcome:
        return self.outcomes[-1]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=repr)

    @classmethod
    def from_json(cls, text: str) -> Observation:
        data = json.loads(text)
        data["outcomes"] = [Outcome(**outcome) for outcome in data["outcomes"]]
        return cls(**data)


# --- running a scenario ----------------------------------------------------------------


class _Notes:
    """The host side of the ``note`` tool: when the agent called it, relative to run ends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.returns: list[float] = []

    def note(self, label: object = "", *_: object) -> str:
        # Extra arguments are ignored, so the tool also works as a done-callback.
        self.calls.append((label if isinstance(label, str) else "?", time.monotonic()))
        return "noted"

    def rows(self) -> list[list[Any]]:
        """[index of the last run returned before the call (-1: none yet), label, seconds
        since that return]."""
        rows: list[list[Any]] = []
        for label, at in self.calls:
            ended = [t for t in self.returns if t <= at]
            rows.append([len(ended) - 1, label, at - ended[-1] if ended else 0.0])
        return rows


def _search(query: object) -> str:
    return f"results for {query}"


def _tools(notes: _Notes) -> dict[str, Any]:
    return {"note": notes.note, "search": _search}


def records(backend: Backend) -> dict[str, list[Any]]:
    """Every record in ``backend``: ``user/namespace/key`` → [value JSON, accessCount]."""
    return {
        f"{r.user_id}/{r.namespace}/{r.key}": [r.value_json, r.access_count]
        for page in backend.iter_all()
        for r in page
    }


def _cut(text: str) -> str:
    # Head and tail: truncation notes are at the end.
    half = TRANSPORT_CHARS // 2
    return text if len(text) <= TRANSPORT_CHARS else text[:half] + text[-half:]


def _safe_raised(exc: BaseException) -> str:
    # Never str() an agent's exception here: its methods are agent code.
    args = [a for a in exc.args if isinstance(a, str)] if isinstance(exc.args, tuple) else []
    return f"{type(exc).__name__}: {_cut(' '.join(args))}"


def _describe_result(result: RunResult, outcome: Outcome) -> None:
    if result.error is not None:
        message = result.error.message if isinstance(result.error.message, str) else "?"
        outcome.error_type = result.error.type
        outcome.error_message = _cut(message)
        outcome.error_message_len = len(message)
    if result.output is not None:
        text = json.dumps(result.output, default=repr)
        outcome.output_json_len = len(text)
        outcome.output = result.output if len(text) <= TRANSPORT_CHARS else f"<{len(text)} chars>"
    outcome.stdout = _cut(result.stdout)
    outcome.stdout_len = len(result.stdout)


def loop_wakeup(handle: Any) -> bool:
    """The loop's own self-pipe reader: asyncio schedules it when another thread wakes the
    loop (a thread-mode run delivering its result), so it belongs to no run."""
    return getattr(getattr(handle, "_callback", None), "__name__", "") == "_read_from_self"


def _loop_leftovers(outcome: Outcome, baseline: set[asyncio.Task[Any]]) -> None:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    outcome.leftover_tasks = [
        repr(task)[:200] for task in asyncio.all_tasks() if task is not me and task not in baseline
    ]
    handles = [*loop._ready, *loop._scheduled]  # type: ignore[attr-defined]
    outcome.leftover_callbacks = [
        repr(h)[:200] for h in handles if not h.cancelled() and not loop_wakeup(h)
    ]
    outcome.leftover_asyncgens = len(loop._asyncgens)  # type: ignore[attr-defined]


async def _run_scenario(scenario: Scenario, observation: Observation) -> None:
    backend = open_backend(StoreConfig(url="memory://"))
    plugin = DataStorePlugin(StoreConfig(url="memory://"), backend=backend)
    try:
        host = SandboxHost(plugins=[plugin], load_entry_points=False, **scenario.host_options)
    except Exception as exc:
        observation.crashed = f"host setup failed: {type(exc).__name__}: {exc}"
        return
    notes = _Notes()
    shared = _tools(notes)
    for user, values in scenario.seed.items():
        seed = agent("data_store.set_many(input_dict)\nreturn {}")
        seeded = await host.run(seed, values, context=ExecutionContext(user_id=user,
                                                                       agent_name="seeder"))
        assert seeded.ok, seeded.error
    me = asyncio.current_task()
    assert me is not None
    baseline = asyncio.all_tasks()
    for step in scenario.steps:
        outcome = Outcome()
        context = ExecutionContext(user_id=step.user, agent_name=step.agent)
        tools = shared if scenario.shared_tools else _tools(notes)
        started = time.monotonic()
        try:
            result = await host.run(step.source, step.input, tools, context=context,
                                    timeout_s=step.timeout_s)
        except BaseException as exc:  # whatever escapes is the finding
            outcome.raised = _safe_raised(exc)
            while me.cancelling():  # the agent cancelled this task: carry on observing
                me.uncancel()
        else:
            _describe_result(result, outcome)
        outcome.elapsed = time.monotonic() - started
        notes.returns.append(time.monotonic())
        _loop_leftovers(outcome, baseline)
        observation.outcomes.append(outcome)
        if step.settle_s:
            before = records(backend)
            await asyncio.sleep(step.settle_s)
            after = records(backend)
            changed = {*before, *after}
            outcome.late_writes = sorted(k for k in changed if before.get(k) != after.get(k))
    observation.records_at_return = records(backend)
    settle_started = time.monotonic()
    await asyncio.sleep(scenario.settle_s)
    observation.settle_elapsed = time.monotonic() - settle_started
    gc.collect()
    await asyncio.sleep(0.01)
    plugin.flush()  # reads buffered by leftover code, if any, now reach the store
    observation.records_later = records(backend)
    observation.notes = notes.rows()
    original = _tools(notes)
    observation.extra["host_tools"] = sorted(
        name if shared.get(name) == original.get(name) else f"{name} (replaced)"
        for name in {*shared, *original} if name in shared
    )
    for task in asyncio.all_tasks() - baseline - {me}:
        task.cancel()
    leftovers = asyncio.all_tasks() - baseline - {me}
    if leftovers:
        await asyncio.wait(leftovers, timeout=0.5)


def observe(scenario: Scenario) -> Observation:
    """Run ``scenario`` in this process (attacks that cannot hang or crash it)."""
    observation = Observation()
    asyncio.run(_run_scenario(scenario, observation))
    return observation


def observe_in_child(scenario: Scenario, limit_s: float = 15.0) -> Observation:
    """Run ``scenario`` in a fresh Python process killed after ``limit_s`` seconds.

    A hang, a crash or a non-zero exit becomes ``observation.crashed``.
    """
    payload = json.dumps(asdict(scenario))
    return run_child("tests.redteam.harness:child_scenario", payload, limit_s)


def run_child(function: str, payload: str, limit_s: float) -> Observation:
    """Call ``module:function(payload) -> Observation`` in a child process; see above."""
    code = (
        "import sys\n"
        f"from {function.split(':')[0]} import {function.split(':')[1]} as f\n"
        "obs = f(sys.stdin.read())\n"
        "sys.stdout.write('\\n@@OBSERVATION@@' + obs.to_json() + '\\n')\n"
        "sys.stdout.flush()\n"
        "import os\n"
        "os._exit(0)\n"  # a hung leftover thread must not keep the child alive
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], input=payload, capture_output=True, text=True,
            timeout=limit_s, cwd=REPO, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))},
        )
    except subprocess.TimeoutExpired:
        return Observation(crashed=f"hang: no result within {limit_s:g} s (child killed)")
    marker = "\n@@OBSERVATION@@"
    if marker not in done.stdout:
        return Observation(crashed=f"child process died: {_exit_status(done.returncode)}; "
                                   f"stderr: {done.stderr[-1500:]}")
    observation = Observation.from_json(done.stdout.rsplit(marker, 1)[1])
    observation.extra["stderr"] = done.stderr[-TRANSPORT_CHARS:]
    if done.returncode != 0 and observation.crashed is None:
        observation.crashed = f"child process exited with {_exit_status(done.returncode)}"
    return observation


def _exit_status(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def child_scenario(payload: str) -> Observation:
    """Run a JSON-encoded :class:`Scenario` (the child side of :func:`observe_in_child`)."""
    data = json.loads(payload)
    data["steps"] = [Step(**step) for step in data["steps"]]
    return observe(Scenario(**data))


# --- assertions -------------------------------------------------------------------------


def assert_survived(observation: Observation) -> None:
    """The host process lived and every ``host.run`` returned a ``RunResult`` in time."""
    assert observation.crashed is None, observation.crashed
    for index, outcome in enumerate(observation.outcomes):
        assert outcome.raised is None, f"run {index}: {outcome.describe()}"


def assert_in_time(observation: Observation, scenario: Scenario, margin_s: float = MARGIN_S
                   ) -> None:
    """Every run returned within its deadline plus ``margin_s``."""
    for index, (outcome, step) in enumerate(zip(observation.outcomes, scenario.steps,
                                                strict=True)):
        assert outcome.elapsed <= step.timeout_s + margin_s, (
            f"run {index} ended {outcome.elapsed:.2f} s after it started; its deadline was "
            f"{step.timeout_s:g} s: {outcome.describe()}"
        )


def assert_nothing_left(observation: Observation) -> None:
    """No task, callback or async generator of a run on the host's loop; no late writes."""
    for index, outcome in enumerate(observation.outcomes):
        assert not outcome.leftover_tasks, f"run {index} left tasks: {outcome.leftover_tasks}"
        assert not outcome.leftover_callbacks, (
            f"run {index} left callbacks on the host's loop: {outcome.leftover_callbacks}"
        )
        assert outcome.leftover_asyncgens == 0, f"run {index} left async generators"
        assert not outcome.late_writes, f"run {index} wrote after it returned: "\
                                        f"{outcome.late_writes}"
    changed = {
        key: (observation.records_at_return.get(key), observation.records_later.get(key))
        for key in {*observation.records_at_return, *observation.records_later}
        if observation.records_at_return.get(key, [None])[0]
        != observation.records_later.get(key, [None])[0]
    }
    assert not changed, f"records written after the last run returned: {changed}"


def assert_loop_responsive(observation: Observation, scenario: Scenario) -> None:
    """The host's loop was not kept busy by work of the runs after they returned."""
    assert observation.settle_elapsed <= scenario.settle_s + MARGIN_S, (
        f"the host's loop was blocked for {observation.settle_elapsed:.2f} s after the runs "
        f"(a {scenario.settle_s:g} s sleep)"
    )


def assert_contained(observation: Observation, scenario: Scenario) -> None:
    """The full containment promise: survived, in time, nothing left, nothing written late."""
    assert_survived(observation)
    assert_in_time(observation, scenario)
    assert_nothing_left(observation)
    assert_loop_responsive(observation, scenario)


def assert_refused(outcome: Outcome, *words: str) -> None:
    """The run failed (no output) and its error message names the rule with ``words``."""
    assert outcome.raised is None, outcome.describe()
    assert outcome.error_type is not None, f"attack succeeded: {outcome.describe()}"
    assert outcome.output is None
    message = f"{outcome.error_type}: {outcome.error_message}".lower()
    missing = [word for word in words if word.lower() not in message]
    assert not missing, f"error does not mention {missing}: {outcome.describe()}"
