#include "gst-plugin/src_impl.h"

#include "core/stream/prompt_file.h"
#include "gst-plugin/ditstream-event.h"
#include "gst-plugin/ditstream-meta.h"
#include "gst-plugin/src_debug.h"
#include "gst-plugin/src_messages.h"

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr size_t kRememberedSeqnums = 64;

std::vector<ScheduledPrompt> parse_schedule(const std::string& schedule) {
  if (schedule.empty()) return {};
  if (schedule.front() == '@') return load_prompt_file(schedule.substr(1));
  return parse_inline_schedule(schedule);
}

PromptEntry initial_entry(const SrcSettings& s) {
  PromptEntry e;
  e.frame = 0;
  e.text = s.prompt;
  e.negative_prompt = s.negative_prompt;
  e.subject_words = split_subject_words(s.subject_words);
  e.transition_windows = s.transition_windows;
  return e;
}

}  // namespace

SrcImpl::SrcImpl(GstBaseSrc* src) : src_(src) {}

SrcImpl::~SrcImpl() { stop(); }

SrcSettings SrcImpl::settings() const {
  std::lock_guard<std::mutex> lock(settings_mutex_);
  return settings_;
}

void SrcImpl::start() {
  const SrcSettings s = settings();
  auto schedule = parse_schedule(s.prompt_schedule);
  LoadedModel model = load_model(s);
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(initial_entry(s));
  queue_.reset(s.lookahead);
  pacer_.reset();
  auto worker = std::make_unique<GenerationWorker>(model, s, timeline, queue_, *this);
  std::lock_guard<std::mutex> lock(control_mutex_);
  model_ = std::move(model);
  running_ = s;
  schedule_ = std::move(schedule);
  timeline_ = std::move(timeline);
  worker_ = std::move(worker);
  seen_seqnums_.clear();
  frames_out_ = 0;
  dropped_ = 0;
  worst_window_ns_ = 0;
  last_prompt_id_ = 0;
  generating_ = false;
  GST_INFO_OBJECT(src_, "loaded model '%s' (%dx%d)", s.model.c_str(), model_->width,
                  model_->height);
}

void SrcImpl::stop() {
  queue_.close();
  pacer_.unlock();
  std::unique_ptr<GenerationWorker> worker;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    worker = std::move(worker_);
    timeline_.reset();
  }
  if (worker) worker->join();
  worker.reset();
  std::lock_guard<std::mutex> lock(control_mutex_);
  model_.reset();
}

void SrcImpl::unlock() {
  queue_.set_flushing(true);
  pacer_.unlock();
}

void SrcImpl::unlock_stop() {
  queue_.set_flushing(false);
  pacer_.unlock_stop();
}

GstCaps* SrcImpl::caps(GstCaps* filter) const {
  GstCaps* caps = nullptr;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    caps = model_ ? model_caps(model_->width, model_->height) : template_caps();
  }
  if (!filter) return caps;
  GstCaps* filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref(caps);
  return filtered;
}

GstCaps* SrcImpl::fixate(GstCaps* caps) const {
  return fixate_video_caps(caps, kNativeFpsN, kNativeFpsD);
}

void SrcImpl::set_caps(GstCaps* caps) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) throw std::runtime_error("cannot parse the caps");
  writer_.configure(info);
  fps_n_ = GST_VIDEO_INFO_FPS_N(&info);
  fps_d_ = GST_VIDEO_INFO_FPS_D(&info);
  pacer_.set_rate(fps_n_, fps_d_);
  GST_INFO_OBJECT(src_, "output caps %" GST_PTR_FORMAT, static_cast<void*>(caps));
}

bool SrcImpl::negotiate() {
  GstPad* pad = GST_BASE_SRC_PAD(src_);
  GstCaps* ours = gst_pad_query_caps(pad, nullptr);
  GstCaps* peer = gst_pad_peer_query_caps(pad, nullptr);
  GstCaps* caps = gst_caps_intersect_full(peer, ours, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref(ours);
  gst_caps_unref(peer);
  if (gst_caps_is_empty(caps)) {
    gst_caps_unref(caps);
    return false;
  }
  caps = fixate(caps);
  const bool ok = gst_caps_is_fixed(caps) && gst_base_src_set_caps(src_, caps);
  gst_caps_unref(caps);
  return ok;
}

void SrcImpl::report_negotiation_failure() const {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (!model_) return;
  GST_ELEMENT_ERROR(src_, CORE, NEGOTIATION,
                    ("downstream does not accept %dx%d video, the frame size of model '%s'",
                     model_->width, model_->height, running_.model.c_str()),
                    ("ditstreamsrc outputs video/x-raw in RGB, RGBA, I420 or NV12 at exactly "
                     "the model's frame size; put videoscale/videoconvert after it"));
}

void SrcImpl::ensure_generation() {
  if (generating_) return;
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (!worker_) throw std::runtime_error("ditstreamsrc is not started");
  for (auto entry : to_entries(schedule_, fps_n_, fps_d_)) {
    if (entry.negative_prompt.empty()) entry.negative_prompt = running_.negative_prompt;
    timeline_->add(entry);
  }
  const gint num_buffers = src_->num_buffers;
  worker_->start(num_buffers > 0 ? num_buffers : 0);
  generating_ = true;
}

GstFlowReturn SrcImpl::fill(GstBuffer* buffer) {
  ensure_generation();
  GeneratedFrame frame;
  switch (queue_.pop(frame)) {
    case FrameQueue::PopStatus::Flushing:
      return GST_FLOW_FLUSHING;
    case FrameQueue::PopStatus::Failed:
      throw std::runtime_error("generation failed: " + queue_.error());
    case FrameQueue::PopStatus::Closed:
      return GST_FLOW_EOS;
    case FrameQueue::PopStatus::Frame:
      break;
  }
  Slot slot{uint64_t(frames_out_.load()), 0, GST_CLOCK_TIME_NONE};
  if (gst_base_src_is_live(src_)) {
    const GstFlowReturn ret = pacer_.next_slot(GST_ELEMENT(src_), slot);
    if (ret != GST_FLOW_OK) {
      queue_.push_front(std::move(frame));
      return ret;
    }
  }
  writer_.write(frame, buffer);
  stamp(buffer, frame, slot.index);
  post_frame_messages(frame, slot, GST_BUFFER_PTS(buffer));
  ++frames_out_;
  return GST_FLOW_OK;
}

void SrcImpl::stamp(GstBuffer* buffer, const GeneratedFrame& frame, uint64_t slot) const {
  const GstClockTime pts = pacer_.slot_time(slot);
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buffer) = pacer_.slot_time(slot + 1) - pts;
  GST_BUFFER_OFFSET(buffer) = guint64(frame.index);
  GST_BUFFER_OFFSET_END(buffer) = guint64(frame.index + 1);
  ditstream_buffer_add_frame_meta(buffer, frame.prompt_id, frame.transition_weight, frame.index);
}

void SrcImpl::post_frame_messages(const GeneratedFrame& frame, const Slot& slot, GstClockTime pts) {
  if (slot.skipped > 0) post_qos(slot);
  if (frame.prompt_id == last_prompt_id_) return;
  last_prompt_id_ = frame.prompt_id;
  GST_INFO_OBJECT(src_, "prompt %" G_GINT64_FORMAT " applied at frame %" G_GINT64_FORMAT,
                  frame.prompt_id, frame.index);
  gst_element_post_message(GST_ELEMENT(src_), prompt_applied_message(GST_OBJECT(src_), frame, pts));
}

void SrcImpl::post_qos(const Slot& slot) {
  dropped_ += slot.skipped;
  const GstClockTime first = pacer_.slot_time(slot.index - slot.skipped);
  const GstClockTime skipped_time = pacer_.slot_time(slot.index) - first;
  GST_DEBUG_OBJECT(src_, "generation late: skipped %" G_GUINT64_FORMAT " slots", slot.skipped);
  GstMessage* qos = gst_message_new_qos(GST_OBJECT(src_), TRUE, first, first, first, skipped_time);
  gst_message_set_qos_values(qos, GstClockTimeDiff(skipped_time), 1.0, 1000000);
  gst_message_set_qos_stats(qos, GST_FORMAT_BUFFERS, guint64(frames_out_.load()), dropped_.load());
  gst_element_post_message(GST_ELEMENT(src_), qos);
}

GstClockTime SrcImpl::frame_duration() const {
  return gst_util_uint64_scale(GST_SECOND, uint64_t(fps_d_.load()), uint64_t(fps_n_.load()));
}

bool SrcImpl::answer_query(GstQuery* query) const {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && gst_base_src_is_live(src_)) {
    const GstClockTime worst = std::max<GstClockTime>(worst_window_ns_, frame_duration());
    gst_query_set_latency(query, TRUE, worst, worst);
    return true;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_DURATION && src_->num_buffers > 0) {
    GstFormat format;
    gst_query_parse_duration(query, &format, nullptr);
    if (format != GST_FORMAT_TIME) return false;
    gst_query_set_duration(query, GST_FORMAT_TIME, pacer_.slot_time(uint64_t(src_->num_buffers)));
    return true;
  }
  return false;
}

int64_t SrcImpl::frame_for(const PromptRequest& request) const {
  if (request.frame >= 0) return request.frame;
  if (!GST_CLOCK_TIME_IS_VALID(request.running_time)) return 0;
  const uint64_t slot = pacer_.slot_at(request.running_time);
  const auto last = pacer_.last_slot();
  if (!gst_base_src_is_live(src_) || !last) return int64_t(slot);
  return frames_out_ + (slot > *last ? int64_t(slot - *last) - 1 : 0);
}

int64_t SrcImpl::add_prompt(const PromptRequest& request) {
  const SrcSettings s = settings();
  PromptEntry entry;
  entry.text = request.text;
  entry.negative_prompt = request.negative_prompt.value_or(s.negative_prompt);
  entry.subject_words = split_subject_words(request.subject_words.value_or(s.subject_words));
  entry.transition_windows =
      request.transition_windows >= 0 ? request.transition_windows : s.transition_windows;
  entry.frame = frame_for(request);
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (!worker_) return -1;
  const PromptEntry added = worker_->add_prompt(std::move(entry));
  GST_INFO_OBJECT(src_, "prompt %" G_GINT64_FORMAT " '%s' from frame %" G_GINT64_FORMAT, added.id,
                  added.text.c_str(), added.frame);
  return added.id;
}

bool SrcImpl::first_copy(guint32 seqnum) {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (std::find(seen_seqnums_.begin(), seen_seqnums_.end(), seqnum) != seen_seqnums_.end())
    return false;
  seen_seqnums_.push_back(seqnum);
  if (seen_seqnums_.size() > kRememberedSeqnums) seen_seqnums_.pop_front();
  return true;
}

std::optional<bool> SrcImpl::handle_event(GstEvent* event) {
  if (!ditstream_event_is_set_prompt(event)) return std::nullopt;
  DitstreamSetPrompt parsed;
  GError* error = nullptr;
  if (!ditstream_event_parse_set_prompt(event, &parsed, &error)) {
    gchar* fields = gst_structure_to_string(gst_event_get_structure(event));
    GST_ELEMENT_WARNING(
        src_, STREAM, FAILED,
        ("refused a malformed %s event: %s", DITSTREAM_EVENT_SET_PROMPT, error->message),
        ("%s", fields));
    g_free(fields);
    g_error_free(error);
    return false;
  }
  if (!first_copy(gst_event_get_seqnum(event))) {
    ditstream_set_prompt_clear(&parsed);
    return true;
  }
  PromptRequest request{parsed.prompt, std::nullopt,        std::nullopt,
                        parsed.frame,  parsed.running_time, parsed.transition_windows};
  if (parsed.negative_prompt) request.negative_prompt = parsed.negative_prompt;
  if (parsed.subject_words) request.subject_words = parsed.subject_words;
  ditstream_set_prompt_clear(&parsed);
  return add_prompt(request) >= 0;
}

void SrcImpl::on_window(const WindowReport& report) {
  // The latency is raised before the window message, so an application reacting to the message
  // already reads it in a latency query.
  const bool slower = uint64_t(report.generation_ns) > worst_window_ns_.load();
  if (slower) worst_window_ns_ = uint64_t(report.generation_ns);
  const GstClockTime video = frame_duration() * GstClockTime(report.frames);
  gst_element_post_message(GST_ELEMENT(src_), window_message(GST_OBJECT(src_), report, video));
  if (slower && gst_base_src_is_live(src_))
    gst_element_post_message(GST_ELEMENT(src_), gst_message_new_latency(GST_OBJECT(src_)));
}

void SrcImpl::on_transition(const TransitionReport& report) {
  gst_element_post_message(GST_ELEMENT(src_), transition_message(GST_OBJECT(src_), report));
}

}  // namespace ditstream
