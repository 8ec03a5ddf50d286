"""Label writes from the GUI thread, with the project's failures shown, never raised.

The Label tab hands each label to :meth:`LabelWriter.write`, which commits it through the
open project's :class:`~desktop_app.core.labelling.session.LabelSession` (the store first,
then the session's view) and, once it is committed, has the workspace announce the change
(``workspace.apply(change)``: every tab sees it). It answers at once:

- written: True, the tab moves on;
- the project is read-only (on purpose, by permissions, or taken over by another
  instance): False, and the banner says why and offers "Save a copy…";
- another program holds the write lock: the label stays *pending* and visibly so ("Not
  saved yet … retrying"), the card does not move, and it is retried with back-off
  (0.25 s doubling to 5 s) until it is written (:attr:`committed`) or the project becomes
  read-only (then it is refused visibly). One label at most is pending: further labels
  are refused until it is written, so nothing the user did is silently queued.

Other writes (undo, a note, the class names, a training run) go through :meth:`guard`,
which shows their failures in the banner the same way.

It also beats the project's heartbeat (every ``HEARTBEAT_S`` s) so another instance knows
this one is alive, and notices when another instance has taken the project over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.core.errors import ProjectError, ProjectLocked, ProjectReadOnly
from desktop_app.core.project.holder import HEARTBEAT_S, locked_by
from desktop_app.ui.widgets.project_banner import ProjectBanner

log = logging.getLogger(__name__)

FIRST_TRY_S = 0.5  # how long a key press may wait for the lock before the label is pending
LOCK_WAIT_S = 1.0  # other writes (undo, a note, view state): then the banner says why not
RETRY_S = (0.25, 5.0)  # first and longest pause between retries of a pending label
CLOSE_WAIT_S = 2.0  # one last wait for the lock when the project closes with a label pending


class LabelWriter(QObject):
    committed = Signal(int, str)  # row id, label: a pending label has now been written
    read_only_changed = Signal()  # the store became read-only (taken over, writes refused)

    def __init__(
        self, banner: ProjectBanner, workspace: Any, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.banner = banner
        self.workspace = workspace  # announces every committed change
        self.session: Any = None  # LabelSession of the open project
        self.store: Any = None  # its ProjectStore
        # row id, label, annotator, note of the label waiting for the lock
        self.pending: tuple[int, str, str, str | None] | None = None
        self._delay = RETRY_S[0]
        self._last_error = ""
        self._read_only_shown = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._try_pending)
        self._beat = QTimer(self)
        self._beat.setInterval(int(HEARTBEAT_S * 1000))
        self._beat.timeout.connect(self.heartbeat)

    # -- the open project ------------------------------------------------------------------
    def attach(self, session: Any) -> None:
        self.session = session
        self.store = store = session.store
        store.lock_timeout = LOCK_WAIT_S  # the GUI thread never waits the core's 5 s
        self.pending = None
        self._retry.stop()
        self.banner.clear()
        self.banner.set_read_only(store.read_only_reason)
        self._read_only_shown = store.read_only
        self.banner.set_warnings(store.warnings)
        if store.read_only:
            self._beat.stop()
        else:
            self._beat.start()

    def detach(self, parent: QWidget | None = None) -> None:
        """Before the store closes: one last try of a pending label, then say if it is lost."""
        self._beat.stop()
        self._retry.stop()
        if self.pending is not None and self.store is not None and not self.store.closed:
            row_id, label, _who, _note = self.pending
            if not self._write_pending(CLOSE_WAIT_S):
                from desktop_app.ui.dialogs import show_error

                show_error(
                    parent,
                    "Label not saved",
                    f"The label “{label}” for row {row_id} could not be saved before the "
                    f"project closed: {self._last_error}",
                )
        self._retry.stop()
        self.pending = None
        self.session = self.store = None
        self.banner.clear()

    # -- labels ----------------------------------------------------------------------------
    def write(self, row_id: int, label: str, annotator: str, note: str | None = None) -> bool:
        """Commit a label; True when it is on disk now (else the banner says why not)."""
        if self.store is None:
            return False
        if self.store.read_only:
            self.banner.refuse(f"“{label}”: the project is read-only here.")
            return False
        if self.pending is not None:
            self.banner.refuse(
                f"“{label}”: wait until “{self.pending[1]}” is saved (the project is locked)."
            )
            return False
        try:
            change = self.session.label(row_id, label, annotator, note=note, timeout=FIRST_TRY_S)
        except ProjectLocked as exc:
            self.pending = (row_id, label, annotator, note)
            self._delay = RETRY_S[0]
            self.banner.refuse(None)
            self._schedule(exc)
            return False
        except ProjectError as exc:
            self._failed(exc, label)
            return False
        self.banner.refuse(None)
        self.workspace.apply(change)
        return True

    def _schedule(self, exc: ProjectLocked) -> None:
        assert self.pending is not None
        self.banner.set_pending(
            f"Not saved yet: “{self.pending[1]}”. The project is locked by "
            f"{locked_by(exc.holder)}; retrying in {self._delay:g} s…"
        )
        self._retry.start(int(self._delay * 1000))
        self._delay = min(self._delay * 2, RETRY_S[1])

    @Slot()
    def _try_pending(self) -> None:
        if self.pending is None or self.store is None:
            return
        row_id, label, _who, _note = self.pending
        if self._write_pending(0.05):
            self.banner.set_pending(None)
            self.banner.refuse(None)
            self.committed.emit(row_id, label)

    def _write_pending(self, timeout: float) -> bool:
        assert self.pending is not None
        row_id, label, annotator, note = self.pending
        try:
            change = self.session.label(row_id, label, annotator, note=note, timeout=timeout)
        except ProjectLocked as exc:
            self._last_error = str(exc)
            self._schedule(exc)
            return False
        except ProjectError as exc:
            self._last_error = str(exc)
            self.pending = None
            self.banner.set_pending(None)
            self._failed(exc, label)
            return False
        self.pending = None
        self.workspace.apply(change)
        return True

    def _failed(self, exc: ProjectError, label: str | None = None) -> None:
        what = f"“{label}”: " if label else ""
        if self._became_read_only(exc):
            self.banner.refuse(f"{what}the project is read-only now.")
        else:
            self.banner.refuse(f"{what}{exc}")

    def _became_read_only(self, exc: ProjectError) -> bool:
        if not isinstance(exc, ProjectReadOnly) or self.store is None or not self.store.read_only:
            return False
        if not self._read_only_shown:
            self._read_only_shown = True
            self.banner.set_read_only(self.store.read_only_reason)
            self._beat.stop()
            self.read_only_changed.emit()
        return True

    # -- other writes ------------------------------------------------------------------------
    def guard(self, what: str, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """Run another write (undo, a note): (True, its result), or (False, None) with the
        banner saying why not."""
        try:
            return True, fn(*args)
        except ProjectError as exc:
            self._became_read_only(exc)
            self.banner.refuse(f"{what}: {exc}")
            return False, None

    @Slot()
    def heartbeat(self) -> None:
        """Tell other instances this one still has the project; notice a take-over."""
        if self.store is None or self.store.closed:
            return
        try:
            self.store.heartbeat()
        except ProjectLocked:
            pass  # busy now: the next beat (or label) refreshes it
        except ProjectError as exc:
            if not self._became_read_only(exc):
                log.warning("heartbeat of %s failed: %s", self.store.path, exc)

    def confirm_close(self, parent: QWidget | None) -> bool:
        """False when the user would rather wait for a pending label than lose it."""
        if self.pending is None or self.store is None:
            return True
        row_id, label, _who, _note = self.pending
        if self._write_pending(CLOSE_WAIT_S):
            self.banner.set_pending(None)
            self.banner.refuse(None)
            self.committed.emit(row_id, label)
            return True
        if self.pending is None:
            return True  # refused for good (read-only now): the banner said so
        box = QMessageBox(parent)
        box.setObjectName("pendingLabelDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Label not saved yet")
        box.setText(
            f"The label “{self.pending[1]}” is not saved yet: the project is still locked. "
            "Quit anyway and lose it?"
        )
        box.setInformativeText(self._last_error)
        quit_button = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
        quit_button.setObjectName("quitAnywayButton")
        wait = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        wait.setObjectName("keepWaitingButton")
        box.setDefaultButton(wait)
        box.exec()
        if box.clickedButton() is not quit_button:
            return False
        self._retry.stop()
        self.pending = None  # given up on purpose: closing does not try (or warn) again
        return True
