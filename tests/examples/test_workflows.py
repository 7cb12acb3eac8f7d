"""Every example workflow has its documented outcome, on memory:// and on a SQLite file."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.examples.conftest import EXAMPLES

WORKFLOW_NAMES = sorted(path.stem for path in (EXAMPLES / "workflows").glob("*.toml"))


def test_there_is_a_workflow_for_every_multi_agent_pattern() -> None:
    assert set(WORKFLOW_NAMES) >= {
        "producer_consumer", "pipeline", "fan_out", "repo_search", "batch", "lock",
    }


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_workflow_passes_every_check(
    workflows: ModuleType, name: str, store: str, tmp_path: Path
) -> None:
    url = "memory://" if store == "memory" else f"sqlite:///{tmp_path / 'examples.db'}"
    workflow = workflows.load_workflow(EXAMPLES / "workflows" / f"{name}.toml")
    run = workflows.run_workflow(workflow, url)
    report = "\n".join(run.lines)
    assert run.failures == 0, report
    assert run.checks > len(workflow.steps), report


def test_rerunning_a_workflow_on_the_same_sqlite_file_passes_again(
    workflows: ModuleType, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'examples.db'}"
    workflow = workflows.load_workflow(EXAMPLES / "workflows" / "batch.toml")
    assert workflows.run_workflow(workflow, url).failures == 0
    rerun = workflows.run_workflow(workflow, url)
    assert rerun.failures == 0, "\n".join(rerun.lines)


def test_a_wrong_expectation_is_reported_as_a_failure(
    workflows: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(
        'description = "expects the wrong creator"\n'
        '[[steps]]\nname = "count"\nagent_file = "counter.py"\nuser = "alice"\n'
        'agent = "counter"\nexpect = [{ path = "count", equals = 2 }]\n'
        '[[records]]\nuser = "alice"\nnamespace = "default"\nkey = "runs"\n'
        'created_by = "someone-else"\n',
        encoding="utf-8",
    )
    run = workflows.run_workflow(workflows.load_workflow(path), "memory://")
    failed = [line for line in run.lines if "FAIL" in line]
    assert run.failures == 2
    assert "count.count == 2, got 1" in failed[0]
    assert "createdByAgent == 'someone-else', got 'counter'" in failed[1]


def test_an_unexpected_agent_error_fails_the_step(workflows: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "crash.toml"
    path.write_text(
        'description = "worker without a splitter"\n'
        '[[steps]]\nname = "work"\nagent_file = "fanout_worker.py"\nuser = "alice"\n'
        'agent = "worker"\ninput = { job = "none", task = "task-001" }\n',
        encoding="utf-8",
    )
    run = workflows.run_workflow(workflows.load_workflow(path), "memory://")
    assert run.failures == 1
    assert "LookupError" in run.lines[0]


def test_an_invalid_workflow_file_is_refused(workflows: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('description = "no agent"\n[[steps]]\nname = "x"\nuser = "a"\n')
    with pytest.raises(workflows.WorkflowError, match="agent_file or sleep_s"):
        workflows.load_workflow(path)


def test_driver_exit_status(workflows: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert workflows.main(["--store", "memory://", "producer_consumer"]) == 0
    assert "1 of 1 workflows passed" in capsys.readouterr().out
    assert workflows.main(["no-such-workflow"]) == 2
    assert workflows.main(["--store", "nosuch://x", "producer_consumer"]) == 2
