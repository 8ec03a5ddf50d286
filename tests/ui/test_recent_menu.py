"""RecentFilesMenu: the recent-files and recent-projects menus of the File menu."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from desktop_app.ui.widgets.recent_menu import RecentFilesMenu


def _texts(menu: RecentFilesMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_recent_menu_lists_newest_first_opens_and_clears(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    menu = RecentFilesMenu("Recent", settings, "recent_things", empty_text="Nothing", max_count=2)
    qtbot.addWidget(menu)

    menu.aboutToShow.emit()
    assert _texts(menu) == ["Nothing"]
    assert not menu.actions()[0].isEnabled()

    menu.add("/a")
    assert menu.paths() == ["/a"]  # one item survives the INI round trip as a list
    menu.add("/b")
    menu.add("/c")
    menu.add("/b")
    assert menu.paths() == ["/b", "/c"]  # moved to the front, at most max_count

    menu.aboutToShow.emit()
    assert _texts(menu) == ["&1 /b", "&2 /c", "Clear list"]
    with qtbot.waitSignal(menu.opened) as blocker:
        menu.actions()[1].trigger()
    assert blocker.args == ["/c"]

    menu.actions()[-1].trigger()  # Clear list
    assert menu.paths() == []
