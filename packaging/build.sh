#!/usr/bin/env bash
# Build the one-folder app with PyInstaller from a fresh virtual environment, then the .deb.
#
#   packaging/build.sh            venv (reused while its inputs are unchanged) + bundle + .deb
#   packaging/build.sh --no-deb   venv + bundle only (what Windows/macOS builds do by hand)
#
# Outputs: dist/sentiment-studio/ (executable dist/sentiment-studio/sentiment-studio) and
# dist/sentiment-studio_<version>_<arch>.deb. Work files stay under build/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="${PACKAGE_VENV:-build/package-venv}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
TEST_VENV="${TEST_VENV:-.venv}"
NICE=(nice -n 10)
MAKE_DEB=1
[[ "${1:-}" == "--no-deb" ]] && MAKE_DEB=0

log() { printf '\n== %s\n' "$*" >&2; }
START=$SECONDS

# -- 1. a fresh virtual environment with only the app's runtime dependencies ---------------
# The requirements come from pyproject.toml; when the test environment exists its exact
# versions are used as constraints, so we bundle what `make test` tested and pip takes the
# wheels from its cache instead of resolving (and downloading) newer ones.
mkdir -p build
REQS=build/package-requirements.txt
CONSTRAINTS=build/package-constraints.txt
"$PYTHON" - "$REQS" <<'PY'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
deps = project["dependencies"] + project["optional-dependencies"]["package"]
deps.append("pyinstaller-hooks-contrib>=2024.0")
open(sys.argv[1], "w").write("\n".join(deps) + "\n")
PY
if [[ -x "$TEST_VENV/bin/python" ]]; then
    "$TEST_VENV/bin/python" -m pip freeze --exclude-editable 2>/dev/null \
        | grep -v -e '^-e ' -e ' @ ' -e '^torch==' >"$CONSTRAINTS" || true
else
    : >"$CONSTRAINTS"
fi
KEY="$( { echo "$TORCH_SPEC"; "$PYTHON" --version; cat "$REQS" "$CONSTRAINTS"; } \
    | "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])')"
if [[ ! -f "$VENV/.stamp" || "$(cat "$VENV/.stamp")" != "$KEY" ]]; then
    log "creating $VENV (no system site-packages)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    pip_install() {
        # (pip warns about every package missing from a local extra index: not useful here)
        "${NICE[@]}" "$VENV/bin/python" -m pip install --quiet "$@" \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    }
    pip_install --upgrade pip
    # The pinned CPU torch first: an open range would pull a multi-GB CUDA build.
    pip_install "$TORCH_SPEC"
    pip_install -r "$REQS" -c "$CONSTRAINTS"
    echo "$KEY" >"$VENV/.stamp"
else
    log "reusing $VENV"
fi
log "venv ready after $((SECONDS - START)) s"

# -- 2. the one-folder bundle ---------------------------------------------------------------
# The work path is kept between builds so an unchanged dependency set is not re-analysed.
log "PyInstaller"
T=$SECONDS
PYTHONWARNINGS="ignore::DeprecationWarning,ignore::FutureWarning" \
    "${NICE[@]}" "$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/sentiment_studio.spec
log "bundle built in $((SECONDS - T)) s"
du -sh dist/sentiment-studio | awk '{print "bundle size: " $1 "  (dist/sentiment-studio)"}'

# -- 3. the .deb ----------------------------------------------------------------------------
if [[ "$MAKE_DEB" == 1 ]]; then
    packaging/linux/make_deb.sh
fi
log "package build finished in $((SECONDS - START)) s"
