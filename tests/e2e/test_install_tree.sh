#!/usr/bin/env bash
# `cmake --install` into a staging root (DESTDIR), then everything runs from there alone: the
# plugin from GStreamer's plugin folder (RUNPATHs relative to it, none into the build tree),
# gst-inspect-1.0 shows no build path, the default model is the installed shapes-demo, a
# pipeline renders with no model property, and a C app built from `pkg-config ditstream-1.0`
# builds and parses the control event.
source "$(dirname "$0")/e2e_lib.sh" "$@"
command -v cc > /dev/null || { echo "skip: no C compiler"; exit "$SKIP"; }
[[ -d "$BUILD_DIR/models/shapes-demo/tokenizer" ]] || { echo "skip: no shapes-demo model"; exit "$SKIP"; }

stage="$TMP/root"
DESTDIR="$stage" cmake --install "$BUILD_DIR" > "$TMP/install.log" \
  || fail "install: $(tail "$TMP/install.log")"
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt"; }
prefix="$(cache CMAKE_INSTALL_PREFIX)"
plugins="$(cache DITSTREAM_GST_PLUGINS_DIR)"
[[ "$plugins" == /* ]] || plugins="$prefix/$plugins"
plugin="$stage$plugins/libgstditstream.so"
[[ -f "$plugin" ]] || fail "no plugin at $plugin"
! readelf -d "$plugin" | grep -q "$BUILD_DIR" || fail "the plugin's RUNPATH names the build tree"
echo "ok: plugin at $plugins"

# Only the staging root: no GST_PLUGIN_PATH into the build tree, the model found by the plugin.
run() {
  env -i PATH=/usr/bin:/bin HOME="$TMP" GST_PLUGIN_PATH_1_0="$stage$plugins" \
    GST_REGISTRY_1_0="$TMP/registry.bin" "$@"
}
run gst-inspect-1.0 ditstreamsrc > "$TMP/inspect.txt" || fail "gst-inspect: $(tail "$TMP/inspect.txt")"
! grep -q "$BUILD_DIR" "$TMP/inspect.txt" || fail "gst-inspect shows the build tree"
grep -A1 '^  model ' "$TMP/inspect.txt" | tail -1
run "$stage$prefix/bin/ditstream" info > "$TMP/info.txt" || fail "info: $(tail "$TMP/info.txt")"
model_line="$(head -1 "$TMP/info.txt")"
[[ "$model_line" == "$stage$prefix/share/ditstream/models/shapes-demo: "* ]] \
  || fail "default model: $model_line"
echo "ok: default model $model_line"
run gst-launch-1.0 -e ditstreamsrc num-buffers=3 steps=1 ! videoconvert \
  ! video/x-raw,format=GRAY8 ! filesink location="$TMP/frames.gray" > "$TMP/launch.log" 2>&1 \
  || fail "gst-launch: $(tail "$TMP/launch.log")"
size=$(stat -c %s "$TMP/frames.gray")
(( size > 0 && size % 3 == 0 )) || fail "frames: $size bytes"
echo "ok: 3 frames, $((size / 3)) bytes each"

libdir="$(cache CMAKE_INSTALL_LIBDIR)"
# Our .pc file with its prefix moved into the staging root (GStreamer's stay where they are).
mkdir "$TMP/pc"
sed "s|^prefix=.*|prefix=$stage$prefix|" "$stage$prefix/$libdir/pkgconfig/ditstream-1.0.pc" \
  > "$TMP/pc/ditstream-1.0.pc"
flags="$(PKG_CONFIG_PATH="$TMP/pc" pkg-config --cflags --libs ditstream-1.0)" \
  || fail "pkg-config ditstream-1.0"
# shellcheck disable=SC2086
cc "$ROOT/tests/e2e/data/send_event.c" $flags -o "$TMP/send_event" || fail "cc $flags"
out="$(LD_LIBRARY_PATH="$stage$prefix/$libdir" "$TMP/send_event")" || fail "send_event"
expect_eq "app's event" "$out" "prompt=a red circle moving right frame=25 meta-api=DitstreamFrameMetaAPI"

typelibs="$stage$prefix/$libdir/girepository-1.0"
[[ -f "$typelibs/Ditstream-1.0.typelib" ]] || { echo "no typelib installed (no g-ir-scanner)"; exit 0; }
python_out="$(GI_TYPELIB_PATH="$typelibs" LD_LIBRARY_PATH="$stage$prefix/$libdir" /usr/bin/python3 -c '
import gi
gi.require_version("Gst", "1.0")
gi.require_version("Ditstream", "1.0")
from gi.repository import Ditstream, Gst
Gst.init(None)
event = Ditstream.event_new_set_prompt("a blue square", 49)
print(event.get_structure().get_int64("frame")[1], Ditstream.buffer_get_frame_meta(Gst.Buffer.new()))
')" || fail "python through the installed typelib"
expect_eq "python through the installed typelib" "$python_out" "49 None"
