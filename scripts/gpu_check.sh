#!/usr/bin/env bash
# The GPU path, proven on a GPU: the tests marked `gpu` and the GPU benchmark, in one run of
# about 8 minutes on a machine with an NVIDIA GPU, Python 3.12, torch with CUDA, transformers,
# scikit-learn, pandas and pyarrow -- no internet, no GUI, no Ray.
#
#   scripts/gpu_check.sh OUTDIR [MINILM_FP16_DIR]
#
# OUTDIR gets the log (gpu_check.log), the tests' report (gpu_tests.xml, gpu_tests.log), the
# benchmark's figures (gpu_bench.json, gpu_section.md) and a copy of docs/benchmarks.md with its
# "gpu" section rewritten. MINILM_FP16_DIR: the bundled MiniLM as fp16 safetensors (make it with
# `python scripts/make_fp16_minilm.py DIR` where the app is installed); without it the bundled
# package is used when installed, else a randomly initialised model of MiniLM's size (speed
# figures only). Missing small packages (lime, vaderSentiment, pytest) are installed from the
# wheels in scripts/gpu_wheels/ (see its README) into a temporary folder, not into the system.
# Without a CUDA GPU it prints "no CUDA GPU: skipped", writes no section and exits 0.
# GPU_CHECK_ALLOW_CPU=1 goes through every step on a CPU to check the script itself (the tests
# skip, the benchmark runs tiny sizes and writes no section).
set -uo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
FP16=
if [ -n "${2:-}" ]; then
    if [ ! -f "$2/model.safetensors" ]; then
        echo "error: $2 has no model.safetensors (make it with scripts/make_fp16_minilm.py)" >&2
        exit 2
    fi
    FP16=$(cd "$2" && pwd)
fi
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=${PYTHON:-python3}
WHEELS=${GPU_WHEELS:-$HERE/gpu_wheels}
LOG="$OUT/gpu_check.log"

run() {
    cd "$ROOT" || return 1
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
    start=$(date +%s)
    echo "== gpu_check $(date -u +%Y-%m-%dT%H:%M:%SZ) in $ROOT"

    if ! "$PY" - <<'EOF'
import sys
try:
    import torch
except ImportError:
    print("torch is not installed")
    sys.exit(1)
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, available: {torch.cuda.is_available()}")
sys.exit(0 if torch.cuda.is_available() else 1)
EOF
    then
        if [ "${GPU_CHECK_ALLOW_CPU:-}" != 1 ]; then
            echo "no CUDA GPU: skipped"
            return 0
        fi
        echo "no CUDA GPU, but GPU_CHECK_ALLOW_CPU=1: checking the script on the CPU"
        cpu=--allow-cpu
    fi
    nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv 2>/dev/null || true

    # -- small packages that may be missing, from the wheels beside this script -----------------
    for pair in lime:lime vaderSentiment:vaderSentiment pytest:pytest pluggy:pluggy \
        iniconfig:iniconfig pygments:Pygments; do
        module=${pair%%:*}
        package=${pair##*:}
        if ! PYTHONPATH="$DEPS" "$PY" -c "import $module" 2>/dev/null; then
            echo "installing $package from $WHEELS"
            # --no-deps: lime's own requirements (scikit-image, matplotlib) are not needed to
            # explain text; vaderSentiment needs requests only for its demo
            if ! "$PY" -m pip install --quiet --no-index --no-deps --find-links "$WHEELS" \
                --target "$DEPS" "$package"; then
                echo "error: $package is missing and no wheel for it is in $WHEELS (see its README)"
                return 1
            fi
        fi
    done
    export PYTHONPATH="$ROOT:$DEPS${PYTHONPATH:+:$PYTHONPATH}"
    [ -n "$FP16" ] && export SSTUDIO_GPU_MINILM="$FP16"

    # -- the tests marked gpu ------------------------------------------------------------------
    echo "== tests marked gpu"
    timeout 240 "$PY" -m pytest tests/gpu -m gpu -o addopts="" -p no:cacheprovider -p no:pytest-qt \
        -W "ignore:Unknown config option" -q -rA --junitxml "$OUT/gpu_tests.xml" 2>&1 | tee "$OUT/gpu_tests.log"
    tests_rc=${PIPESTATUS[0]}
    summary=$(tail -n 1 "$OUT/gpu_tests.log" | sed 's/=//g; s/^ *//; s/ *$//')
    echo "tests: exit $tests_rc ($summary)"

    # -- the benchmark: writes the gpu section ---------------------------------------------------
    echo "== benchmark"
    timeout 300 "$PY" -m benchmarks.gpu_bench --out "$OUT" ${FP16:+--minilm "$FP16"} ${cpu:-} \
        --tests "$summary (exit $tests_rc)"
    bench_rc=$?
    echo "benchmark: exit $bench_rc"
    [ -z "${cpu:-}" ] && cp docs/benchmarks.md "$OUT/benchmarks.md"

    echo "== done in $(($(date +%s) - start)) s: tests exit $tests_rc, benchmark exit $bench_rc"
    [ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
}

DEPS=$(mktemp -d)
trap 'rm -rf "$DEPS"' EXIT
cpu=
run 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
