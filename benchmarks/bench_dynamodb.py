"""Data store on DynamoDB Local, through the sandbox, against raw boto3 doing the same calls.

Each operation runs N times inside one sandboxed agent run (including the access-tracking
flush at the end of the run) and N times as hand-written boto3 calls doing the same reads
and writes on a plain table (``GetItem``, ``PutItem``, ``BatchGetItem``, ``Query``),
interleaved over several rounds. The agents are those of ``side_by_side.py`` (``set`` writes
to a namespace of its own, so ``get_all`` reads 1000 records). The table reports the median
time per operation, the ratio, the ratio of the same runs with access tracking off, and the
DynamoDB calls each side made (counted with botocore event hooks), the calls each backend
primitive makes, what quota checks add to each operation (``quota_costs.py``), and what
access tracking adds to a run with one ``get_many(100)`` (``side_by_side.time_tracked_run``).

    python benchmarks/bench_dynamodb.py [--quick] [--endpoint-url http://127.0.0.1:PORT]

Without ``--endpoint-url`` it starts DynamoDB Local on 127.0.0.1 (``scripts/install-dynamodb.sh``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from quota_costs import print_costs, quota_costs
from side_by_side import (
    AGENTS,
    NAMESPACE,
    RECORDS,
    USER,
    VALUE,
    WRITES,
    atomic_operations,
    counts_written,
    print_tracked_run,
    time_tracked_run,
    written_value,
)

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.backends.dynamodb import DynamoDBBackend
from agent_data_store.records import Access, RecordWrite, utc_now
from sandbox_host import ExecutionContext, SandboxHost


class CallCounter:
    """DynamoDB API calls by operation name, counted with a botocore event hook."""

    def __init__(self, *clients: Any) -> None:
        self.calls: Counter[str] = Counter()
        for client in clients:
            client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def take(self) -> dict[str, int]:
        """Return the counts so far and start again."""
        counts = dict(self.calls)
        self.calls.clear()
        return counts

    @contextmanager
    def sending(self) -> Iterator[list[str]]:
        """Collect the calls made while the block runs (for ``quota_costs``)."""
        self.take()
        sent: list[str] = []
        yield sent
        sent.extend(name for name, count in self.take().items() for _ in range(count))


def raw_operations(client: Any, table: str) -> dict[str, Callable[[int], None]]:
    """The same reads and writes as plain boto3 calls on a table keyed (pk, sk)."""
    pk, writes_pk = {"S": f"{USER}:{NAMESPACE}"}, {"S": f"{USER}:{WRITES}"}

    def get(n: int) -> None:
        for i in range(n):
            item = client.get_item(TableName=table, ConsistentRead=True,
                                   Key={"pk": pk, "sk": {"S": f"k{i % RECORDS}"}})["Item"]
            json.loads(item["value"]["S"])

    def set_(n: int) -> None:
        value = written_value()
        for i in range(n):
            now = utc_now()
            client.put_item(TableName=table, Item={
                "pk": writes_pk, "sk": {"S": f"w{i}"}, "value": {"S": json.dumps(value)},
                "updatedAt": {"S": now}, "lastAccessedAt": {"S": now},
            })

    def get_many(n: int) -> None:
        keys = [{"pk": pk, "sk": {"S": f"k{i}"}} for i in range(100)]
        for _ in range(n):
            response = client.batch_get_item(
                RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
            {i["sk"]["S"]: json.loads(i["value"]["S"]) for i in response["Responses"][table]}

    def get_all(n: int) -> None:
        for _ in range(n):
            request: dict[str, Any] = {
                "TableName": table, "ConsistentRead": True,
                "KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": pk},
            }
            values = {}
            while True:
                page = client.query(**request)
                values.update({i["sk"]["S"]: json.loads(i["value"]["S"]) for i in page["Items"]})
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return {"get": get, "set": set_, "get_many(100)": get_many, "get_all(1000)": get_all}


def _populate_raw(client: Any, table: str) -> None:
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    text = json.dumps(VALUE)
    for start in range(0, RECORDS, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"{USER}:{NAMESPACE}"}, "sk": {"S": f"k{i}"},
                                     "value": {"S": text}}}}
            for i in range(start, start + 25)
        ]})


def measure(endpoint_url: str, quick: bool = False) -> dict[str, Any]:
    """Run every measurement against the DynamoDB endpoint and return the figures."""
    rounds = 3 if quick else 5
    sizes = {"get": 20 if quick else 300, "set": 10 if quick else 200,
             "get_many(100)": 2 if quick else 40, "get_all(1000)": 1 if quick else 10}
    suffix = uuid.uuid4().hex[:8]
    url = f"dynamodb://bench_{suffix}?region=us-east-1&endpoint_url={endpoint_url}"
    config = StoreConfig(url=url)
    ours = DynamoDBBackend.from_config(config)
    now = utc_now()
    text = json.dumps(VALUE)
    ours.put_many([RecordWrite(USER, NAMESPACE, f"k{i}", text, None, "seed", now)
                   for i in range(RECORDS)])
    # The raw side has a plain boto3 client of its own: ours decodes reads ahead of botocore.
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint_url)
    raw_table = f"raw_{suffix}"
    _populate_raw(client, raw_table)
    counter = CallCounter(client, ours._db.client)
    host = SandboxHost(plugins=[DataStorePlugin(config, backend=ours)], load_entry_points=False)
    # The same runs without access tracking: what the sandbox and the store cost by themselves,
    # apart from the end-of-run transactions that count every read exactly.
    untracked = SandboxHost(
        plugins=[DataStorePlugin(config.model_copy(update={"tracking": False}), backend=ours)],
        load_entry_points=False,
    )
    context = ExecutionContext(user_id=USER, agent_name="bench")
    raw_ops = raw_operations(client, raw_table)
    rows = []
    for name, source in AGENTS.items():
        if name not in raw_ops:
            continue
        n = sizes[name]
        ours_times, raw_times, untracked_times = [], [], []
        for _ in range(rounds):
            counter.take()
            start = time.perf_counter()
            result = host.run_sync(source, input_dict={"n": n, "value": written_value()},
                                  context=context)
            ours_times.append((time.perf_counter() - start) / n)
            assert result.error is None, result.error
            counts_written(host)  # written in the background, but the run's calls
            ours_calls = counter.take()
            start = time.perf_counter()
            raw_ops[name](n)
            raw_times.append((time.perf_counter() - start) / n)
            raw_calls = counter.take()
            start = time.perf_counter()
            result = untracked.run_sync(source, input_dict={"n": n, "value": written_value()},
                                        context=context)
            untracked_times.append((time.perf_counter() - start) / n)
            assert result.error is None, result.error
        ours_median, raw_median = statistics.median(ours_times), statistics.median(raw_times)
        untracked_median = statistics.median(untracked_times)
        rows.append({"op": name, "n": n, "ours_ms": ours_median * 1e3, "raw_ms": raw_median * 1e3,
                     "ratio": ours_median / raw_median,
                     "untracked_ratio": untracked_median / raw_median,
                     "ours_calls": ours_calls, "raw_calls": raw_calls})
    counter.take()
    tracked_run = time_tracked_run(host, untracked, raw_ops["get_many(100)"], 5 * rounds,
                                   runs=1 if quick else 10)
    tracked_run_calls = counter.take()
    round_trips = count_round_trips(ours, counter)
    quotas = quota_costs(ours, config, counter.sending)
    ours.close()
    client.close()
    return {"rows": rows, "round_trips": round_trips, "quotas": quotas,
            "tracked_run": tracked_run,
            "tracked_run_calls": {name: count / (5 * rounds)
                                  for name, count in sorted(tracked_run_calls.items())}}


def count_round_trips(backend: DynamoDBBackend, counter: CallCounter) -> dict[str, int]:
    """DynamoDB calls each operation of the round-trip budget makes (the backend primitives
    the data store calls for it)."""
    keys = [f"k{i}" for i in range(100)]
    text = json.dumps(VALUE)
    now = utc_now()
    operations: dict[str, Callable[[], object]] = {
        "get": lambda: backend.get_value_json(USER, NAMESPACE, "k1"),
        "get_many(100)": lambda: backend.get_many_values(USER, NAMESPACE, keys),
        "get_all(1000)": lambda: list(backend.iter_values(USER, NAMESPACE)),
        "set of a new key": lambda: backend.put_many(
            [RecordWrite(USER, "fresh", "new", text, None, "b", now)]),
        "set of an existing key": lambda: backend.put_many(
            [RecordWrite(USER, NAMESPACE, "k1", text, None, "b", now)]),
        "set_many(100) new": lambda: backend.put_many(
            [RecordWrite(USER, "fresh", k, text, None, "b", now) for k in keys]),
        "set_many(100) overwrite": lambda: backend.put_many(
            [RecordWrite(USER, NAMESPACE, k, text, None, "b", now) for k in keys]),
        "tracking of 1000 reads": lambda: backend.record_accesses(
            [Access(USER, NAMESPACE, f"k{i}", 1, "b", now) for i in range(RECORDS)]),
        "delete_many(100)": lambda: backend.delete_many(USER, "fresh", keys),
        **atomic_operations(backend),
    }
    counts: dict[str, int] = {}
    for name, operation in operations.items():
        counter.take()
        operation()
        for call, count in sorted(counter.take().items()):
            counts[f"{name}: {call}"] = count
    return counts


@contextmanager
def dynamodb_local() -> Iterator[str]:
    """Start DynamoDB Local on a free loopback port for the benchmark; stop it afterwards."""
    # The launcher command lives with the test fixture; a script run lacks the repo on its path.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.servers._dynamodb_process import SERVER_DIR, launcher_command
    from tests.servers._support import ServerProcess, free_port, http_answers, wait_until

    port = free_port()
    command = launcher_command(port)
    if command is None:
        raise SystemExit("DynamoDB Local is not installed: run scripts/install-dynamodb.sh")
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(command, cwd=SERVER_DIR, log_path=Path(tmp, "server.log"))
        try:
            endpoint = f"http://127.0.0.1:{port}"
            wait_until(http_answers(endpoint), 60, "DynamoDB Local")
            yield endpoint
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the benchmark table; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    parser.add_argument("--endpoint-url", help="a running DynamoDB Local (default: start one)")
    args = parser.parse_args(argv)
    # DynamoDB Local accepts any credentials; never send real ones to it.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    if args.endpoint_url:
        figures = measure(args.endpoint_url, quick=args.quick)
    else:
        with dynamodb_local() as endpoint:
            figures = measure(endpoint, quick=args.quick)
    print(f"{'operation':<16}{'sandbox+store':>16}{'raw boto3':>13}{'ratio':>8}"
          f"{'untracked':>11}   calls per run (ours | raw)")
    for row in figures["rows"]:
        ours = ", ".join(f"{k} {v}" for k, v in sorted(row["ours_calls"].items()))
        raw = ", ".join(f"{k} {v}" for k, v in sorted(row["raw_calls"].items()))
        print(f"{row['op']:<16}{row['ours_ms']:>13.2f} ms{row['raw_ms']:>10.2f} ms"
              f"{row['ratio']:>7.2f}x{row['untracked_ratio']:>10.2f}x   "
              f"n={row['n']}: {ours} | {raw}")
    print_tracked_run(figures["tracked_run"])
    calls = ", ".join(f"{name} {count:g}" for name, count in figures["tracked_run_calls"].items())
    print(f"  calls per round (tracked run, untracked run, raw get_many): {calls}")
    print("\nDynamoDB calls per operation:")
    for name, count in figures["round_trips"].items():
        print(f"  {name:<52}{count}")
    print_costs(figures["quotas"], "DynamoDB calls")
    return figures


if __name__ == "__main__":
    main()
