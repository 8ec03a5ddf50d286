#!/usr/bin/env bash
# Pack dist/sentiment-studio/ (built by packaging/build.sh) into
# dist/sentiment-studio_<version>_<arch>.deb with dpkg-deb:
#   /opt/sentiment-studio/                          the one-folder app
#   /usr/bin/sentiment-studio                       launcher on the PATH
#   /usr/share/applications/sentiment-studio.desktop   menu entry (from resources/*.desktop.in)
#   /usr/share/icons/hicolor/<size>/apps/sentiment-studio.png (+ scalable .svg)
#   /usr/share/mime/packages/sentiment-studio.xml   the .sstudio project type
# Compression: zstd level 3 (DEB_COMPRESS=gzip uses gzip -1): xz on a 1 GB tree is far slower.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
HERE=packaging/linux
APP=dist/sentiment-studio
[[ -x "$APP/sentiment-studio" ]] || { echo "error: $APP/sentiment-studio not found: run packaging/build.sh first" >&2; exit 2; }

VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)"
ARCH="$(dpkg --print-architecture)"
STAGE=build/deb/root
OUT="dist/sentiment-studio_${VERSION}_${ARCH}.deb"

rm -rf build/deb
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/mime/packages" "$STAGE/usr/share/icons/hicolor/scalable/apps"
# Hard links when possible: no 1 GB copy (the stage lives on the same disk as dist/).
cp -al "$APP" "$STAGE/opt/sentiment-studio" 2>/dev/null || cp -a "$APP" "$STAGE/opt/sentiment-studio"
install -m 755 "$HERE/sentiment-studio.sh" "$STAGE/usr/bin/sentiment-studio"
sed 's|@EXEC@|sentiment-studio|' resources/sentiment-studio.desktop.in \
    >"$STAGE/usr/share/applications/sentiment-studio.desktop"
chmod 644 "$STAGE/usr/share/applications/sentiment-studio.desktop"
install -m 644 "$HERE/sentiment-studio-mime.xml" "$STAGE/usr/share/mime/packages/sentiment-studio.xml"
for png in resources/icons/sentiment-studio-*.png; do
    size="${png##*-}"; size="${size%.png}"
    install -D -m 644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/sentiment-studio.png"
done
install -m 644 resources/icons/sentiment-studio.svg \
    "$STAGE/usr/share/icons/hicolor/scalable/apps/sentiment-studio.svg"
install -m 755 "$HERE/debian/postinst" "$HERE/debian/postrm" "$STAGE/DEBIAN/"

# The bundle carries its own Python, Qt (with the X11/xcb libraries) and torch. From the system
# it needs the C library (the libraries PyInstaller copied from the build machine, Debian 12,
# use symbols up to GLIBC_2.36), OpenGL/EGL and libxcb, which PyInstaller never bundles because
# they must match the system's drivers and X server, and fonts through fontconfig-config.
# Wayland, KMS and GTK-theme plugins load only when their system libraries exist.
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: sentiment-studio
Version: ${VERSION}
Architecture: ${ARCH}
Maintainer: Sentiment Studio developers <sentiment-studio@localhost>
Installed-Size: ${INSTALLED_KB}
Depends: ${DEB_DEPENDS:-libc6 (>= 2.36), libgl1, libegl1, libxcb1, fontconfig-config}
Recommends: shared-mime-info, desktop-file-utils, hicolor-icon-theme, libwayland-client0, libwayland-cursor0, libwayland-egl1
Section: science
Priority: optional
Description: label, train, predict and explain text sentiment
 Sentiment Studio is a desktop app for analysts who label and classify text
 by sentiment: open a data file, train a model (a bundled MiniLM encoder works
 offline), predict single texts or whole files, and see why with LIME word
 highlighting. Self-contained: Python, Qt and a CPU build of torch are included.
CONTROL

T=$SECONDS
if [[ "${DEB_COMPRESS:-zstd}" == gzip ]]; then
    nice -n 10 dpkg-deb --root-owner-group -Zgzip -z1 --build "$STAGE" "$OUT" >/dev/null
else
    nice -n 10 dpkg-deb --root-owner-group -Zzstd -z3 --threads-max=2 --build "$STAGE" "$OUT" >/dev/null
fi
rm -rf build/deb
echo "deb: $OUT  $(du -h "$OUT" | cut -f1)  (packed in $((SECONDS - T)) s, installed size $((INSTALLED_KB / 1024)) MiB)"
