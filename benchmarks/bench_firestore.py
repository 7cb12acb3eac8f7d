"""Data store on Firestore (the emulator), through the sandbox, against the raw client.

    python benchmarks/bench_firestore.py [--quick]

Uses the emulator ``FIRESTORE_EMULATOR_HOST`` names, or starts one on a free loopback port
(needs ``gcloud`` and its Firestore emulator) and stops it afterwards.

Each operation runs N times inside one sandboxed agent run, and N times as hand-written
google-cloud-firestore calls sending the same requests to an identically filled collection,
interleaved over several rounds; the table reports the median time per operation and the
ratio (target: at most 1.5x). "The same requests" means: ``get`` and ``get_many`` one
``BatchGetDocuments``; ``get_all`` one ``RunQuery`` per page of 500; ``set`` one read of the
stored record and one preconditioned commit, because keeping ``createdAt``, ``accessCount``
and metadata across an overwrite needs the stored record. The sandbox side also pays its
end-of-run access tracking; what that adds to a run with one ``get_many(100)`` is timed apart
(the run with tracking and without). A second table counts the RPCs each data store call sends.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from quota_costs import print_costs, quota_costs
from side_by_side import (
    NAMESPACE,
    USER,
    VALUE,
    WRITES,
    atomic_operations,
    print_table,
    print_tracked_run,
    time_side_by_side,
    time_tracked_run,
    written_value,
)

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from agent_data_store.backends.firestore import FirestoreBackend
from agent_data_store.backends.firestore_layout import PROJECTION, firestore_id
from agent_data_store.records import RecordWrite, document_id, utc_now
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState
from sandbox_host import SandboxHost

PROJECT = "bench-project"
RPCS = ("batch_get_documents", "run_query", "commit", "batch_write", "begin_transaction")


class RpcCounter:
    """Counts the RPCs a Firestore client sends, by wrapping its GAPIC client's methods."""

    def __init__(self, client: firestore.Client) -> None:
        self.by_rpc: Counter[str] = Counter()
        api = client._firestore_api
        for name in RPCS:
            setattr(api, name, self._counting(name, getattr(api, name)))

    def _counting(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.by_rpc[name] += 1
            return method(*args, **kwargs)

        return call

    def during(self, operation: Callable[[], object]) -> dict[str, int]:
        """The RPCs ``operation`` sends, by name."""
        self.by_rpc.clear()
        operation()
        return dict(self.by_rpc)

    @contextmanager
    def sending(self) -> Iterator[list[str]]:
        """Collect the RPCs sent while the block runs (for ``quota_costs``)."""
        self.by_rpc.clear()
        sent: list[str] = []
        yield sent
        sent.extend(name for name, count in self.by_rpc.items() for _ in range(count))


@contextmanager
def emulator() -> Iterator[str]:
    """The emulator ``FIRESTORE_EMULATOR_HOST`` names, or one started here for the run."""
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        yield os.environ["FIRESTORE_EMULATOR_HOST"]
        return
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise SystemExit("gcloud is not installed; set FIRESTORE_EMULATOR_HOST or install it")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{sock.getsockname()[1]}"
    with tempfile.TemporaryDirectory() as config_dir:
        process = subprocess.Popen(
            [gcloud, "emulators", "firestore", "start", f"--host-port={host}", "--quiet"],
            env={**os.environ, "CLOUDSDK_CONFIG": config_dir, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://{host}/", timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise SystemExit(f"no Firestore emulator answered on {host}") from None
                    time.sleep(0.2)
            os.environ["FIRESTORE_EMULATOR_HOST"] = host
            yield host
        finally:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
            os.killpg(process.pid, signal.SIGTERM)  # the emulator's Java child goes too
            process.wait(timeout=30)


def raw_operations(client: firestore.Client, collection: str) -> dict[str, Callable[[int], None]]:
    """The same requests, written directly against google-cloud-firestore."""
    records = client.collection(collection)

    def ref(namespace: str, key: str) -> Any:
        return records.document(firestore_id(document_id(USER, namespace, key)))

    def get(n: int) -> None:
        for i in range(n):
            (snapshot,) = client.get_all([ref(NAMESPACE, f"k{i % 1000}")])
            json.loads(snapshot.get("value"))

    def set_(n: int) -> None:
        value = written_value()
        for i in range(n):
            key = f"w{i}"
            target = ref(WRITES, key)
            (stored,) = client.get_all([target], field_paths=PROJECTION)
            now = utc_now()
            fields = {"value": json.dumps(value), "updatedAt": now, "lastAccessedAt": now,
                      "lastAccessedByAgent": "raw"}
            batch = client.batch()
            if stored.exists:
                batch.update(target, fields,
                             option=client.write_option(last_update_time=stored.update_time))
            else:
                batch.create(target, {**fields, "userId": USER, "namespace": WRITES, "key": key,
                                      "metadata": "{}", "accessCount": 0, "createdAt": now})
            batch.commit()

    def get_many(n: int) -> None:
        refs = [ref(NAMESPACE, f"k{i}") for i in range(100)]
        for _ in range(n):
            {s.get("key"): json.loads(s.get("value")) for s in client.get_all(refs)}

    def get_all(n: int) -> None:
        query = records.where(filter=FieldFilter("userId", "==", USER)).where(
            filter=FieldFilter("queryNamespace", "==", NAMESPACE)).order_by("queryKey")
        for _ in range(n):
            values, cursor = {}, None
            while True:
                page_query = query.limit(501) if cursor is None else (
                    query.limit(501).start_after(cursor))
                page = list(page_query.stream())
                values.update({s.get("key"): json.loads(s.get("value")) for s in page[:500]})
                if len(page) <= 500:
                    break
                cursor = page[499]

    return {"get": get, "set": set_, "get_many(100)": get_many, "get_all(1000)": get_all}


def _populate(backend: FirestoreBackend) -> None:
    now, text = utc_now(), json.dumps(VALUE)
    backend.put_many([RecordWrite(USER, NAMESPACE, f"k{i}", text, None, "seed", now)
                      for i in range(1000)])


def count_rpcs(backend: FirestoreBackend, config: StoreConfig) -> dict[str, dict[str, int]]:
    """The RPCs each data store call sends (our budgets), and a run's tracking flush."""
    counter = RpcCounter(backend.client)
    run = RunState("counter")
    store = DataStore(lambda: backend, config, USER, "counter", run, NAMESPACE)
    keys = [f"k{i}" for i in range(100)]
    writes = store.use_namespace(WRITES)
    counts = {
        "get": counter.during(lambda: store.get("k1")),
        "get_many(100)": counter.during(lambda: store.get_many(keys)),
        "set": counter.during(lambda: writes.set("counted", VALUE)),
        "set_many(100)": counter.during(lambda: writes.set_many(dict.fromkeys(keys, VALUE))),
        "get_all(1000)": counter.during(store.get_all),
        "list_namespaces": counter.during(store.list_namespaces),
    }
    tracking = f"tracking of {len(run.tracker)} keys"
    counts[tracking] = counter.during(lambda: run.tracker.flush(backend))
    one_read = RunState("counter")
    DataStore(lambda: backend, config, USER, "counter", one_read, NAMESPACE).get_many(keys)
    counts["tracking of a get_many(100)"] = counter.during(
        lambda: one_read.tracker.flush(backend))
    for name, operation in atomic_operations(backend).items():
        counts[name] = counter.during(operation)
    return counts


def measure(quick: bool = False) -> dict[str, Any]:
    """Run every measurement against the emulator and return the figures."""
    rounds = 2 if quick else 5
    sizes = {"get": 20 if quick else 300, "set": 10 if quick else 150,
             "get_many(100)": 3 if quick else 40, "get_all(1000)": 1 if quick else 8}
    with emulator() as host:
        suffix = uuid.uuid4().hex[:8]
        config = StoreConfig(url=f"firestore://{PROJECT}/bench_{suffix}")
        ours = open_backend(config)
        raw_filled = open_backend(StoreConfig(url=f"firestore://{PROJECT}/bench_raw_{suffix}"))
        assert isinstance(ours, FirestoreBackend) and isinstance(raw_filled, FirestoreBackend)
        _populate(ours)
        _populate(raw_filled)
        raw_client = firestore.Client(project=PROJECT)
        raw_ops = raw_operations(raw_client, raw_filled.collection)
        sandbox = SandboxHost(plugins=[DataStorePlugin(config, backend=ours)],
                              load_entry_points=False)
        rows = time_side_by_side(sandbox, raw_ops, sizes, rounds)
        untracked = SandboxHost(
            plugins=[DataStorePlugin(config.model_copy(update={"tracking": False}),
                                     backend=ours)],
            load_entry_points=False,
        )
        tracked_run = time_tracked_run(sandbox, untracked, raw_ops["get_many(100)"],
                                       5 * rounds, runs=1 if quick else 10)
        raw_counter = RpcCounter(raw_client)
        raw_rpcs = {name: sum(raw_counter.during(lambda op=op: op(1)).values())  # type: ignore[misc]
                    for name, op in raw_ops.items()}
        rpcs = count_rpcs(ours, config)
        quotas = quota_costs(ours, config, RpcCounter(ours.client).sending)
        for client in (ours, raw_filled):
            client.close()
        raw_client.close()
    return {"emulator": host, "rows": rows, "rpcs": rpcs, "raw_rpcs": raw_rpcs,
            "quotas": quotas, "tracked_run": tracked_run}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the benchmark tables; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    args = parser.parse_args(argv)
    figures = measure(quick=args.quick)
    print(f"Firestore emulator at {figures['emulator']}")
    print_table(figures["rows"], "raw client", extra=("RPCs (raw)", figures["raw_rpcs"]))
    print_tracked_run(figures["tracked_run"])
    print("\nRPCs per data store call:")
    for name, counts in figures["rpcs"].items():
        detail = ", ".join(f"{rpc} {count}" for rpc, count in sorted(counts.items()))
        print(f"  {name:<34}{sum(counts.values()):>3}  ({detail})")
    print_costs(figures["quotas"], "RPCs")
    return figures


if __name__ == "__main__":
    main()
