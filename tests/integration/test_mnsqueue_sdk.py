"""The local queue through Alibaba's own, unmodified ``aliyun-mns-sdk`` client over real HTTP.

Each test gets a fresh SQLite file and a server on a free 127.0.0.1 port that checks
signatures; a worker program only changes its endpoint and credentials to use it. No Temporal
server is needed. Visibility timeouts of 1 s keep the redelivery tests short.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, Queue, QueueMeta

from worker.local.mnsqueue import Credentials, QueueServer, QueueStore, serve_queue

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SDK attribute getters

ACCESS_ID, ACCESS_KEY = "local-id", "local-secret"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueStore]:
    with QueueStore(tmp_path / "queue.db") as store:
        yield store


@pytest.fixture
def server(store: QueueStore) -> Iterator[QueueServer]:
    with serve_queue(store, credentials=Credentials(ACCESS_ID, ACCESS_KEY)) as server:
        yield server


@pytest.fixture
def account(server: QueueServer) -> Account:
    return Account(server.url, ACCESS_ID, ACCESS_KEY)


def make_queue(account: Account, name: str = "jobs", **meta: Any) -> Queue:
    queue = account.get_queue(name)
    queue.create(QueueMeta(**meta))
    queue.set_encoding(False)  # as the FDL worker samples do: plain JSON bodies
    return queue


def error_of(call: Any, *args: Any) -> MNSServerException:
    with pytest.raises(MNSServerException) as caught:
        call(*args)
    return caught.value


def test_create_queue_and_get_its_attributes(account: Account, server: QueueServer) -> None:
    queue = account.get_queue("jobs")
    url = queue.create(QueueMeta(vis_timeout=7, delay_sec=2, polling_wait_sec=3))
    assert url == f"{server.url}/queues/jobs"
    meta = queue.get_attributes()
    assert (meta.queue_name, meta.visibility_timeout, meta.delay_seconds) == ("jobs", 7, 2)
    assert (meta.polling_wait_seconds, meta.maximum_message_size) == (3, 65536)
    assert abs(meta.create_time - time.time()) < 5
    queue.create(QueueMeta(vis_timeout=7))  # same attributes: accepted
    assert error_of(queue.create, QueueMeta(vis_timeout=8)).type == "QueueAlreadyExist"


def test_priority_order_and_message_fields(account: Account) -> None:
    queue = make_queue(account)
    sent = [queue.send_message(Message(body, priority=p)) for body, p in [("low", 9), ("hi", 2)]]
    first = queue.receive_message(0)
    assert (first.message_body, first.priority, first.message_id) == ("hi", 2, sent[1].message_id)
    assert first.message_body_md5 == sent[1].message_body_md5
    assert first.dequeue_count == 1
    assert first.next_visible_time - first.first_dequeue_time == 30_000
    assert queue.receive_message(0).message_body == "low"


def test_delayed_message_arrives_after_its_delay(account: Account) -> None:
    queue = make_queue(account)
    queue.send_message(Message("later", delay_seconds=1))
    assert error_of(queue.receive_message, 0).type == "MessageNotExist"
    started = time.monotonic()
    assert queue.receive_message(3).message_body == "later"
    assert 0.5 < time.monotonic() - started < 2


def test_long_poll_returns_a_message_sent_during_the_wait(
    account: Account, server: QueueServer
) -> None:
    queue = make_queue(account)
    sender = Account(server.url, ACCESS_ID, ACCESS_KEY).get_queue("jobs")
    sender.set_encoding(False)
    threading.Timer(0.5, sender.send_message, args=(Message("now"),)).start()
    started = time.monotonic()
    assert queue.receive_message(10).message_body == "now"
    assert 0.4 < time.monotonic() - started < 2


def test_empty_queue_times_out_with_message_not_exist(account: Account) -> None:
    queue = make_queue(account)
    started = time.monotonic()
    error = error_of(queue.receive_message, 1)
    elapsed = time.monotonic() - started
    assert (error.type, error.message) == ("MessageNotExist", "Message not exist.")
    assert 1 <= elapsed < 2


def test_unreleased_message_is_redelivered_with_a_new_handle(account: Account) -> None:
    queue = make_queue(account, vis_timeout=1)
    queue.send_message(Message("work"))
    first = queue.receive_message(0)
    assert error_of(queue.receive_message, 0).type == "MessageNotExist"
    second = queue.receive_message(3)
    assert second.message_id == first.message_id
    assert second.receipt_handle != first.receipt_handle
    assert second.dequeue_count == 2
    assert error_of(queue.delete_message, first.receipt_handle).type == "ReceiptHandleError"
    queue.delete_message(second.receipt_handle)
    assert queue.get_attributes().inactive_messages == 0


def test_change_message_visibility(account: Account) -> None:
    queue = make_queue(account, vis_timeout=1)
    queue.send_message(Message("slow job"))
    message = queue.receive_message(0)
    changed = queue.change_message_visibility(message.receipt_handle, 3)
    assert changed.receipt_handle != message.receipt_handle
    assert abs(int(changed.next_visible_time) - (time.time() * 1000 + 3000)) < 1000
    time.sleep(1.2)  # past the queue's 1 s: still invisible
    assert error_of(queue.receive_message, 0).type == "MessageNotExist"
    assert error_of(queue.delete_message, message.receipt_handle).type == "ReceiptHandleError"
    queue.delete_message(changed.receipt_handle)


def test_queue_attributes_count_messages(account: Account) -> None:
    queue = make_queue(account)
    for body in ("a", "b", "c"):
        queue.send_message(Message(body))
    queue.send_message(Message("later", delay_seconds=60))
    queue.receive_message(0)
    meta = queue.get_attributes()
    assert (meta.active_messages, meta.inactive_messages, meta.delay_messages) == (2, 1, 1)


def test_batch_send_receive_peek_and_delete(account: Account) -> None:
    queue = make_queue(account)
    sent = queue.batch_send_message([Message(f"m{i}", priority=16 - i) for i in range(5)])
    assert len({m.message_id for m in sent}) == 5
    peeked = queue.batch_peek_message(3)
    assert [m.message_body for m in peeked] == ["m4", "m3", "m2"]
    received = queue.batch_receive_message(16, 0)
    assert [m.message_body for m in received] == ["m4", "m3", "m2", "m1", "m0"]
    handles = [m.receipt_handle for m in received]
    error = error_of(queue.batch_delete_message, [*handles[:2], "1-stale"])
    assert error.type == "ReceiptHandleError"
    assert [e["ReceiptHandle"] for e in error.sub_errors] == ["1-stale"]
    queue.batch_delete_message(handles[2:])
    assert queue.get_attributes().inactive_messages == 0


def test_sdk_base64_encoding_round_trips(account: Account) -> None:
    queue = make_queue(account)
    queue.set_encoding(True)
    queue.send_message(Message("\u4efb\u52a1 <&>"))
    assert queue.receive_message_with_str_body(0).message_body == "\u4efb\u52a1 <&>"


def test_list_queues_with_prefix_and_paging(account: Account, server: QueueServer) -> None:
    for name in ("b-1", "a-1", "a-2"):
        make_queue(account, name)
    urls, marker = account.list_queue(prefix="a", ret_number=1)
    assert (urls, marker) == ([f"{server.url}/queues/a-1"], "a-2")
    assert account.list_queue(prefix="a", marker=marker)[0] == [f"{server.url}/queues/a-2"]


@pytest.mark.parametrize(
    ("access_id", "access_key", "code"),
    [(ACCESS_ID, "wrong", "SignatureDoesNotMatch"), ("someone", ACCESS_KEY, "InvalidAccessKeyId")],
)
def test_wrong_credentials_are_refused(
    server: QueueServer, access_id: str, access_key: str, code: str
) -> None:
    queue = Account(server.url, access_id, access_key).get_queue("jobs")
    assert error_of(queue.send_message, Message("x")).type == code
    assert server.store.list_queues() == ([], "")


def test_server_without_credentials_accepts_any(store: QueueStore) -> None:
    with serve_queue(store) as server:
        queue = Account(server.url, "any", "thing").get_queue("jobs")
        queue.send_message(Message("x"))
        assert queue.receive_message(0).message_body == b"x"  # the SDK base64-decodes


def test_seed_worker_loop_gets_what_the_interpreter_sends(
    account: Account, store: QueueStore
) -> None:
    """Seed 004's worker: receive with a wait, json.loads the body, use task_token, delete."""
    store.send("fnf-demo", json.dumps({"task_token": "tok-1", "key": "value"}), priority=1)
    queue = account.get_queue("fnf-demo")
    queue.set_encoding(False)
    message = queue.receive_message(10)
    assert json.loads(message.message_body)["task_token"] == "tok-1"
    queue.delete_message(message.receipt_handle)
    assert store.attributes("fnf-demo").inactive_messages == 0


def test_concurrent_sdk_workers_get_each_message_once(
    account: Account, server: QueueServer
) -> None:
    queue = make_queue(account, vis_timeout=60)
    for start in range(0, 64, 16):
        queue.batch_send_message([Message(f"m{i}") for i in range(start, start + 16)])
    received: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = Account(server.url, ACCESS_ID, ACCESS_KEY).get_queue("jobs")
        mine.set_encoding(False)
        while True:
            try:
                message = mine.receive_message(0)
            except MNSServerException:
                return
            with lock:
                received.append(message.message_body)
            mine.delete_message(message.receipt_handle)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(Counter(received).values()) == 1
    assert sorted(received) == sorted(f"m{i}" for i in range(64))


def test_messages_survive_a_server_restart(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with QueueStore(path) as store, serve_queue(store) as server:
        queue = Account(server.url, "a", "b").get_queue("jobs")
        queue.set_encoding(False)
        queue.send_message(Message("durable"))
    with QueueStore(path) as store, serve_queue(store) as server:
        queue = Account(server.url, "a", "b").get_queue("jobs")
        queue.set_encoding(False)
        assert queue.receive_message(0).message_body == "durable"
