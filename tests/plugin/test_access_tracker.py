"""The access tracker's buffer: exact counts and latest reads, whatever the interleaving.

Single reads are appended without a lock and folded in when the buffer is read; these tests
try to lose or double one: reads from several threads while another drains, single and
bulk reads of the same key, and the operation log kept as tuples until it is read.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from agent_data_store.backends.base import partly_written
from agent_data_store.records import Access, utc_time
from agent_data_store.tracking import MAX_LOGGED_OPS, PREVIEW_CHARS, AccessTracker, RunState


def _totals(accesses: list[Access], into: Counter[str]) -> None:
    for access in accesses:
        into[f"{access.namespace}/{access.key}"] += access.count


def test_reads_appended_by_threads_while_another_drains_are_counted_once() -> None:
    tracker = AccessTracker()
    readers, reads_each = 4, 20_000
    drained: Counter[str] = Counter()
    done = threading.Event()

    def read(index: int) -> None:
        log = tracker.read_log("u", f"ns{index}", "agent")
        for i in range(reads_each):
            tracker.record_one(log, f"k{i % 50}")

    def drain() -> None:
        while not done.is_set():
            _totals(tracker.drain(), drained)

    drainer = threading.Thread(target=drain)
    drainer.start()
    threads = [threading.Thread(target=read, args=(index,)) for index in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    drainer.join()
    _totals(tracker.drain(), drained)
    assert sum(drained.values()) == readers * reads_each
    assert drained == Counter({f"ns{r}/k{k}": reads_each // 50
                               for r in range(readers) for k in range(50)})


def test_single_and_bulk_reads_of_a_key_add_up_and_keep_the_latest_time() -> None:
    tracker = AccessTracker()
    tracker.record("u", "ns", ["a", "b"], "agent")
    tracker.record_one(tracker.read_log("u", "ns", "agent"), "a")
    tracker.record_one(tracker.read_log("u", "ns", "agent"), "a")
    tracker.record_one(tracker.read_log("u", "other", "agent"), "a")
    assert len(tracker) == 3
    accesses = {(a.namespace, a.key): a for a in tracker.drain()}
    assert {key: a.count for key, a in accesses.items()} == {
        ("ns", "a"): 3, ("ns", "b"): 1, ("other", "a"): 1,
    }
    assert all(a.agent == "agent" and a.at.endswith("Z") for a in accesses.values())
    assert accesses[("ns", "a")].at >= accesses[("ns", "b")].at
    assert len(tracker) == 0 and tracker.drain() == []


def test_many_reads_of_few_keys_keep_memory_to_the_keys() -> None:
    tracker = AccessTracker()
    log = tracker.read_log("u", "ns", "agent")
    for i in range(3 * AccessTracker.FOLD_AT):
        tracker.record_one(log, f"k{i % 5}")
    tracker.record_in(log, [f"k{i}" for i in range(AccessTracker.FOLD_AT)])
    assert len(log.keys) < AccessTracker.FOLD_AT and len(log.times) < AccessTracker.FOLD_AT
    counts = {a.key: a.count for a in tracker.drain()}
    assert len(counts) == AccessTracker.FOLD_AT
    assert counts["k0"] == 3 * AccessTracker.FOLD_AT // 5 + 1 and counts["k9"] == 1


def test_the_latest_read_time_wins_whichever_call_made_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = AccessTracker()
    log = tracker.read_log("u", "ns", "agent")
    clock = iter([1_000.0, 2_000.0, 3_000.0])
    monkeypatch.setattr("agent_data_store.tracking.time.time", lambda: next(clock))
    tracker.record_one(log, "a")
    tracker.record_in(log, ["a", "b"])
    tracker.record_one(log, "b")
    accesses = {a.key: a.at for a in tracker.drain()}
    assert accesses == {"a": utc_time(2_000), "b": utc_time(3_000)}


def test_a_failed_flush_keeps_single_reads_for_the_next() -> None:
    class Down:
        def record_accesses(self, accesses: list[Access]) -> None:
            raise ConnectionError("down")

    class Up:
        written: list[Access] = []

        def record_accesses(self, accesses: list[Access]) -> None:
            self.written.extend(accesses)

    tracker = AccessTracker()
    log = tracker.read_log("u", "ns", "agent")
    for _ in range(3):
        tracker.record_one(log, "k")
    with pytest.raises(ConnectionError):
        tracker.flush(Down())  # type: ignore[arg-type]
    tracker.record_one(log, "k")
    up = Up()
    assert tracker.flush(up) == 1  # type: ignore[arg-type]
    assert [(a.key, a.count) for a in up.written] == [("k", 4)]


def test_the_log_keeps_fields_given_with_previews_cut_and_a_note_when_full() -> None:
    run = RunState("agent")
    run.log_read("get", "default", "k", "x" * (PREVIEW_CHARS + 50))
    run.log("get_many", "default", count=3, found=2)
    run.log("set_if_absent", "default", key="k", written=False)
    first, second, third = run.ops
    assert list(first) == ["op", "namespace", "key", "found", "valuePreview", "agent", "ts"]
    assert len(first["valuePreview"]) == PREVIEW_CHARS and first["valuePreview"][-1] == "…"
    assert second == {"op": "get_many", "namespace": "default", "count": 3, "found": 2,
                      "agent": "agent", "ts": second["ts"]}
    assert third["written"] is False and "found" not in third
    for _ in range(MAX_LOGGED_OPS):
        run.log("get", "default", key="k", found=False)
    entries = run.log_entries()
    assert len(entries) == MAX_LOGGED_OPS + 1
    assert entries[-1]["op"] == "log_truncated" and entries[-1]["count"] == 3


def test_utc_time_formats_whole_seconds() -> None:
    assert utc_time(0.999) == "1970-01-01T00:00:00Z"
    assert utc_time(86_400.5) == "1970-01-02T00:00:00Z"


def test_a_partly_applied_flush_keeps_only_what_was_not_written() -> None:
    class Half:
        def record_accesses(self, accesses: list[Access]) -> None:
            raise partly_written(ConnectionError("second request failed"), accesses[1:])

    tracker = AccessTracker()
    log = tracker.read_log("u", "ns", "agent")
    for key in ("a", "b", "b", "c"):
        tracker.record_one(log, key)
    with pytest.raises(ConnectionError):
        tracker.flush(Half())  # type: ignore[arg-type]
    left = {a.key: a.count for a in tracker.drain()}
    assert left == {"b": 2, "c": 1}


def test_moving_a_run_s_counts_into_another_buffer_sums_them_and_keeps_the_latest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([5_000.0, 1_000.0, 9_000.0])
    monkeypatch.setattr("agent_data_store.tracking.time.time", lambda: next(clock))
    pending, run_one, run_two = AccessTracker(), AccessTracker(), AccessTracker()
    run_one.record_one(run_one.read_log("u", "ns", "agent"), "a")
    run_two.record_in(run_two.read_log("u", "ns", "agent"), ["a", "b"])
    run_one.move_to(pending)
    run_two.move_to(pending)
    run_two.record_one(run_two.read_log("u", "ns", "agent"), "b")
    run_two.move_to(pending)
    assert len(run_one) == 0 and len(run_two) == 0
    accesses = {a.key: (a.count, a.at) for a in pending.drain()}
    assert accesses == {"a": (2, utc_time(5_000)), "b": (2, utc_time(9_000))}
