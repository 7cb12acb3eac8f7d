"""Run untrusted ``async def run(input_dict, tools)`` agents under RestrictedPython.

Plugins extend every sandbox through the pluggy hooks in :mod:`sandbox_host.hookspecs`.
"""

from sandbox_host.context import ExecutionContext
from sandbox_host.hookspecs import hookimpl
from sandbox_host.result import RunError, RunResult
from sandbox_host.runner import SandboxHost

__all__ = ["ExecutionContext", "RunError", "RunResult", "SandboxHost", "hookimpl"]
