"""A proxy model that shows the rows of a flat source model through an index array.

:class:`QSortFilterProxyModel` sorts and filters on the GUI thread by asking the source for
every cell (``lessThan``, ``filterAcceptsRow``): seconds, with a frozen window, over a million
rows. Here the order is computed elsewhere (:func:`desktop_app.ui.tables.query.compute_rows`
on a background thread, with numpy and Arrow) and handed in whole with :meth:`set_order`;
mapping a row is one array lookup, so the proxy costs O(1) per cell like the lazy models
behind it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)

from desktop_app.ui.tables.query import RowOrder

Index = QModelIndex | QPersistentModelIndex
ROWWISE_UPDATES = 64  # a source change of more rows repaints the whole view instead


class IndexProxyModel(QAbstractProxyModel):
    """Rows ``order.rows`` of the source model, in that order (all of them when ``None``).

    ``source_reset`` says that the source model was reset or its rows changed: the order no
    longer fits, and the proxy shows every source row until it gets a new one.
    """

    source_reset = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._order = RowOrder(0)
        self._connected: QAbstractItemModel | None = None
        self._cell: Any = None  # the source's cell(row, column, role), if it has one

    # -- the order --------------------------------------------------------------------------
    @property
    def order(self) -> RowOrder:
        return self._order

    def set_order(self, order: RowOrder) -> None:
        """Show the rows of ``order`` (computed for the current source model)."""
        self.beginResetModel()
        self._order = order
        self.endResetModel()

    def source_row(self, row: int) -> int:
        rows = self._order.rows
        return int(rows[row]) if rows is not None else row

    def proxy_row(self, source_row: int) -> int:
        """The view row of ``source_row``, or -1 while it is filtered out."""
        inverse = self._order.inverse
        if inverse is None:
            return source_row
        return int(inverse[source_row]) if 0 <= source_row < len(inverse) else -1

    # -- the source -------------------------------------------------------------------------
    def setSourceModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt API
        self.beginResetModel()
        old = self._connected
        if old is not None:
            for signal, slot in self._source_signals(old):
                signal.disconnect(slot)
        super().setSourceModel(model)
        self._connected = model
        # A source with cell(row, column, role) skips building a source index per call:
        # a view asks for seven roles of every visible cell on each paint.
        self._cell = getattr(model, "cell", None)
        if model is not None:
            for signal, slot in self._source_signals(model):
                signal.connect(slot)
        self._order = RowOrder(model.rowCount() if model is not None else 0)
        self.endResetModel()

    def _source_signals(self, model: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [
            (model.dataChanged, self._on_source_data_changed),
            (model.headerDataChanged, self.headerDataChanged),
            (model.modelReset, self._on_source_reset),
            (model.rowsInserted, self._on_source_reset),
            (model.rowsRemoved, self._on_source_reset),
            (model.layoutChanged, self._on_source_reset),
        ]

    @Slot()
    def _on_source_reset(self, *_args: Any) -> None:
        model = self.sourceModel()
        self.set_order(RowOrder(model.rowCount() if model is not None else 0))
        self.source_reset.emit()

    @Slot(QModelIndex, QModelIndex, list)
    def _on_source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int] | None = None
    ) -> None:
        roles = list(roles or [])
        first, last = top_left.column(), bottom_right.column()
        if self._order.rows is None:
            self.dataChanged.emit(
                self.index(top_left.row(), first), self.index(bottom_right.row(), last), roles
            )
            return
        count = self.rowCount()
        if count == 0:
            return
        if bottom_right.row() - top_left.row() >= ROWWISE_UPDATES:
            self.dataChanged.emit(self.index(0, first), self.index(count - 1, last), roles)
            return
        for source_row in range(top_left.row(), bottom_right.row() + 1):
            row = self.proxy_row(source_row)
            if row >= 0:
                self.dataChanged.emit(self.index(row, first), self.index(row, last), roles)

    # -- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        if parent.isValid() or self.sourceModel() is None:
            return 0
        return self._order.shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        model = self.sourceModel()
        return 0 if parent.isValid() or model is None else model.columnCount()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if parent.isValid() or not (
            0 <= row < self.rowCount() and 0 <= column < self.columnCount()
        ):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: Index | None = None) -> Any:  # type: ignore[override]
        if index is None:
            return QObject.parent(self)  # QObject.parent(), which this name hides
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802 - Qt API
        return not parent.isValid() and self.rowCount() > 0

    def mapToSource(self, proxy_index: Index) -> QModelIndex:  # noqa: N802 - Qt API
        model = self.sourceModel()
        if model is None or not proxy_index.isValid():
            return QModelIndex()
        return model.index(self.source_row(proxy_index.row()), proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:  # noqa: N802 - Qt API
        if not source_index.isValid():
            return QModelIndex()
        row = self.proxy_row(source_index.row())
        return self.index(row, source_index.column()) if row >= 0 else QModelIndex()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        model = self.sourceModel()
        if model is None or not index.isValid():
            return None
        row = self.source_row(index.row())
        if self._cell is not None:
            return self._cell(row, index.column(), role)
        return model.data(model.index(row, index.column()), role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        model = self.sourceModel()
        if model is None or not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return model.flags(model.index(self.source_row(index.row()), index.column()))

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        model = self.sourceModel()
        if model is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.source_row(section) + 1)
            return None
        return model.headerData(section, orientation, role)
