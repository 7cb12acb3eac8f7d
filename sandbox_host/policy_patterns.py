"""The ``match`` part of the sandbox policy: patterns, whose names CPython reads in C.

Patterns are not expressions: CPython evaluates their dotted names and class keyword
attributes with a plain ``getattr``, past every guard, and cannot take a rewritten call in
their place. So the names they read are checked at compile time instead, and kept as they
are. :class:`~sandbox_host.policy.SandboxPolicy` inherits these visitors.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer


class PatternRules(RestrictingNodeTransformer):
    """The visitors of ``match`` statements and their patterns."""

    denied_attributes: frozenset[str] = INSPECT_ATTRIBUTES
    """Set by the policy to every attribute name it refuses."""

    def visit_Match(self, node: ast.Match) -> Any:
        """Allow ``match``; the subject and guards are ordinary (guarded) expressions."""
        return self.node_contents_visit(node)

    def visit_match_case(self, node: ast.match_case) -> Any:
        """A ``case``: its pattern, guard and body."""
        return self.node_contents_visit(node)

    def visit_MatchValue(self, node: ast.MatchValue) -> Any:
        """``case 1:`` / ``case Color.RED:``: the dotted name must be public."""
        self._check_pattern_name(node.value)
        return node

    def visit_MatchSingleton(self, node: ast.MatchSingleton) -> Any:
        """``case None:``."""
        return node

    def visit_MatchSequence(self, node: ast.MatchSequence) -> Any:
        """``case [a, b, *rest]:``."""
        return self.node_contents_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> Any:
        """``*rest`` in a sequence pattern binds a name."""
        self.check_name(node, node.name)
        return node

    def visit_MatchMapping(self, node: ast.MatchMapping) -> Any:
        """``case {"k": v, **rest}:``: keys are constants or public dotted names."""
        for key in node.keys:
            self._check_pattern_name(key)
        self.check_name(node, node.rest)
        node.patterns = [self.visit(pattern) for pattern in node.patterns]
        return node

    def visit_MatchClass(self, node: ast.MatchClass) -> Any:
        """``case Point(x, y=0):``: the class is a public dotted name and keyword
        attributes must be public (CPython reads them with a plain ``getattr``)."""
        self._check_pattern_name(node.cls)
        for attr in node.kwd_attrs:
            if attr.startswith("_") or attr in self.denied_attributes:
                self.error(node, f'"{attr}" cannot be matched in a class pattern in the sandbox.')
        node.patterns = [self.visit(pattern) for pattern in node.patterns]
        node.kwd_patterns = [self.visit(pattern) for pattern in node.kwd_patterns]
        return node

    def visit_MatchAs(self, node: ast.MatchAs) -> Any:
        """``case x:`` / ``case [a] as b:`` binds a name."""
        self.check_name(node, node.name)
        if node.pattern is not None:
            node.pattern = self.visit(node.pattern)
        return node

    def visit_MatchOr(self, node: ast.MatchOr) -> Any:
        """``case a | b:``."""
        return self.node_contents_visit(node)

    def _check_pattern_name(self, expr: ast.expr) -> None:
        current = expr
        while isinstance(current, ast.Attribute):
            if current.attr.startswith("_") or current.attr in self.denied_attributes:
                self.error(current, f'"{current.attr}" cannot be used in a pattern in the sandbox.')
            current = current.value
        if isinstance(current, ast.Name):
            self.check_name(current, current.id)
        elif not isinstance(current, (ast.Constant, ast.UnaryOp, ast.BinOp, ast.JoinedStr)):
            self.error(expr, "this pattern is not allowed in the sandbox.")
