"""The Label tab's queue: orders, skipping, going back, undo jumps, passes; "labelled" is
whatever its owner says (``is_labelled``)."""

from __future__ import annotations

from desktop_app.core.labelling.queue import LabelQueue


def _walk(queue: LabelQueue, n: int) -> list[int]:
    out = []
    for _ in range(n):
        out.append(queue.current)
        queue.advance()
    return out


def _none(_row: int) -> bool:
    return False


def test_uncertainty_order_scored_first_then_file_order():
    q = LabelQueue(range(1, 11), {2}.__contains__, order="uncertainty")
    q.set_scores([5, 7, 9], [0.5, 0.1, 0.3])
    q.rebuild()
    q.start()
    assert _walk(q, 6) == [7, 9, 5, 1, 3, 4]


def test_labelled_rows_leave_the_queue_unless_included():
    labelled = {1, 3}
    q = LabelQueue(range(1, 6), labelled.__contains__, order="file")
    assert q.start() == 2
    labelled.add(2)
    assert q.advance() == 4
    q.set_order("file", include_labelled=True)
    assert q.restart() == 1


def test_the_owner_decides_what_is_labelled_without_a_rebuild():
    """A row labelled elsewhere (another tab, an import) is skipped at once; an undone one
    can be shown again."""
    labelled: set[int] = set()
    q = LabelQueue(range(1, 9), labelled.__contains__, order="file")
    assert q.start() == 1
    assert q.upcoming(3) == [2, 3, 4]
    labelled.update({2, 3})  # labelled by someone else
    assert q.upcoming(3) == [4, 5, 6]
    assert q.advance() == 4
    labelled.discard(3)  # undone: go_to shows it, then the queue carries on
    q.go_to(3)
    assert q.current == 3
    assert q.advance() == 4
    # A row stepped back from comes back on →, unless it was labelled elsewhere meanwhile;
    # a row that was labelled already (history) still does.
    labelled.add(4)
    q.advance()  # 4 labelled here: on to 5
    assert q.current == 5
    assert q.back() == 4 and q.back() == 3
    labelled.add(5)  # labelled by someone else while we look back
    assert q.upcoming(2) == [4, 6]
    assert q.advance() == 4 and q.advance() == 6


def test_new_rows_join_the_queue():
    labelled: set[int] = set()
    q = LabelQueue([1, 2], labelled.__contains__, order="file")
    q.start()
    labelled.add(1)
    q.set_ids([1, 2, 3, 4])
    assert q.current == 1 and q.advance() == 2
    assert q.upcoming(5) == [3, 4]


def test_skipped_rows_come_back_in_the_next_pass_and_done_is_none():
    labelled: set[int] = set()
    q = LabelQueue(range(1, 4), labelled.__contains__, order="file")
    q.start()
    assert _walk(q, 3) == [1, 2, 3]
    assert q.current == 1  # second pass: skipped rows again
    labelled.update({1, 2, 3})
    assert q.advance() is None


def test_back_forward_and_go_to():
    q = LabelQueue(range(1, 8), _none, order="file")
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
    a = LabelQueue(range(100), _none, order="random", seed=3)
    b = LabelQueue(range(100), _none, order="random", seed=3)
    a.start()
    b.start()
    assert a.upcoming(10) == b.upcoming(10)
    assert a.upcoming(10) != sorted(a.upcoming(10))
