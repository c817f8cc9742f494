#include "gst-plugin/live_pacer.h"

namespace ditstream {

void LivePacer::set_rate(int fps_n, int fps_d) {
  fps_n_ = fps_n;
  fps_d_ = fps_d;
}

void LivePacer::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_slot_.reset();
  flushing_ = false;
}

GstClockTime LivePacer::slot_time(uint64_t slot) const {
  return gst_util_uint64_scale(slot, uint64_t(fps_d_) * GST_SECOND, uint64_t(fps_n_));
}

uint64_t LivePacer::slot_at(GstClockTime running_time) const {
  return gst_util_uint64_scale(running_time, uint64_t(fps_n_), uint64_t(fps_d_) * GST_SECOND);
}

std::optional<uint64_t> LivePacer::last_slot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_slot_;
}

GstFlowReturn LivePacer::wait_for(GstClock* clock, GstClockTime time) {
  GstClockID id = gst_clock_new_single_shot_id(clock, time);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (flushing_) {
      gst_clock_id_unref(id);
      return GST_FLOW_FLUSHING;
    }
    pending_ = id;
  }
  const GstClockReturn ret = gst_clock_id_wait(id, nullptr);
  std::lock_guard<std::mutex> lock(mutex_);
  pending_ = nullptr;
  gst_clock_id_unref(id);
  return (ret == GST_CLOCK_UNSCHEDULED || flushing_) ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

GstFlowReturn LivePacer::next_slot(GstElement* element, Slot& slot) {
  GstClock* clock = gst_element_get_clock(element);
  const auto last = last_slot();
  if (!clock) {  // no pipeline clock: consecutive slots
    slot = {last ? *last + 1 : 0, 0, GST_CLOCK_TIME_NONE};
  } else {
    const GstClockTime base = gst_element_get_base_time(element);
    const GstClockTime now = gst_clock_get_time(clock);
    const GstClockTime running = now > base ? now - base : 0;
    slot = {slot_at(running), 0, 0};
    if (last && slot.index <= *last) {
      slot.index = *last + 1;
      const GstFlowReturn ret = wait_for(clock, base + slot_time(slot.index));
      gst_object_unref(clock);
      if (ret != GST_FLOW_OK) return ret;
    } else {
      slot.late = running - slot_time(slot.index);
      gst_object_unref(clock);
    }
  }
  if (last && slot.index > *last + 1) slot.skipped = slot.index - *last - 1;
  std::lock_guard<std::mutex> lock(mutex_);
  last_slot_ = slot.index;
  return GST_FLOW_OK;
}

void LivePacer::unlock() {
  std::lock_guard<std::mutex> lock(mutex_);
  flushing_ = true;
  if (pending_) gst_clock_id_unschedule(pending_);
}

void LivePacer::unlock_stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  flushing_ = false;
}

}  // namespace ditstream
