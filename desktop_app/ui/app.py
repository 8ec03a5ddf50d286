"""Start the desktop app: logging, exception hook, QApplication, main window."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
import traceback

from desktop_app import APP_ID, APP_NAME, ORG_NAME, __version__

log = logging.getLogger(__name__)
_T0 = time.perf_counter()


def setup_logging() -> None:
    """Log to a rotating file in the user's log folder (a windowed app has no console)."""
    from desktop_app.paths import log_file

    path = log_file()
    root = logging.getLogger()
    if any(getattr(h, "_sentiment_studio", False) for h in root.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler._sentiment_studio = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def install_excepthook() -> None:
    """Show unexpected errors in a dialog with "Copy details" instead of dying silently."""

    def hook(exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception:\n%s", details)
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            from PySide6.QtWidgets import QApplication

            from desktop_app.core.errors import UserError
            from desktop_app.ui.dialogs import show_error

            app = QApplication.instance()
            if app is None:
                raise RuntimeError("no QApplication")
            parent = app.activeWindow()
            if issubclass(exc_type, UserError):
                show_error(parent, APP_NAME, str(exc))
            else:
                show_error(
                    parent, f"{APP_NAME}: unexpected error", f"{exc_type.__name__}: {exc}", details
                )
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def create_application(argv: list[str] | None = None):  # -> QApplication
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from desktop_app.paths import resource

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        png = resource("icons", f"sentiment-studio-{size}.png")
        if png.exists():
            icon.addFile(str(png))
    app.setWindowIcon(icon)
    return app


def run_gui(path: str | None = None) -> int:
    # The tokenizers library's own thread pool would compete with the GUI thread for the
    # cores the model worker leaves free; batches are already large enough without it.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    setup_logging()
    log.info("starting %s %s", APP_NAME, __version__)
    app = create_application()
    install_excepthook()

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    log.info("window shown %.3f s after start", time.perf_counter() - _T0)
    if path:
        window.open_path(path)
    if os.environ.get("SENTIMENT_STUDIO_EXIT_AFTER_SHOW"):
        _exit_after_show(window)
    return app.exec()


def _exit_after_show(window) -> None:  # type: ignore[no-untyped-def]
    """Start-up benchmark hook: once the event loop has shown the window, say so and close.

    ``benchmarks/package_bench.py`` times the process from launch to this line."""
    from PySide6.QtCore import QTimer

    def report() -> None:
        print(f"window visible {time.perf_counter() - _T0:.3f} s after import", flush=True)
        window.close()

    QTimer.singleShot(0, report)
