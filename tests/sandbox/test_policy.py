"""The compile policy: what it adds to RestrictedPython, and that every default still holds."""

from __future__ import annotations

import ast

import pytest
from RestrictedPython.compile import compile_restricted_exec

from sandbox_host.policy import SandboxPolicy
from tests.sandbox.conftest import RunAgent, agent_body


def compile_errors(source: str) -> tuple[str, ...]:
    return tuple(compile_restricted_exec(source, "<test>", policy=SandboxPolicy).errors)


# --- what the policy adds ------------------------------------------------------------


def test_async_def_and_await_work(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        async def double(x):
            return x * 2

        async def run(input_dict, tools):
            return {"value": await double(21)}
        """
    )
    assert result.output == {"value": 42}


def test_async_for_works_with_tuple_unpacking(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        async def pairs():
            for i in range(3):
                yield i, i * i

        async def run(input_dict, tools):
            total = 0
            async for i, square in pairs():
                total += i + square
            return {"total": total}
        """
    )
    assert result.output == {"total": 0 + 0 + 1 + 1 + 2 + 4}


def test_async_comprehension_works(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        async def numbers():
            for i in range(4):
                yield i

        async def run(input_dict, tools):
            return {"evens": [n async for n in numbers() if n % 2 == 0]}
        """
    )
    assert result.output == {"evens": [0, 2]}


def test_async_with_works(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        import asyncio

        async def run(input_dict, tools):
            lock = asyncio.Lock()
            async with lock:
                held = lock.locked()
            return {"held": held, "after": lock.locked()}
        """
    )
    assert result.output == {"held": True, "after": False}


def test_augmented_assignment_to_an_item_works(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body(
            """
            meta = {"completed": 1, "names": ["a"]}
            meta["completed"] += 1
            meta["names"] += ["b"]
            counts = [1, 2]
            counts[0] *= 10
            return {"meta": meta, "counts": counts}
            """
        )
    )
    assert result.output == {"meta": {"completed": 2, "names": ["a", "b"]}, "counts": [10, 2]}


def test_augmented_assignment_evaluates_object_and_index_once(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body(
            """
            calls = []
            data = {"n": 0}
            def target():
                calls.append("target")
                return data
            def key():
                calls.append("key")
                return "n"
            target()[key()] += 5
            return {"data": data, "calls": calls}
            """
        )
    )
    assert result.output == {"data": {"n": 5}, "calls": ["target", "key"]}


def test_augmented_assignment_to_an_attribute_of_an_agent_object_works(
    run_agent: RunAgent,
) -> None:
    result = run_agent(
        agent_body(
            """
            class Counter:
                def __init__(self):
                    self.n = 1
            c = Counter()
            c.n += 2
            return {"n": c.n}
            """
        )
    )
    assert result.output == {"n": 3}


def test_augmented_assignment_goes_through_the_write_guard(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        import math

        async def run(input_dict, tools):
            math.pi += 1
            return {}
        """
    )
    assert result.error is not None
    assert result.error.type == "TypeError"
    assert "cannot modify" in result.error.message
    assert result.error.line == 5


def test_augmented_assignment_to_a_slice_is_refused() -> None:
    assert any("slices" in error for error in compile_errors("x = [1]\nx[0:1] += [2]"))


def test_augmented_assignment_to_a_dunder_attribute_is_refused() -> None:
    assert any('"__class__"' in error for error in compile_errors("o.__class__ += 1"))


def test_loops_and_functions_get_limit_checks() -> None:
    policy = SandboxPolicy([], [], {})
    tree = policy.visit(ast.parse("def f():\n    while x:\n        pass\nys = [y for y in z]"))
    text = ast.unparse(tree)
    assert "_enter_()" in text
    assert text.count("_tick_()") == 2


# --- what the policy refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = y.__globals__", '"__globals__" is a restricted attribute name'),
        ("x = y.__subclasses__", '"__subclasses__" is a restricted attribute name'),
        ("y.__class__ = int", '"__class__" cannot be assigned'),
        ("def f(_getattr_):\n    pass", '"_getattr_" is a reserved name'),
        ("async def f(_write_, /):\n    pass", '"_write_" is a reserved name'),
        ("_tmp0 = 1", '"_tmp0" is a reserved name'),
        ("__builtins__ = {}", '"__builtins__" is a reserved name'),
        ("x = __import__", '"__import__" is a reserved name'),
        ("class A:\n    def __del__(self):\n        pass", '"__del__" cannot be defined'),
        ("class A:\n    def __await__(self):\n        pass", '"__await__" cannot be defined'),
        ("from json import _default_encoder", '"_default_encoder" cannot be imported'),
        ("from json import *", '"*" imports are not allowed'),
        ("match x:\n    case P(_secret=1):\n        pass", '"_secret" cannot be matched'),
        ("match x:\n    case a._b:\n        pass", '"_b" cannot be used in a pattern'),
        ("x = g.gi_frame", '"gi_frame" is a restricted attribute name'),
        ("x = c.cr_frame", '"cr_frame" is a restricted attribute name'),
        ("x = a.ag_frame", '"ag_frame" is a restricted attribute name'),
        ("x = a.ag_code", '"ag_code" is a restricted attribute name'),
        ("x = a.ag_await", '"ag_await" is a restricted attribute name'),
        ("x = tb.tb_frame", '"tb_frame" is a restricted attribute name'),
        ("x = f.f_globals", '"f_globals" is a restricted attribute name'),
        ("printed = 1", '"printed" is a reserved name'),
    ],
)
def test_policy_refuses(source: str, expected: str) -> None:
    assert any(expected in error for error in compile_errors(source))


@pytest.mark.parametrize(
    "source",
    [
        "_private = 1",
        "import os as _os",
        "def _helper(_context):\n    return _context",
        "try:\n    pass\nexcept* ValueError:\n    pass",
        "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2",
        "class A(metaclass=M):\n    pass",
        "x: list[str] = []",
        "class A:\n    __slots__ = ('a',)\n    def __repr__(self):\n        return 'A'",
        "x = y.__class__.__name__",
        "self._cache = {}",
        "match p:\n    case {'k': [a, *_]} | {'j': a} if a:\n        pass",
    ],
)
def test_policy_compiles(source: str) -> None:
    assert compile_errors(source) == ()


@pytest.mark.parametrize("name", ["ag_running", "gi_running", "cr_running", "mro", "tb_lineno"])
def test_frame_reaching_names_missed_by_restrictedpython_are_refused(name: str) -> None:
    assert any(f'"{name}" is a restricted attribute name' in e for e in compile_errors(f"x.{name}"))


def test_print_is_captured_per_run(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('print("one")\nprint("two", end="!")\nreturn {}'))
    assert result.stdout == "one\ntwo!"


def test_module_level_imports_work(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        import json
        import re as regex
        from datetime import timedelta

        async def run(input_dict, tools):
            return {"j": json.dumps([1]), "m": bool(regex.match("a", "a")),
                    "s": timedelta(minutes=1).total_seconds()}
        """
    )
    assert result.output == {"j": "[1]", "m": True, "s": 60.0}


def test_str_format_works_for_plain_fields(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('return {"s": "{0}-{name}-{1[0]}".format(1, [2], name="x")}'))
    assert result.output == {"s": "1-x-2"}


def test_agent_classes_lambdas_and_comprehensions_work(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body(
            """
            class Point:
                def __init__(self, x, y):
                    self.x, self.y = x, y
            points = [Point(i, i * 2) for i in range(3)]
            key = lambda p: -p.x
            return {"xs": [p.x for p in sorted(points, key=key)],
                    "ys": {str(p.x): p.y for p in points}}
            """
        )
    )
    assert result.output == {"xs": [2, 1, 0], "ys": {"0": 0, "1": 2, "2": 4}}
