"""Red team: agent code tries to leave the sandbox. Every attempt must fail; each says how.

Each parametrised case is one distinct attempt: ``(agent statements, error type, text the
error message must contain)``. ``CompileError`` means the policy refused the code before
it ran; anything else is the guard or facade that stopped it at run time.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable

import pytest

from sandbox_host import RunError, RunResult

pytestmark = pytest.mark.redteam

Attempt = Callable[..., RunError]


def agent(body: str, imports: str = "") -> str:
    """Agent source: ``imports`` at module level, ``body`` inside ``run``."""
    run = "async def run(input_dict, tools):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return textwrap.dedent(imports) + "\n" + run


ESCAPES = {
    # --- frames of generators, coroutines, async generators -------------------------
    "generator frame by attribute": (
        "def g():\n    yield 1\nreturn g().gi_frame",
        "CompileError",
        '"gi_frame" is a restricted attribute name',
    ),
    "generator frame by getattr": (
        "def g():\n    yield 1\nreturn getattr(g(), 'gi_' + 'frame')",
        "AttributeError",
        '"gi_frame" is a restricted attribute name',
    ),
    "coroutine frame by getattr": (
        "async def c():\n    pass\nco = c()\ntry:\n    return getattr(co, 'cr_frame')\n"
        "finally:\n    co.close()",
        "AttributeError",
        '"cr_frame" is a restricted attribute name',
    ),
    "async generator frame": (
        "async def ag():\n    yield 1\nreturn ag().ag_frame",
        "CompileError",
        '"ag_frame" is a restricted attribute name',
    ),
    "async generator ag_running missed by RestrictedPython": (
        "async def ag():\n    yield 1\nreturn getattr(ag(), 'ag_running')",
        "AttributeError",
        '"ag_running" is a restricted attribute name',
    ),
    "async generator awaited object": (
        "async def ag():\n    yield 1\nreturn getattr(ag(), 'ag_await')",
        "AttributeError",
        '"ag_await" is a restricted attribute name',
    ),
    # --- tracebacks -------------------------------------------------------------------
    "traceback attribute of a caught exception": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    return e.__traceback__",
        "CompileError",
        '"__traceback__" is a restricted attribute name',
    ),
    "traceback frame by getattr": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    return getattr(e, '__traceback__')",
        "AttributeError",
        '"__traceback__" is a restricted attribute name',
    ),
    "frame of a traceback by getattr": (
        "return getattr(None, 'tb_frame')",
        "AttributeError",
        '"tb_frame" is a restricted attribute name',
    ),
    # --- str.format and friends ------------------------------------------------------
    "str.format reaching a dunder": (
        "return '{0.__class__.__mro__}'.format(1)",
        "AttributeError",
        '"__mro__" is a restricted attribute name',
    ),
    "str.format_map reaching a dunder": (
        "return {'x': '{x.__class__.__subclasses__}'.format_map({'x': 1})}",
        "AttributeError",
        '"__subclasses__" is a restricted attribute name',
    ),
    "unbound str.format reaching globals": (
        "def f():\n    pass\nreturn str.format('{0.__globals__}', f)",
        "AttributeError",
        '"__globals__" is a restricted attribute name',
    ),
    "nested format spec reaching a dunder": (
        "def f():\n    pass\nreturn {'x': '{0:{1.__globals__}}'.format(1, f)}",
        "AttributeError",
        '"__globals__" is a restricted attribute name',
    ),
    "str.format through super() of a str subclass": (
        "class S(str):\n    def leak(self):\n        return {'x': super().format(1)}\n"
        "return S('{0.__class__.__bases__}').leak()",
        "AttributeError",
        '"__bases__" is a restricted attribute name',
    ),
    "string.Formatter": (
        "import string\nreturn string.Formatter().format('{0.__class__}', 1)",
        "AttributeError",
        "string.Formatter is not available in the sandbox",
    ),
    # --- exceptions holding host objects ---------------------------------------------
    "AttributeError.obj": (
        "try:\n    tools.nothing_here\nexcept AttributeError as e:\n    return e.obj",
        "AttributeError",
        '"obj" of exceptions is not available',
    ),
    # --- dunders and underscores through getattr, type, subclassing ------------------
    "host object's dict through getattr": (
        "import json\nreturn getattr(json.loads, '__dict__')",
        "AttributeError",
        '"__dict__" of function objects is not available',
    ),
    "subclasses of object through getattr": (
        "return getattr(object, '__subclasses__')()",
        "AttributeError",
        '"__subclasses__" is a restricted attribute name',
    ),
    "three-argument type()": (
        "return {'x': type('X', (), {})}",
        "TypeError",
        "type() takes one argument in the sandbox",
    ),
    "three-argument type() through type(type(x))": (
        "t = type(type(1))\nreturn {'x': t('X', (), {'__del__': print})}",
        "TypeError",
        "type() takes one argument in the sandbox",
    ),
    "mro of an agent class": (
        "class A:\n    pass\nreturn getattr(A, 'mro')()",
        "AttributeError",
        '"mro" is a restricted attribute name',
    ),
    "metaclass keyword": (
        "class A(metaclass=object):\n    pass",
        "TypeError",
        "classes with metaclass 'object' cannot be defined in the sandbox",
    ),
    "agent-defined metaclass": (
        "class M(type):\n    pass",
        "TypeError",
        "cannot be defined in the sandbox",
    ),
    "builtins rebound as a variable": (
        "__builtins__ = {}",
        "CompileError",
        '"__builtins__" is a reserved name',
    ),
    "private facade internals": (
        "import json\nreturn getattr(json, '_members')",
        "AttributeError",
        '"_members" of ModuleFacade objects is not available',
    ),
    "facade re-initialised through from-import": (
        "from json import __init__",
        "CompileError",
        '"__init__" cannot be imported',
    ),
    # --- imports ----------------------------------------------------------------------
    "import os": ("import os", "ModuleNotFoundError", "'os' is not available in the sandbox"),
    "import sys": ("import sys", "ModuleNotFoundError", "'sys' is not available in the sandbox"),
    "import subprocess": (
        "import subprocess",
        "ModuleNotFoundError",
        "'subprocess' is not available in the sandbox",
    ),
    "__import__ by name": ("return __import__('os')", "CompileError", '"__import__" is a reserved'),
    "builtins module": ("import builtins", "CompileError", '"builtins" is a reserved name'),
    "importlib": ("import importlib", "ModuleNotFoundError", "'importlib' is not available"),
    "submodule of an allowed package": (
        "import json.decoder",
        "ModuleNotFoundError",
        "'json.decoder' is not available",
    ),
    "from-import falling back to sys.modules": (
        "from json import decoder",
        "ImportError",
        "cannot import name 'decoder'",
    ),
    "relative import": ("from . import json", "ImportError", "relative imports"),
    "json.codecs": ("import json\nreturn json.codecs", "AttributeError", "no attribute 'codecs'"),
    "re.enum.sys": ("import re\nreturn re.enum.sys", "AttributeError", "no attribute 'enum'"),
    "module reached through a function's globals": (
        "import json\nreturn getattr(json.loads, '__globals__')",
        "AttributeError",
        '"__globals__" is a restricted attribute name',
    ),
    "asyncio event loop": (
        "import asyncio\nreturn asyncio.get_running_loop()",
        "AttributeError",
        "asyncio.get_running_loop is not available in the sandbox",
    ),
    "asyncio subprocess": (
        "import asyncio\nawait asyncio.create_subprocess_exec('id')",
        "AttributeError",
        "asyncio.create_subprocess_exec is not available in the sandbox",
    ),
    "asyncio thread": (
        "import asyncio\nawait asyncio.to_thread(print)",
        "AttributeError",
        "asyncio.to_thread is not available in the sandbox",
    ),
    "loop of an awaitable the asyncio facade returns": (
        "import asyncio\nco = asyncio.sleep(0)\ntry:\n    return getattr(co, 'get_loop')\n"
        "finally:\n    co.close()",
        "AttributeError",
        '"get_loop" is a restricted attribute name',
    ),
    "functools helper that writes onto a host function": (
        "import functools, json\nfunctools.update_wrapper(json.loads, json.dumps)",
        "TypeError",
        "can only be applied to the agent's own classes and functions",
    ),
    # --- more facades: nothing shared, no files, no code ------------------------------
    "csv dialect registry": ("import csv\ncsv.register_dialect('x', delimiter=';')",
                             "AttributeError", "changes the csv settings of every run"),
    "csv field size limit": ("import csv\ncsv.field_size_limit(1)", "AttributeError",
                             "changes the csv settings of every run"),
    "zone cache cleared": ("from zoneinfo import ZoneInfo\nZoneInfo.clear_cache()",
                           "TypeError", "shared by every run"),
    "zone from a file object": ("from zoneinfo import ZoneInfo\nZoneInfo.from_file(None)",
                                "TypeError", "from_file is not available"),
    "zone search path": ("import zoneinfo\nzoneinfo.reset_tzpath(['/'])", "AttributeError",
                         "where every run's zones come from"),
    "calendar first weekday": ("import calendar\ncalendar.setfirstweekday(6)",
                               "AttributeError", "changes the calendar of every run"),
    "calendar month lengths": ("import calendar\ncalendar.mdays[2] = 30", "TypeError",
                               "'tuple' object does not support item assignment"),
    "function constructor": ("import types\nreturn types.FunctionType", "AttributeError",
                             "builds functions, code or classes"),
    "io.open": ("import io\nio.open('/etc/passwd')", "AttributeError",
                "files are not available"),
    "pathlib.Path": ("import pathlib\npathlib.Path('/etc/passwd').read_text()",
                     "AttributeError", "files are not available"),
    "ast.parse": ("import ast\nast.parse('1')", "AttributeError",
                  "syntax trees of code are not available"),
    "traceback frames": ("import traceback\ntraceback.extract_stack()", "AttributeError",
                         "frames and tracebacks are not available"),
    # --- dangerous builtins -----------------------------------------------------------
    "open": ("return open('/etc/passwd').read()", "NameError", "'open' is not defined"),
    "eval": ("return eval('1')", "CompileError", "Eval calls are not allowed"),
    "exec": ("exec('x = 1')", "CompileError", "Exec calls are not allowed"),
    "eval under another name": ("e = eval\nreturn e('1')", "NameError", "'eval' is not defined"),
    "compile": ("compile('1', 'f', 'eval')", "NameError", "'compile' is not defined"),
    "globals": ("return globals()", "NameError", "'globals' is not defined"),
    "vars": ("return vars()", "TypeError", "vars() needs an argument in the sandbox"),
    "vars of a host object": ("import json\nreturn vars(json.loads)", "AttributeError",
                              '"__dict__" of function objects is not available'),
    "builtins dict": ("return __builtins__", "CompileError", '"__builtins__" is a reserved'),
    # --- writes to shared objects -----------------------------------------------------
    "patching a facade": (
        "import json\njson.loads = None",
        "TypeError",
        "cannot modify 'ModuleFacade' objects",
    ),
    "patching a facade with setattr": (
        "import json\nsetattr(json, 'loads', None)",
        "TypeError",
        "cannot modify 'ModuleFacade' objects",
    ),
    "patching a class reached through a facade": (
        "import collections\ncollections.Counter.most_common = None",
        "TypeError",
        "cannot modify 'type' objects",
    ),
    "patching a host function": (
        "import json\njson.loads.cache = {}",
        "TypeError",
        "cannot modify 'function' objects",
    ),
    # --- names of the guards ----------------------------------------------------------
    "positional-only parameter named like a guard": (
        "def f(_getattr_, /):\n    return _getattr_",
        "CompileError",
        '"_getattr_" is a reserved name',
    ),
    "keyword-only parameter named like a guard": (
        "def f(*, _write_):\n    return 1",
        "CompileError",
        '"_write_" is a reserved name',
    ),
    "lambda parameter named like a guard": (
        "f = lambda _tick_: 1",
        "CompileError",
        '"_tick_" is a reserved name',
    ),
}


@pytest.mark.parametrize(("body", "error_type", "message"), ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_attempt_fails(attempt: Attempt, body: str, error_type: str, message: str) -> None:
    error = attempt(agent(body))
    # Refusals of attributes are RestrictedAttributeError, an AttributeError.
    assert error.type == error_type or error.type == "Restricted" + error_type, error
    assert message in error.message, error


def test_there_are_at_least_25_distinct_attempts() -> None:
    assert len(ESCAPES) >= 25


def test_reporting_modules_write_to_the_run_not_the_hosts_streams(
    sandbox_run: Callable[..., RunResult], capfd: pytest.CaptureFixture[str]
) -> None:
    source = agent(
        """
        pprint.pprint({"a": 1})
        warnings.warn("careful")
        try:
            json.loads("{bad")
        except ValueError:
            traceback.print_exc()
            text = traceback.format_exc()
        return {"text": text}
        """,
        imports="import json, pprint, traceback, warnings",
    )
    result = sandbox_run(source)
    host_out, host_err = capfd.readouterr()
    assert result.ok, result.error
    assert (host_out, host_err) == ("", "")
    assert "{'a': 1}" in result.stdout and "UserWarning: careful" in result.stdout
    # Tracebacks show the agent's frames only: no host file paths.
    assert "JSONDecodeError" in result.output["text"]
    assert "/" not in result.output["text"].replace("<agent>", "")


def test_patching_a_facade_is_not_seen_by_a_second_run(
    sandbox_run: Callable[..., RunResult],
) -> None:
    patch = agent(
        """
        try:
            json.dumps = lambda value: "patched"
        except TypeError:
            pass
        try:
            setattr(json, "dumps", lambda value: "patched")
        except TypeError:
            pass
        return {"first": json.dumps(1)}
        """,
        imports="import json",
    )
    observe = agent('return {"second": json.dumps(1)}', imports="import json")
    assert sandbox_run(patch).output == {"first": "1"}
    assert sandbox_run(observe).output == {"second": "1"}


def test_seeding_random_in_one_run_does_not_steer_another(
    sandbox_run: Callable[..., RunResult],
) -> None:
    seeded = agent("random.seed(7)\nreturn {'x': random.random()}", imports="import random")
    unseeded = agent("return {'x': random.random()}", imports="import random")
    seeded_value = sandbox_run(seeded).output
    after = [sandbox_run(unseeded).output for _ in range(3)]
    assert seeded_value not in after


def test_infinite_loop_is_stopped(attempt: Attempt) -> None:
    started = time.monotonic()
    error = attempt(agent("while True:\n    pass"), timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert (error.type, error.source_line) == ("ExecutionTimeout", "while True:")


def test_infinite_loop_that_swallows_the_timeout_is_stopped(attempt: Attempt) -> None:
    source = agent(
        """
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
        """
    )
    started = time.monotonic()
    error = attempt(source, timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert error.type == "ExecutionTimeout"


def test_blocking_sleep_stops_at_the_deadline(attempt: Attempt) -> None:
    started = time.monotonic()
    error = attempt(agent("time.sleep(3600)", imports="import time"), timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert error.type == "ExecutionTimeout"


def test_swallowing_cancellation_at_the_deadline_does_not_keep_the_run_alive(
    attempt: Attempt,
) -> None:
    source = agent(
        """
        while True:
            try:
                await asyncio.sleep(3600)
            except BaseException:
                pass
        """,
        imports="import asyncio",
    )
    started = time.monotonic()
    error = attempt(source, timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert error.type == "ExecutionTimeout"


def test_huge_recursion_is_stopped(attempt: Attempt) -> None:
    error = attempt(agent("def f(n):\n    return f(n + 1)\nreturn f(0)"))
    assert error.type in ("RecursionLimitExceeded", "RecursionError")


def test_recursion_through_lambdas_is_stopped(attempt: Attempt) -> None:
    error = attempt(agent("f = lambda g, n: g(g, n + 1)\nreturn f(f, 0)"))
    assert error.type in ("RecursionLimitExceeded", "RecursionError")


def test_returning_an_agent_object_gives_the_host_only_plain_data(
    sandbox_run: Callable[..., RunResult],
) -> None:
    source = agent(
        """
        class Sneaky(dict):
            def __eq__(self, other):
                return True
        return Sneaky(a=1)
        """
    )
    output = sandbox_run(source).output
    assert type(output) is dict
    assert output == {"a": 1}
