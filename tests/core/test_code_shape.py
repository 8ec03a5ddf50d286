"""The shape of the code (docs/architecture.md): no module under desktop_app/ over 600 lines."""

from __future__ import annotations

from pathlib import Path

LIMIT = 600
ROOT = Path(__file__).resolve().parents[2] / "desktop_app"


def test_no_module_is_over_the_limit():
    too_long = {
        str(path.relative_to(ROOT.parent)): n
        for path in ROOT.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not too_long, f"split these modules along their responsibilities: {too_long}"
