# shellcheck shell=bash disable=SC2034
# Sourced by the pipeline scripts: finds the build tree's plugin through a private registry.
# BUILD_DIR (default: <repo>/build) selects the build tree.
DITSTREAM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$DITSTREAM_ROOT/build}"
if [[ ! -e "$BUILD_DIR/gst-plugins/libgstditstream.so" ]]; then
  echo "no plugin in $BUILD_DIR/gst-plugins: build first (meson-free-scripts/build.sh)" >&2
  exit 1
fi
export GST_PLUGIN_PATH="$BUILD_DIR/gst-plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_REGISTRY="${GST_REGISTRY:-$BUILD_DIR/gst-registry.bin}"
source "$DITSTREAM_ROOT/meson-free-scripts/cpu_env.sh"

# Source properties shared by every script (override in the environment).
STEPS="${STEPS:-20}"
NUM_BUFFERS="${NUM_BUFFERS:--1}"
SCHEDULE="${SCHEDULE:-@$DITSTREAM_ROOT/pipelines/demo_prompts.txt}"
read -ra src_extra <<< "${SRC_EXTRA:-}"  # space-separated name=value pairs
SRC_PROPS=(steps="$STEPS" num-buffers="$NUM_BUFFERS" "${src_extra[@]}")
