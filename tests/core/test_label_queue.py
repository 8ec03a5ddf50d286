"""The Label tab's queue: orders, skipping, going back, undo jumps, passes."""

from __future__ import annotations

from desktop_app.core.labelling.queue import LabelQueue


def _walk(queue: LabelQueue, n: int) -> list[int]:
    out = []
    for _ in range(n):
        out.append(queue.current)
        queue.advance()
    return out


def test_uncertainty_order_scored_first_then_file_order():
    q = LabelQueue(range(1, 11), labelled=[2], order="uncertainty")
    q.set_scores([5, 7, 9], [0.5, 0.1, 0.3])
    q.rebuild()
    q.start()
    assert _walk(q, 6) == [7, 9, 5, 1, 3, 4]


def test_labelled_rows_leave_the_queue_unless_included():
    q = LabelQueue(range(1, 6), labelled=[1, 3], order="file")
    assert q.start() == 2
    q.mark_labelled(2)
    assert q.advance() == 4
    q.set_order("file", include_labelled=True)
    assert q.restart() == 1


def test_skipped_rows_come_back_in_the_next_pass_and_done_is_none():
    q = LabelQueue(range(1, 4), order="file")
    q.start()
    assert _walk(q, 3) == [1, 2, 3]
    assert q.current == 1  # second pass: skipped rows again
    for row in (1, 2, 3):
        q.mark_labelled(row)
    assert q.advance() is None
    assert q.remaining() == 0


def test_back_forward_and_go_to():
    q = LabelQueue(range(1, 8), order="file")
    q.start()
    q.advance()
    q.advance()
    assert q.current == 3
    assert q.back() == 2
    assert q.back() == 1
    assert q.back() is None and q.current == 1
    assert q.advance() == 2
    assert q.advance() == 3
    assert q.advance() == 4
    q.go_to(2)  # e.g. undo of row 2's label
    assert q.current == 2
    assert q.advance() == 4  # back to where we were
    assert q.upcoming(2) == [5, 6]


def test_random_order_is_seeded():
    a = LabelQueue(range(100), order="random", seed=3)
    b = LabelQueue(range(100), order="random", seed=3)
    a.start()
    b.start()
    assert a.upcoming(10) == b.upcoming(10)
    assert a.upcoming(10) != sorted(a.upcoming(10))
