// The ditstream plugin: registers ditstreamsrc. Nothing heavy here (no model, no torch init):
// gst-plugin-scanner loads this for every registry scan.
#include "gst-plugin/gstditstreamsrc.h"

#ifndef PACKAGE
#define PACKAGE "ditstream"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(ditstreamsrc, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, ditstream,
                  "Prompt-steerable text-to-video streams (CogVideoX, Wan2.1 + DiTCtrl)",
                  plugin_init, "0.1.0", "LGPL", "ditstream",
                  "https://github.com/ditstream/ditstream")
