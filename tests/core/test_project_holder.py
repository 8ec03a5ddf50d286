"""Two instances on one project: the second sees who has it, opens read-only or takes over.

The other instance is a real second process (``tests/core/other_instance.py``) that opens
the project with the core store and obeys one command per line on its standard input.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.errors import ProjectInUse, ProjectLocked, ProjectReadOnly
from desktop_app.core.project import file as project_file
from desktop_app.core.project.holder import (
    HOLDER_KEY,
    STALE_AFTER_S,
    Holder,
    read_holder,
    write_holder,
)
from desktop_app.core.project.store import ProjectStore
from tests.core.other_instance import Other

LABELS = ["negative", "neutral", "positive"]


@pytest.fixture
def path(tmp_path) -> Path:
    target = tmp_path / "shared.sstudio"
    ProjectStore.create(target, [f"text {i}" for i in range(20)], labels=LABELS).close()
    return target


@pytest.fixture
def other(path):
    instance = Other(path)
    yield instance
    instance.close()


def test_second_instance_is_told_who_has_it(path, other):
    with pytest.raises(ProjectInUse) as info:
        ProjectStore.open(path)
    holder = info.value.holder
    assert holder.pid == other.proc.pid
    assert f"process {other.proc.pid}" in str(info.value)
    assert "Open it read-only, or take it over" in str(info.value)
    assert not holder.is_stale()

    reader = ProjectStore.open(path, mode="read_only")
    assert f"process {other.proc.pid}" in reader.read_only_reason
    with pytest.raises(ProjectReadOnly):
        reader.label(2, "negative", "me")
    assert other.send("label") == "ok"  # the holder labels on
    reader.close()
    assert other.send("label") == "ok"  # and the reader closing changed nothing for it


def test_take_over_stops_the_other_instance_writing(path, other):
    mine = ProjectStore.open(path, mode="take_over")
    assert mine.holder().pid == os.getpid()
    mine.label(2, "negative", "me")
    answer = other.send("label")
    assert answer.startswith("ProjectReadOnly: ")
    assert f"process {os.getpid()}" in answer and "took the project over" in answer
    assert other.send("beat") == "ok"  # read-only now: nothing to beat for
    assert mine.row(1).label is None  # the other's label after the take-over was refused
    mine.close()
    assert read_holder(ProjectStore.open(path, mode="read_only")._conn) is None


def test_heartbeat_notices_a_take_over(path, other):
    other.close()  # release it; now this process holds it and another takes over
    mine = ProjectStore.open(path)
    before = mine.holder().heartbeat
    time.sleep(0.01)
    mine.heartbeat()
    assert mine.holder().heartbeat > before
    thief = Other(path, mode="take_over")
    try:
        with pytest.raises(ProjectReadOnly, match="took the project over"):
            mine.heartbeat()
        assert mine.read_only
        assert f"process {thief.proc.pid}" in mine.read_only_reason
    finally:
        thief.close()
        mine.close()


def test_take_over_while_the_other_is_writing_names_it(path, other, monkeypatch):
    monkeypatch.setattr(project_file, "LOCK_TIMEOUT_S", 0.2)
    assert other.send("lock") == "ok"
    with pytest.raises(ProjectLocked) as info:
        ProjectStore.open(path, mode="take_over")
    assert info.value.holder.pid == other.proc.pid
    assert "is locked by " in str(info.value) and ", since " in str(info.value)
    assert f"process {other.proc.pid}" in str(info.value)
    assert other.send("unlock") == "ok"
    with ProjectStore.open(path, mode="take_over") as mine:
        mine.label(3, "neutral", "me")


def test_crashed_holder_does_not_block(path):
    now = time.time()
    silent = Holder("elsewhere", 4242, "ana", now - 3600, now - STALE_AFTER_S - 1, "x")
    assert silent.is_stale()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = Holder(Holder.current().host, gone.pid, "ana", now, now, "y")
    assert dead.is_stale()  # on this machine, and its process has gone
    alive = Holder("elsewhere", 4242, "ana", now - 60, now - 5, "z")
    assert not alive.is_stale()
    assert alive.describe(now).startswith("ana on elsewhere (process 4242), since ")
    assert "last seen 5 s ago" in alive.describe(now)

    conn = sqlite3.connect(path, isolation_level=None)
    for record in (silent, dead):
        write_holder(conn, record)
        with ProjectStore.open(path) as store:  # no ProjectInUse
            assert store.holder().is_this_process()
    write_holder(conn, alive)
    conn.execute("UPDATE meta SET value = '{broken' WHERE key = ?", (HOLDER_KEY,))
    conn.close()
    with ProjectStore.open(path) as store:  # an unreadable record blocks nothing
        store.label(1, "negative", "me")


def test_replacing_a_held_project_is_refused(path, other, tmp_path):
    with pytest.raises(ProjectInUse, match="Cannot replace shared.sstudio"):
        ProjectStore.create(path, ["new"], overwrite=True)
    assert other.send("label") == "ok"  # untouched
    source = ProjectStore.create(tmp_path / "source.sstudio", ["x"])
    with pytest.raises(ProjectInUse):
        source.save_as(path)
    copy = source.save_as(tmp_path / "copy.sstudio")
    assert copy.holder().is_this_process()
    copy.close()
    source.close()
