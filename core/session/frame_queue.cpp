#include "core/session/frame_queue.h"

#include <algorithm>

namespace ditstream {

void FrameQueue::reset(size_t capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  frames_.clear();
  capacity_ = std::max<size_t>(1, capacity);
  flushing_ = false;
  closed_ = false;
  error_.clear();
}

void FrameQueue::push(std::vector<GeneratedFrame> frames) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& f : frames) frames_.push_back(std::move(f));
  }
  changed_.notify_all();
}

void FrameQueue::push_front(GeneratedFrame frame) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    frames_.push_front(std::move(frame));
  }
  changed_.notify_all();
}

FrameQueue::PopStatus FrameQueue::pop(GeneratedFrame& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !frames_.empty() || flushing_ || closed_ || !error_.empty(); });
  if (flushing_) return PopStatus::Flushing;
  if (frames_.empty()) return error_.empty() ? PopStatus::Closed : PopStatus::Failed;
  out = std::move(frames_.front());
  frames_.pop_front();
  lock.unlock();
  changed_.notify_all();
  return PopStatus::Frame;
}

bool FrameQueue::wait_for_room() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return closed_ || frames_.size() < capacity_; });
  return !closed_;
}

void FrameQueue::set_flushing(bool flushing) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    flushing_ = flushing;
  }
  changed_.notify_all();
}

void FrameQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

void FrameQueue::fail(std::string message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::move(message);
  }
  changed_.notify_all();
}

std::string FrameQueue::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

size_t FrameQueue::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_.size();
}

}  // namespace ditstream
