"""The RestrictedPython policy agent code is compiled with.

It keeps every restriction of :class:`RestrictingNodeTransformer` and changes only what real
agent code needs or what the limits need:

* ``async def`` / ``await`` / ``async for`` / ``async with`` are allowed (agents are
  ``async def run(...)``), with the same checks as their synchronous forms.
* ``obj[k] += v`` and ``obj.a += v`` are allowed, rewritten into the guarded read
  (``_getitem_`` / ``_getattr_``), ``_inplacevar_`` and the guarded write (``_write_``) a
  plain assignment would use, evaluating the object and the index once.
* A few frame-reaching attribute names the stock deny-list misses are refused.
* ``_tick_()`` is inserted at the top of every loop body and into every comprehension, and
  ``_enter_()`` at every function entry, so :mod:`sandbox_host.limits` can stop code that
  never awaits.
"""

from __future__ import annotations

import ast
from typing import Any, cast

from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

TICK_NAME = "_tick_"
ENTER_NAME = "_enter_"

EXTRA_DENIED_ATTRIBUTES = frozenset(
    {
        # Generator, coroutine and async generator state: RestrictedPython 9 blocks the
        # frame/code attributes but not these, and each one is a step towards a frame.
        "ag_running",
        "gi_running",
        "gi_suspended",
        "cr_running",
        "cr_suspended",
        # Frames and tracebacks: everything on them leads to globals or code.
        "tb_lasti",
        "tb_lineno",
        "f_lasti",
        "f_lineno",
        "f_trace_lines",
        "f_trace_opcodes",
        # A class's method resolution order reaches ``object`` and every base class.
        "mro",
    }
)
"""Attribute names refused at compile time in addition to RestrictedPython's own list."""

DENIED_ATTRIBUTES = INSPECT_ATTRIBUTES | EXTRA_DENIED_ATTRIBUTES
"""Every attribute name the policy refuses; the getattr guard refuses the same names."""


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _call_stmt(name: str, location: ast.stmt | ast.expr) -> ast.Expr:
    stmt = ast.Expr(value=_call(name))
    copy_locations(stmt, location)
    return stmt


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer plus async, item/attribute augmented assignment and
    the limit checks (see the module docstring)."""

    # --- attributes -------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """Refuse the extra frame-reaching names, then apply the stock checks and rewrite."""
        if node.attr in EXTRA_DENIED_ATTRIBUTES:
            self.error(node, f'"{node.attr}" is a restricted attribute name.')
        return super().visit_Attribute(node)

    # --- augmented assignment ---------------------------------------------------------

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """Route ``x[i] op= v`` and ``x.a op= v`` through the guards plain assignment uses.

        Stock RestrictedPython rejects both; agents write ``meta["count"] += 1`` all the
        time. Names keep the stock rewrite to ``_inplacevar_``.
        """
        target = node.target
        if isinstance(target, ast.Subscript):
            return self._augassign_item(node, target)
        if isinstance(target, ast.Attribute):
            return self._augassign_attribute(node, target)
        return super().visit_AugAssign(node)

    def _augassign_item(self, node: ast.AugAssign, target: ast.Subscript) -> list[ast.stmt]:
        if any(isinstance(part, ast.Slice) for part in ast.walk(target.slice)):
            self.error(node, "Augmented assignment of slices is not allowed.")
            return []
        obj_name, index_name = self.gen_tmp_name(), self.gen_tmp_name()
        statements: list[ast.stmt] = [
            ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=self.visit(target.value)),
            ast.Assign(targets=[ast.Name(index_name, ast.Store())], value=self.visit(target.slice)),
        ]
        current = _call(
            "_getitem_", ast.Name(obj_name, ast.Load()), ast.Name(index_name, ast.Load())
        )
        store = ast.Subscript(
            value=_call("_write_", ast.Name(obj_name, ast.Load())),
            slice=ast.Name(index_name, ast.Load()),
            ctx=ast.Store(),
        )
        statements.append(self._inplace_assign(node, store, current))
        for statement in statements:
            copy_locations(statement, node)
        return statements

    def _augassign_attribute(self, node: ast.AugAssign, target: ast.Attribute) -> list[ast.stmt]:
        # Run the stock and extra attribute-name checks on a stand-in node; the temporary
        # variable that replaces the object may not go through visit_Name (it starts with _).
        probe = ast.Attribute(value=ast.Constant(None), attr=target.attr, ctx=ast.Load())
        copy_locations(probe, target)
        self.visit(probe)
        obj_name = self.gen_tmp_name()
        statements: list[ast.stmt] = [
            ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=self.visit(target.value))
        ]
        current = _call("_getattr_", ast.Name(obj_name, ast.Load()), ast.Constant(target.attr))
        store = ast.Attribute(
            value=_call("_write_", ast.Name(obj_name, ast.Load())),
            attr=target.attr,
            ctx=ast.Store(),
        )
        statements.append(self._inplace_assign(node, store, current))
        for statement in statements:
            copy_locations(statement, node)
        return statements

    def _inplace_assign(self, node: ast.AugAssign, store: ast.expr, current: ast.expr) -> ast.stmt:
        operator = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        value = _call("_inplacevar_", operator, current, self.visit(node.value))
        return ast.Assign(targets=[store], value=value)

    # --- functions --------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Stock checks, plus ``_enter_()`` first so calls count and recursion is bounded."""
        new_node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        new_node.body.insert(0, _call_stmt(ENTER_NAME, node))
        return new_node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        """Allow ``async def`` with exactly the checks of ``def`` (names, arguments, print
        scope) and the same ``_enter_()`` call; stock RestrictedPython denies it."""
        self.check_name(node, node.name, allow_magic_methods=True)
        self.check_function_argument_names(node)
        with self.print_info.new_print_scope():
            node = self.node_contents_visit(node)
            self.inject_print_collector(cast(ast.FunctionDef, node))
        node.body.insert(0, _call_stmt(ENTER_NAME, node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Stock checks; the body becomes ``_enter_() or body`` so lambdas count too
        (``_enter_`` returns None), since recursion through lambdas is as possible."""
        new_node = cast(ast.Lambda, super().visit_Lambda(node))
        new_node.body = ast.BoolOp(op=ast.Or(), values=[_call(ENTER_NAME), new_node.body])
        copy_locations(new_node.body, node)
        return new_node

    # --- async ------------------------------------------------------------------------

    def visit_Await(self, node: ast.Await) -> Any:
        """Allow ``await``: it only suspends the agent's own coroutine."""
        return self.node_contents_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> Any:
        """Allow ``async with`` with the stock ``with`` protection of tuple unpacking."""
        return RestrictingNodeTransformer.visit_With(self, cast(Any, node))

    def visit_AsyncFor(self, node: ast.AsyncFor) -> Any:
        """Allow ``async for``; tuple targets are unpacked through the guarded unpack.

        The iterable is not passed to ``_getiter_`` (which calls ``iter()`` and cannot take
        an async iterable); async iteration only reaches ``__aiter__``/``__anext__``.
        """
        node = self.node_contents_visit(node)
        if isinstance(node.target, ast.Tuple):
            tmp_target, unpack = self.gen_unpack_wrapper(node, node.target)
            node.target = tmp_target
            node.body.insert(0, unpack)
        node.body.insert(0, _call_stmt(TICK_NAME, node))
        return node

    # --- loops ------------------------------------------------------------------------

    def visit_For(self, node: ast.For) -> Any:
        """Stock guarded iteration plus a ``_tick_()`` per iteration."""
        new_node = cast(ast.For, super().visit_For(node))
        new_node.body.insert(0, _call_stmt(TICK_NAME, node))
        return new_node

    def visit_While(self, node: ast.While) -> Any:
        """Stock ``while`` plus a ``_tick_()`` per iteration: the loop that never awaits."""
        new_node = cast(ast.While, super().visit_While(node))
        new_node.body.insert(0, _call_stmt(TICK_NAME, node))
        return new_node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """Tick once per element via a leading ``if not _tick_()`` condition.

        Async comprehensions skip ``_getiter_`` like ``async for``; a tuple target there
        cannot be routed through the guarded unpack, so it is refused.
        """
        if node.is_async:
            node = self.node_contents_visit(node)
            if isinstance(node.target, ast.Tuple):
                self.error(node.target, "Tuple unpacking in async comprehensions is not allowed.")
        else:
            node = cast(ast.comprehension, super().visit_comprehension(node))
        condition = ast.UnaryOp(op=ast.Not(), operand=_call(TICK_NAME))
        copy_locations(condition, node.iter)
        node.ifs.insert(0, condition)
        return node
