#!/usr/bin/env bash
# Installs every Debian 12 package ditstream needs to build, test and run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libtorch-dev
  libgloo-dev  # the headers of c10d's Gloo backend (parallel ranks on the CPU)
  # Debian's libtorch links the generic BLAS interface; without an optimised
  # provider it falls back to the reference BLAS, ~30x slower on matmuls.
  libopenblas0-pthread
  libsentencepiece-dev sentencepiece libpng-dev
  nlohmann-json3-dev
  libgtest-dev googletest
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-plugins-base-apps  # gst-discoverer-1.0
  # pipelines/: RTSP server, Python example and contact sheet, RTMP round-trip test
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0
  gobject-introspection libgirepository1.0-dev  # Ditstream-1.0.typelib of libditstream-1.0
  nginx libnginx-mod-rtmp  # the e2e test runs its own nginx on 127.0.0.1
  # ditstream-control --http (libsoup 3) and its browser test (headless Chromium via Selenium)
  libsoup-3.0-dev gstreamer1.0-nice chromium chromium-driver python3-selenium curl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
