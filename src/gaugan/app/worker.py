"""One inference thread behind a bounded queue.

Every synthesis runs on the same thread, one at a time: torch already spreads one forward pass
over all cores, so running requests side by side would only oversubscribe the CPU and multiply
the activation memory. When ``max_pending`` jobs are already waiting, `submit` refuses at once
(`QueueFull`, an HTTP 503 with Retry-After) instead of letting the backlog grow without bound.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable


class QueueFull(RuntimeError):
    """The inference queue already holds ``max_pending`` jobs."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the inference queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class InferenceWorker:
    """Runs submitted callables on one daemon thread, at most ``max_pending`` waiting.

    A job whose `Future` was cancelled before the thread reached it (its client went away) is
    skipped, so abandoned requests cost no inference time.
    """

    def __init__(self, max_pending: int = 8, name: str = "gaugan-inference") -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.max_pending = max_pending
        self._jobs: queue.Queue = queue.Queue(maxsize=max_pending)
        self._seconds_per_job = 0.1  # running mean, only used to suggest a Retry-After
        self.completed = 0
        self.skipped = 0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs waiting (not counting the one running)."""
        return self._jobs.qsize()

    def retry_after(self) -> int:
        """Whole seconds after which a refused client may expect a free slot."""
        return max(1, math.ceil((self.pending + 1) * self._seconds_per_job))

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)``; raises `QueueFull` when ``max_pending`` jobs wait."""
        future: Future = Future()
        try:
            self._jobs.put_nowait((future, fn, args, kwargs))
        except queue.Full:
            raise QueueFull(self.retry_after()) from None
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread after the jobs already queued; refuse new ones."""
        # A sentinel through the same queue keeps order; block if full, the thread drains it.
        self._jobs.put((None, None, (), {}))
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            future, fn, args, kwargs = self._jobs.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                self.skipped += 1
                continue
            start = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            except BaseException as err:  # handed to the waiting request, never kills the thread
                future.set_exception(err)
            else:
                future.set_result(result)
            self.completed += 1
            self._seconds_per_job = 0.8 * self._seconds_per_job + 0.2 * (time.perf_counter() - start)
