"""Runtime hook of the frozen app: runs before the app, must stay cheap (no heavy imports).

NLTK data: NLTK searches the folders in $NLTK_DATA first, then ~/nltk_data and the system
folders (/usr/share/nltk_data, ...). A ``nltk_data`` folder beside the executable (or inside
the bundle) is put in front of the user's $NLTK_DATA, so an installation can ship or add
corpora next to the app while the user's own NLTK path keeps working. Nothing is imported
here, and nothing fails when no data exists anywhere.
"""


def _nltk_data_beside_app() -> None:
    import os
    import sys

    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    candidates = [
        os.path.join(exe_dir, "nltk_data"),
        os.path.join(getattr(sys, "_MEIPASS", exe_dir), "nltk_data"),
        # macOS .app: Contents/MacOS/<exe> -> Contents/Resources/nltk_data
        os.path.join(os.path.dirname(exe_dir), "Resources", "nltk_data"),
    ]
    found = []
    for folder in candidates:
        if os.path.isdir(folder) and folder not in found:
            found.append(folder)
    if found:
        user = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
        os.environ["NLTK_DATA"] = os.pathsep.join(found + [p for p in user if p not in found])


_nltk_data_beside_app()
