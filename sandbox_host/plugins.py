"""Build the plugin manager: built-in plugins, entry points, and the environment switch."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from sandbox_host import hookspecs

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
PLUGINS_ENV_VAR = "SANDBOX_HOST_PLUGINS"
"""Comma-separated entry-point names to load; unset loads all, an empty value loads none."""


def _allowed_entry_points() -> set[str] | None:
    raw = os.environ.get(PLUGINS_ENV_VAR)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def build_plugin_manager(
    plugins: Iterable[Any] = (), *, load_entry_points: bool = True
) -> pluggy.PluginManager:
    """Return a plugin manager with the hookspecs, ``plugins`` and the entry-point plugins.

    Entry points of the ``sandbox_host`` group are loaded unless ``load_entry_points`` is
    false; ``SANDBOX_HOST_PLUGINS`` restricts which. A plugin passed in ``plugins`` replaces
    an entry-point plugin of the same name (its ``plugin_name`` attribute), so a host can
    configure a built-in plugin itself.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for plugin in plugins:
        manager.register(plugin, name=getattr(plugin, "plugin_name", None))
    if load_entry_points:
        allowed = _allowed_entry_points()
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(
                entry_point.name
            ):
                continue
            manager.register(entry_point.load(), name=entry_point.name)
    return manager
