#pragma once
// The GObject properties of ditstreamsrc and their mapping onto SessionSettings.

#include "gst-plugin/src_impl.h"

#include <glib-object.h>

namespace ditstream {

void install_src_properties(GObjectClass* klass);
// False for an unknown property id. A property that applies at start set while PAUSED or
// PLAYING is kept for the next start, with a warning on the bus naming it (`name`).
bool set_src_property(GstBaseSrc* src, SrcImpl& impl, guint id, const GValue* value,
                      const char* name);
bool get_src_property(GstBaseSrc* src, const SrcImpl& impl, guint id, GValue* value);

}  // namespace ditstream
