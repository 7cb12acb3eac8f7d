"""Both command lines explain themselves: every option and positional has help text, and
``--help`` of every command ends with the exit codes."""

from __future__ import annotations

import argparse

import pytest

from agent_data_store.admin.cli import build_parser as admin_parser
from sandbox_host.cli import build_parser as host_parser


def _parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


PARSERS = _parsers(host_parser()) + _parsers(admin_parser())


@pytest.mark.parametrize(("prog", "parser"), PARSERS, ids=[prog for prog, _ in PARSERS])
def test_every_argument_has_help_text(prog: str, parser: argparse.ArgumentParser) -> None:
    undocumented = [
        action.dest for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction)
        and (not action.help or action.help == argparse.SUPPRESS)
    ]
    assert undocumented == []


@pytest.mark.parametrize(("prog", "parser"), PARSERS, ids=[prog for prog, _ in PARSERS])
def test_every_help_lists_the_exit_codes(prog: str, parser: argparse.ArgumentParser) -> None:
    assert "exit codes: 0" in parser.format_help()
