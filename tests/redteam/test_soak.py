"""Red team soak (issue 14, "Done when"): one worker survives 1,000 hostile runs.

One event loop, one worker task awaiting ``host.run()`` 1,000 times with the soak-safe
attacks of :mod:`tests.redteam.attacks` (every class but the C-recursion crashes, the
operator CLI and the backend errors), run by four users with deadlines of 0.05 to 0.2 s and
one ``tools`` dict shared by every run, as a web service would. Then:

* the worker survived: every ``host.run`` returned, all 1,000 of them;
* every run ended within its deadline plus 100 ms (a late run is retried after the soak and
  counts only if it is late again: the machine is shared, see :data:`RETRIES`);
* no task, callback or async generator of any run is left on the loop, right after the
  last run and again after the loop ran on for a while;
* nothing was written after the runs returned and no user's data reached another;
* every module facade equals a fresh one (``sandbox_host.facades.fresh_facade(name)``,
  compared member by member, deeply), and an observer agent sees exactly what it saw
  before the soak.

The soak runs in a child process: on a host that is not hardened it hangs or dies, and its
attacks change module-level state of the process they run in.
"""

from __future__ import annotations

import abc
import asyncio
import gc
import json
import random
import re
import time
from collections.abc import Callable
from types import FunctionType
from typing import Any

import pytest

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from sandbox_host import ExecutionContext, RunResult, SandboxHost
from tests.redteam.attacks import soak_attacks
from tests.redteam.harness import Observation, agent, records, run_child

pytestmark = pytest.mark.redteam

RUNS = 1000
USERS = ("alice", "bob", "carol", "dave")
DEADLINES = (0.05, 0.1, 0.2)
LATE_S = 0.1
"""A run may end this much after its deadline."""
RETRIES = 2
"""A late run is run again (same attack, user and deadline) this many times after the soak;
it counts as late only if it is late every time. The machine is shared: a run the scheduler
starved for a moment is not the sandbox's fault, a run that is late again is."""
MAX_LATE = RUNS // 20
SOAK_LIMIT_S = 180.0
SEED = 14

OBSERVER = agent(
    """
    seen = {}
    def check(name, probe):
        try:
            seen[name] = probe()
        except Exception as e:
            seen[name] = "error: " + str(e)[:120]
    check("algorithms", lambda: sorted(str(a) for a in hashlib.algorithms_guaranteed))
    check("list is a ChainMap", lambda: isinstance([], collections.ChainMap))
    check("json", lambda: json.loads('{"a": [1, 2]}'))
    check("json.loads name", lambda: getattr(json.loads, "__name__"))
    check("json.loads stash", lambda: str(getattr(json.loads, "stash", None)))
    check("template", lambda: string.Template("$a!").substitute(a=1))
    check("tools", lambda: sorted(tools))
    check("search", lambda: tools["search"]("q"))
    check("namespaces", lambda: data_store.list_namespaces())
    try:
        import collections.abc as collections_abc
        check("tuple is a Mapping", lambda: isinstance((), collections_abc.Mapping))
    except ImportError as e:
        seen["collections.abc"] = str(e)[:60]
    try:
        import textwrap
        check("textwrap", lambda: textwrap.fill("banana"))
    except ImportError as e:
        seen["textwrap"] = str(e)[:60]
    try:
        import dataclasses
        check("Template is a dataclass", lambda: dataclasses.is_dataclass(string.Template))
    except ImportError as e:
        seen["dataclasses"] = str(e)[:60]
    try:
        import decimal
        check("third", lambda: str(decimal.Decimal(1) / 3))
        check("division by zero", lambda: str(decimal.Decimal(1) / 0))
    except ImportError as e:
        seen["decimal"] = str(e)[:60]
    try:
        import abc
        class WithLoads(abc.ABC):
            load = json.loads
        check("abstract loads", lambda: str(WithLoads()) != "")
    except ImportError as e:
        seen["abc"] = str(e)[:60]
    try:
        import typing
        class Plain(typing.Protocol):
            def m(self):
                pass
        check("protocol check", lambda: isinstance(1, Plain))
    except ImportError as e:
        seen["typing"] = str(e)[:60]
    try:
        import logging
        logging.getLogger("shared").warning("observer logs")
    except ImportError as e:
        seen["logging"] = str(e)[:60]
    return seen
    """,
    imports="import collections\nimport hashlib\nimport json\nimport string",
)
"""Reports what a user's run sees of the modules, the tools and its own namespaces."""

# --- comparing facades --------------------------------------------------------------------

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_ABC_PROBES = (list, tuple, dict, str, bytes, int, float, set, frozenset, type(None))


def _text(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a facade member whose repr fails is itself a finding
        text = f"<repr failed: {type(exc).__name__}>"
    return _ADDRESS.sub("0x", text)


def describe(value: object) -> str:
    """A deep, address-free description of one facade member, to compare before and after."""
    kind = type(value).__qualname__
    if isinstance(value, (set, frozenset)):
        return f"{kind} {sorted(map(_text, value))}"
    if isinstance(value, type):
        attributes = sorted((name, _text(member)) for name, member in vars(value).items())
        registered = ([probe.__name__ for probe in _ABC_PROBES if issubclass(probe, value)]
                      if isinstance(value, abc.ABCMeta) else [])
        return f"{kind} {value.__qualname__} {attributes} registered={registered}"
    if isinstance(value, FunctionType):
        return (f"{kind} {value.__name__} {value.__qualname__} {_text(value.__doc__)} "
                f"{sorted(vars(value))} {_text(value.__defaults__)} "
                f"{_text(value.__kwdefaults__)}")
    if callable(value):
        extra = sorted(vars(value)) if hasattr(value, "__dict__") else []
        return f"{kind} {getattr(value, '__qualname__', '')} {extra} {_text(value)}"
    return f"{kind} {_text(value)}"


def facade_fingerprints() -> dict[str, dict[str, str]]:
    """Every facade the sandbox exposes, built fresh, described member by member.

    Assumes ``sandbox_host.facades.fresh_facade(name)`` (one module name of
    ``ALLOWED_MODULES``) returns the facade an agent importing ``name`` would get.
    """
    from sandbox_host import facades

    fresh: Callable[[str], Any] = facades.fresh_facade  # type: ignore[attr-defined]
    fingerprints = {}
    for name in sorted(facades.ALLOWED_MODULES):
        facade = fresh(name)
        members = [member for member in dir(facade) if not member.startswith("_")]
        fingerprints[name] = {member: describe(getattr(facade, member)) for member in members}
    return fingerprints


# --- the soak, in the child process -------------------------------------------------------


def _plan() -> list[tuple[str, str, float]]:
    rng = random.Random(SEED)
    attacks = soak_attacks()
    names = sorted(attacks)
    plan = []
    for _ in range(RUNS):
        name = rng.choice(names)
        deadline = 0.05 if attacks[name].hits_deadline else rng.choice(DEADLINES)
        plan.append((name, rng.choice(USERS), deadline))
    return plan


def _loop_wakeup(handle: Any) -> bool:
    from tests.redteam.harness import loop_wakeup

    return loop_wakeup(handle)


def _loop_state(baseline: set[asyncio.Task[Any]]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    return {
        "tasks": [repr(t)[:160] for t in asyncio.all_tasks() if t is not me and t not in baseline],
        "callbacks": [repr(h)[:160] for h in [*loop._ready, *loop._scheduled]  # type: ignore[attr-defined]
                      if not h.cancelled() and not _loop_wakeup(h)],
        "asyncgens": len(loop._asyncgens),  # type: ignore[attr-defined]
    }


async def _late_again(host: SandboxHost, tools: dict[str, Any], source: str,
                      run: dict[str, Any]) -> bool:
    context = ExecutionContext(user_id=run["user"], agent_name="attacker-retry")
    for _ in range(RETRIES):
        started = time.monotonic()
        await host.run(source, None, tools, context=context, timeout_s=run["deadline"])
        run.setdefault("again", []).append(round(time.monotonic() - started, 3))
        if run["again"][-1] <= run["deadline"] + LATE_S:
            return False
    return True


def _observe(result: RunResult) -> dict[str, Any]:
    return {"output": result.output, "stdout": result.stdout,
            "error": None if result.error is None else result.error.type}


async def _soak(observation: Observation) -> None:
    extra = observation.extra
    backend = open_backend(StoreConfig(url="memory://"))
    plugin = DataStorePlugin(StoreConfig(url="memory://"), backend=backend)
    host = SandboxHost(plugins=[plugin], load_entry_points=False)
    notes: list[str] = []
    tools = {"note": notes.append, "search": lambda query: f"results for {query}"}
    attacks = soak_attacks()
    seed = agent("data_store.set_many({'k': 1, 'secret': input_dict['secret']})\nreturn {}")
    for user in USERS:
        await host.run(seed, {"secret": f"{user}'s diary"}, dict(tools),
                       context=ExecutionContext(user_id=user, agent_name="seeder"))
    observer = ExecutionContext(user_id="observer", agent_name="observer")
    extra["observer_before"] = _observe(await host.run(OBSERVER, None, dict(tools),
                                                       context=observer))
    try:
        extra["facades_before"] = facade_fingerprints()
    except Exception as exc:
        extra["facade_error"] = f"{type(exc).__name__}: {exc}"

    me = asyncio.current_task()
    assert me is not None
    baseline = asyncio.all_tasks()
    late: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    progress = {"runs": 0}

    async def worker() -> None:
        for index, (name, user, deadline) in enumerate(_plan()):
            context = ExecutionContext(user_id=user, agent_name=f"attacker-{index % 7}")
            started = time.monotonic()
            await host.run(attacks[name].source, None, tools, context=context,
                           timeout_s=deadline)
            elapsed = time.monotonic() - started
            progress["runs"] = index + 1
            if elapsed > deadline + LATE_S:
                late.append({"run": index, "attack": name, "user": user, "deadline": deadline,
                             "elapsed": round(elapsed, 3)})
            state = _loop_state(baseline | {asyncio.current_task()})  # type: ignore[operator]
            if (state["tasks"] or state["callbacks"] or state["asyncgens"]) and len(left) < 20:
                left.append({"run": index, "attack": name, **state})

    started = time.monotonic()
    worker_task = asyncio.create_task(worker())
    try:
        await worker_task
    except BaseException as exc:  # the finding: the worker died
        extra["worker_error"] = f"{type(exc).__name__} after run {progress['runs']}"
        while me.cancelling():
            me.uncancel()
    extra["soak_s"] = round(time.monotonic() - started, 1)
    extra["runs"] = progress["runs"]
    extra["late_at_first"] = len(late)
    extra["late_runs"] = late if len(late) > MAX_LATE else [
        run for run in late if await _late_again(host, tools, attacks[run["attack"]].source, run)
    ]
    extra["left_after_runs"] = left
    extra["loop_right_after"] = _loop_state(baseline)
    observation.records_at_return = records(backend)
    await asyncio.sleep(0.3)
    gc.collect()
    await asyncio.sleep(0.01)
    extra["loop_later"] = _loop_state(baseline)
    observation.records_later = records(backend)
    extra["observer_after"] = _observe(await host.run(OBSERVER, None, dict(tools),
                                                      context=observer))
    extra["host_tools"] = sorted(tools)
    if "facade_error" not in extra:
        try:
            extra["facades_after"] = facade_fingerprints()
        except Exception as exc:
            extra["facade_error"] = f"{type(exc).__name__}: {exc}"


def soak_in_child(payload: str) -> Observation:
    """The child side: run the soak, report what was seen."""
    observation = Observation()
    asyncio.run(_soak(observation))
    return observation


# --- the test --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def soak() -> Observation:
    observation = run_child("tests.redteam.test_soak:soak_in_child", "", SOAK_LIMIT_S)
    observation.extra.setdefault("runs", 0)
    return observation


def assert_completed(soak: Observation) -> None:
    """Every check below is only meaningful for a soak that ran to the end."""
    assert soak.crashed is None, soak.crashed
    assert soak.extra.get("worker_error") is None, soak.extra["worker_error"]
    assert soak.extra["runs"] == RUNS


def test_the_soak_mixes_every_class_and_several_users() -> None:
    attacks = soak_attacks()
    plan = _plan()
    assert len(plan) == RUNS
    assert {attacks[name].cls for name, _, _ in plan} >= {
        "1", "2", "3", "4", "5", "6", "8", "9", "10", "13", "new"}
    assert {user for _, user, _ in plan} == set(USERS)


def test_the_worker_survives_every_run(soak: Observation) -> None:
    assert_completed(soak)


def test_every_run_ends_within_its_deadline_plus_100_ms(soak: Observation) -> None:
    assert_completed(soak)
    assert soak.extra["late_at_first"] <= MAX_LATE, (
        f"{soak.extra['late_at_first']} of {RUNS} runs ended more than {LATE_S:g} s after "
        f"their deadline: {soak.extra['late_runs'][:10]}"
    )
    assert soak.extra["late_runs"] == [], "runs late again when retried"


def test_no_task_callback_or_async_generator_of_a_run_is_left(soak: Observation) -> None:
    assert_completed(soak)
    assert soak.extra["left_after_runs"] == []
    empty = {"tasks": [], "callbacks": [], "asyncgens": 0}
    assert soak.extra["loop_right_after"] == empty
    assert soak.extra["loop_later"] == empty


def test_nothing_is_written_late_or_across_users(soak: Observation) -> None:
    assert_completed(soak)
    assert soak.records_later == soak.records_at_return
    crossed = [key for key in soak.records_later if "planted" in key or "stolen" in key]
    assert crossed == [], "a user's run wrote into another user's namespace"
    assert soak.extra["host_tools"] == ["note", "search"]


def test_every_facade_equals_a_fresh_one(soak: Observation) -> None:
    assert_completed(soak)
    assert soak.extra.get("facade_error") is None, soak.extra["facade_error"]
    before, after = soak.extra["facades_before"], soak.extra["facades_after"]
    changed = {name: sorted(member for member in {*before[name], *after.get(name, {})}
                            if before[name].get(member) != after.get(name, {}).get(member))
               for name in before}
    assert {name: members for name, members in changed.items() if members} == {}


def test_an_observer_sees_the_same_modules_after_the_soak(soak: Observation) -> None:
    assert_completed(soak)
    before, after = soak.extra["observer_before"], soak.extra["observer_after"]
    assert after == before, json.dumps({"before": before, "after": after}, indent=1)
