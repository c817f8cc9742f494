#pragma once
// Rank 0's side of a parallel stream: serves the rendezvous store (a free port unless the user
// names one), publishes the model every rank loads, starts the local workers (`ditstream worker`)
// or waits for remote ones, forms the group and watches the workers: a worker that exits, or
// stops beating through the store, ends the exchange it is in with an error naming it.

#include "core/parallel/forward_call.h"
#include "core/parallel/parallel_mode.h"

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class RankGroup;
class RankStore;

struct ParallelSettings {
  ParallelMode mode = ParallelMode::None;
  int world_size = 0;          // 0: what the mode needs (cfg: 2)
  std::string workers_master;  // "HOST:PORT": workers started elsewhere join there
  std::string model;           // the folder every rank loads (same path on every machine)
  std::string device = "cpu";  // rank 0's; local worker r takes cuda:r on CUDA
  std::string dtype = "fp32";
  int worker_threads = 0;  // local workers' intra-op threads (0: libtorch's default)
};

// Throws when the mode and world size do not go together.
int parallel_world_size(const ParallelSettings& settings);

class StreamRanks : public std::enable_shared_from_this<StreamRanks> {
 public:
  // Blocks until every rank joined; throws (having stopped what it started) when a worker fails.
  static std::shared_ptr<StreamRanks> start(const ParallelSettings& settings);
  ~StreamRanks();

  // Runs forwards over the ranks, which live as long as the executor does.
  std::shared_ptr<const ForwardExecutor> executor(
      std::shared_ptr<const VideoTransformer> transformer);
  // Throws when a worker has exited or stopped beating.
  void check_workers();

 private:
  explicit StreamRanks(const ParallelSettings& settings);
  void spawn_local_workers();
  void wait_until_ready();

  ParallelSettings settings_;
  int world_size_ = 1;
  std::shared_ptr<RankStore> store_;
  std::shared_ptr<RankGroup> group_;
  std::shared_ptr<RankGroup> branch_;  // cfg+ulysses: rank 0's branch
  std::vector<pid_t> workers_;         // local workers, by rank - 1
  std::vector<std::string> last_beats_;
  std::vector<double> beat_seen_;  // when each beat last changed, seconds
  double last_check_ = 0.0;
  std::atomic<bool> failed_{false};  // a worker failed: stop messages would not arrive
};

// Store keys shared by rank 0 and the workers.
namespace rank_keys {
inline const char* const kModel = "ditstream/model";
inline const char* const kDevice = "ditstream/device";
inline const char* const kDtype = "ditstream/dtype";
inline const char* const kMode = "ditstream/parallel";
inline std::string ready(int rank) { return "ditstream/ready/" + std::to_string(rank); }
inline std::string beat(int rank) { return "ditstream/beat/" + std::to_string(rank); }
inline std::string error(int rank) { return "ditstream/error/" + std::to_string(rank); }
}  // namespace rank_keys

// Seconds between a worker's heartbeats, and how long rank 0 waits for one before it gives up.
inline constexpr double kBeatSeconds = 0.5;
inline constexpr double kBeatTimeoutSeconds = 3.0;

}  // namespace ditstream
