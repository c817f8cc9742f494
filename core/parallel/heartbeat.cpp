#include "core/parallel/heartbeat.h"

#include "core/parallel/stream_ranks.h"

#include <cstdio>
#include <cstdlib>

namespace ditstream {

Heartbeat::Heartbeat(const RankAddress& master, int rank) {
  auto store = RankStore::connect(master, std::chrono::seconds(10));
  thread_ = std::thread([this, store, rank] { run(store, rank); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void Heartbeat::run(std::shared_ptr<RankStore> store, int rank) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (long beat = 0; !stopping_; ++beat) {
    try {
      store->set(rank_keys::beat(rank), std::to_string(beat));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ditstream worker %d: rank 0 is gone (%s); exiting\n", rank, e.what());
      std::_Exit(1);
    }
    stop_.wait_for(lock, std::chrono::duration<double>(kBeatSeconds), [this] { return stopping_; });
  }
}

}  // namespace ditstream
