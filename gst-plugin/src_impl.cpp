#include "gst-plugin/src_impl.h"

#include "core/stream/prompt_file.h"
#include "gst-plugin/ditstream-event.h"
#include "gst-plugin/ditstream-meta.h"
#include "gst-plugin/src_debug.h"
#include "gst-plugin/src_messages.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr size_t kRememberedSeqnums = 64;

std::vector<ScheduledPrompt> load_schedule_file(const std::string& file) {
  if (!std::filesystem::is_regular_file(file))
    throw ResourceError("prompt-schedule file '" + file + "' does not exist", true);
  try {
    return load_prompt_file(file);
  } catch (const std::exception& e) {
    throw ResourceError("cannot read prompt-schedule file '" + file + "': " + e.what(), false);
  }
}

std::vector<ScheduledPrompt> parse_schedule(const std::string& schedule) {
  if (schedule.empty()) return {};
  if (schedule.front() == '@') return load_schedule_file(schedule.substr(1));
  return parse_inline_schedule(schedule);
}

}  // namespace

SrcImpl::SrcImpl(GstBaseSrc* src) : src_(src), pacer_(kDefaultFps, 1) {}

SrcImpl::~SrcImpl() { stop(); }

SessionSettings SrcImpl::settings() const {
  std::lock_guard<std::mutex> lock(settings_mutex_);
  return settings_;
}

// Called with control_mutex_ held and model_ set.
void SrcImpl::make_worker() {
  session_.open(*model_, running_, schedule_, model_->fps, 1);
  seen_seqnums_.clear();
}

void SrcImpl::start() {
  const SessionSettings s = settings();
  session_.frames().reset(s.lookahead);
  pacer_.reset();
  loader_.begin([this, s] { load(s); });
}

// On the loader thread; posts its own error.
void SrcImpl::load(const SessionSettings& s) {
  auto* object = GST_OBJECT(src_);
  const std::string model = s.model.empty() ? "the default model" : s.model;
  gst_element_post_message(GST_ELEMENT(src_), load_progress_message(object, GST_PROGRESS_TYPE_START,
                                                                    "loading " + model));
  try {
    install(s, parse_schedule(s.prompt_schedule), load_model(s));
  } catch (...) {
    post_start_error(GST_ELEMENT(src_), std::current_exception());
    gst_element_post_message(GST_ELEMENT(src_),
                             load_progress_message(object, GST_PROGRESS_TYPE_ERROR, model));
    return;
  }
  gst_element_post_message(GST_ELEMENT(src_),
                           load_progress_message(object, GST_PROGRESS_TYPE_COMPLETE, model));
}

void SrcImpl::install(const SessionSettings& s, std::vector<ScheduledPrompt> schedule,
                      LoadedModel model) {
  std::lock_guard<std::mutex> lock(control_mutex_);
  model_ = std::move(model);
  pacer_.set_rate(model_->fps, 1);
  running_ = s;
  schedule_ = std::move(schedule);
  try {
    make_worker();
  } catch (...) {
    model_.reset();
    throw;
  }
  frames_out_ = 0;
  skip_before_ = 0;
  dropped_ = 0;
  last_prompt_id_ = 0;
  generating_ = false;
  GST_INFO_OBJECT(src_, "loaded model '%s' (%dx%d)", s.model.c_str(), model_->width,
                  model_->height);
}

bool SrcImpl::running() const { return session_.is_open(); }

void SrcImpl::stop_worker() {
  session_.frames().close();
  pacer_.unlock();
  session_.close();
}

void SrcImpl::stop() {
  loader_.join();  // a load cannot be interrupted: stop waits for it
  stop_worker();
  std::lock_guard<std::mutex> lock(control_mutex_);
  model_.reset();
}

void SrcImpl::unlock() {
  loader_.set_flushing(true);
  session_.frames().set_flushing(true);
  pacer_.unlock();
}

void SrcImpl::unlock_stop() {
  loader_.set_flushing(false);
  session_.frames().set_flushing(false);
  pacer_.unlock_stop();
}

bool SrcImpl::is_seekable() const { return !gst_base_src_is_live(src_); }

void SrcImpl::seek(GstSegment* segment) {
  if (segment->format != GST_FORMAT_TIME) throw std::invalid_argument("seeks are in TIME only");
  segment->time = segment->start;
  const auto frame = int64_t(pacer_.slot_at(segment->position));
  if (!generating_ && frame == skip_before_) return;  // GstBaseSrc's seek at activation
  loader_.wait(false);
  stop_worker();
  session_.frames().reset(running_.lookahead);
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    if (!model_) return;
    make_worker();
  }
  frames_out_ = frame;
  skip_before_ = frame;
  last_prompt_id_ = 0;
  generating_ = false;
  GST_INFO_OBJECT(src_, "seek: the stream restarts, output from frame %" G_GINT64_FORMAT, frame);
}

GstCaps* SrcImpl::caps(GstCaps* filter) const {
  GstCaps* caps = nullptr;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    caps = model_ ? model_caps(model_->width, model_->height, model_->fps) : template_caps();
  }
  if (!filter) return caps;
  GstCaps* filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref(caps);
  return filtered;
}

GstCaps* SrcImpl::fixate(GstCaps* caps) const { return fixate_video_caps(caps); }

void SrcImpl::set_caps(GstCaps* caps) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) throw std::runtime_error("cannot parse the caps");
  const auto fps = static_cast<int>(pacer_.slot_at(GST_SECOND));
  if (GST_VIDEO_INFO_FPS_N(&info) != fps || GST_VIDEO_INFO_FPS_D(&info) != 1)
    throw std::runtime_error("this model generates " + std::to_string(fps) + "/1 video only");
  writer_.configure(info);
  GST_INFO_OBJECT(src_, "output caps %" GST_PTR_FORMAT, static_cast<void*>(caps));
}

// Waits for the model first. After a failed load there is nothing to negotiate: the error is
// posted, and fill() ends the task without another.
std::optional<std::string> SrcImpl::negotiate() {
  loader_.wait(true);
  GstPad* pad = GST_BASE_SRC_PAD(src_);
  if (GST_PAD_IS_FLUSHING(pad)) return "";
  if (!running()) return std::nullopt;
  GstCaps* ours = gst_pad_query_caps(pad, nullptr);
  GstCaps* peer = gst_pad_peer_query_caps(pad, nullptr);
  GstCaps* caps = gst_caps_intersect_full(peer, ours, GST_CAPS_INTERSECT_FIRST);
  std::optional<std::string> failure;
  if (gst_caps_is_empty(caps)) {
    failure = GST_PAD_IS_FLUSHING(pad) ? "" : describe_caps_mismatch(ours, peer);
    gst_caps_unref(caps);
  } else {
    caps = fixate(caps);
    if (!gst_caps_is_fixed(caps) || !gst_base_src_set_caps(src_, caps)) failure = "";
    gst_caps_unref(caps);
  }
  gst_caps_unref(ours);
  gst_caps_unref(peer);
  return failure;
}

void SrcImpl::ensure_generation() {
  if (generating_) return;
  if (!session_.is_open()) throw std::runtime_error("ditstreamsrc is not started");
  const gint num_buffers = src_->num_buffers;
  session_.start(num_buffers > 0 ? num_buffers : 0);
  generating_ = true;
}

GstFlowReturn SrcImpl::fill(GstBuffer* buffer) {
  if (!running()) return GST_FLOW_FLUSHING;  // the load failed and said so
  if (!writer_.configured()) return GST_FLOW_NOT_NEGOTIATED;
  ensure_generation();
  GeneratedFrame frame;
  do {
    switch (session_.frames().pop(frame)) {
      case FrameQueue::PopStatus::Flushing:
        return GST_FLOW_FLUSHING;
      case FrameQueue::PopStatus::Failed:
        throw std::runtime_error("generation failed: " + session_.frames().error());
      case FrameQueue::PopStatus::Closed:
        return GST_FLOW_EOS;
      case FrameQueue::PopStatus::Frame:
        break;
    }
  } while (frame.index < skip_before_);
  Slot slot{uint64_t(frame.index), 0, GST_CLOCK_TIME_NONE};
  if (gst_base_src_is_live(src_)) {
    const GstFlowReturn ret = pacer_.next_slot(GST_ELEMENT(src_), slot);
    if (ret != GST_FLOW_OK) {
      session_.frames().push_front(std::move(frame));
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

// Live: a buffer goes out within its frame slot, so the sink must allow one frame duration;
// late windows skip slots rather than delay buffers, and the frame queue holds any amount of
// downstream latency (max NONE), as videotestsrc answers. The non-live duration is
// num-buffers frames; live, skipped slots make it longer, so it is unknown.
bool SrcImpl::answer_query(GstQuery* query) const {
  const bool live = gst_base_src_is_live(src_);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    gst_query_set_latency(query, live, live ? pacer_.slot_time(1) : 0, GST_CLOCK_TIME_NONE);
    return true;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_DURATION && src_->num_buffers > 0 && !live) {
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

// Validates on the caller's thread and adds; returns the refusal, if any.
std::optional<std::string> SrcImpl::check_and_add(PromptEntry& entry) {
  try {
    if (const auto added = session_.add_prompt(entry)) entry = *added;
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

int64_t SrcImpl::add_prompt(const PromptRequest& request) {
  loader_.wait(false);  // a prompt sent while the model loads is checked against it
  const SessionSettings s = settings();
  PromptEntry entry;
  entry.text = request.text;
  entry.negative_prompt = request.negative_prompt.value_or(s.negative_prompt);
  entry.subject_words = split_subject_words(request.subject_words.value_or(s.subject_words));
  entry.transition_windows =
      request.transition_windows >= 0 ? request.transition_windows : s.transition_windows;
  entry.switch_method =
      request.cut && request.switch_method.empty() ? "cut" : request.switch_method;
  entry.cut = request.cut;
  entry.frame = frame_for(request);
  std::optional<std::string> refusal;
  try {
    entry.motion = parse_motion(request.motion);
  } catch (const std::invalid_argument& e) {
    refusal = e.what();
  }
  if (!refusal) refusal = check_and_add(entry);
  if (refusal) {
    GST_ELEMENT_WARNING(src_, LIBRARY, SETTINGS,
                        ("refused prompt '%s': %s", request.text.c_str(), refusal->c_str()),
                        (nullptr));
    return -1;
  }
  if (entry.id <= 0) return -1;  // not running
  GST_INFO_OBJECT(src_, "prompt %" G_GINT64_FORMAT " '%s' from frame %" G_GINT64_FORMAT, entry.id,
                  entry.text.c_str(), entry.frame);
  return entry.id;
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
        src_, CORE, EVENT,
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
  PromptRequest request{parsed.prompt,
                        std::nullopt,
                        std::nullopt,
                        parsed.frame,
                        parsed.running_time,
                        parsed.transition_windows,
                        "",
                        "",
                        parsed.cut != FALSE};
  if (parsed.negative_prompt) request.negative_prompt = parsed.negative_prompt;
  if (parsed.subject_words) request.subject_words = parsed.subject_words;
  if (parsed.switch_method) request.switch_method = parsed.switch_method;
  if (parsed.motion) request.motion = parsed.motion;
  ditstream_set_prompt_clear(&parsed);
  return add_prompt(request) >= 0;
}

void SrcImpl::on_window(const WindowReport& report) {
  const GstClockTime video = pacer_.slot_time(1) * GstClockTime(report.frames);
  gst_element_post_message(GST_ELEMENT(src_), window_message(GST_OBJECT(src_), report, video));
}

void SrcImpl::on_transition(const TransitionReport& report) {
  gst_element_post_message(GST_ELEMENT(src_), transition_message(GST_OBJECT(src_), report));
}

// GstController values are synced at the window's first new frame (its PTS without live slot
// skips): the window is generated with the guidance in effect then.
double SrcImpl::guidance_at(int64_t first_frame) {
  gst_object_sync_values(GST_OBJECT(src_), pacer_.slot_time(uint64_t(first_frame)));
  return settings().guidance;
}

void SrcImpl::on_prompt_dropped(int64_t prompt_id, const std::string& reason) {
  GST_ELEMENT_WARNING(src_, LIBRARY, SETTINGS,
                      ("dropped prompt %" G_GINT64_FORMAT ": %s", prompt_id, reason.c_str()),
                      ("the stream goes on with the prompt before it"));
}

void SrcImpl::on_prompt_warning(const std::string& warning) {
  GST_ELEMENT_WARNING(src_, LIBRARY, SETTINGS, ("%s", warning.c_str()),
                      ("the model may render these words as noise"));
}

}  // namespace ditstream
