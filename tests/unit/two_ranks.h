#pragma once
// Rank 0 and rank 1 of a Gloo group on loopback in this process: rank 1 runs `serve` on a thread
// until rank 0 stops it. For the parallel tests, without worker processes.

#include "core/parallel/call_transport.h"
#include "core/parallel/rank_group.h"
#include "core/stream/pipeline_components.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <thread>

namespace ditstream::testing {

class TwoRanks {
 public:
  // serve(group) returns the number of calls it served.
  explicit TwoRanks(std::function<int64_t(RankGroup&)> serve) {
    auto store = RankStore::serve({"127.0.0.1", 0}, 2);
    const uint16_t port = store->port();
    worker_ = std::thread([this, port, serve] {
      RankGroup group(RankStore::connect({"127.0.0.1", port}, std::chrono::seconds(30)), 1, 2,
                      torch::kCPU);
      served_ = serve(group);
    });
    group_ = std::make_shared<RankGroup>(store, 0, 2, torch::kCPU);
  }
  ~TwoRanks() {
    if (!worker_.joinable()) return;
    try {
      send_stop(*group_, 1);
    } catch (const std::exception&) {  // rank 1 already ended
    }
    worker_.join();
  }
  TwoRanks(const TwoRanks&) = delete;
  TwoRanks& operator=(const TwoRanks&) = delete;

  std::shared_ptr<RankGroup> group() const { return group_; }
  // The calls rank 1 served, once it stopped (stop: told to; join: by itself).
  int64_t stop() {
    send_stop(*group_, 1);
    return join();
  }
  int64_t join() {
    worker_.join();
    return served_;
  }

 private:
  std::thread worker_;
  std::shared_ptr<RankGroup> group_;
  int64_t served_ = 0;
};

}  // namespace ditstream::testing
