"""Run the multi-agent example workflows and check that each has its documented outcome.

Each ``examples/workflows/NAME.toml`` lists steps -- an agent file run as a given user and
agent name, with an input and the example tools it needs -- and what must hold afterwards:
values in the agents' outputs, and the stored records' ``createdByAgent`` /
``lastAccessedByAgent`` / ``accessCount``, read from the backend directly.

Usage::

    python examples/run_workflows.py [--store URL] [NAME ...]

``--store`` is a data store URL (``memory://``, ``sqlite:///path/data.db``, ...); without it
the workflows run on a fresh temporary SQLite file. Before a workflow runs, the data of the
users it names is erased from the store, so a rerun starts from the same state -- do not
point it at a store holding real data of those users. Exit status: 0 when every check
passes, 1 when any fails, 2 when a workflow file or argument is invalid.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, RunResult, SandboxHost

EXAMPLES = Path(__file__).resolve().parent
AGENTS = EXAMPLES / "agents"
WORKFLOWS = EXAMPLES / "workflows"


def _load_example_tools() -> ModuleType:
    # examples/ is not a package; load tools.py by path so a `tools` module installed
    # elsewhere can never shadow it.
    spec = importlib.util.spec_from_file_location("example_tools", EXAMPLES / "tools.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example_tools = _load_example_tools()

Path_ = str | list[str | int]


class WorkflowError(Exception):
    """A workflow file cannot be loaded; exit status 2."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputRef(_Model):
    """A value in another step's output: ``step`` and the ``path`` into its output."""

    step: str
    path: Path_ = ""


class Expect(_Model):
    """One assertion about a step's output, at ``path`` (dotted string or list of keys).

    Exactly one of: ``equals`` a literal; ``is_null`` (TOML has no null);
    ``equals_output_of`` the value in another step's
    (latest) output; ``contains`` an item (list) or key (dict) or substring (str);
    ``length``; ``includes_outputs_of`` -- for every run of another step, the value at its
    path is among the values at ``path`` (a dict's values or a list's items).
    """

    path: Path_ = ""
    equals: Any = None
    is_null: bool | None = None
    equals_output_of: OutputRef | None = None
    contains: Any = None
    length: int | None = None
    includes_outputs_of: OutputRef | None = None

    @model_validator(mode="after")
    def _one_assertion(self) -> Expect:
        kinds = self.model_fields_set - {"path"}
        if len(kinds) != 1:
            raise ValueError(f"an expectation needs exactly one assertion, got {sorted(kinds)}")
        return self


class ForEach(_Model):
    """Run the step once per item of the list at ``path`` in ``step``'s output."""

    step: str
    path: Path_
    input_key: str


class Step(_Model):
    """One agent run (or, with only ``sleep_s``, a pause) and what its output must show."""

    name: str
    agent_file: str | None = None
    user: str | None = None
    agent: str | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    tools: list[str] = Field(default_factory=list)
    for_each: ForEach | None = None
    expect: list[Expect] = Field(default_factory=list)
    expect_error: str | None = None
    sleep_s: float | None = None

    @model_validator(mode="after")
    def _agent_or_sleep(self) -> Step:
        runs_agent = self.agent_file is not None
        if runs_agent == (self.sleep_s is not None):
            raise ValueError(f"step {self.name!r}: give either agent_file or sleep_s")
        if runs_agent and not (self.user and self.agent):
            raise ValueError(f"step {self.name!r}: an agent step needs user and agent")
        return self


class RecordCheck(_Model):
    """What the stored record ``user`` / ``namespace`` / ``key`` must look like at the end."""

    user: str
    namespace: str
    key: str
    exists: bool = True
    created_by: str | None = None
    last_accessed_by: str | None = None
    access_count: int | None = None


class NamespacesCheck(_Model):
    """The namespaces ``user`` holds at the end: exactly ``equals``, or at least ``contains``."""

    user: str
    equals: list[str] | None = None
    contains: list[str] = Field(default_factory=list)


class Workflow(_Model):
    """A workflow file: its steps in order and the checks on the store afterwards."""

    name: str
    description: str
    steps: list[Step]
    records: list[RecordCheck] = Field(default_factory=list)
    namespaces: list[NamespacesCheck] = Field(default_factory=list)

    @property
    def users(self) -> list[str]:
        """Every user the workflow runs agents for or checks."""
        names = {step.user for step in self.steps if step.user}
        names |= {check.user for check in self.records}
        names |= {check.user for check in self.namespaces}
        return sorted(names)


def load_workflow(path: Path) -> Workflow:
    """Parse and validate one workflow file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        workflow = Workflow.model_validate({"name": path.stem, **data})
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise WorkflowError(f"{path}: {exc}") from None
    for step in workflow.steps:
        if step.agent_file is not None and not (AGENTS / step.agent_file).is_file():
            raise WorkflowError(f"{path}: step {step.name!r}: no agent {AGENTS / step.agent_file}")
    return workflow


def available_workflows() -> dict[str, Path]:
    """Workflow name → file, for every ``examples/workflows/*.toml``."""
    return {path.stem: path for path in sorted(WORKFLOWS.glob("*.toml"))}


def lookup(value: Any, path: Path_) -> Any:
    """The value at ``path`` inside ``value``: dict keys and list indexes; KeyError if absent."""
    parts: list[str | int] = (path.split(".") if path else []) if isinstance(path, str) else path
    for part in parts:
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(f"no {part!r} in {_short(value)}")
    return value


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class WorkflowRun:
    """Runs one workflow against one store URL and collects the check results."""

    def __init__(self, workflow: Workflow, store_url: str) -> None:
        self.workflow = workflow
        self.plugin = DataStorePlugin(StoreConfig(url=store_url))
        # Only our configured plugin: the entry-point data_store would read the environment.
        self.host = SandboxHost([self.plugin], load_entry_points=False)
        self.toolbox = example_tools.ExampleTools()
        self.outputs: dict[str, list[dict[str, Any]]] = {}
        self.lines: list[str] = []
        self.failures = 0
        self.checks = 0

    def check(self, ok: bool, description: str) -> bool:
        """Count one check and add its line to the report; return ``ok``."""
        self.checks += 1
        self.failures += not ok
        self.lines.append(f"  {'ok  ' if ok else 'FAIL'} {description}")
        return ok

    def execute(self) -> bool:
        """Reset the workflow's users, run every step, check the store; True if all passed."""
        try:
            self._reset_users()
            for step in self.workflow.steps:
                self._run_step(step)
            for record in self.workflow.records:
                self._check_record(record)
            for namespaces in self.workflow.namespaces:
                self._check_namespaces(namespaces)
        finally:
            self.plugin.close()
        return self.failures == 0

    def _reset_users(self) -> None:
        backend = self.plugin.backend
        for user in self.workflow.users:
            for namespace in backend.list_namespaces(user):
                backend.clear_namespace(user, namespace)

    def _run_step(self, step: Step) -> None:
        if step.sleep_s is not None:
            time.sleep(step.sleep_s)
            self.lines.append(f"  ...  {step.name}: waited {step.sleep_s} s")
            return
        inputs = [step.input]
        if step.for_each is not None:
            items = lookup(self._latest(step.for_each.step), step.for_each.path)
            inputs = [{**step.input, step.for_each.input_key: item} for item in items]
        for input_dict in inputs:
            self._run_agent(step, input_dict)

    def _run_agent(self, step: Step, input_dict: dict[str, Any]) -> None:
        assert step.agent_file and step.user and step.agent
        source = (AGENTS / step.agent_file).read_text(encoding="utf-8")
        context = ExecutionContext(user_id=step.user, agent_name=step.agent)
        result = self.host.run_sync(
            source, input_dict, self.toolbox.as_dict(step.tools), context=context
        )
        who = f"{step.user}/{step.agent}"
        label = f"{step.name}: {step.agent_file} as {who} {_short(input_dict, 60)}"
        if not self._step_outcome(step, result, label):
            return
        output = result.output or {}
        self.outputs.setdefault(step.name, []).append(output)
        for expect in step.expect:
            self._check_expect(step, output, expect)

    def _step_outcome(self, step: Step, result: RunResult, label: str) -> bool:
        """Record whether the run ended as expected; True if its output is to be checked."""
        if step.expect_error is not None:
            if result.error is not None and result.error.type == step.expect_error:
                self.check(True, f"{label} -> failed as expected: {result.error}")
            else:
                got = str(result.error) if result.error else f"returned {_short(result.output)}"
                self.check(False, f"{label} -> expected {step.expect_error}, {got}")
            return False
        if result.error is not None:
            self.check(False, f"{label} -> {result.error}")
            return False
        return self.check(True, f"{label} -> {_short(result.output, 100)}")

    def _latest(self, step_name: str) -> dict[str, Any]:
        runs = self.outputs.get(step_name)
        if not runs:
            raise KeyError(f"step {step_name!r} has no output (it did not run or failed)")
        return runs[-1]

    def _check_expect(self, step: Step, output: dict[str, Any], expect: Expect) -> None:
        where = f"{step.name}.{expect.path}" if expect.path else step.name
        try:
            actual = lookup(output, expect.path)
            ok, wanted = self._evaluate(expect, actual)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            self.check(False, f"    {where}: {exc}")
            return
        detail = f"{wanted}" if ok else f"{wanted}, got {_short(actual)}"
        self.check(ok, f"    {where} {detail}")

    def _evaluate(self, expect: Expect, actual: Any) -> tuple[bool, str]:
        kind = next(iter(expect.model_fields_set - {"path"}))
        if kind == "equals":
            return actual == expect.equals, f"== {_short(expect.equals)}"
        if kind == "is_null":
            return (actual is None) == expect.is_null, f"is {'' if expect.is_null else 'not '}null"
        if kind == "equals_output_of":
            ref = expect.equals_output_of
            assert ref is not None
            wanted = lookup(self._latest(ref.step), ref.path)
            return actual == wanted, f"== output of {ref.step} ({_short(wanted, 60)})"
        if kind == "contains":
            return expect.contains in actual, f"contains {_short(expect.contains)}"
        if kind == "length":
            return len(actual) == expect.length, f"has length {expect.length}"
        ref = expect.includes_outputs_of
        assert ref is not None
        pool = list(actual.values()) if isinstance(actual, dict) else list(actual)
        runs = self.outputs.get(ref.step, [])
        wanted = [lookup(run, ref.path) for run in runs]
        ok = bool(runs) and all(item in pool for item in wanted)
        return ok, f"includes the results of all {len(runs)} runs of {ref.step}"

    def _check_record(self, check: RecordCheck) -> None:
        # Access counts are written in the background right after each run: wait for them.
        self.plugin.wait_for_counts()
        record = self.plugin.backend.get(check.user, check.namespace, check.key)
        label = f"record {check.user} {check.namespace}/{check.key}"
        if record is None or not check.exists:
            self.check((record is None) == (not check.exists),
                        f"{label} {'exists' if check.exists else 'does not exist'}")
            return
        wanted = {
            "createdByAgent": (check.created_by, record.created_by_agent),
            "lastAccessedByAgent": (check.last_accessed_by, record.last_accessed_by_agent),
            "accessCount": (check.access_count, record.access_count),
        }
        for field, (expected, actual) in wanted.items():
            if expected is not None:
                suffix = "" if expected == actual else f", got {actual!r}"
                self.check(expected == actual, f"{label} {field} == {expected!r}{suffix}")

    def _check_namespaces(self, check: NamespacesCheck) -> None:
        actual = sorted(self.plugin.backend.list_namespaces(check.user))
        label = f"namespaces of {check.user}"
        if check.equals is not None:
            self.check(actual == sorted(check.equals),
                        f"{label} == {check.equals}" + ("" if actual == sorted(check.equals)
                                                       else f", got {actual}"))
        missing = [name for name in check.contains if name not in actual]
        if check.contains:
            self.check(not missing, f"{label} include {check.contains}"
                        + (f", missing {missing}" if missing else ""))


def run_workflow(workflow: Workflow, store_url: str) -> WorkflowRun:
    """Run ``workflow`` on ``store_url`` and return the finished run (see ``.failures``)."""
    run = WorkflowRun(workflow, store_url)
    try:
        run.execute()
    except Exception as exc:  # a broken workflow must fail loudly, not stop the others
        run.check(False, f"workflow stopped: {type(exc).__name__}: {exc}")
    return run


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the named workflows (all by default) and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="workflows to run (default: all)")
    parser.add_argument(
        "--store", metavar="URL", help="data store URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args(argv)

    known = available_workflows()
    unknown = [name for name in args.names if name not in known]
    if unknown:
        print(f"unknown workflows {unknown}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        workflows = [load_workflow(known[name]) for name in (args.names or known)]
    except WorkflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="workflows-") as scratch:
        store_url = args.store or f"sqlite:///{Path(scratch) / 'examples.db'}"
        try:
            StoreConfig(url=store_url)
        except ValidationError as exc:
            print(f"error: --store: {exc.errors()[0]['msg']}", file=sys.stderr)
            return 2
        print(f"store: {store_url}")
        failed = []
        for workflow in workflows:
            run = run_workflow(workflow, store_url)
            verdict = "PASS" if run.failures == 0 else f"FAIL ({run.failures} failed)"
            print(f"\n== {workflow.name}: {workflow.description}")
            print("\n".join(run.lines))
            print(f"  {verdict}: {run.checks} checks")
            if run.failures:
                failed.append(workflow.name)

    print(f"\n{len(workflows) - len(failed)} of {len(workflows)} workflows passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
