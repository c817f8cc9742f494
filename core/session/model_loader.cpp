#include "core/session/model_loader.h"

namespace ditstream {

void ModelLoader::begin(std::function<void()> load) {
  join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loading_ = true;
  }
  thread_ = std::thread([this, load = std::move(load)] {
    load();
    std::lock_guard<std::mutex> lock(mutex_);
    loading_ = false;
    changed_.notify_all();
  });
}

void ModelLoader::wait(bool interruptible) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !loading_ || (interruptible && flushing_); });
}

void ModelLoader::set_flushing(bool flushing) {
  std::lock_guard<std::mutex> lock(mutex_);
  flushing_ = flushing;
  changed_.notify_all();
}

void ModelLoader::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace ditstream
