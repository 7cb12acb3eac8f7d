"""Red team: an agent allowed to write only ``reports`` tries to change any other namespace of
its user, by every write operation and every route to a namespace, and to learn the names of
namespaces it may not read. Runs on every backend, in the thread and process modes."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from agent_data_store import Backend
from sandbox_host import ExecutionContext, RunResult, SandboxHost

pytestmark = pytest.mark.redteam

USER = "mallory"
SEEDED = {"default": "default's", "billing": "billing's", "secrets": "secret's",
          "Reports": "Reports'", "reports*": "star's"}
"""The user's namespaces before the agent runs (each holds key ``k``)."""

WRITE_ATTEMPTS = {
    "set": 'target.set("k", "forged")',
    "set with metadata": 'target.set("k", "forged", metadata={"x": 1})',
    "set_many": 'target.set_many({"k": "forged", "new": 1})',
    "delete": 'target.delete("k")',
    "delete_many": 'target.delete_many(["k", "new"])',
    "clear": "target.clear()",
    "method taken with getattr": 'getattr(target, "set")("k", "forged")',
    "method kept in a list": 'ops = [target.set]\nops[0]("k", "forged")',
    "map over the method": 'list(map(target.delete, ["k"]))',
}
"""Every way to change records through a handle (``target``)."""

NAMESPACE_ROUTES = {
    "the data_store itself": "data_store",
    "use_namespace": 'data_store.use_namespace("billing")',
    "use_namespace by keyword": 'data_store.use_namespace(namespace="billing")',
    "through the allowed namespace": 'data_store.use_namespace("reports").use_namespace("billing")',
    "a handle kept from earlier": "kept",
}
"""Ways to get a handle on a namespace the agent may read but not write."""


def _agent(body: str) -> str:
    return "async def run(input_dict, tools):\n" + textwrap.indent(textwrap.dedent(body), "    ")


def _run(host: SandboxHost, body: str, **permissions: list[str]) -> RunResult:
    context = ExecutionContext(user_id=USER, agent_name="attacker", **permissions)
    return host.run_sync(_agent(body), context=context)


def _stored(backend: Backend) -> dict[str, dict[str, Any]]:
    return {
        namespace: {record.key: record.value for page in backend.iter_records(USER, namespace)
                    for record in page}
        for namespace in backend.list_namespaces(USER)
    }


@pytest.fixture
def seeded(host: SandboxHost, backend: Backend) -> Backend:
    sets = "\n".join(
        f"data_store.use_namespace({ns!r}).set('k', {v!r})" for ns, v in SEEDED.items()
    )
    assert _run(host, sets + "\nreturn {}").error is None
    return backend


def _attempts_source(route: str) -> str:
    lines = ['kept = data_store.use_namespace("billing")', f"target = {route}", "outcomes = {}"]
    for name, attempt in WRITE_ATTEMPTS.items():
        lines += [
            "try:",
            textwrap.indent(attempt, "    "),
            f"    outcomes[{name!r}] = 'succeeded'",
            "except Exception as exc:",
            f"    outcomes[{name!r}] = type(exc).__name__",
        ]
    lines.append("return {'outcomes': outcomes}")
    return "\n".join(lines)


@pytest.mark.parametrize("route", sorted(NAMESPACE_ROUTES))
def test_no_write_operation_changes_a_namespace_the_agent_may_only_read(
    host: SandboxHost, seeded: Backend, route: str
) -> None:
    before = _stored(seeded)
    result = _run(host, _attempts_source(NAMESPACE_ROUTES[route]),
                  read_namespaces=["*"], write_namespaces=["reports"])
    assert result.error is None, result.error
    assert result.output["outcomes"] == dict.fromkeys(WRITE_ATTEMPTS, "NamespacePermissionError")
    assert _stored(seeded) == before


@pytest.mark.parametrize(
    "namespace",
    ["billing", "Reports", "REPORTS", "reports ", " reports", "reports*", "[a-z]", "report?",
     "\uff52\uff45\uff50\uff4f\uff52\uff54\uff53", "r\u0435ports", "reports\x00", "reports/..",
     "default"],
)
def test_look_alike_and_glob_names_are_other_namespaces(
    host: SandboxHost, seeded: Backend, namespace: str
) -> None:
    before = _stored(seeded)
    body = f"""
    try:
        data_store.use_namespace({namespace!r}).set("k", "forged")
    except Exception as exc:
        return {{"refused": type(exc).__name__}}
    return {{"refused": False}}
    """
    result = _run(host, body, read_namespaces=["*"], write_namespaces=["reports"])
    assert result.error is None, result.error
    assert result.output["refused"] == "NamespacePermissionError"
    assert _stored(seeded) == before


def test_a_string_subclass_cannot_pass_one_name_to_the_check_and_another_to_the_store(
    host: SandboxHost, seeded: Backend
) -> None:
    before = _stored(seeded)
    body = """
    class Sly(str):
        def __format__(self, spec):
            return "billing"
        def __str__(self):
            return "billing"
        def __eq__(self, other):
            return True
        def __hash__(self):
            return hash("billing")
        def encode(self, *args, **kwargs):
            return b"billing"
    outcomes = []
    for attempt in [lambda: data_store.use_namespace(Sly("reports")).set("k", "forged"),
                    lambda: data_store.use_namespace(Sly("reports")).clear(),
                    lambda: data_store.use_namespace("reports").set(Sly("k"), "forged")]:
        try:
            attempt()
            outcomes.append("done")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
    return {"outcomes": outcomes}
    """
    result = _run(host, body, read_namespaces=["*"], write_namespaces=["reports"])
    assert result.error is None, result.error
    after = _stored(seeded)
    # Whatever the sandbox lets through lands in 'reports' only, under its real name.
    assert {ns: keys for ns, keys in after.items() if ns != "reports"} == before
    assert set(after.get("reports", {})) <= {"k"}


def test_the_names_of_unreadable_namespaces_stay_hidden(host: SandboxHost, seeded: Backend) -> None:
    body = """
    seen = {"listed": data_store.list_namespaces(),
            "listed from reports": data_store.use_namespace("reports").list_namespaces(),
            "repr": repr(data_store)}
    for probe in ["billing", "secrets", "*", "s*", "[a-z]*", "%", ".*"]:
        try:
            view = data_store.use_namespace(probe)
            seen[probe] = [view.list_keys(), view.get_all(), view.get("k")]
        except Exception as exc:
            seen[probe] = [type(exc).__name__, str(exc)]
    return seen
    """
    result = _run(host, body, read_namespaces=["default", "reports"],
                  write_namespaces=["reports"])
    assert result.error is None, result.error
    output = result.output
    assert output["listed"] == ["default"]
    assert output["listed from reports"] == ["default"]
    shown = json.dumps(output)
    for hidden in ("billing's", "secret's", "star's", "Reports'"):
        assert hidden not in shown
    for probe in ["billing", "secrets", "*", "s*", "[a-z]*", "%", ".*"]:
        kind, message = output[probe]
        assert kind == "NamespacePermissionError"
        for hidden in set(SEEDED) - {"default", probe}:
            assert repr(hidden) not in message, message


def test_reads_of_a_namespace_the_agent_may_only_write_are_refused(
    host: SandboxHost, seeded: Backend
) -> None:
    body = """
    inbox = data_store.use_namespace("billing")
    outcomes = {}
    for name, attempt in [("get", lambda: inbox.get("k")),
                          ("get_many", lambda: inbox.get_many(["k"])),
                          ("get_all", inbox.get_all), ("list_keys", inbox.list_keys)]:
        try:
            outcomes[name] = attempt()
        except Exception as exc:
            outcomes[name] = type(exc).__name__
    inbox.set("note", "dropped off")
    return {"outcomes": outcomes, "listed": data_store.list_namespaces()}
    """
    result = _run(host, body, read_namespaces=["default"], write_namespaces=["billing"])
    assert result.error is None, result.error
    assert result.output == {
        "outcomes": dict.fromkeys(["get", "get_many", "get_all", "list_keys"],
                                  "NamespacePermissionError"),
        "listed": ["default"],
    }
    assert _stored(seeded)["billing"] == {"k": "billing's", "note": "dropped off"}
