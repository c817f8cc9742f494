#pragma once
// The element's one debug category, "ditstreamsrc" (defined in gstditstreamsrc.cpp).

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(ditstream_src_debug);
#define GST_CAT_DEFAULT ditstream_src_debug
