"""Throughput of the local MNS queue: the aliyun-mns-sdk client over HTTP against the store.

Each round moves ``--messages`` messages through send, receive and delete, one call each (the
worker pattern of the seeds), in two ways on fresh SQLite files:

- store: ``QueueStore.send`` / ``receive`` / ``delete`` in this process (the baseline);
- sdk: the unmodified ``aliyun-mns-sdk`` client against ``serve_queue`` on 127.0.0.1, with
  signatures checked, ``--workers`` client threads receiving and deleting;
- sdk-batch: the same with BatchSendMessage / BatchReceiveMessage / BatchDeleteMessage of 16.

Printed: messages per second (send + receive + delete of each message) and the ratio to the
store baseline. Client and server share this interpreter (and its GIL), so the sdk rows are a
lower bound for a server with workers in other processes. Not a test: numbers depend on the
machine and its disk.

Usage:  .venv/bin/python bench/queue_bench.py [--messages 2000] [--workers 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, Queue

from worker.local.mnsqueue import Credentials, QueueStore, serve_queue

ACCESS = Credentials("bench-id", "bench-secret")
BODY = '{"task_token": "0123456789abcdef0123456789abcdef", "worker_name": "worker1"}'


def run_store(path: Path, messages: int, workers: int) -> float:
    with QueueStore(path) as store:
        started = time.perf_counter()
        for _ in range(messages):
            store.send("bench", BODY)

        def drain() -> None:
            while (message := store.receive("bench", 0)) is not None:
                store.delete("bench", message.receipt_handle or "")

        _threads(drain, workers)
        return time.perf_counter() - started


def run_sdk(path: Path, messages: int, workers: int, batch: bool) -> float:
    with QueueStore(path) as store, serve_queue(store, credentials=ACCESS) as server:
        sender = _queue(server.url)
        started = time.perf_counter()
        if batch:
            for start in range(0, messages, 16):
                count = min(16, messages - start)
                sender.batch_send_message([Message(BODY) for _ in range(count)])
        else:
            for _ in range(messages):
                sender.send_message(Message(BODY))
        _threads(lambda: _drain(_queue(server.url), batch), workers)
        return time.perf_counter() - started


def _drain(queue: Queue, batch: bool) -> None:
    while True:
        try:
            if batch:
                received = queue.batch_receive_message(16, 0)
                queue.batch_delete_message([m.receipt_handle for m in received])
            else:
                queue.delete_message(queue.receive_message(0).receipt_handle)
        except MNSServerException as exc:
            if exc.type == "MessageNotExist":
                return
            raise


def _queue(url: str) -> Queue:
    queue = Account(url, ACCESS.access_id, ACCESS.access_key).get_queue("bench")
    queue.set_encoding(False)
    return queue


def _threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, Callable[[Path], float]] = {
        "store": lambda p: run_store(p, args.messages, args.workers),
        "sdk": lambda p: run_sdk(p, args.messages, args.workers, batch=False),
        "sdk-batch": lambda p: run_sdk(p, args.messages, args.workers, batch=True),
    }
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):  # interleaved, so drift hits every variant alike
            for name, run in runs.items():
                seconds[name].append(run(Path(folder) / f"{name}-{round_}.db"))
    baseline = args.messages / statistics.median(seconds["store"])
    print(f"{args.messages} messages, {args.workers} receivers, median of {args.rounds} rounds")
    print(f"{'variant':<10} {'msg/s':>9} {'vs store':>9}")
    for name, times in seconds.items():
        rate = args.messages / statistics.median(times)
        print(f"{name:<10} {rate:>9.0f} {rate / baseline:>9.2f}")


if __name__ == "__main__":
    main()
