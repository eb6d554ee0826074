"""Run several calls at the same moment, each in a thread of its own (concurrency tests)."""
from __future__ import annotations

import threading


def run_at_once(*calls, timeout: float = 60):
    """Start every call in its own thread, wait for all, return their results in order.

    The calls line themselves up (a ``threading.Barrier`` where the race should be);
    an exception in any thread is raised here once all have ended, and a thread still
    running after ``timeout`` seconds fails the test.
    """
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index, call))
               for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results
