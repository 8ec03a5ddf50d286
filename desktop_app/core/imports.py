"""One lock for importing the heavy libraries from more than one thread.

Python imports each module under its own lock, but packages whose modules import one another
(NLTK, scikit-learn, SciPy, LIME, matplotlib) can hand a second thread a half-initialised module
while the first is still running it: an ``ImportError`` ("partially initialized module ...
circular import") or a module without its attributes. The app imports them on several threads
at once -- the Dataset tab looks for NLTK corpora, the Explain tab warms LIME up, the model
worker trains a BiLSTM (NLTK) or a head (scikit-learn) -- so each of those imports runs inside
:func:`heavy_imports`, one thread at a time::

    with heavy_imports():
        from nltk.tokenize import TreebankWordTokenizer

Re-entrant, so an import under the lock may call code that takes it again. Importing a module
that is already loaded costs a dictionary lookup, so the lock is cheap after the first time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.RLock()


@contextmanager
def heavy_imports() -> Iterator[None]:
    """Hold the process's heavy-import lock for the ``with`` block."""
    with _LOCK:
        yield
