#!/usr/bin/env bash
# Run on a Debian 12 machine with the project built (build/): gathers what a core-only build on a
# bare CUDA machine needs and PyTorch does not bring (../../shared/GPU.md) into DEST (default
# build-deps/, git-ignored), about 10 MB:
#   usr/          the Debian packages' files (dpkg -x): SentencePiece (library and headers),
#                 nlohmann-json, libpng and zlib headers, GoogleTest
#   tiny-spiece.model   the tiny test model's tokenizer (the GPU machine has no spm_train)
#   golden/, data/t5-tokenizer/   from ../shared: the golden cases of the gpu tests and the T5
#                 tokenizer of make-random (never committed: build-deps/ is ignored)
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=$(realpath -m "${1:-build-deps}")
packages=(libsentencepiece0 libsentencepiece-dev nlohmann-json3-dev libpng-dev libpng16-16
  zlib1g zlib1g-dev libgtest-dev)

rm -rf "$dest" && mkdir -p "$dest/debs"
(cd "$dest/debs" && apt-get download "${packages[@]}")
for deb in "$dest"/debs/*.deb; do dpkg -x "$deb" "$dest"; done
rm -rf "$dest"/debs "$dest"/usr/share/{doc,lintian,man} "$dest"/usr/src
# Absolute links (libz.so -> /lib/...) would point into the GPU machine's own system: make them
# relative, inside DEST.
find "$dest" -type l | while read -r link; do
  target=$(readlink "$link")
  if [[ $target == /* ]]; then
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dest$target")" "$link"
  fi
done
cp build/models/tiny/tokenizer/spiece.model "$dest/tiny-spiece.model"
shared=${DITSTREAM_SHARED_DIR:-../shared}
cp -r "$shared/golden" "$dest/golden"
mkdir -p "$dest/data" && cp -r "$shared/data/t5-tokenizer" "$dest/data/"
du -sh "$dest"
