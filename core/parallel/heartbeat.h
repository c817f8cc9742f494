#pragma once
// A worker's heartbeat: a thread that bumps the rank's beat key in the store every kBeatSeconds,
// over a connection of its own. When the store is gone (rank 0 ended), the worker exits: no
// worker outlives the stream it served.

#include "core/parallel/rank_group.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace ditstream {

class Heartbeat {
 public:
  Heartbeat(const RankAddress& master, int rank);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void run(std::shared_ptr<RankStore> store, int rank);

  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ditstream
