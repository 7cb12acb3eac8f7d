"""Loading the benchmark scripts, which live outside any package, for their smoke tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/{name}.py`` as a script run would, with its folder importable."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # for the shared side_by_side module
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_quota_check_costs(quotas: dict[str, dict[str, int]]) -> None:
    """What ``quota_costs`` counted: nothing more on a read; one request more per write (the
    usage); one more again for a write that passes only because of the records it replaces."""
    assert quotas["get"]["on"] == quotas["get"]["off"]
    for name in ("set of a new key", "set of an existing key", "set_many(100) existing",
                 "increment"):
        assert quotas[name]["on"] == quotas[name]["off"] + 1, name
    for name in ("set of an existing key", "set_many(100) existing", "increment"):
        assert quotas[name]["at the limit"] == quotas[name]["off"] + 2, name
