"""Replaces pyinstaller-hooks-contrib's hook-nltk, which bundles every NLTK data folder found
on the build machine. The app works without NLTK data (the sample corpora menu says none were
found); data beside the app or on the user's NLTK path is used (see the runtime hook)."""

from PyInstaller.utils.hooks import collect_data_files

# nltk/__init__.py reads its VERSION file at import; nothing else of the package's data is needed.
datas = collect_data_files("nltk", include_py_files=False, includes=["VERSION"])
