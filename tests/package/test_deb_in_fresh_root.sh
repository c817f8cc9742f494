#!/usr/bin/env bash
# The Debian package in a fresh Debian 12 root made by debootstrap: `apt install ./ditstream_*.deb`
# takes its Depends from the archive, then, with no environment variables set: gst-inspect-1.0
# ditstreamsrc, the README's 48-frame MP4 pipeline (decoded back: 48 frames), and a C program
# built with `pkg-config ditstream-1.0` that builds and parses the set-prompt event.
# Not in CI (it downloads a Debian root and libtorch): run it as root, by hand; the README records
# the last run. Usage: tests/package/test_deb_in_fresh_root.sh build-deb/ditstream_*.deb [ROOT]
set -euo pipefail
deb="$(realpath "${1:?usage: $0 PACKAGE.deb [ROOT]}")"
root="${2:-/tmp/ditstream-fresh-root}"
here="$(cd "$(dirname "$0")" && pwd)"
command -v debootstrap > /dev/null || apt-get install -y -qq debootstrap
[[ -x "$root/usr/bin/apt-get" ]] \
  || debootstrap --variant=minbase bookworm "$root" "${MIRROR:-http://deb.debian.org/debian}"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc"' EXIT
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$here/../e2e/data/send_event.c" "$root/tmp/"

chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEB="/tmp/$(basename "$deb")" /bin/bash -euo pipefail -c '
apt-get update -qq
# The package as a user installs it (Depends and Recommends: gst-launch, x264enc, mp4mux), then
# what the C app needs: a compiler, pkg-config and the GStreamer headers.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB" > /tmp/apt.log
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev \
  pkg-config libgstreamer1.0-dev >> /tmp/apt.log
gst-inspect-1.0 ditstreamsrc | grep -E "^  (Long-name|Filename)"
gst-launch-1.0 -q -e ditstreamsrc num-buffers=48 ! videoconvert ! x264enc ! mp4mux \
  ! filesink location=/tmp/a.mp4
gst-launch-1.0 -q filesrc location=/tmp/a.mp4 ! decodebin ! videoconvert \
  ! video/x-raw,format=GRAY8 ! filesink location=/tmp/a.gray
frames=$(( $(stat -c %s /tmp/a.gray) / (96 * 64) ))
[[ $frames == 48 ]] || { echo "FAIL: a.mp4 has $frames frames, not 48"; exit 1; }
echo "ok: a.mp4, 48 frames"
cc /tmp/send_event.c $(pkg-config --cflags --libs ditstream-1.0) -o /tmp/send_event
/tmp/send_event
'
echo "ok: the package works in a fresh Debian 12 root"
