"""QueueStore: MNS order, delay, visibility and receipt handles, durability and concurrency.

Most tests drive a fake clock (``clock=``) with ``wait_seconds=0``, so timeouts cost no real
time; the long-polling tests use the real clock and assert the wait was honoured.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from worker.local.mnsqueue import (
    NewMessage,
    QueueAlreadyExist,
    QueueNotExist,
    QueueSettings,
    QueueStore,
    ReceiptHandleError,
)
from worker.local.mnsqueue import store as store_module
from worker.local.mnsqueue.errors import InvalidArgument, InvalidQueueName


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[QueueStore]:
    with QueueStore(tmp_path / "queue.db", clock=clock) as store:
        yield store


def bodies(store: QueueStore, queue: str) -> list[str]:
    """Receive everything visible now, in order."""
    received = []
    while (message := store.receive(queue, wait_seconds=0)) is not None:
        received.append(message.body)
    return received


def test_most_urgent_priority_first_then_oldest(store: QueueStore) -> None:
    for body, priority in [("a", 8), ("b", 1), ("c", 16), ("d", 1), ("e", 8)]:
        store.send("jobs", body, priority=priority)
    assert bodies(store, "jobs") == ["b", "d", "a", "e", "c"]


def test_fifo_within_a_priority(store: QueueStore) -> None:
    for i in range(20):
        store.send("jobs", f"m{i}")
    assert bodies(store, "jobs") == [f"m{i}" for i in range(20)]


def test_send_returns_id_and_upper_case_md5(store: QueueStore) -> None:
    result = store.send("jobs", "hello")
    assert result.body_md5 == "5D41402ABC4B2A76B9719D911017C592"
    message = store.receive("jobs", 0)
    assert message is not None
    assert (message.message_id, message.body_md5) == result


def test_delayed_message_is_invisible_until_its_delay_passes(
    store: QueueStore, clock: FakeClock
) -> None:
    store.send("jobs", "later", delay_seconds=10)
    assert store.receive("jobs", 0) is None
    assert store.attributes("jobs").delay_messages == 1
    clock.advance(9.9)
    assert store.receive("jobs", 0) is None
    clock.advance(0.1)
    message = store.receive("jobs", 0)
    assert message is not None and message.body == "later"


def test_delay_none_means_the_queue_delay(store: QueueStore, clock: FakeClock) -> None:
    store.create_queue("slow", QueueSettings(delay_seconds=5))
    store.send("slow", "queue-delay", delay_seconds=None)
    store.send("slow", "no-delay", delay_seconds=0)
    assert bodies(store, "slow") == ["no-delay"]
    clock.advance(5)
    assert bodies(store, "slow") == ["queue-delay"]


def test_received_message_comes_back_after_its_visibility_timeout(
    store: QueueStore, clock: FakeClock
) -> None:
    store.send("jobs", "work")
    first = store.receive("jobs", 0, visibility_timeout=30)
    assert first is not None and first.dequeue_count == 1
    assert first.next_visible_time == first.first_dequeue_time + 30_000
    assert store.receive("jobs", 0) is None
    clock.advance(30)
    second = store.receive("jobs", 0)
    assert second is not None
    assert second.message_id == first.message_id
    assert second.receipt_handle != first.receipt_handle
    assert second.dequeue_count == 2
    assert second.first_dequeue_time == first.first_dequeue_time
    with pytest.raises(ReceiptHandleError):
        store.delete("jobs", first.receipt_handle or "")
    store.delete("jobs", second.receipt_handle or "")
    clock.advance(60)
    assert store.receive("jobs", 0) is None


def test_handle_is_stale_once_the_visibility_timeout_passed(
    store: QueueStore, clock: FakeClock
) -> None:
    store.send("jobs", "work")
    message = store.receive("jobs", 0, visibility_timeout=5)
    assert message is not None and message.receipt_handle
    clock.advance(5)
    with pytest.raises(ReceiptHandleError):
        store.delete("jobs", message.receipt_handle)
    with pytest.raises(ReceiptHandleError):
        store.change_visibility("jobs", message.receipt_handle, 10)


@pytest.mark.parametrize("handle", ["", "nonsense", "1-0000000000000000", "zz-1"])
def test_unknown_handles_are_refused(store: QueueStore, handle: str) -> None:
    store.send("jobs", "work")
    assert store.receive("jobs", 0) is not None
    with pytest.raises(ReceiptHandleError):
        store.delete("jobs", handle)


def test_handle_works_only_on_its_own_queue(store: QueueStore) -> None:
    store.send("one", "work")
    store.create_queue("two")
    message = store.receive("one", 0)
    assert message is not None and message.receipt_handle
    with pytest.raises(ReceiptHandleError):
        store.delete("two", message.receipt_handle)
    store.delete("one", message.receipt_handle)


def test_change_visibility_gives_a_new_handle_and_deadline(
    store: QueueStore, clock: FakeClock
) -> None:
    store.send("jobs", "work")
    message = store.receive("jobs", 0, visibility_timeout=30)
    assert message is not None and message.receipt_handle
    changed = store.change_visibility("jobs", message.receipt_handle, 100)
    assert changed.next_visible_time == int(clock.now * 1000) + 100_000
    with pytest.raises(ReceiptHandleError):
        store.delete("jobs", message.receipt_handle)
    clock.advance(99)
    assert store.receive("jobs", 0) is None
    clock.advance(1)
    again = store.receive("jobs", 0)
    assert again is not None and again.message_id == message.message_id


def test_change_visibility_can_shorten_the_timeout(store: QueueStore, clock: FakeClock) -> None:
    store.send("jobs", "work")
    message = store.receive("jobs", 0, visibility_timeout=300)
    assert message is not None and message.receipt_handle
    store.change_visibility("jobs", message.receipt_handle, 1)
    clock.advance(1)
    assert bodies(store, "jobs") == ["work"]


def test_attributes_count_active_inactive_and_delayed(store: QueueStore) -> None:
    store.create_queue("jobs", QueueSettings(visibility_timeout=60, polling_wait_seconds=3))
    for body in ("a", "b", "c"):
        store.send("jobs", body)
    store.send("jobs", "later", delay_seconds=60)
    assert store.receive("jobs", 0) is not None
    attributes = store.attributes("jobs")
    assert (attributes.active_messages, attributes.inactive_messages) == (2, 1)
    assert attributes.delay_messages == 1
    assert attributes.settings.visibility_timeout == 60
    assert attributes.settings.polling_wait_seconds == 3
    assert attributes.settings.maximum_message_size == 65536


def test_messages_expire_after_the_retention_period(store: QueueStore, clock: FakeClock) -> None:
    store.create_queue("short", QueueSettings(message_retention_period=60))
    store.send("short", "old")
    clock.advance(60)
    assert store.attributes("short").active_messages == 0
    assert store.receive("short", 0) is None


def test_messages_and_invisibility_survive_reopening(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "queue.db"
    with QueueStore(path, clock=clock) as store:
        store.create_queue("jobs", QueueSettings(visibility_timeout=60))
        store.send("jobs", "kept", priority=2)
        store.send("jobs", "in-flight", priority=1)
        in_flight = store.receive("jobs", 0)
    assert in_flight is not None and in_flight.receipt_handle
    with QueueStore(path, clock=clock) as reopened:
        assert reopened.attributes("jobs").settings.visibility_timeout == 60
        reopened.delete("jobs", in_flight.receipt_handle)
        kept = reopened.receive("jobs", 0)
        assert kept is not None and (kept.body, kept.priority) == ("kept", 2)


def test_concurrent_receivers_get_each_message_once(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    stores = [QueueStore(path) for _ in range(3)]  # separate connections, as processes have
    total = 300
    stores[0].send_batch("jobs", [NewMessage(f"m{i}") for i in range(16)])
    for i in range(16, total):
        stores[i % 3].send("jobs", f"m{i}")
    received: list[str] = []
    lock = threading.Lock()

    def receiver(store: QueueStore) -> None:
        while (message := store.receive("jobs", 0, visibility_timeout=600)) is not None:
            with lock:
                received.append(message.body)

    threads = [threading.Thread(target=receiver, args=(stores[i % 3],)) for i in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    duplicates = [body for body, count in Counter(received).items() if count > 1]
    assert duplicates == []
    assert sorted(received) == sorted(f"m{i}" for i in range(total))


def drain_in_process(
    path: str, start: threading.Barrier, results: multiprocessing.Queue[list[str]]
) -> None:
    """A receiver process: receive until the queue is empty, report the bodies."""
    received = []
    with QueueStore(path) as store:
        start.wait()  # all processes race from here
        while (message := store.receive("jobs", 0, visibility_timeout=600)) is not None:
            received.append(message.body)
            time.sleep(0.001)  # some work, so that every process gets a share
    results.put(received)


def test_receivers_in_several_processes_get_each_message_once(tmp_path: Path) -> None:
    path = str(tmp_path / "queue.db")
    with QueueStore(path) as store:
        for start in range(0, 400, 16):
            store.send_batch("jobs", [NewMessage(f"m{i}") for i in range(start, start + 16)])
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[list[str]] = context.Queue()
    start = context.Barrier(3)
    processes = [
        context.Process(target=drain_in_process, args=(path, start, results)) for _ in range(3)
    ]
    for process in processes:
        process.start()
    shares = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    received = [body for share in shares for body in share]
    assert min(len(share) for share in shares) > 0  # they did compete
    assert max(Counter(received).values()) == 1
    assert sorted(received) == sorted(f"m{i}" for i in range(400))


def test_long_poll_wakes_when_a_message_is_sent(tmp_path: Path) -> None:
    with QueueStore(tmp_path / "queue.db") as store:
        store.create_queue("jobs")
        timer = threading.Timer(0.3, store.send, args=("jobs", "arrived"))
        started = time.monotonic()
        timer.start()
        message = store.receive("jobs", wait_seconds=10)
        elapsed = time.monotonic() - started
    assert message is not None and message.body == "arrived"
    assert 0.25 <= elapsed < 1.5


def test_a_send_as_a_wait_slice_expires_still_wakes_the_receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny wait slices make a notify land between a slice's expiry and the lock coming
    # back (Condition.wait then reports a timeout and the notify is spent) in most rounds;
    # a receiver that only trusted the notify slept on to its full deadline.
    monkeypatch.setattr(store_module, "_CROSS_PROCESS_POLL_SECONDS", 0.0002)
    slow = []
    with QueueStore(tmp_path / "queue.db") as store:
        store.create_queue("jobs")
        for round_ in range(40):
            timer = threading.Timer(0.02, store.send, args=("jobs", f"m{round_}"))
            started = time.monotonic()
            timer.start()
            message = store.receive("jobs", wait_seconds=2)
            timer.join()
            assert message is not None and message.body == f"m{round_}"
            if time.monotonic() - started > 1:
                slow.append(round_)
    assert slow == []


def test_long_poll_sees_sends_of_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with QueueStore(path) as receiver, QueueStore(path) as sender:
        receiver.create_queue("jobs")
        timer = threading.Timer(0.3, sender.send, args=("jobs", "from elsewhere"))
        started = time.monotonic()
        timer.start()
        message = receiver.receive("jobs", wait_seconds=10)
        elapsed = time.monotonic() - started
    assert message is not None and message.body == "from elsewhere"
    assert elapsed < 1.5


def test_long_poll_wakes_when_a_delayed_message_falls_due(tmp_path: Path) -> None:
    with QueueStore(tmp_path / "queue.db") as store:
        store.send("jobs", "soon", delay_seconds=1)
        started = time.monotonic()
        message = store.receive("jobs", wait_seconds=5)
        elapsed = time.monotonic() - started
    assert message is not None and message.body == "soon"
    assert 0.9 <= elapsed < 2


def test_empty_long_poll_waits_without_spinning(tmp_path: Path) -> None:
    with QueueStore(tmp_path / "queue.db") as store:
        store.create_queue("jobs")
        started, cpu_started = time.monotonic(), time.thread_time()
        assert store.receive("jobs", wait_seconds=1) is None
        elapsed, cpu = time.monotonic() - started, time.thread_time() - cpu_started
    assert 1 <= elapsed < 1.5
    assert cpu < 0.1


def test_close_wakes_waiting_receivers(tmp_path: Path) -> None:
    store = QueueStore(tmp_path / "queue.db")
    store.create_queue("jobs")
    threading.Timer(0.2, store.close).start()
    started = time.monotonic()
    assert store.receive("jobs", wait_seconds=10) is None
    assert time.monotonic() - started < 1


def test_create_queue_is_idempotent_only_for_equal_attributes(store: QueueStore) -> None:
    assert store.create_queue("jobs", QueueSettings(visibility_timeout=10)) is True
    assert store.create_queue("jobs", QueueSettings(visibility_timeout=10)) is False
    assert store.create_queue("jobs") is False
    with pytest.raises(QueueAlreadyExist):
        store.create_queue("jobs", QueueSettings(visibility_timeout=11))


def test_set_attributes_changes_only_what_is_given(store: QueueStore) -> None:
    store.create_queue("jobs", QueueSettings(visibility_timeout=10, delay_seconds=2))
    store.set_attributes("jobs", QueueSettings(delay_seconds=3))
    settings = store.attributes("jobs").settings
    assert (settings.visibility_timeout, settings.delay_seconds) == (10, 3)


def test_delete_queue_removes_its_messages(store: QueueStore) -> None:
    store.send("jobs", "gone")
    store.delete_queue("jobs")
    with pytest.raises(QueueNotExist):
        store.attributes("jobs")
    store.create_queue("jobs")
    assert store.attributes("jobs").active_messages == 0


def test_list_queues_pages_by_name(store: QueueStore) -> None:
    for name in ("b-2", "a-1", "b-1", "c"):
        store.create_queue(name)
    assert store.list_queues() == (["a-1", "b-1", "b-2", "c"], "")
    assert store.list_queues(limit=2) == (["a-1", "b-1"], "b-2")
    assert store.list_queues(marker="b-2", limit=2) == (["b-2", "c"], "")
    assert store.list_queues(prefix="b") == (["b-1", "b-2"], "")


def test_without_auto_create_unknown_queues_are_errors(tmp_path: Path) -> None:
    with QueueStore(tmp_path / "queue.db", auto_create=False) as store:
        with pytest.raises(QueueNotExist):
            store.send("jobs", "x")
        with pytest.raises(QueueNotExist):
            store.receive("jobs", 0)


@pytest.mark.parametrize(
    ("body", "priority", "delay"),
    [("x", 0, 0), ("x", 17, 0), ("x", 8, -1), ("x", 8, 604801), ("", 8, 0), ("x" * 65537, 8, 0)],
)
def test_send_checks_mns_limits(store: QueueStore, body: str, priority: int, delay: int) -> None:
    store.create_queue("jobs")
    with pytest.raises(InvalidArgument):
        store.send("jobs", body, priority=priority, delay_seconds=delay)
    assert store.attributes("jobs").active_messages == 0


def test_receive_checks_wait_and_visibility(store: QueueStore) -> None:
    with pytest.raises(InvalidArgument, match="waitseconds"):
        store.receive("jobs", wait_seconds=31)
    with pytest.raises(InvalidArgument, match="VisibilityTimeout"):
        store.receive("jobs", 0, visibility_timeout=0)
    assert store.list_queues() == ([], "")  # refused before auto-creating the queue


@pytest.mark.parametrize("name", ["1abc", "has_underscore", "a" * 257, ""])
def test_bad_queue_names_are_refused(store: QueueStore, name: str) -> None:
    with pytest.raises(InvalidQueueName):
        store.create_queue(name)


def test_a_second_store_of_the_process_never_opens_the_file_outside_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closing any other descriptor of a SQLite file releases the POSIX locks SQLite holds on
    # it in this process; another process could then reset the WAL under the first store
    # (its writes vanish for every other reader). The queue file check must not read it.
    db = tmp_path / "q.db"
    opened: list[Path] = []
    real_open = Path.open

    def tracking_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self)
        return real_open(self, *args, **kwargs)

    with QueueStore(db) as first:
        first.send("jobs", "one")
        monkeypatch.setattr(Path, "open", tracking_open)
        with QueueStore(db) as second:
            assert second.attributes("jobs").active_messages == 1
    assert db not in opened
