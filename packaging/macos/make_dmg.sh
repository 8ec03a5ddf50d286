#!/usr/bin/env bash
# macOS: build "dist/Sentiment Studio.app" (the BUNDLE in packaging/sentiment_studio.spec) and
# pack it into dist/sentiment-studio-<version>-macos-<arch>.dmg with hdiutil.
#
#   packaging/macos/make_dmg.sh                 build the app (packaging/build.sh --no-deb), then the .dmg
#   packaging/macos/make_dmg.sh --skip-build    only the .dmg from an existing .app
#
# Optional signing and notarisation (needed for Gatekeeper on other Macs):
#   CODESIGN_IDENTITY="Developer ID Application: ..."  signs the .app and the .dmg
#   NOTARY_PROFILE=<keychain profile of `xcrun notarytool store-credentials`>  notarises + staples
# Build on the architecture you ship (arm64 on Apple silicon, x86_64 on Intel): PyInstaller
# does not cross-build, and torch wheels are per architecture.
set -euo pipefail
[[ "$(uname -s)" == Darwin ]] || { echo "error: make_dmg.sh runs on macOS only (hdiutil)" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)"
APP_NAME="$(sed -n 's/^APP_NAME = "\(.*\)"/\1/p' desktop_app/__init__.py)"
APP="dist/${APP_NAME}.app"
DMG="dist/sentiment-studio-${VERSION}-macos-$(uname -m).dmg"

if [[ "${1:-}" != "--skip-build" ]]; then
    packaging/build.sh --no-deb
fi
[[ -d "$APP" ]] || { echo "error: $APP not found: build it first (packaging/build.sh --no-deb)" >&2; exit 2; }

# The frozen app must pass its own self-test before it is shipped.
"$APP/Contents/MacOS/sentiment-studio" self-test

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
fi

STAGE="build/dmg"
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"  # drag-to-install
hdiutil create -volname "${APP_NAME} ${VERSION}" -srcfolder "$STAGE" -fs HFS+ \
    -format UDZO -imagekey zlib-level=6 -ov "$DMG"
rm -rf "$STAGE"
hdiutil verify "$DMG"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
        xcrun stapler staple "$DMG"
    fi
fi
du -h "$DMG"
