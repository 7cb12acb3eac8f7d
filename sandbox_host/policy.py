"""The RestrictedPython policy agent code is compiled with: what syntax and names it may use.

It keeps RestrictedPython's model -- attribute reads (``_getattr_``) and every item or
attribute write (``_write_``) go through guard functions, dangerous names are refused at
compile time -- and changes what real agent code needs. The rule: refuse only what is a
hazard, loudly; compile everything else so that it behaves exactly as CPython does.
Item reads, iteration and unpacking stay native: their guards would do what CPython does.

* ``async def``/``await``/``async for``/``async with``, ``match``, ``nonlocal``, annotated
  assignments, ``except*``, star calls (through ``_apply_``), augmented assignment of items
  and attributes are allowed.
* Underscore names are the agent's own business: ``_cache``, ``_helper()``, ``self._x``,
  ``__slots__``, ``__repr__`` methods... Whether an underscore *attribute* may be read is
  decided at run time by :mod:`sandbox_host.guards` (objects of the agent's own classes
  yes, host objects no). Refused at compile time: the guard names and
  :data:`RESERVED_NAMES`, frame and code attributes (:data:`DENIED_ATTRIBUTES`), and the two
  special methods that hand control to the host outside the run (``__del__``, ``__await__``).
* ``_tick_()`` is inserted at the top of every loop body and into every comprehension, and
  ``_enter_()`` at every function entry, so :mod:`sandbox_host.limits` can stop code that
  never awaits.

After the policy has checked and rewritten the tree, :class:`HideGuardNames` renames every
guard reference to a name no source text can spell (``%_getattr_``), so agent code can never
reach or replace a guard, whatever name it chooses.
"""

from __future__ import annotations

import ast
import re
from typing import Any, cast

from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    copy_locations,
)

from sandbox_host.policy_patterns import PatternRules

TICK_NAME = "_tick_"
ENTER_NAME = "_enter_"
APPLY_NAME = "_apply_"
METACLASS_NAME = "__metaclass__"
WRITE_NAME = "_write_"
WRITE_PRIVATE_NAME = "_write_private_"

GUARD_NAMES = frozenset(
    {
        "_getattr_", "_getitem_", "_getiter_", "_write_", "_write_private_", "_inplacevar_",
        "_unpack_sequence_", "_iter_unpack_sequence_", "_apply_", "_print_", "_print",
        "_tick_", "_enter_", "__metaclass__",
    }
)
"""Names RestrictedPython and this policy generate calls to; renamed by HideGuardNames."""

HIDDEN_PREFIX = "%"
"""Guard names in compiled code start with this: no identifier can, so source cannot say them."""

_TEMPORARY = re.compile(r"_tmp\d+\Z")

RESERVED_NAMES = GUARD_NAMES | {
    # The run's builtins dict and the machinery behind import and class statements: the
    # first would let code replace builtins for its own functions, the others bypass the
    # sandbox's importer and class builder.
    "__builtins__", "__build_class__", "__import__", "__loader__", "__spec__",
    # Special methods that run agent code outside the run (see REFUSED_METHODS).
    "__del__", "__await__",
    # RestrictedPython reserves these for print handling.
    "print", "printed", "builtins", "breakpoint",
}
"""Names agent code may not bind or read."""

REFUSED_METHODS = {
    "__del__": "it runs when the object is garbage-collected, possibly after the run ended "
    "and outside its limits; release resources explicitly or with a `with` block",
    "__await__": "custom awaitables hand values straight to the event loop; write an "
    "`async def` method or function instead",
}
"""Special methods agent classes may not define, and why."""

EXTRA_DENIED_ATTRIBUTES = frozenset(
    {
        # Generator, coroutine and async generator state: RestrictedPython blocks the
        # frame/code attributes but not these, and each one is a step towards a frame.
        "ag_running", "gi_running", "gi_suspended", "cr_running", "cr_suspended",
        # Frames and tracebacks: everything on them leads to globals or code.
        "tb_lasti", "tb_lineno", "f_lasti", "f_lineno", "f_trace_lines", "f_trace_opcodes",
        # A class's method resolution order reaches ``object`` and every base class.
        "mro",
        # Function and method internals: globals (the guards), code, closures, the object
        # a builtin method is bound to (``print.__self__`` is the builtins module).
        "__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__",
        "__self__", "__func__", "__defaults__", "__kwdefaults__", "__traceback__",
        "__base__", "__bases__", "__mro__", "__objclass__", "__loader__", "__spec__",
        "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__weakref__",
    }
)
"""Attribute names refused at compile time in addition to RestrictedPython's own list."""

DENIED_ATTRIBUTES = INSPECT_ATTRIBUTES | EXTRA_DENIED_ATTRIBUTES
"""Attribute names refused everywhere; the getattr guard refuses the same names at run time."""

WRITABLE_DUNDER_ATTRIBUTES = frozenset({"__doc__", "__name__", "__qualname__", "__module__"})
"""The only ``__dunder__`` attributes code may assign (on its own functions and classes)."""


def is_dunder(name: str) -> bool:
    """True for ``__name__``-style special names."""
    return len(name) > 4 and name[:2] == "__" and name[-2:] == "__"


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _call_stmt(name: str, location: ast.stmt | ast.expr) -> ast.Expr:
    stmt = ast.Expr(value=_call(name))
    copy_locations(stmt, location)
    return stmt


def _body_start(body: list[ast.stmt]) -> int:
    """Where code inserted at the top of a body goes: after its docstring, if any (a
    statement before it would make ``__doc__`` None) and after ``from __future__``."""
    position = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and (
        isinstance(body[0].value.value, str)
    ):
        position = 1
    while (
        position < len(body)
        and isinstance(body[position], ast.ImportFrom)
        and cast(ast.ImportFrom, body[position]).module == "__future__"
    ):
        position += 1
    return position


def _insert_first(body: list[ast.stmt], statement: ast.stmt) -> None:
    body.insert(_body_start(body), statement)


def mangle(class_name: str | None, attr: str) -> str:
    """CPython's private name mangling: ``__x`` in class ``C`` is ``_C__x``.

    RestrictedPython turns ``self.__x`` into ``_getattr_(self, "__x")``, a string the
    compiler no longer mangles, while the matching assignment is still mangled; so the
    policy mangles the string itself.
    """
    if class_name is None or not attr.startswith("__") or attr.endswith("__"):
        return attr
    stripped = class_name.lstrip("_")
    return f"_{stripped}{attr}" if stripped else attr


class SandboxPolicy(PatternRules):
    """RestrictedPython's transformer with the changes in the module docstring (the
    ``match`` visitors are in :mod:`sandbox_host.policy_patterns`)."""

    denied_attributes = DENIED_ATTRIBUTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._class_names: list[str] = []

    # --- names ------------------------------------------------------------------------

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        """Refuse reserved names, RestrictedPython's temporaries and refused methods.

        Every other name, with or without underscores, is the agent's own (RestrictedPython
        itself refuses every name starting with ``_``).
        """
        if name is None:
            return
        if name in REFUSED_METHODS:
            self.error(node, f'"{name}" cannot be defined in the sandbox: {REFUSED_METHODS[name]}.')
        elif name in RESERVED_NAMES or _TEMPORARY.match(name):
            self.error(node, f'"{name}" is a reserved name in the sandbox.')
        elif name.endswith("__roles__"):
            self.error(node, f'"{name}" is an invalid variable name (it ends with "__roles__").')

    # --- attributes -------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """``a.b`` → ``_getattr_(a, "b")``; ``a.b = c`` → ``_write_(a).b = c``.

        Frame, code and globals attributes are refused here. Other underscore attributes
        compile; the guards decide at run time whose they are. Assignments of underscore
        attributes go through ``_write_private_(obj, name)``, which checks them too.
        """
        attr = node.attr
        if attr in DENIED_ATTRIBUTES:
            self.error(node, f'"{attr}" is a restricted attribute name in the sandbox.')
        elif attr.endswith("__roles__"):
            self.error(node, f'"{attr}" is an invalid attribute name.')
        if isinstance(node.ctx, ast.Load):
            node = self.node_contents_visit(node)
            new_node = _call("_getattr_", node.value, ast.Constant(self._mangle(attr)))
            copy_locations(new_node, node)
            return new_node
        if is_dunder(attr) and attr not in WRITABLE_DUNDER_ATTRIBUTES:
            self.error(node, f'"{attr}" cannot be assigned or deleted in the sandbox.')
        node = self.node_contents_visit(node)
        if attr.startswith("_"):
            writer = _call(WRITE_PRIVATE_NAME, node.value, ast.Constant(self._mangle(attr)))
        else:
            writer = _call(WRITE_NAME, node.value)
        copy_locations(writer, node.value)
        node.value = writer
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        """``a[b]`` stays a native subscription; ``a[b] = c``/``del a[b]`` go through
        ``_write_(a)``.

        RestrictedPython routes reads through ``_getitem_`` for hosts whose guard inspects
        them; this sandbox's would be a plain ``operator.getitem`` (nothing reachable hides a
        module or frame behind ``[]``), so the call is left out: same semantics, no cost.
        """
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            return node
        writer = _call(WRITE_NAME, node.value)
        copy_locations(writer, node)
        node.value = writer
        return node

    def _mangle(self, attr: str) -> str:
        return mangle(self._class_names[-1] if self._class_names else None, attr)

    # --- calls ------------------------------------------------------------------------

    # RestrictedPython rewrites ``f(*a, **k)`` to ``_apply_(f, *a, **k)``; the host defines
    # ``_apply_`` as a plain call (see guards.apply_call), so nothing more is needed here.

    # --- augmented assignment ---------------------------------------------------------

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """``x op= v`` natively; ``x[i] op= v`` as ``_write_(x)[i] op= v`` and ``x.a op= v``
        as ``_write_(x).a op= v`` (``_write_private_`` for ``_`` names).

        Stock RestrictedPython rejects the last two (agents write ``meta["count"] += 1`` all
        the time) and routes names through ``_inplacevar_``, whose guard here would be the
        plain operator. The write guard sees the object before anything is read or written;
        CPython evaluates the object and the index once, as in plain Python.
        """
        target = node.target
        if isinstance(target, ast.Name):
            self.check_name(node, target.id)
            node.value = self.visit(node.value)
            return node
        if isinstance(target, ast.Subscript):
            if any(isinstance(part, ast.Slice) for part in ast.walk(target.slice)):
                self.error(node, "Augmented assignment of slices is not allowed.")
                return node
            target.value = self.visit(target.value)
            target.slice = self.visit(target.slice)
            writer = _call(WRITE_NAME, target.value)
        elif isinstance(target, ast.Attribute):
            # The attribute checks of visit_Attribute, on a stand-in store node.
            probe = ast.Attribute(value=ast.Constant(None), attr=target.attr, ctx=ast.Store())
            copy_locations(probe, target)
            self.visit(probe)
            target.value = self.visit(target.value)
            attr = self._mangle(target.attr)
            writer = (
                _call(WRITE_PRIVATE_NAME, target.value, ast.Constant(attr))
                if attr.startswith("_") else _call(WRITE_NAME, target.value)
            )
        else:  # pragma: no cover - the grammar allows no other target
            self.error(node, "this augmented assignment target is not allowed.")
            return node
        copy_locations(writer, target)
        target.value = writer
        node.value = self.visit(node.value)
        return node

    def visit_Assign(self, node: ast.Assign) -> Any:
        """Assignments, tuple unpacking included, as CPython does them.

        RestrictedPython unpacks ``a, b = x`` through ``_unpack_sequence_`` so that a guard
        can watch the iteration; here that guard would be plain ``iter()``.
        """
        return self.node_contents_visit(node)

    def visit_With(self, node: ast.With) -> Any:
        """``with``, its ``as`` targets unpacked natively (see :meth:`visit_Assign`)."""
        return self.node_contents_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        """Allow ``x: T = v`` (and ``x: T``): the target is checked like any assignment
        target, the annotation and value like any expression."""
        return self.node_contents_visit(node)

    def inject_print_collector(self, node: Any, position: int = 0) -> None:
        """RestrictedPython's print set-up, placed after a docstring (see _body_start)."""
        super().inject_print_collector(node, _body_start(node.body))

    # --- functions --------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Stock checks, plus ``_enter_()`` first so calls count and recursion is bounded."""
        new_node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        _insert_first(new_node.body, _call_stmt(ENTER_NAME, node))
        return new_node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        """Allow ``async def`` with exactly the checks of ``def`` (names, arguments, print
        scope) and the same ``_enter_()`` call; stock RestrictedPython denies it."""
        self.check_name(node, node.name)
        self.check_function_argument_names(node)
        with self.print_info.new_print_scope():
            node = self.node_contents_visit(node)
            self.inject_print_collector(cast(ast.FunctionDef, node))
        _insert_first(node.body, _call_stmt(ENTER_NAME, node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Stock checks; the body becomes ``_enter_() or body`` so lambdas count too
        (``_enter_`` returns None), since recursion through lambdas is as possible."""
        new_node = cast(ast.Lambda, super().visit_Lambda(node))
        new_node.body = ast.BoolOp(op=ast.Or(), values=[_call(ENTER_NAME), new_node.body])
        copy_locations(new_node.body, node)
        return new_node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        """Allow ``nonlocal``: it only rebinds the agent's own enclosing variables."""
        for name in node.names:
            self.check_name(node, name)
        return node

    def visit_Global(self, node: ast.Global) -> Any:
        """Allow ``global`` for the agent's own names."""
        for name in node.names:
            self.check_name(node, name)
        return node

    # --- classes ----------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """Build every class through the sandbox's class builder (``__metaclass__``).

        The builder (see :class:`sandbox_host.guards.AgentClassBuilder`) picks the real
        metaclass from the bases, as ``class`` does, refuses metaclasses that are not
        allowed and records the class as the agent's. An explicit ``metaclass=M`` is passed
        to the builder as ``%metaclass=M`` for it to check; other keywords (``total=False``
        of a TypedDict, ``__init_subclass__`` arguments) are kept. Unlike RestrictedPython's
        own version, line numbers and keywords survive.
        """
        self.check_name(node, node.name)
        self._class_names.append(node.name)
        try:
            node = self.node_contents_visit(node)
        finally:
            self._class_names.pop()
        keywords = [kw for kw in node.keywords if kw.arg != "metaclass"]
        for kw in node.keywords:
            if kw.arg == "metaclass":
                keywords.append(ast.keyword(arg=HIDDEN_PREFIX + "metaclass", value=kw.value))
        keywords.insert(0, ast.keyword(arg="metaclass", value=ast.Name(METACLASS_NAME, ast.Load())))
        node.keywords = keywords
        for keyword in keywords:
            copy_locations(keyword, node)
        return node

    # --- async ------------------------------------------------------------------------

    def visit_Await(self, node: ast.Await) -> Any:
        """Allow ``await``: it only suspends the agent's own coroutine."""
        return self.node_contents_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> Any:
        """Allow ``async with``, like ``with``."""
        return self.node_contents_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> Any:
        """Allow ``async for``, with a ``_tick_()`` per iteration like ``for``."""
        node = self.node_contents_visit(node)
        node.body.insert(0, _call_stmt(TICK_NAME, node))
        return node

    # --- exceptions -------------------------------------------------------------------

    def visit_TryStar(self, node: ast.AST) -> Any:
        """Allow ``except*`` with the checks of ``except`` (handler names)."""
        return self.node_contents_visit(node)

    # --- loops ------------------------------------------------------------------------

    def visit_For(self, node: ast.For) -> Any:
        """Native iteration plus a ``_tick_()`` per iteration.

        RestrictedPython iterates through ``_getiter_`` and unpacks tuple targets through a
        guard generator; here both guards would be plain ``iter()``, so neither is called.
        """
        node = self.node_contents_visit(node)
        node.body.insert(0, _call_stmt(TICK_NAME, node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        """Stock ``while`` plus a ``_tick_()`` per iteration: the loop that never awaits."""
        new_node = cast(ast.While, super().visit_While(node))
        new_node.body.insert(0, _call_stmt(TICK_NAME, node))
        return new_node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """Native iteration (see :meth:`visit_For`); one tick per element through a leading
        ``if not _tick_()`` condition."""
        node = self.node_contents_visit(node)
        condition = ast.UnaryOp(op=ast.Not(), operand=_call(TICK_NAME))
        copy_locations(condition, node.iter)
        node.ifs.insert(0, condition)
        return node

    # --- imports ----------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """``from m import n``: names checked, and no ``_`` names.

        ``IMPORT_FROM`` reads the name with a plain ``getattr`` on whatever the importer
        returned, past the attribute guard, so underscore names are refused here.
        """
        for alias in node.names:
            if alias.name.startswith("_"):
                self.error(node, f'"{alias.name}" cannot be imported in the sandbox.')
        return self.check_import_names(node)


class HideGuardNames(ast.NodeTransformer):
    """Rename every guard name and RestrictedPython temporary to ``%name``.

    Runs after :class:`SandboxPolicy` has refused those names in agent source, so every
    occurrence left is one the policy generated.
    """

    def visit_Name(self, node: ast.Name) -> ast.Name:
        """Rename guard names and temporaries."""
        if node.id in GUARD_NAMES or _TEMPORARY.match(node.id):
            node.id = hidden_name(node.id)
        return node


def hidden_name(name: str) -> str:
    """The name ``name`` has in compiled code and in a run's globals: ``_getattr_`` →
    ``%_getattr_``."""
    return HIDDEN_PREFIX + name

