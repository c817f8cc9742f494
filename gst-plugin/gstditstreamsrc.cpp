/**
 * SECTION:element-ditstreamsrc
 * @title: ditstreamsrc
 *
 * An endless, prompt-steerable text-to-video stream. A CogVideoX diffusion transformer
 * generates latent windows one after another on its own thread; adjacent windows overlap and
 * are blended, and DiTCtrl's KV-sharing carries subjects and motion across prompt changes.
 * The output is `video/x-raw` (RGB, RGBA, I420 or NV12) at the model's frame size, square
 * pixels, progressive, at 8/1: CogVideoX's native rate. The frames are generated for that rate,
 * so it is the only one offered; put `videorate` after the element for another (stamping the
 * same frames at another rate would play their motion faster or slower).
 *
 * Without `model` the element uses the embedded shapes-demo model. The model loads
 * asynchronously when the element goes READY -> PAUSED (set_state returns at once; the load is
 * reported in GST_MESSAGE_PROGRESS messages with code "load"; a prompt sent meanwhile waits for
 * it). A missing folder is a RESOURCE NOT_FOUND error naming it, a broken one RESOURCE READ
 * naming the problem.
 *
 * Non-live (default): frames come as fast as they are generated, PTS = frame * duration, for
 * rendering to files. A flushing seek restarts the stream at the time sought: generation starts
 * again from frame 0 with the seed and the start-up prompts (`prompt`, `prompt-schedule`), so
 * the frames are those of the first run, and frames before the target are generated and
 * skipped (a seek costs the generation time up to it); prompts added at run time are not
 * replayed. The duration is num-buffers frames.
 *
 * With `is-live=true` the element paces itself on the pipeline clock (capture style): a frame
 * goes out in the next free frame slot, slots that pass while generation is late are skipped
 * and reported in QoS messages. The latency query answers one frame duration (a buffer goes out
 * within its slot) and no maximum; live streams are not seekable and have no fixed duration.
 *
 * ## Prompt control
 *
 * - the `prompt` property, set while playing;
 * - the action signal `set-prompt` (prompt, frame; frame -1: as soon as possible), which
 *   returns the prompt id or -1;
 * - the custom upstream event `ditstreamsrc-set-prompt` (build and parse it with
 *   `gst-plugin/ditstream-event.h`). Fields: `prompt` (string, required), `negative-prompt`
 *   (string), `subject-words` (string, comma-separated), `frame` (gint64) or `running-time`
 *   (guint64), `transition-windows` (gint, 0..64), `switch` (string), `motion` (string
 *   "DX,DY"), `transition` (string: blend or cut). Copies with the same seqnum (a tee
 *   upstream) apply once; a malformed event is refused (FALSE) with a CORE EVENT warning.
 *
 * Prompts are checked on the caller's thread: transition windows beyond 64, or with
 * `kv-sharing=mask-guided` subject words that are not among the prompt's T5 tokens, are
 * refused (the event returns FALSE, the signal -1, the property keeps its value) with a
 * warning naming the field. A prompt only the generation thread finds unusable (mask-guided
 * automatic subjects of a prompt without a content word) is dropped with a warning; the stream
 * goes on with the prompt before it.
 *
 * A prompt takes effect at the first window boundary at or after its frame (windows already
 * started keep their prompt), then `transition-windows` interpolated windows lead to it.
 *
 * ## Bus messages (GST_MESSAGE_ELEMENT)
 *
 * - `ditstreamsrc-prompt-applied`: prompt-id (gint64), prompt (string), transition (string:
 *   blend or cut), frame (gint64),
 *   pts (guint64), transition-weight (gdouble); with the first buffer of each prompt.
 * - `ditstreamsrc-window`: index, first-frame, frames, prompt-id, steps (gint64),
 *   transition-weight (gdouble), generation-time, video-duration (guint64, ns),
 *   realtime-factor (gdouble); after each generated window.
 * - `ditstreamsrc-transition`: phase ("start" or "end"), window, frame, from-prompt-id,
 *   to-prompt-id (gint64).
 *
 * Every buffer carries a #DitstreamFrameMeta (gst-plugin/ditstream-meta.h): prompt id,
 * transition weight and frame index.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e ditstreamsrc num-buffers=144 steps=20 \
 *     prompt-schedule=@pipelines/demo_prompts.txt \
 *     ! videoconvert ! x264enc ! mp4mux ! filesink location=demo.mp4
 * ]| Renders 18 s with two prompt changes to an mp4 file (`-e` finishes the file on Ctrl-C).
 * |[
 * gst-launch-1.0 ditstreamsrc is-live=true \
 *     prompt="a white square moving left slowly on a green background" \
 *     ! videoconvert ! autovideosink
 * ]| Shows the stream in real time, skipping frame slots when generation falls behind.
 */
#include "gst-plugin/gstditstreamsrc.h"

#include "gst-plugin/src_debug.h"
#include "gst-plugin/src_impl.h"
#include "gst-plugin/src_properties.h"

#include <gst/video/video.h>

#include <exception>
#include <optional>
#include <string>
#include <utility>

GST_DEBUG_CATEGORY(ditstream_src_debug);

G_DEFINE_TYPE(GstDitstreamSrc, gst_ditstream_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(ditstreamsrc, "ditstreamsrc", GST_RANK_NONE, GST_TYPE_DITSTREAM_SRC)

namespace {

using ditstream::SrcImpl;

SrcImpl& impl_of(gpointer src) { return *GST_DITSTREAM_SRC(src)->impl; }

// Runs `body`; any C++ exception becomes GST_ELEMENT_ERROR (it must not unwind through C).
template <typename Body, typename Result>
Result guarded(gpointer src, const char* where, Result on_error, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(src, LIBRARY, FAILED, ("%s", e.what()), ("in %s", where));
  } catch (...) {
    GST_ELEMENT_ERROR(src, LIBRARY, FAILED, ("unknown C++ exception"), ("in %s", where));
  }
  return on_error;
}

}  // namespace

static void gst_ditstream_src_set_property(GObject* object, guint id, const GValue* value,
                                           GParamSpec* pspec) {
  const bool known = guarded(object, "set_property", true, [&] {
    return ditstream::set_src_property(GST_BASE_SRC(object), impl_of(object), id, value,
                                       g_param_spec_get_name(pspec));
  });
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_ditstream_src_get_property(GObject* object, guint id, GValue* value,
                                           GParamSpec* pspec) {
  const bool known = guarded(object, "get_property", true, [&] {
    return ditstream::get_src_property(GST_BASE_SRC(object), impl_of(object), id, value);
  });
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static gint64 gst_ditstream_src_set_prompt(GstDitstreamSrc* src, const gchar* prompt,
                                           gint64 frame) {
  if (!prompt) return -1;
  return guarded(src, "set-prompt", gint64(-1), [&] {
    ditstream::PromptRequest request;
    request.text = prompt;
    request.frame = frame;
    return gint64(impl_of(src).add_prompt(request));
  });
}

static gboolean gst_ditstream_src_start(GstBaseSrc* base) {
  return guarded(base, "start", FALSE, [&] {
    impl_of(base).start();
    return TRUE;
  });
}

static gboolean gst_ditstream_src_stop(GstBaseSrc* base) {
  return guarded(base, "stop", FALSE, [&] {
    impl_of(base).stop();
    return TRUE;
  });
}

static gboolean gst_ditstream_src_unlock(GstBaseSrc* base) {
  return guarded(base, "unlock", FALSE, [&] {
    impl_of(base).unlock();
    return TRUE;
  });
}

static gboolean gst_ditstream_src_unlock_stop(GstBaseSrc* base) {
  return guarded(base, "unlock_stop", FALSE, [&] {
    impl_of(base).unlock_stop();
    return TRUE;
  });
}

static GstCaps* gst_ditstream_src_get_caps(GstBaseSrc* base, GstCaps* filter) {
  return guarded(base, "get_caps", static_cast<GstCaps*>(nullptr),
                 [&] { return impl_of(base).caps(filter); });
}

static GstCaps* gst_ditstream_src_fixate(GstBaseSrc* base, GstCaps* caps) {
  return guarded(base, "fixate", static_cast<GstCaps*>(nullptr),
                 [&] { return impl_of(base).fixate(caps); });
}

// The error is posted here, with no lock of the element held (a bus sync handler may call back
// into it), and not while flushing (a seek or shutdown, not a mismatch).
static gboolean gst_ditstream_src_negotiate(GstBaseSrc* base) {
  const auto failure = guarded(base, "negotiate", std::optional<std::string>(""),
                               [&] { return impl_of(base).negotiate(); });
  if (!failure) return TRUE;
  if (!failure->empty())
    GST_ELEMENT_ERROR(base, CORE, NEGOTIATION, ("%s", failure->c_str()),
                      ("ditstreamsrc outputs video/x-raw in RGB, RGBA, I420 or NV12 at the "
                       "model's frame size and 8/1, square pixels, progressive"));
  return FALSE;
}

static gboolean gst_ditstream_src_is_seekable(GstBaseSrc* base) {
  return guarded(base, "is_seekable", false, [&] { return impl_of(base).is_seekable(); });
}

static gboolean gst_ditstream_src_do_seek(GstBaseSrc* base, GstSegment* segment) {
  return guarded(base, "do_seek", FALSE, [&] {
    impl_of(base).seek(segment);
    return TRUE;
  });
}

static gboolean gst_ditstream_src_set_caps(GstBaseSrc* base, GstCaps* caps) {
  return guarded(base, "set_caps", FALSE, [&] {
    impl_of(base).set_caps(caps);
    return TRUE;
  });
}

static gboolean gst_ditstream_src_decide_allocation(GstBaseSrc* base, GstQuery* query) {
  ditstream::decide_video_allocation(query);
  return GST_BASE_SRC_CLASS(gst_ditstream_src_parent_class)->decide_allocation(base, query);
}

static gboolean gst_ditstream_src_query(GstBaseSrc* base, GstQuery* query) {
  if (guarded(base, "query", false, [&] { return impl_of(base).answer_query(query); })) return TRUE;
  return GST_BASE_SRC_CLASS(gst_ditstream_src_parent_class)->query(base, query);
}

static gboolean gst_ditstream_src_event(GstBaseSrc* base, GstEvent* event) {
  const auto handled = guarded(base, "event", std::optional<bool>(false),
                               [&] { return impl_of(base).handle_event(event); });
  if (handled) return *handled;
  return GST_BASE_SRC_CLASS(gst_ditstream_src_parent_class)->event(base, event);
}

// GstBaseSrc drops custom upstream events sent to the element itself; take ours here.
static gboolean gst_ditstream_src_send_event(GstElement* element, GstEvent* event) {
  const auto handled = guarded(element, "send_event", std::optional<bool>(false),
                               [&] { return impl_of(element).handle_event(event); });
  if (!handled)
    return GST_ELEMENT_CLASS(gst_ditstream_src_parent_class)->send_event(element, event);
  gst_event_unref(event);
  return *handled;
}

static GstFlowReturn gst_ditstream_src_fill(GstPushSrc* push, GstBuffer* buffer) {
  return guarded(push, "fill", GST_FLOW_ERROR, [&] { return impl_of(push).fill(buffer); });
}

static void gst_ditstream_src_finalize(GObject* object) {
  delete GST_DITSTREAM_SRC(object)->impl;
  G_OBJECT_CLASS(gst_ditstream_src_parent_class)->finalize(object);
}

static void gst_ditstream_src_init(GstDitstreamSrc* src) {
  src->impl = new ditstream::SrcImpl(GST_BASE_SRC(src));
  gst_base_src_set_format(GST_BASE_SRC(src), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(src), FALSE);
}

static void install_signals(GstDitstreamSrcClass* klass) {
  /**
   * GstDitstreamSrc::set-prompt:
   * @src: the element
   * @prompt: the new prompt
   * @frame: first frame it applies to, or -1 for the next window not yet started
   *
   * Returns: the prompt id, or -1 when the element is not running or refuses the prompt.
   */
  g_signal_new_class_handler("set-prompt", G_TYPE_FROM_CLASS(klass),
                             GSignalFlags(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_ditstream_src_set_prompt), nullptr, nullptr, nullptr,
                             G_TYPE_INT64, 2, G_TYPE_STRING, G_TYPE_INT64);
}

static void install_vfuncs(GstDitstreamSrcClass* klass) {
  auto* base = GST_BASE_SRC_CLASS(klass);
  base->start = GST_DEBUG_FUNCPTR(gst_ditstream_src_start);
  base->stop = GST_DEBUG_FUNCPTR(gst_ditstream_src_stop);
  base->unlock = GST_DEBUG_FUNCPTR(gst_ditstream_src_unlock);
  base->unlock_stop = GST_DEBUG_FUNCPTR(gst_ditstream_src_unlock_stop);
  base->get_caps = GST_DEBUG_FUNCPTR(gst_ditstream_src_get_caps);
  base->fixate = GST_DEBUG_FUNCPTR(gst_ditstream_src_fixate);
  base->negotiate = GST_DEBUG_FUNCPTR(gst_ditstream_src_negotiate);
  base->set_caps = GST_DEBUG_FUNCPTR(gst_ditstream_src_set_caps);
  base->is_seekable = GST_DEBUG_FUNCPTR(gst_ditstream_src_is_seekable);
  base->do_seek = GST_DEBUG_FUNCPTR(gst_ditstream_src_do_seek);
  base->decide_allocation = GST_DEBUG_FUNCPTR(gst_ditstream_src_decide_allocation);
  base->query = GST_DEBUG_FUNCPTR(gst_ditstream_src_query);
  base->event = GST_DEBUG_FUNCPTR(gst_ditstream_src_event);
  GST_PUSH_SRC_CLASS(klass)->fill = GST_DEBUG_FUNCPTR(gst_ditstream_src_fill);
  GST_ELEMENT_CLASS(klass)->send_event = GST_DEBUG_FUNCPTR(gst_ditstream_src_send_event);
}

static void gst_ditstream_src_class_init(GstDitstreamSrcClass* klass) {
  GST_DEBUG_CATEGORY_INIT(ditstream_src_debug, "ditstreamsrc", 0, "ditstream video source");
  auto* object_class = G_OBJECT_CLASS(klass);
  object_class->set_property = gst_ditstream_src_set_property;
  object_class->get_property = gst_ditstream_src_get_property;
  object_class->finalize = gst_ditstream_src_finalize;
  ditstream::install_src_properties(object_class);
  install_signals(klass);
  install_vfuncs(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  GstCaps* caps = ditstream::template_caps();
  gst_element_class_add_pad_template(
      element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);
  gst_element_class_set_static_metadata(
      element_class, "ditstream text-to-video source", "Source/Video",
      "Endless prompt-steerable video from a CogVideoX diffusion transformer (DiTCtrl windows)",
      "ditstream project");
}
