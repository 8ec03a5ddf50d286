"""The project file's schema, as numbered migrations.

A project is one SQLite file. ``PRAGMA application_id`` marks it as ours and
``PRAGMA user_version`` holds the schema version; :func:`migrate` brings an older
file up to :data:`SCHEMA_VERSION`, one migration per transaction. A migration is
only ever appended: never edit one that has shipped, since files in the wild were
made by it.
"""

from __future__ import annotations

import sqlite3

# "SStu" as a big-endian 32-bit integer: marks the file as a Sentiment Studio project.
APPLICATION_ID = 0x53537475
SUFFIX = ".sstudio"

MIGRATIONS: dict[int, list[str]] = {
    # Version 1: rows, label events, training runs, app state.
    1: [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE rows (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,
            original_label TEXT,
            label TEXT,
            split TEXT NOT NULL DEFAULT '',
            source_row INTEGER
        )""",
        """CREATE TABLE label_events (
            id INTEGER PRIMARY KEY,
            row_id INTEGER NOT NULL REFERENCES rows(id) ON DELETE CASCADE,
            label TEXT,
            previous_label TEXT,
            annotator TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        )""",
        """CREATE TABLE training_runs (
            id INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            kind TEXT NOT NULL DEFAULT '',
            config TEXT NOT NULL DEFAULT '{}',
            metrics TEXT NOT NULL DEFAULT '{}',
            history TEXT NOT NULL DEFAULT '{}',
            model_folder TEXT,
            fingerprint TEXT
        )""",
        """CREATE TABLE app_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    ],
    # Version 2: notes on labels, undo as an event of its own (nothing is overwritten),
    # and the indexes the Label tab's queries need.
    2: [
        "ALTER TABLE label_events ADD COLUMN note TEXT",
        "ALTER TABLE label_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'label'",
        "ALTER TABLE label_events ADD COLUMN undoes INTEGER REFERENCES label_events(id)",
        "CREATE INDEX label_events_row ON label_events(row_id)",
        "CREATE INDEX label_events_annotator ON label_events(annotator, row_id)",
        "CREATE INDEX label_events_undoes ON label_events(undoes)",
        "CREATE INDEX rows_label ON rows(label)",
    ],
    # Version 3: every column of the imported file, for every row. ``cells`` is a JSON array
    # of the row's values as text (null where its file had no such column), in the order of
    # the meta key ``file_columns``' plain columns; that list only ever grows, so a row's
    # array stays valid. A side table keeps the rows the label queries scan narrow. Older
    # projects get an empty one (no metadata).
    3: [
        """CREATE TABLE row_cells (
            row_id INTEGER PRIMARY KEY REFERENCES rows(id) ON DELETE CASCADE,
            cells TEXT NOT NULL
        )""",
    ],
}

SCHEMA_VERSION = max(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the migrations after the file's version up to ``target``; returns those applied.

    Each migration runs in its own transaction together with the version bump, so a
    crash in the middle leaves the file at the previous version, never half-migrated.
    """
    applied = []
    current = schema_version(conn)
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            if version == 1:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
