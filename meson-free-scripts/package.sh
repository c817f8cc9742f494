#!/usr/bin/env bash
# Builds the Debian package build-deb/ditstream_<version>_<arch>.deb: a Release build of what
# `cmake --install` installs, with the prefix /usr, packed by CPack (Depends from dpkg-shlibdeps).
# Needs setup.sh's packages plus dpkg-dev. Extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
# Reuse build/'s compiled objects: ccache keys without the build folder's path.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr "$@"
# Only what is installed (no tests, no bench).
cmake --build build-deb -j "${DITSTREAM_BUILD_JOBS:-$(nproc)}" --target ditstream demo-model \
  gstditstream ditstream-gst-api ditstream-gir ditstream-control ditstream-rtsp-server
(cd build-deb && cpack -G DEB)
ls build-deb/ditstream_*.deb
