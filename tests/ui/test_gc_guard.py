"""Garbage cycles are collected on the GUI thread only while the window lives."""

from __future__ import annotations

import gc
import threading


class _Cycle:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_background_allocations_do_not_collect_while_the_window_lives(qtbot, main_window):
    assert not gc.isenabled()
    freed_threads: list[str] = []

    class Tracked(_Cycle):
        def __del__(self) -> None:
            freed_threads.append(threading.current_thread().name)

    # No event processing between here and check(): nothing can freeze or collect meanwhile.
    for _ in range(50):
        Tracked()

    def churn() -> None:  # a background thread allocating heavily, as the loader does
        junk = [[i] for i in range(200_000)]
        del junk

    worker = threading.Thread(target=churn, name="churn")
    worker.start()
    worker.join()
    # With automatic collection on, the churn thread would have freed all 50 cycles itself.
    assert freed_threads == []
    # Pass the young generation's threshold for sure: the count can be near zero here (the
    # probe's result, delivered while the fixture ran, calls gc.freeze(), which resets it).
    ballast = [[] for _ in range(gc.get_threshold()[0] + 1)]
    main_window.gc_guard.check()  # what the GUI thread's timer does
    del ballast
    assert freed_threads == [threading.main_thread().name] * 50


def test_closing_the_window_turns_automatic_collection_back_on(qtbot, main_window):
    main_window.close()
    assert gc.isenabled()
