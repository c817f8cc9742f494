#pragma once
// The GObject properties of ditstreamsrc and their mapping onto SessionSettings.

#include "gst-plugin/src_impl.h"

#include <glib-object.h>

namespace ditstream {

void install_src_properties(GObjectClass* klass);
// False for an unknown property id.
bool set_src_property(GstBaseSrc* src, SrcImpl& impl, guint id, const GValue* value);
bool get_src_property(GstBaseSrc* src, const SrcImpl& impl, guint id, GValue* value);

}  // namespace ditstream
