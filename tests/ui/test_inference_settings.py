"""The Model menu's reading settings: one owner, kept for the next start, announced."""

from PySide6.QtCore import QSettings

from desktop_app.ui.inference_settings import InferenceSettings


def test_model_menu_sets_long_text_and_it_is_kept(main_window, qtbot, tmp_path):
    inference = main_window.state.inference
    assert inference.long_text == "chunk"
    truncate = main_window.model_menu.findChild(
        type(main_window.model_menu.actions()[1]), "long_text_truncate"
    )
    with qtbot.waitSignal(inference.changed) as blocker:
        truncate.trigger()
    assert blocker.args[0]["long_text"] == "truncate"
    assert inference.job_params()["long_text"] == "truncate"
    # Another owner on the same settings file reads the choice back (the next start).
    again = InferenceSettings(main_window.settings)
    assert again.long_text == "truncate"
    main_window.findChild(type(truncate), "long_text_chunk").trigger()
    assert inference.long_text == "chunk" and truncate.isChecked() is False


def test_a_damaged_setting_falls_back_to_the_default(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("inference/long_text", "sideways")
    assert InferenceSettings(settings).long_text == "chunk"
