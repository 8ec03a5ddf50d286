"""Sorting, search and filters for one table view, computed off the GUI thread.

A :class:`TableController` puts an :class:`~desktop_app.ui.tables.proxy.IndexProxyModel`
between a lazy source model and its view, reads what the user asks for from the header (click
a column to sort, again to reverse) and a :class:`~desktop_app.ui.tables.filter_bar.TableFilterBar`,
and computes the rows with :func:`~desktop_app.ui.tables.query.compute_rows` on its own
:class:`~desktop_app.tasks.TaskRunner` (so a sort never waits behind a file load). A newer
request cancels the running one. When a computation takes longer than ``BUSY_AFTER_MS`` the bar
shows progress; the table keeps showing the previous order meanwhile and stays usable.

A table gives its columns as plain arrays (see :mod:`desktop_app.ui.tables.query`)::

    controller = TableController(view, bar, keys=("row", "text", "label"), name="predictTable")
    controller.set_source(model, {"row": rows, "text": texts, "label": labels})
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop_app.core.jobs import Progress
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.tables.proxy import IndexProxyModel
from desktop_app.ui.tables.query import RowOrder, TableQuery, compute_rows

BUSY_AFTER_MS = 100  # a computation that takes longer shows progress in the bar

log = logging.getLogger(__name__)


class TableController(QObject):
    """The view's sorting and filtering; ``applied(shown, total)`` after each new order."""

    applied = Signal(int, int)

    def __init__(
        self,
        view: QTableView,
        bar: TableFilterBar,
        keys: Sequence[str | None],
        name: str,
        search_keys: Sequence[str] = ("text",),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else view)
        self.setObjectName(f"{name}Controller")
        self.view = view
        self.bar = bar
        self.keys = list(keys)  # view column -> column key (None: cannot be sorted)
        self.search_keys = tuple(search_keys)
        self.proxy = IndexProxyModel(self)
        self.proxy.source_reset.connect(self.refresh)
        view.setModel(self.proxy)
        self.runner = TaskRunner(f"{name}Query", self)
        self._columns: dict[str, Any] = {}
        self._task: JobHandle | None = None
        self._shown_query = TableQuery(search_keys=self.search_keys)
        self._busy = QTimer(self)
        self._busy.setSingleShot(True)
        self._busy.setInterval(BUSY_AFTER_MS)
        self._busy.timeout.connect(self._show_busy)

        header = view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort_clicked)
        bar.changed.connect(self.refresh)
        bar.cleared.connect(self._clear_sort)
        find = QShortcut(QKeySequence.StandardKey.Find, view)
        find.setWhatsThis("Search the table (Dataset, Predict and result tables)")
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(bar.focus_search)
        self.bar.show_count(0, 0)

    # -- the data -------------------------------------------------------------------------------
    def set_source(
        self, model: QAbstractItemModel, columns: Mapping[str, Any], keep_query: bool = True
    ) -> None:
        """Show ``model``, whose columns for sorting/filtering are ``columns`` (by key).

        With ``keep_query=False`` (other data) the search, filters and sort are cleared.
        """
        self._cancel()
        self._columns = dict(columns)
        if not keep_query:
            self._clear_sort()
            self.bar.blockSignals(True)
            self.bar.clear()
            self.bar.blockSignals(False)
        self.proxy.setSourceModel(model)
        self.refresh()

    def values_changed(self, keys: Sequence[str]) -> None:
        """Values of the columns ``keys`` changed in place (labels edited): compute the rows
        again if the sort or a filter depends on them (the edited rows stay where they are
        until then)."""
        if self.query().uses(keys):
            self.refresh()

    def query(self) -> TableQuery:
        """What the header and the bar ask for now."""
        header = self.view.horizontalHeader()
        section = header.sortIndicatorSection()
        key = self.keys[section] if 0 <= section < len(self.keys) else None
        return TableQuery(
            sort_key=key,
            descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
            search=self.bar.search_text(),
            search_keys=self.search_keys,
            choices=self.bar.choices(),
            ranges=self.bar.ranges(),
        )

    def source_row(self, view_row: int) -> int:
        return self.proxy.source_row(view_row)

    def is_busy(self) -> bool:
        return self._task is not None

    def shutdown(self) -> None:
        self._cancel()
        self.runner.shutdown()

    # -- computing ------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Compute the rows for the current query (at once when there is nothing to do)."""
        model = self.proxy.sourceModel()
        total = model.rowCount() if model is not None else 0
        query = self.query()
        self._cancel()
        if query.is_identity or model is None:
            if self.proxy.order.rows is not None:
                self._show(RowOrder(total))
            self._shown_query = query
            self.bar.show_count(total, total)
            self.applied.emit(total, total)
            return
        missing = [key for key in self._used_keys(query) if key not in self._columns]
        if missing:
            log.warning(
                "table %s has no column %s to sort or filter by", self.objectName(), missing
            )
            return
        fn = functools.partial(compute_rows, dict(self._columns), total, query)
        task = self.runner.start(fn, name="table query", priority=1)
        task.on_progress(self._on_progress).on_result(functools.partial(self._on_result, query))
        task.on_failed(self._on_failed).on_finished(functools.partial(self._on_finished, task))
        self._task = task
        self._busy.start()

    def _used_keys(self, query: TableQuery) -> list[str]:
        keys = [*query.choices, *query.ranges]
        if query.search.strip():
            keys.extend(query.search_keys)
        return keys  # the sort key may have no column: then it sorts by source row

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._busy.stop()
        self.bar.hide_busy()

    @Slot()
    def _show_busy(self) -> None:
        if self._task is not None:
            query = self.query()
            self.bar.show_busy("Filtering…" if query.filtering else "Sorting…")

    def _on_progress(self, report: Progress) -> None:
        self.bar.show_progress(report)

    def _on_result(self, query: TableQuery, order: object) -> None:
        if not isinstance(order, RowOrder) or query != self.query():
            return  # the user asked for something else meanwhile
        self._shown_query = query
        self._show(order)
        self.bar.show_count(order.shown, order.total, sorted_=query.sort_key is not None)
        self.applied.emit(order.shown, order.total)

    def _on_failed(self, message: str, details: str) -> None:
        log.error("sorting/filtering %s failed: %s\n%s", self.objectName(), message, details)
        self.bar.count_label.setText(f"Could not sort or filter: {message}")

    def _on_finished(self, task: JobHandle) -> None:
        if task is self._task:
            self._task = None
            self._busy.stop()
            self.bar.hide_busy()

    def _show(self, order: RowOrder) -> None:
        """Swap in ``order``; the current row stays current (and in view) if still shown."""
        current = self.view.currentIndex()
        source = self.proxy.source_row(current.row()) if current.isValid() else -1
        column = current.column() if current.isValid() else 0
        self.proxy.set_order(order)
        if source >= 0:
            row = self.proxy.proxy_row(source)
            if row >= 0:
                index = self.proxy.index(row, column)
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    # -- sorting --------------------------------------------------------------------------------
    @Slot(int, Qt.SortOrder)
    def _on_sort_clicked(self, section: int, _order: Qt.SortOrder) -> None:
        if 0 <= section < len(self.keys) and self.keys[section] is None:
            self._clear_sort()  # a column that cannot be sorted: back to the original order
        self.refresh()

    @Slot()
    def _clear_sort(self) -> None:
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.viewport().update()
