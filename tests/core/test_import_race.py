"""Heavy libraries imported from several threads at once (as the app does at start-up) arrive
whole: no "partially initialized module" and no module without its attributes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NLTK_DATA = ROOT.parent / "shared" / "data" / "nltk_data"

SCRIPT = """
import sys, threading
from desktop_app.core.data import samples
from desktop_app.core.models.bilstm import TextPipeline
from desktop_app.core.training.metrics import evaluate_probs
from desktop_app.core.explain import long_text
import numpy as np

errors = []
start = threading.Barrier(4)

def run(fn):
    start.wait()
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001
        errors.append(f"{type(exc).__name__}: {exc}")

jobs = [
    samples.available_corpora,                      # the Dataset tab's corpora lookup: nltk
    lambda: TextPipeline(remove_stopwords=True),    # the BiLSTM's tokenizer: nltk
    lambda: evaluate_probs(np.array([[0.2, 0.8]]), ["b"], ["a", "b"]),  # scikit-learn
    lambda: __import__("desktop_app.core.explain.explainer"),
]
threads = [threading.Thread(target=run, args=(fn,)) for fn in jobs]
for t in threads: t.start()
for t in threads: t.join()
print("\\n".join(errors))
sys.exit(1 if errors else 0)
"""


@pytest.mark.parametrize("attempt", range(3))
def test_threads_importing_nltk_and_sklearn_at_once(attempt):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if NLTK_DATA.is_dir():
        env["NLTK_DATA"] = str(NLTK_DATA)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
