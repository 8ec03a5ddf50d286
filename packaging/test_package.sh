#!/usr/bin/env bash
# make test-package: build (reusing the package venv and PyInstaller's work folder), install the
# .deb with apt-get, run the installed app's self-test and start-up, validate the desktop entry
# and MIME type, then remove and purge the package and check that nothing is left behind.
# Needs root (or sudo) for apt-get. SKIP_BUILD=1 re-tests the bundle already in dist/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
START=$SECONDS
PYTHON="${PYTHON:-python3}"
SUDO=()
[[ "$(id -u)" == 0 ]] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
log() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - START))" >&2; }
fail() { echo "test-package FAILED: $*" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    # Re-test the bundle already in dist/ (only the .deb is packed again).
    packaging/linux/make_deb.sh
else
    packaging/build.sh
fi
DEB="$(ls -t dist/sentiment-studio_*.deb | head -n 1)"
[[ -f "$DEB" ]] || fail "no .deb in dist/"

log "tools: desktop-file-utils"
if ! command -v desktop-file-validate >/dev/null; then
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends desktop-file-utils >/dev/null
fi

cleanup() {
    if dpkg -s sentiment-studio >/dev/null 2>&1; then
        "${SUDO[@]}" apt-get purge -y -qq sentiment-studio >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
cleanup  # a package left over from an interrupted run

log "apt-get install ./$DEB"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "./$DEB" >/dev/null \
    || fail "apt-get install ./$DEB failed"
for path in /opt/sentiment-studio/sentiment-studio /usr/bin/sentiment-studio \
    /usr/share/applications/sentiment-studio.desktop \
    /usr/share/icons/hicolor/256x256/apps/sentiment-studio.png \
    /usr/share/icons/hicolor/scalable/apps/sentiment-studio.svg \
    /usr/share/mime/packages/sentiment-studio.xml; do
    [[ -e "$path" ]] || fail "$path was not installed"
done
[[ "$(command -v sentiment-studio)" == /usr/bin/sentiment-studio ]] \
    || fail "sentiment-studio is not on the PATH"

log "desktop entry and MIME type"
desktop-file-validate /usr/share/applications/sentiment-studio.desktop \
    || fail "desktop-file-validate rejected the desktop entry"
grep -q 'application/x-sentiment-studio-project:\*\.sstudio' /usr/share/mime/globs2 \
    || fail "*.sstudio is not in the MIME database (update-mime-database did not run?)"
grep -q 'application/x-sentiment-studio-project=.*sentiment-studio.desktop' \
    /usr/share/applications/mimeinfo.cache \
    || fail "the desktop entry is not registered for .sstudio files (update-desktop-database)"

# A clean user: no settings, no NLTK data, no Hugging Face cache, no network.
USER_HOME="$(mktemp -d)"
trap 'rm -rf "$USER_HOME"; cleanup' EXIT
run_as_user() {
    (cd "$USER_HOME" && env -i PATH=/usr/bin:/bin HOME="$USER_HOME" LANG=C.UTF-8 "$@")
}

log "installed app: self-test"
run_as_user sentiment-studio self-test --report "$USER_HOME/self-test.json" \
    || fail "the installed app's self-test failed (see above)"

log "installed app: GUI start-up"
out="$(run_as_user env QT_QPA_PLATFORM=offscreen SENTIMENT_STUDIO_EXIT_AFTER_SHOW=1 \
    timeout 120 sentiment-studio)" || fail "the installed app did not start and close cleanly"
grep -q "window visible" <<<"$out" || fail "the main window was not shown: $out"
echo "$out"

log "installed app: NLTK data absent, then beside the app"
# Without NLTK data the app works and says what is missing (exit 2, a one-line reason).
set +e
run_as_user sentiment-studio inspect nltk:sentence_polarity >/dev/null 2>"$USER_HOME/nltk.err"
rc=$?
set -e
[[ $rc == 2 ]] && grep -q "not on the NLTK data path" "$USER_HOME/nltk.err" \
    || fail "without NLTK data, expected exit 2 and advice, got $rc: $(cat "$USER_HOME/nltk.err")"
# A corpus in /opt/sentiment-studio/nltk_data (beside the executable) is found.
"${SUDO[@]}" mkdir -p /opt/sentiment-studio/nltk_data/corpora
"${SUDO[@]}" "$PYTHON" - <<'PY'
import zipfile
with zipfile.ZipFile("/opt/sentiment-studio/nltk_data/corpora/sentence_polarity.zip", "w") as z:
    z.writestr("sentence_polarity/rt-polarity.pos", "a warm and lovely film .\nfunny and kind .\n")
    z.writestr("sentence_polarity/rt-polarity.neg", "a dull and tired mess .\nboring to the end .\n")
PY
rows="$(run_as_user sentiment-studio inspect nltk:sentence_polarity --json 2>/dev/null \
    | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["rows"])')" || rows=""
"${SUDO[@]}" rm -rf /opt/sentiment-studio/nltk_data
[[ "$rows" == 4 ]] || fail "the NLTK corpus beside the app was not read (rows: '$rows')"

log "apt-get remove"
"${SUDO[@]}" apt-get remove -y -qq sentiment-studio >/dev/null || fail "apt-get remove failed"
for path in /opt/sentiment-studio /usr/bin/sentiment-studio \
    /usr/share/applications/sentiment-studio.desktop /usr/share/mime/packages/sentiment-studio.xml \
    /usr/share/icons/hicolor/256x256/apps/sentiment-studio.png; do
    [[ ! -e "$path" ]] || fail "$path is still there after apt-get remove"
done
! grep -q 'sentiment-studio' /usr/share/mime/globs2 || fail "the MIME database still has *.sstudio"
"${SUDO[@]}" apt-get purge -y -qq sentiment-studio >/dev/null || fail "apt-get purge failed"
if dpkg -s sentiment-studio >/dev/null 2>&1; then
    fail "dpkg still knows sentiment-studio after purge"
fi
[[ ! -e /opt/sentiment-studio ]] || fail "/opt/sentiment-studio is still there after purge"
log "test-package passed"
