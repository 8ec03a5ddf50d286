"""desktop_app.core and the headless commands import without Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import desktop_app.core


def _core_modules() -> list[str]:
    return [
        m.name for m in pkgutil.walk_packages(desktop_app.core.__path__, prefix="desktop_app.core.")
    ]


def test_core_imports_with_pyside6_unavailable():
    code = textwrap.dedent(
        f"""
        import sys, importlib
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6.") or name == "shiboken6":
                    raise ImportError("PySide6 is blocked in this test")
                return None
        sys.meta_path.insert(0, Block())
        for name in {_core_modules()!r}:
            importlib.import_module(name)
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_help_lists_subcommands_without_qt():
    code = textwrap.dedent(
        """
        import sys, io, contextlib
        from desktop_app.cli import main
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            try:
                main(["--help"])
            except SystemExit:
                pass
        assert "PySide6" not in sys.modules, "help imported Qt"
        assert "torch" not in sys.modules, "help imported torch"
        print(buf.getvalue())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "inspect" in out.stdout
