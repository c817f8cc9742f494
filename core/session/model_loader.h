#pragma once
// Loads the model on a thread of its own, so set_state() returns at once even for a model whose
// load takes minutes. The streaming thread waits for the load where it first needs the model
// (negotiation); GstBaseSrc's own asynchronous start (gst_base_src_set_async) does not fit a live
// source, whose task runs while the start is still under way and whose start_complete() would
// need the stream lock that thread holds.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ditstream {

class ModelLoader {
 public:
  ModelLoader() = default;
  ModelLoader(const ModelLoader&) = delete;
  ModelLoader& operator=(const ModelLoader&) = delete;
  ~ModelLoader() { join(); }

  // Runs `load` on the loader thread (joining a previous one first).
  void begin(std::function<void()> load);
  // Blocks until the load has finished or, when `interruptible`, flushing is set.
  void wait(bool interruptible);
  // GstBaseSrc unlock/unlock_stop: wakes an interruptible wait.
  void set_flushing(bool flushing);
  // Waits for the load (it cannot be interrupted) and joins the thread.
  void join();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool loading_ = false;
  bool flushing_ = false;
  std::thread thread_;
};

}  // namespace ditstream
