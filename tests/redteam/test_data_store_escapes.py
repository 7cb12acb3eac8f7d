"""Red team: agent code tries to learn or change who it is, reach the backend, or read another
user's records through ``data_store``. Every attempt must fail; each test says how."""

from __future__ import annotations

from typing import Any

import pytest

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.backends.memory import MemoryBackend
from sandbox_host import ExecutionContext, SandboxHost

pytestmark = pytest.mark.redteam

SECRET_USER = "victim-user-7731"
SECRET_URL = "couchdb://admin:hunter2-password@db.internal:5984/agent_data_store"


@pytest.fixture
def store_backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture(params=["thread", "process"])
def store_host(request: pytest.FixtureRequest, store_backend: MemoryBackend) -> SandboxHost:
    # The configured URL carries a password the agent must never see; the records live in
    # the memory backend passed alongside.
    plugin = DataStorePlugin(StoreConfig(url="memory://"), backend=store_backend)
    plugin._config = StoreConfig.model_construct(url=SECRET_URL, table="agent_data_store",
                                                 max_value_bytes=1024 * 1024, tracking=True,
                                                 page_size=500, timeout_s=5.0)
    return SandboxHost(plugins=[plugin], load_entry_points=False, isolation=request.param)


def _run(host: SandboxHost, body: str, user: str = "mallory") -> Any:
    source = "async def run(input_dict, tools):\n" + "".join(
        f"    {line}\n" for line in body.strip().splitlines()
    )
    return host.run_sync(source, input_dict={},
                         context=ExecutionContext(user_id=user, agent_name="attacker"))


def _assert_no_secret(result: Any) -> None:
    text = f"{result.output!r} {result.error!r} {result.stdout!r}"
    for secret in (SECRET_USER, "mallory", "hunter2", "db.internal", "MemoryBackend"):
        assert secret not in text, f"{secret!r} leaked: {text[:300]}"


@pytest.fixture(autouse=True)
def _victim_data(store_host: SandboxHost) -> None:
    result = _run(store_host, 'data_store.set("secret", "victim data")\nreturn {}', SECRET_USER)
    assert result.error is None


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("private attribute", "return {'x': data_store._user_id}"),
        ("slot descriptor of the class", "return {'x': str(type(data_store).get.__get__)}"),
        ("object getattribute", "return {'x': object.__getattribute__(data_store, '_namespace')}"),
        ("dunder dict", "return {'x': str(data_store.__dict__)}"),
        ("slots", "return {'x': str(data_store.__slots__)}"),
        ("bound method owner", "return {'x': str(data_store.get.__self__)}"),
        ("closure cells", "return {'x': str(data_store.get.__closure__)}"),
        ("function globals", "return {'x': str(data_store.get.__globals__)}"),
        ("getattr with a string", "return {'x': str(getattr(data_store, '_namespace'))}"),
        ("getattr of closure", "return {'x': str(getattr(data_store.set, '__closure__'))}"),
    ],
)
def test_private_state_is_unreachable(store_host: SandboxHost, name: str, body: str) -> None:
    result = _run(store_host, body)
    assert result.error is not None, f"{name} succeeded: {result.output}"
    _assert_no_secret(result)


def test_the_class_of_data_store_makes_no_working_store(store_host: SandboxHost) -> None:
    # type(x) works in the sandbox; a handle made from the class has no store behind it.
    result = _run(store_host, "h = object.__new__(type(data_store))\nreturn {'x': h.get('k')}")
    assert result.error is not None
    assert "object.__new__" in result.error.message or "__new__" in result.error.message
    result = _run(store_host, "return {'x': str(type(data_store)('x'))}")
    assert result.error is not None


def test_repr_and_str_show_only_the_namespace(store_host: SandboxHost) -> None:
    result = _run(store_host, "return {'r': repr(data_store), 's': str(data_store), "
                              "'m': repr(data_store.get)}")
    assert result.error is None
    assert result.output["r"] == "<data_store namespace='default'>"
    _assert_no_secret(result)


def test_format_strings_cannot_walk_into_the_object(store_host: SandboxHost) -> None:
    result = _run(store_host, "return {'x': '{0.get.__closure__}'.format(data_store)}")
    assert result.error is not None
    _assert_no_secret(result)


def test_format_map_cannot_walk_into_the_object(store_host: SandboxHost) -> None:
    result = _run(store_host, "return {'x': '{d._namespace}'.format_map({'d': data_store})}")
    assert result.error is not None
    _assert_no_secret(result)


def test_attributes_cannot_be_replaced(store_host: SandboxHost) -> None:
    result = _run(store_host, "data_store.get = lambda key, default=None: 'forged'\nreturn {}")
    assert result.error is not None
    follow_up = _run(store_host, "return {'v': data_store.get('secret')}", SECRET_USER)
    assert follow_up.output == {"v": "victim data"}


def test_attributes_cannot_be_deleted(store_host: SandboxHost) -> None:
    result = _run(store_host, "del data_store.get\nreturn {}")
    assert result.error is not None


def test_setattr_builtin_is_not_a_way_in(store_host: SandboxHost) -> None:
    result = _run(store_host, "setattr(data_store, 'get', len)\nreturn {}")
    assert result.error is not None


def test_namespace_tricks_do_not_reach_another_user(store_host: SandboxHost) -> None:
    body = """
found = []
for ns in [f"{'victim-user-7731'}:default", "../victim-user-7731/default", "default"]:
    view = data_store.use_namespace(ns)
    found.append(view.get("secret"))
    found.append(view.get_all())
    found.append(view.list_keys())
return {"found": found, "namespaces": data_store.list_namespaces()}
"""
    result = _run(store_host, body)
    assert result.error is None
    assert "victim data" not in repr(result.output)


def test_key_tricks_do_not_reach_another_user(store_host: SandboxHost) -> None:
    body = """
keys = ["victim-user-7731:default:secret", "../secret", "secret\\u0000", "*", "%"]
return {"many": data_store.get_many(keys), "one": [data_store.get(k) for k in keys]}
"""
    result = _run(store_host, body)
    assert result.error is None
    assert "victim data" not in repr(result.output)


def test_error_messages_do_not_leak_identity_or_credentials(store_host: SandboxHost) -> None:
    body = """
messages = []
for attempt in [lambda: data_store.set("", 1), lambda: data_store.get(3),
                lambda: data_store.set("k", object()), lambda: data_store.missing_method(),
                lambda: data_store.use_namespace(None)]:
    try:
        attempt()
    except Exception as exc:
        messages.append(str(exc))
return {"messages": messages}
"""
    result = _run(store_host, body)
    assert result.error is None, result.error
    assert len(result.output["messages"]) == 5
    _assert_no_secret(result)


def test_clear_and_delete_only_touch_own_records(
    store_host: SandboxHost, store_backend: MemoryBackend
) -> None:
    body = """
n = data_store.clear() + data_store.delete_many(["secret"]) + int(data_store.delete("secret"))
return {"deleted": n}
"""
    assert _run(store_host, body).output == {"deleted": 0}
    assert store_backend.get(SECRET_USER, "default", "secret") is not None


def test_forged_agent_name_is_not_recorded(
    store_host: SandboxHost, store_backend: MemoryBackend
) -> None:
    body = """
data_store.set("mine", 1, metadata={"createdByAgent": "someone-else"})
return {}
"""
    assert _run(store_host, body).error is None
    record = store_backend.get("mallory", "default", "mine")
    assert record is not None
    assert record.created_by_agent == "attacker"
    assert record.last_accessed_by_agent == "attacker"
