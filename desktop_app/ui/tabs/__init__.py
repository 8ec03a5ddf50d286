"""One tab per module. Each tab is a QWidget built as ``Tab(state: AppState)``."""
