/* An app built against the installed libditstream-1.0 only (pkg-config ditstream-1.0): builds
 * the set-prompt event, parses it back and prints its fields. */
#include <ditstream/ditstream-event.h>
#include <ditstream/ditstream-meta.h>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  GstEvent* event = ditstream_event_new_set_prompt("a red circle moving right", 25);
  DitstreamSetPrompt parsed;
  GError* error = NULL;
  if (!ditstream_event_parse_set_prompt(event, &parsed, &error)) {
    g_printerr("parse: %s\n", error->message);
    return 1;
  }
  g_print("prompt=%s frame=%" G_GINT64_FORMAT " meta-api=%s\n", parsed.prompt, parsed.frame,
          g_type_name(ditstream_frame_meta_api_get_type()));
  ditstream_set_prompt_clear(&parsed);
  gst_event_unref(event);
  return 0;
}
