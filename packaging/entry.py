"""Entry script of the frozen app (PyInstaller runs this as ``__main__``)."""

import multiprocessing
import sys

from desktop_app.__main__ import main

if __name__ == "__main__":
    # Child processes of a frozen app re-run the executable; this hands them to multiprocessing.
    multiprocessing.freeze_support()
    sys.exit(main())
