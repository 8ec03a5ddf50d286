"""The store's failures are messages: read-only files and folders, damaged JSON, a locked file.

Read-only cases use real file permissions. Root ignores them, so when the tests run as
root the opening and writing happen with the effective user switched to ``nobody``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from desktop_app.core.errors import ProjectError, ProjectLocked, ProjectReadOnly
from desktop_app.core.project.schema import MIGRATIONS, migrate
from desktop_app.core.project.store import ProjectStore

LABELS = ["negative", "neutral", "positive"]
ROWS = [("I love it", "positive"), ("Awful", "negative"), ("It rained", None), ("Meh", None)]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


@pytest.fixture
def shared_dir():
    """A folder outside pytest's private temp folder, so ``nobody`` can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="sstudio-access-"))
    folder.chmod(0o777)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            path.chmod(0o777 if path.is_dir() else 0o666)
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def unprivileged():
    """Act as an ordinary user: file permissions apply (root would ignore them)."""
    if os.geteuid() != 0:
        yield
        return
    try:
        os.setegid(65534)
        os.seteuid(65534)
    except OSError as exc:  # no CAP_SETUID in this container
        pytest.skip(f"cannot switch to an unprivileged user: {exc}")
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def _project(folder: Path, name: str = "p.sstudio") -> Path:
    path = folder / name
    with ProjectStore.create(path, ROWS, labels=LABELS) as store:
        store.label(3, "neutral", "alice")
    return path


def _assert_writes_refused(store: ProjectStore, why: str) -> None:
    for write in (
        lambda: store.label(4, "negative", "bob"),
        lambda: store.undo(),
        lambda: store.add_note(1, "hm", "bob"),
        lambda: store.set_state("x", 1),
        lambda: store.set_labels(["a", "b"]),
        lambda: store.add_training_run("vader"),
    ):
        with pytest.raises(ProjectReadOnly, match=why) as info:
            write()
        message = str(info.value)
        assert "read-only" in message and "Save project as" in message
        assert "readonly database" not in message


def test_read_only_file_opens_read_only_and_refuses_every_write(shared_dir):
    path = _project(shared_dir)
    path.chmod(0o444)
    with unprivileged():
        store = ProjectStore.open(path)
        assert store.read_only
        assert store.read_only_reason == "You do not have permission to change p.sstudio."
        assert store.row(3).label == "neutral"  # the rest is readable
        assert store.counts()["labelled"] == 3
        _assert_writes_refused(store, "permission to change p.sstudio")
        copy = store.save_as(shared_dir / "copy.sstudio")  # how one gets to label it
        store.close()
        assert not copy.read_only
        copy.label(4, "negative", "bob")
        assert copy.row(3).label == "neutral" and copy.row(4).label == "negative"
        copy.close()


def test_read_only_folder_says_so_and_reads_labels_still_in_the_wal(shared_dir):
    folder = shared_dir / "ro"
    folder.mkdir()
    path = _project(folder)
    path.chmod(0o666)
    writer = ProjectStore.open(path)  # still open: its last label is only in the -wal file
    writer.label(4, "negative", "alice")
    assert Path(str(path) + "-wal").stat().st_size > 0
    folder.chmod(0o555)
    try:
        with unprivileged():
            store = ProjectStore.open(path)
            assert store.read_only
            reason = store.read_only_reason
            assert f"The folder {folder.resolve()} is read-only" in reason
            assert "p.sstudio-wal" in reason
            assert store.row(4).label == "negative"
            _assert_writes_refused(store, "folder .* is read-only")
            with pytest.raises(ProjectError, match="choose a folder you can write to"):
                store.save_as(folder / "copy.sstudio")
            store.close()
    finally:
        folder.chmod(0o777)
        writer.close()


def test_read_only_folder_without_wal_opens(shared_dir):
    folder = shared_dir / "ro"
    folder.mkdir()
    path = _project(folder)
    folder.chmod(0o555)
    with unprivileged():
        store = ProjectStore.open(path)
        assert "is read-only" in store.read_only_reason
        assert [r.label for r in store.rows()] == ["positive", "negative", "neutral", None]
        store.close()


def test_open_read_only_on_purpose_writes_nothing(tmp_path):
    path = _project(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    store = ProjectStore.open(path, mode="read_only")
    assert store.read_only_reason == "You opened it read-only."
    assert store.holder() is None  # a reader does not claim the project
    _assert_writes_refused(store, "You opened it read-only")
    store.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with pytest.raises(ValueError):
        ProjectStore.open(path, mode="sometimes")


def test_older_format_read_only_asks_for_a_copy(tmp_path):
    path = tmp_path / "old.sstudio"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("INSERT INTO rows(id, text) VALUES (1, 'x')")
    conn.close()
    assert max(MIGRATIONS) > 1
    with pytest.raises(ProjectReadOnly, match="older project format"):
        ProjectStore.open(path, mode="read_only")


def test_damaged_meta_json_warns_and_the_rest_is_readable(tmp_path):
    path = _project(tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE meta SET value = '[\"negative\", ' WHERE key = 'labels'")
    conn.execute("UPDATE meta SET value = '\"everything\"' WHERE key = 'fractions'")
    conn.execute("INSERT INTO app_state(key, value) VALUES ('label.order', '{oops')")
    conn.execute(
        "INSERT INTO training_runs(created_at, kind, config, metrics) VALUES (1, 'vader', '{', 'x')"
    )
    conn.close()

    store = ProjectStore.open(path)
    warnings = " ".join(store.warnings)
    assert "list of labels is not valid JSON" in warnings
    assert "labels found in the rows are used" in warnings
    assert "split fractions has the wrong form (str)" in warnings
    assert store.labels == ["negative", "neutral", "positive"]  # found in the rows
    assert store.fractions == {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert store.get_state("label.order", "uncertainty") == "uncertainty"
    assert store.training_runs()[0]["config"] == {}
    assert store.counts()["labelled"] == 3
    assert store.stats()["warnings"] == store.warnings
    store.label(4, "negative", "bob")
    store.close()
    with ProjectStore.open(path) as reopened:  # the labels value was written back whole
        assert "list of labels" not in " ".join(reopened.warnings)
        assert reopened.row(4).label == "negative"


def test_write_lock_held_by_another_program_is_a_clear_message(tmp_path):
    path = _project(tmp_path)
    store = ProjectStore.open(path)
    other = sqlite3.connect(path, isolation_level=None)  # say, an SQLite browser
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ProjectLocked, match="locked by another program") as info:
            store.label(4, "negative", "bob", timeout=0.2)
        assert info.value.holder is None
        assert "0.2 s" in str(info.value)
        store.lock_timeout = 0.1
        with pytest.raises(ProjectLocked):
            store.set_state("x", 1)
        assert store.row(4).label is None  # nothing half-written
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.label(4, "negative", "bob", timeout=0.2)  # the lock is gone: it is written
    assert store.row(4).label == "negative"
    assert not store.read_only
    store.close()


def test_full_disk_and_io_errors_are_messages():
    from desktop_app.core.project.access import error_kind, write_error

    full = sqlite3.OperationalError("database or disk is full")
    assert error_kind(full) == "full"
    assert "disk holding p.sstudio is full" in str(write_error(full, "p.sstudio"))
    io = sqlite3.OperationalError("disk I/O error")
    assert "network or removable drive" in str(write_error(io, "p.sstudio"))


def test_create_in_a_read_only_folder_says_so(shared_dir):
    folder = shared_dir / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    with unprivileged(), pytest.raises(ProjectError, match="is read-only; choose a folder"):
        ProjectStore.create(folder / "new.sstudio", ROWS)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o555
