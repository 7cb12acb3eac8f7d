"""Red team of the compatibility issue (13): what agents may now do must not open a way out.

Issue 13 lets agents use underscore names on their own objects, protocol methods, more
modules (``copy``, ``operator``, ``typing``, ``dataclasses``, ``abc``, ``logging``,
``decimal``, ``textwrap`` ...), 1-argument ``type`` and the full asyncio facade (task
handles, ``TaskGroup``, queues). Each test here pairs an allowance with the hazard it could
open and checks the hazard stays closed, as seen from outside: the run fails loudly (or the
thing is harmless), ``host.run`` returns in time, nothing is left on the host's loop or
written late, and the next user's run sees pristine modules.

Where the design names an allowance the attack relies on, the test also checks the run was
not refused for the allowance itself (no ``CompileError``, no ``ImportError``, no missing
facade name), so a test cannot pass only because the feature is still missing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.redteam.attacks import ATTACKS, by_class
from tests.redteam.harness import (
    MARGIN_S,
    Observation,
    Outcome,
    Scenario,
    Step,
    agent,
    assert_contained,
    assert_refused,
    child_scenario,
    observe,
    observe_in_child,
    run_child,
)

pytestmark = pytest.mark.redteam

ASYNC = "import asyncio"
BOOM = "class Boom(BaseException):\n    pass\n"
CHILD_LIMIT_S = 15.0


def run_one(source: str, timeout_s: float = 1.0, *, in_child: bool = False) -> Outcome:
    scenario = Scenario([Step(source, timeout_s=timeout_s)], seed={"mallory": {"k": 1}})
    observation = observe_in_child(scenario, CHILD_LIMIT_S) if in_child else observe(scenario)
    assert_contained(observation, scenario)
    return observation.last


def assert_allowance_used(outcome: Outcome) -> None:
    """The run was not stopped by a missing allowance of issue 13 before the attack."""
    assert outcome.error_type not in ("CompileError", "ImportError"), outcome.describe()
    assert "has no attribute" not in (outcome.error_message or ""), outcome.describe()
    assert "is not defined" not in (outcome.error_message or ""), outcome.describe()


def two_users(alice: str, bob: str) -> tuple[Outcome, Outcome]:
    """Alice's attack, then bob's run, in a child process (a success changes modules)."""
    scenario = Scenario([Step(alice, user="alice"), Step(bob, user="bob")],
                        seed={"alice": {"secret": "alice's diary"}})
    observation = observe_in_child(scenario, CHILD_LIMIT_S)
    assert_contained(observation, scenario)
    assert "planted" not in "".join(observation.records_later), observation.records_later
    alice_outcome, bob_outcome = observation.outcomes
    assert bob_outcome.ok, bob_outcome.describe()
    return alice_outcome, bob_outcome


# --- underscore and dunder attributes of host objects -------------------------------------

PEEK_LOCK = """
class Peek(asyncio.Lock):
    def waiters(self):
        return self._waiters
    def loop(self):
        return self._loop
    def loop_by_super(self):
        return super().__getattribute__("_loop")
lock = Peek()
await lock.acquire()
async def contender():
    async with lock:
        pass
task = asyncio.create_task(contender())
await asyncio.sleep(0)
"""

PRIVATE_STATE = {
    "data_store._namespace": ("return {'x': data_store._namespace}", "_namespace"),
    "facade _members by getattr": ("return {'x': str(getattr(json, '_members'))}", "_members"),
    "asyncio.Lock()._waiters": ("return {'x': str(asyncio.Lock()._waiters)}", "_waiters"),
    "asyncio.Event()._loop": ("return {'x': str(asyncio.Event()._loop)}", "_loop"),
    "task handle _coro": (
        "async def c():\n    return 1\nt = asyncio.create_task(c())\nreturn {'x': str(t._coro)}",
        "_coro"),
    "tool function globals": ("return {'x': str(tools['search'].__globals__)}", "__globals__"),
    "subclass of the facade Lock reads self._waiters": (
        PEEK_LOCK + "return {'x': str(lock.waiters())}", "_waiters"),
    "subclass of the facade Lock reads self._loop": (
        PEEK_LOCK + "return {'x': str(lock.loop())}", "_loop"),
    "super().__getattribute__ in a subclass": (
        PEEK_LOCK + "return {'x': str(lock.loop_by_super())}", "__getattribute__"),
    "object.__getattribute__ of a lock": (
        "return {'x': str(object.__getattribute__(asyncio.Lock(), '_loop'))}",
        "__getattribute__"),
    "object.__setattr__ on data_store": (
        "object.__setattr__(data_store, 'get', len)\nreturn {}", "__setattr__"),
    "__dict__ of a host function": (
        "return {'x': str(getattr(json.loads, '__dict__'))}", "__dict__"),
    "__dict__ of a host class": ("return {'x': str(data_store.__class__.__dict__)}", "__dict__"),
    "__mro__ of a facade class": ("return {'x': str(asyncio.Lock.__mro__)}", "__mro__"),
    "__bases__ of a facade class": ("return {'x': str(getattr(asyncio.Lock, '__bases__'))}",
                                    "__bases__"),
    "get_coro of a task handle": (
        "async def c():\n    return 1\nreturn {'x': str(asyncio.create_task(c()).get_coro())}",
        "get_coro"),
}


@pytest.mark.parametrize(("body", "name"), PRIVATE_STATE.values(), ids=PRIVATE_STATE.keys())
def test_private_state_of_host_objects_stays_private(body: str, name: str) -> None:
    outcome = run_one(agent(body, imports="import asyncio\nimport json"))
    assert_refused(outcome, name)


def test_own_underscore_attributes_are_allowed() -> None:
    # The allowance the tests above must not be confused with.
    body = """
    class Cache:
        def __init__(self):
            self._store = {}
        def put(self, key, value):
            self._store[key] = value
            return self._store
    return {"cache": Cache().put("a", 1), "name": type(1).__name__}
    """
    outcome = run_one(agent(body))
    assert outcome.output == {"cache": {"a": 1}, "name": "int"}, outcome.describe()


CLASS_SWAPS = {
    "assign __class__": "m.__class__ = string.Template",
    "setattr __class__": "setattr(m, '__class__', string.Template)",
}


@pytest.mark.parametrize("swap", CLASS_SWAPS.values(), ids=CLASS_SWAPS.keys())
def test_an_object_cannot_change_its_class(swap: str) -> None:
    body = f"""
    class Mine:
        pass
    m = Mine()
    {swap}
    return {{"class": str(m.__class__)}}
    """
    assert_refused(run_one(agent(body, imports="import string")), "__class__")


RAW_MARKERS = ("_asyncio.Future", "_asyncio.Task", "_GatheringFuture", "_wait_for_one",
               "EventLoop", "asyncio.tasks.Task", "asyncio.futures.Future")

ASYNCIO_RESULTS = {
    "create_task": "x = asyncio.create_task(c())",
    "ensure_future": "x = asyncio.ensure_future(c())",
    "gather": "x = asyncio.gather(c())",
    "as_completed item": "x = list(asyncio.as_completed([c()]))[0]",
    "asyncio.wait result": "x = list((await asyncio.wait([asyncio.create_task(c())]))[0])[0]",
    "wait_for": "x = asyncio.wait_for(c(), 1)",
    "done-callback argument": (
        "box = []\nt = asyncio.create_task(c())\nt.add_done_callback(box.append)\nawait t\n"
        "await asyncio.sleep(0)\nx = box[0]"),
    "TaskGroup task": "async with asyncio.TaskGroup() as tg:\n    x = tg.create_task(c())",
}


@pytest.mark.parametrize("line", ASYNCIO_RESULTS.values(), ids=ASYNCIO_RESULTS.keys())
def test_the_asyncio_facade_hands_out_no_raw_asyncio_object(line: str) -> None:
    body = f"async def c():\n    return 1\n{line}\nreturn {{'type': str(type(x)), 'repr': repr(x)}}"
    outcome = run_one(agent(body, imports=ASYNC))
    assert outcome.ok, outcome.describe()
    leaked = [marker for marker in RAW_MARKERS if marker in json.dumps(outcome.output)]
    assert not leaked, f"raw asyncio objects reach the agent: {outcome.output}"


# --- driving coroutines by hand ------------------------------------------------------------

DRIVING = {
    "send to a facade coroutine": ("asyncio.sleep(1).send(None)", "send"),
    "send to the agent's own coroutine": (
        "async def c():\n    await asyncio.sleep(1)\nc().send(None)", "send"),
    "throw into a facade coroutine": ("asyncio.sleep(1).throw(ValueError('x'))", "throw"),
    "send to a gather handle": (
        "async def c():\n    return 1\nasyncio.gather(c()).send(None)", "send"),
}


@pytest.mark.parametrize(("body", "rule"), DRIVING.values(), ids=DRIVING.keys())
def test_coroutines_cannot_be_driven_by_hand(body: str, rule: str) -> None:
    outcome = run_one(agent(body + "\nreturn {}", imports=ASYNC))
    assert_refused(outcome, rule)


# --- 3-argument type ---------------------------------------------------------------------

TYPE_CALLS = {
    "type with three arguments": "type('X', (), {})",
    "the type of a type": "type(type(1))('X', (), {})",
    "the class of a class": "(1).__class__.__class__('X', (object,), {})",
    "a subclass of a facade class": "type('L', (asyncio.Lock,), {})",
}


@pytest.mark.parametrize("call", TYPE_CALLS.values(), ids=TYPE_CALLS.keys())
def test_classes_cannot_be_built_with_type(call: str) -> None:
    outcome = run_one(agent(f"X = {call}\nreturn {{}}", imports=ASYNC))
    assert_refused(outcome, "type")


# --- protocol methods the host could run outside the limits ------------------------------

EXCEPTION_TEXT = [name for name in by_class("new") if "of the raised exception" in name]


@pytest.mark.parametrize("name", EXCEPTION_TEXT)
def test_the_error_text_of_an_agent_exception_runs_under_the_limits(name: str) -> None:
    attack = ATTACKS[name]
    outcome = run_one(attack.source, timeout_s=attack.timeout_s)
    assert outcome.error_type is not None, outcome.describe()
    assert_allowance_used(outcome)


def test_a_hostile_exception_argument_runs_under_the_limits() -> None:
    module = "class Arg:\n    def __repr__(self):\n        while True:\n            pass\n"
    outcome = run_one(agent("raise KeyError(Arg())", module=module), timeout_s=0.3)
    assert outcome.error_type is not None, outcome.describe()
    assert_allowance_used(outcome)


def test_a_hostile_log_argument_runs_under_the_limits() -> None:
    module = "class Arg:\n    def __str__(self):\n        while True:\n            pass\n"
    body = "logging.getLogger('a').error('%s', Arg())\nreturn {}"
    outcome = run_one(agent(body, imports="import logging", module=module), timeout_s=0.3)
    assert_allowance_used(outcome)


def test_a_hash_raising_a_base_exception_inside_data_store_stays_in_the_run() -> None:
    module = BOOM + "class Key(str):\n    def __hash__(self):\n        raise Boom('hash')\n"
    outcome = run_one(agent("return data_store.get_many([Key('k'), Key('k')])", module=module))
    assert outcome.error_type in (None, "Boom"), outcome.describe()
    assert_allowance_used(outcome)


MAPPING_ITEMS = {
    "items() loops forever": "def items(self):\n        while True:\n            pass",
    "keys() loops forever": "def keys(self):\n        while True:\n            pass",
    "__iter__ loops forever": "def __iter__(self):\n        while True:\n            pass",
}


@pytest.mark.parametrize("method", MAPPING_ITEMS.values(), ids=MAPPING_ITEMS.keys())
def test_a_dict_subclass_handed_to_the_host_runs_under_the_limits(method: str) -> None:
    module = f"class Items(dict):\n    {method}\n"
    body = "data_store.set_many(Items(a=1))\nreturn Items(b=2)"
    assert_allowance_used(run_one(agent(body, module=module), timeout_s=0.3))


HAZARDOUS_DEFINITIONS = {
    "__del__": "def __del__(self):\n        data_store.set('late', 'from __del__')",
    "__await__": "def __await__(self):\n        return iter([])",
}
# __init_subclass__ is allowed: it runs when a subclass is made, which only the run does.


@pytest.mark.parametrize(("name", "method"), HAZARDOUS_DEFINITIONS.items(),
                         ids=HAZARDOUS_DEFINITIONS.keys())
def test_hazardous_protocol_methods_cannot_be_defined(name: str, method: str) -> None:
    body = "m = M()\nm.me = m\nreturn {}"  # a cycle: only the collector would free it
    outcome = run_one(agent(body, module=f"class M:\n    {method}\n"))
    assert_refused(outcome, name)


def test_del_cannot_be_attached_after_the_class_is_built() -> None:
    body = """
    class M:
        pass
    setattr(M, "__del__", lambda self: data_store.set("late", "from __del__"))
    m = M()
    m.me = m
    return {}
    """
    assert_refused(run_one(agent(body)), "__del__")


# --- modules that could lead back to real ones ------------------------------------------

MODULE_HAZARDS = {
    "typing.get_type_hints": (
        "import typing",
        "def f(x: 'int'):\n    pass\nreturn {'x': str(typing.get_type_hints(f))}",
        "get_type_hints"),
    "operator.attrgetter of __globals__": (
        "import operator\nimport json",
        "return {'x': str(operator.attrgetter('__globals__')(json.loads))}", "__globals__"),
    "operator.attrgetter of a facade's _members": (
        "import operator\nimport json",
        "return {'x': str(operator.attrgetter('_members')(json))}", "_members"),
    "dotted operator.attrgetter into a closure": (
        "import operator",
        "return {'x': str(operator.attrgetter('get.__closure__')(data_store))}", "__closure__"),
    "operator.methodcaller of __reduce_ex__": (
        "import operator",
        "return {'x': str(operator.methodcaller('__reduce_ex__', 4)(data_store))}",
        "__reduce_ex__"),
    "copy.copy of data_store": (
        "import copy", "return {'x': str(copy.copy(data_store))}", "copy"),
    "copy.deepcopy of data_store": (
        "import copy", "return {'x': str(copy.deepcopy(data_store))}", "copy"),
}


@pytest.mark.parametrize(("imports", "body", "word"), MODULE_HAZARDS.values(),
                         ids=MODULE_HAZARDS.keys())
def test_module_facades_do_not_lead_back_to_the_host(imports: str, body: str, word: str
                                                      ) -> None:
    outcome = run_one(agent(body, imports=imports))
    assert_refused(outcome, word)
    assert outcome.error_type != "ImportError", outcome.describe()


def test_deepcopy_memo_does_not_collect_raw_asyncio_objects() -> None:
    body = """
    event = asyncio.Event()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    memo = {}
    try:
        copy.deepcopy(event, memo)
    except Exception as e:
        return {"refused": str(e)}
    kept = memo.get(id(memo), [])
    return {"kept": [str(type(k)) + repr(k) for k in kept],
            "copies": [str(type(v)) for v in memo.values()]}
    """
    outcome = run_one(agent(body, imports="import asyncio\nimport copy"))
    assert outcome.ok, outcome.describe()
    assert isinstance(outcome.output, dict)
    collected = json.dumps([outcome.output.get("kept"), outcome.output.get("copies")])
    leaked = [marker for marker in (*RAW_MARKERS, "Future", "loop") if marker in collected]
    assert not leaked, f"deepcopy's memo holds raw asyncio objects: {outcome.output}"


POISONED_NEXT_RUN = {
    # attack → (what bob's run returns, what it returns on a pristine host)
    "functools.wraps onto json.loads": (
        "return {'name': getattr(json.loads, '__name__'), "
        "'stash': str(getattr(json.loads, 'stash', None))}",
        {"name": "loads", "stash": "None"},
    ),
    "a data_store written into json.loads.__dict__": (
        "return {'stash': str(getattr(json.loads, 'stash', None))}",
        {"stash": "None"},
    ),
    "dataclass applied to string.Template": (
        "return {'text': string.Template('$a!').substitute(a=1), "
        "'dataclass': dataclasses.is_dataclass(string.Template)}",
        {"text": "1!", "dataclass": False},
    ),
    "abc.abstractmethod applied to json.loads": (
        "class A(abc.ABC):\n    load = json.loads\nA()\nreturn {'made': True}",
        {"made": True},
    ),
    "typing.runtime_checkable applied to typing.Protocol": (
        "class P(typing.Protocol):\n    def m(self):\n        pass\n"
        "try:\n    isinstance(1, P)\nexcept TypeError:\n    return {'checked': False}\n"
        "return {'checked': True}",
        {"checked": False},
    ),
    "collections.abc.Mapping.register(tuple)": (
        "return {'mapping': isinstance((), collections.abc.Mapping)}",
        {"mapping": False},
    ),
    "textwrap.TextWrapper.unicode_whitespace_trans": (
        "return {'text': textwrap.fill('banana')}",
        {"text": "banana"},
    ),
    "decimal contexts": (
        "try:\n    decimal.Decimal(1) / 0\nexcept decimal.DivisionByZero:\n"
        "    return {'third': str(decimal.Decimal(1) / 3), 'traps': True}\n"
        "return {'third': str(decimal.Decimal(1) / 3), 'traps': False}",
        {"third": "0.3333333333333333333333333333", "traps": True},
    ),
}

MODULES = ("import abc\nimport collections\nimport collections.abc\nimport dataclasses\n"
           "import decimal\nimport functools\nimport json\nimport logging\nimport string\n"
           "import textwrap\nimport typing")


@pytest.mark.parametrize(("name", "bob", "pristine"),
                         [(name, *check) for name, check in POISONED_NEXT_RUN.items()],
                         ids=POISONED_NEXT_RUN.keys())
def test_one_run_cannot_change_a_module_for_the_next(name: str, bob: str,
                                                     pristine: dict[str, object]) -> None:
    alice_outcome, bob_outcome = two_users(ATTACKS[name].source, agent(bob, imports=MODULES))
    assert alice_outcome.error_type != "ImportError", alice_outcome.describe()
    assert bob_outcome.output == pristine


def test_a_run_cannot_silence_the_loggers_of_the_next() -> None:
    bob = "logging.getLogger('shared').warning('bob was here')\nreturn {}"
    alice_outcome, bob_outcome = two_users(ATTACKS["logging levels and switches"].source,
                                           agent(bob, imports="import logging"))
    assert alice_outcome.error_type != "ImportError", alice_outcome.describe()
    assert "bob was here" in bob_outcome.stdout


def test_logging_writes_into_the_run_output_only(tmp_path: Path) -> None:
    target = tmp_path / "agent.log"
    body = f"""
    for attempt in [lambda: logging.basicConfig(filename={str(target)!r}),
                    lambda: logging.getLogger("f").addHandler(logging.FileHandler({str(target)!r})),
                    lambda: logging.getLogger("s").addHandler(logging.StreamHandler())]:
        try:
            attempt()
        except Exception:
            pass
    for name in ["f", "s", ""]:
        logging.getLogger(name).error("agent says hi")
    return {{}}
    """
    scenario = Scenario([Step(agent(body, imports="import logging"))])
    observation = observe_in_child(scenario, CHILD_LIMIT_S)
    assert_contained(observation, scenario)
    assert observation.last.error_type != "ImportError", observation.last.describe()
    assert not target.exists(), "an agent's logger wrote a file"
    assert "agent says hi" not in observation.extra["stderr"], "an agent's logger wrote stderr"
    assert "agent says hi" in observation.last.stdout


SENTINEL = "HostSentinelHandler"


def _child_with_host_logging(payload: str) -> Observation:
    """A host with its own log handlers; what reaches them and what the agent sees of them."""
    class HostSentinelHandler(logging.Handler):
        records: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record.getMessage())

    handler = HostSentinelHandler()
    for name in ("", "agent_data_store", "sandbox_host"):
        logging.getLogger(name).addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    observation = child_scenario(payload)
    observation.extra["host_log"] = list(handler.records)
    observation.extra["host_levels"] = [logging.getLogger(n).level
                                        for n in ("", "agent_data_store", "sandbox_host")]
    observation.extra["host_handlers"] = [len(logging.getLogger(n).handlers)
                                          for n in ("", "agent_data_store", "sandbox_host")]
    return observation


def test_the_agent_cannot_reach_or_change_the_host_loggers() -> None:
    body = """
    seen = []
    for name in ["", "agent_data_store", "sandbox_host"]:
        logger = logging.getLogger(name)
        seen.append(str(logger.handlers))
        try:
            logger.handlers.clear()
            logger.setLevel(logging.CRITICAL)
            logger.propagate = False
        except Exception as e:
            seen.append("refused")
        logger.critical("forged host log line")
    seen.append(str(logging.root.manager.loggerDict))
    return {"seen": seen}
    """
    scenario = Scenario([Step(agent(body, imports="import logging"))])
    payload = json.dumps({"steps": [vars(step) for step in scenario.steps]})
    observation = run_child("tests.redteam.test_new_allowances:_child_with_host_logging",
                            payload, CHILD_LIMIT_S)
    assert_contained(observation, scenario)
    outcome = observation.last
    assert outcome.error_type != "ImportError", outcome.describe()
    assert SENTINEL not in json.dumps(outcome.output), outcome.output
    forged = [line for line in observation.extra["host_log"] if "forged" in line]
    assert forged == [], "agent log records reached the host's handlers"
    assert observation.extra["host_levels"] == [logging.DEBUG, 0, 0]
    assert observation.extra["host_handlers"] == [1, 1, 1]


# --- asyncio: task handles, groups, queues ---------------------------------------------------


def test_raising_cancelled_error_does_not_look_like_a_cancelled_host() -> None:
    scenario = Scenario([Step(ATTACKS["raise asyncio.CancelledError"].source),
                         Step(agent("return {'next': 'run works'}"), user="bob")])
    observation = observe(scenario)
    assert_contained(observation, scenario)
    assert observation.outcomes[0].error_type == "CancelledError"
    assert observation.outcomes[1].output == {"next": "run works"}


def test_a_base_exception_in_a_task_group_does_not_escape() -> None:
    outcome = run_one(ATTACKS["BaseException in a TaskGroup"].source)
    assert outcome.error_type is not None, outcome.describe()
    assert_allowance_used(outcome)


LEFTOVER_CALLBACKS = ["done-callback of a cancelled task writes",
                      "done-callback re-arms itself and reads",
                      "async generator whose finalizer never ends"]


@pytest.mark.parametrize("name", LEFTOVER_CALLBACKS)
def test_callbacks_and_finalizers_do_not_outlive_the_run(name: str) -> None:
    scenario = Scenario([Step(ATTACKS[name].source, timeout_s=ATTACKS[name].timeout_s)],
                        seed={"mallory": {"k": 1}})
    observation = observe_in_child(scenario, CHILD_LIMIT_S)
    assert_contained(observation, scenario)
    assert_allowance_used(observation.last)
    after = [note for note in observation.notes if note[0] >= 0]
    assert not after, f"agent code ran after the run returned: {after}"
    reads = sum(1 for note in observation.notes if note[1] == "read")
    assert observation.records_later["mallory/default/k"][1] == reads


@pytest.mark.parametrize("name", [name for name in by_class("new") if "swallowed" in name])
def test_swallowing_the_cancellation_of_a_wait_does_not_keep_the_run_alive(name: str) -> None:
    attack = ATTACKS[name]
    scenario = Scenario([Step(attack.source, timeout_s=attack.timeout_s)])
    observation = observe_in_child(scenario, attack.timeout_s + MARGIN_S + CHILD_LIMIT_S)
    assert_contained(observation, scenario)
    assert observation.last.error_type == "ExecutionTimeout", observation.last.describe()
