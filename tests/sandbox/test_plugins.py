"""Plugins: discovery through entry points and by hand, globals, lifecycle hooks, clashes."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from sandbox_host import ExecutionContext, RunResult, SandboxHost, hookimpl, hookspecs, plugins
from sandbox_host.runner import PluginGlobalsClash
from tests.sandbox.conftest import agent_body


class GreetingPlugin:
    """Contributes ``greeting``, bound to the user of the context."""

    plugin_name = "greeting"

    @hookimpl
    def sandbox_globals(self, context: ExecutionContext) -> dict[str, Any]:
        return {"greeting": f"hello {context.user_id}"}


class RecordingPlugin:
    """Remembers the lifecycle calls it saw and logs one operation per run."""

    plugin_name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def sandbox_run_started(self, context: ExecutionContext) -> None:
        self.calls.append(("started", context.run_id))

    @hookimpl
    def sandbox_run_finished(self, context: ExecutionContext, result: RunResult) -> None:
        self.calls.append(("finished", context.run_id))
        result.ops.append({"op": "noted", "agent": context.agent_name})


class NamedPlugin:
    """Contributes the given globals under the given plugin name."""

    def __init__(self, name: str, globals_: dict[str, Any]) -> None:
        self.plugin_name = name
        self._globals = globals_

    @hookimpl
    def sandbox_globals(self) -> dict[str, Any]:
        return self._globals


entry_point_plugin = NamedPlugin("ignored-name", {"from_entry_point": 42})


def fake_entry_points(*names: str) -> Any:
    def entry_points(group: str) -> list[EntryPoint]:
        value = f"{__name__}:entry_point_plugin"
        return [EntryPoint(name=name, value=value, group=group) for name in names]

    return entry_points


def test_plugin_registered_by_hand_contributes_globals(context: ExecutionContext) -> None:
    host = SandboxHost([GreetingPlugin()], load_entry_points=False)
    result = host.run_sync(agent_body('return {"g": greeting}'), context=context)
    assert result.output == {"g": "hello alice"}


def test_plugin_is_loaded_from_its_entry_point(
    context: ExecutionContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(plugins.PLUGINS_ENV_VAR, raising=False)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points("sample"))
    host = SandboxHost()
    assert host.plugin_manager.get_plugin("sample") is entry_point_plugin
    result = host.run_sync(agent_body('return {"v": from_entry_point}'), context=context)
    assert result.output == {"v": 42}


def test_environment_variable_restricts_entry_point_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points("sample"))
    monkeypatch.setenv(plugins.PLUGINS_ENV_VAR, "")
    assert SandboxHost().plugin_manager.get_plugin("sample") is None
    monkeypatch.setenv(plugins.PLUGINS_ENV_VAR, "other, sample")
    assert SandboxHost().plugin_manager.get_plugin("sample") is entry_point_plugin


def test_load_entry_points_false_loads_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points("sample"))
    assert SandboxHost(load_entry_points=False).plugin_manager.get_plugins() == set()


def test_clash_between_two_plugins_names_both(context: ExecutionContext) -> None:
    host = SandboxHost(
        [NamedPlugin("first", {"shared": 1}), NamedPlugin("second", {"shared": 2})],
        load_entry_points=False,
    )
    with pytest.raises(PluginGlobalsClash) as raised:
        host.plugin_globals(context)
    assert "'shared'" in str(raised.value)
    assert "'first'" in str(raised.value)
    assert "'second'" in str(raised.value)


def test_clash_fails_the_run_with_a_plugin_error(context: ExecutionContext) -> None:
    host = SandboxHost(
        [NamedPlugin("first", {"shared": 1}), NamedPlugin("second", {"shared": 2})],
        load_entry_points=False,
    )
    result = host.run_sync(agent_body("return {}"), context=context)
    assert result.error is not None
    assert result.error.type == "PluginGlobalsClash"


@pytest.mark.parametrize("name", ["len", "json", "print", "_getattr_", "__builtins__"])
def test_plugin_global_may_not_replace_a_host_name(context: ExecutionContext, name: str) -> None:
    host = SandboxHost([NamedPlugin("sneaky", {name: None})], load_entry_points=False)
    with pytest.raises(Exception, match="sneaky") as raised:
        host.plugin_globals(context)
    assert type(raised.value).__name__ in {"PluginGlobalsClash", "PluginError"}


def test_lifecycle_hooks_see_the_same_fresh_run_context(context: ExecutionContext) -> None:
    recorder = RecordingPlugin()
    host = SandboxHost([recorder], load_entry_points=False)
    host.run_sync(agent_body("return {}"), context=context)
    host.run_sync(agent_body("return {}"), context=context)
    (s1, r1), (f1, r1b), (s2, r2), (f2, r2b) = recorder.calls
    assert (s1, f1, s2, f2) == ("started", "finished", "started", "finished")
    assert r1 == r1b and r2 == r2b
    assert len({r1, r2, context.run_id}) == 3


def test_run_finished_is_called_when_the_agent_fails(context: ExecutionContext) -> None:
    recorder = RecordingPlugin()
    host = SandboxHost([recorder], load_entry_points=False)
    result = host.run_sync(agent_body("raise ValueError('x')"), context=context)
    assert [call for call, _ in recorder.calls] == ["started", "finished"]
    assert result.ops == [{"op": "noted", "agent": "tester"}]


def test_error_in_run_finished_is_recorded_without_hiding_the_result(
    context: ExecutionContext,
) -> None:
    class Failing:
        plugin_name = "failing"

        @hookimpl
        def sandbox_run_finished(self) -> None:
            raise RuntimeError("flush failed")

    host = SandboxHost([Failing()], load_entry_points=False)
    result = host.run_sync(agent_body("return {'ok': 1}"), context=context)
    assert result.output == {"ok": 1}
    assert result.plugin_errors == ["failing: RuntimeError: flush failed"]


def test_error_in_sandbox_globals_fails_the_run_naming_the_plugin(
    context: ExecutionContext,
) -> None:
    class Broken:
        plugin_name = "broken"

        @hookimpl
        def sandbox_globals(self) -> dict[str, Any]:
            raise RuntimeError("no backend")

    host = SandboxHost([Broken()], load_entry_points=False)
    result = host.run_sync(agent_body("return {}"), context=context)
    assert result.error is not None
    assert result.error.type == "PluginError"
    assert "'broken'" in result.error.message and "no backend" in result.error.message


def test_every_hookspec_is_documented() -> None:
    specs = [
        value
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and name.startswith("sandbox_")
    ]
    assert len(specs) >= 3
    for spec in specs:
        assert spec.__doc__ and len(inspect.cleandoc(spec.__doc__)) > 40, spec.__name__
