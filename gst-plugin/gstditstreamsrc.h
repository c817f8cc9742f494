#pragma once
// GObject declaration of ditstreamsrc. All C++ state lives behind `impl` (GObject zero-fills
// the instance and never runs constructors).

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DITSTREAM_SRC (gst_ditstream_src_get_type())
G_DECLARE_FINAL_TYPE(GstDitstreamSrc, gst_ditstream_src, GST, DITSTREAM_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(ditstreamsrc);

G_END_DECLS

namespace ditstream {
class SrcImpl;
}

struct _GstDitstreamSrc {
  GstPushSrc parent;
  ditstream::SrcImpl* impl;
};
