#include "core/parallel/stream_ranks.h"

#include "core/io/library_folder.h"
#include "core/parallel/call_transport.h"
#include "core/parallel/cfg_parallel.h"
#include "core/parallel/cfg_ulysses.h"
#include "core/parallel/rank_group.h"
#include "core/parallel/ulysses.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ditstream {
namespace {

namespace fs = std::filesystem;
constexpr double kJoinSeconds = 120.0;
constexpr double kStopSeconds = 1.5;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The `ditstream` program beside the build tree's core library, or the installed one.
std::string worker_program() {
  if (const char* env = std::getenv("DITSTREAM_WORKER_PROGRAM"); env && *env) return env;
  const fs::path folder = core_library_folder();
  for (const fs::path& candidate : {folder / DITSTREAM_INSTALLED_WORKER, folder / "ditstream"})
    if (fs::is_regular_file(candidate)) return candidate.string();
  throw std::runtime_error("cannot find the ditstream program to start parallel workers beside " +
                           folder.string() + " (set DITSTREAM_WORKER_PROGRAM)");
}

pid_t spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (const int error = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ))
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));
  return pid;
}

std::string exit_description(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// Reaps `pid` within `seconds`, else kills it. A worker already reaped is -1, which must never
// reach waitpid or kill (-1 means every child, every process).
void reap(pid_t pid, double seconds) {
  if (pid <= 0) return;
  const double deadline = now_seconds() + seconds;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (now_seconds() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Local worker r runs on cuda:r: refuse a world the machine's GPUs cannot hold, before starting
// workers that would fail one by one.
void check_local_gpus(const ParallelSettings& s, int world_size) {
  if (!s.workers_master.empty() || s.device.rfind("cuda", 0) != 0) return;
  const auto gpus = static_cast<int>(torch::cuda::device_count());
  if (gpus < world_size)
    throw std::invalid_argument("parallel=" + std::string(parallel_mode_name(s.mode)) +
                                " on CUDA runs local rank r on cuda:r and needs " +
                                std::to_string(world_size) + " GPUs; this machine has " +
                                std::to_string(gpus) + " (workers-master: ranks elsewhere)");
}

class RanksForward : public ForwardExecutor {
 public:
  RanksForward(std::shared_ptr<StreamRanks> ranks, std::unique_ptr<ForwardExecutor> inner)
      : ranks_(std::move(ranks)), inner_(std::move(inner)) {}
  torch::Tensor run(const ForwardCall& call) const override { return inner_->run(call); }
  torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const override {
    return inner_->run_chunk(call, cache);
  }

 private:
  std::shared_ptr<StreamRanks> ranks_;  // outlives inner_, which uses its group
  std::unique_ptr<ForwardExecutor> inner_;
};

}  // namespace

int parallel_world_size(const ParallelSettings& s) {
  if (s.mode == ParallelMode::CfgUlysses) {
    const int size = s.world_size == 0 ? 4 : s.world_size;
    branch_rank(0, size);  // throws unless even and at least 4
    return size;
  }
  if (s.mode == ParallelMode::Ulysses) {
    if (s.world_size == 1 || s.world_size < 0)
      throw std::invalid_argument("world-size " + std::to_string(s.world_size) +
                                  ": parallel=ulysses needs at least 2 ranks");
    return s.world_size == 0 ? 2 : s.world_size;
  }
  const int needed = s.mode == ParallelMode::Cfg ? 2 : 1;
  if (s.world_size != 0 && s.world_size != needed)
    throw std::invalid_argument("world-size " + std::to_string(s.world_size) +
                                " does not fit parallel=" + parallel_mode_name(s.mode) +
                                ", which runs on " + std::to_string(needed) + " ranks");
  return needed;
}

std::shared_ptr<StreamRanks> StreamRanks::start(const ParallelSettings& settings) {
  return std::shared_ptr<StreamRanks>(new StreamRanks(settings));
}

StreamRanks::StreamRanks(const ParallelSettings& settings)
    : settings_(settings), world_size_(parallel_world_size(settings)) {
  check_local_gpus(settings, world_size_);
  const bool remote = !settings.workers_master.empty();
  const RankAddress address = remote ? parse_rank_address(settings.workers_master, "workers-master")
                                     : RankAddress{"127.0.0.1", 0};
  store_ = RankStore::serve(address, world_size_);
  store_->set(rank_keys::kModel, settings.model);
  store_->set(rank_keys::kDevice, settings.device);
  store_->set(rank_keys::kDtype, settings.dtype);
  store_->set(rank_keys::kMode, parallel_mode_name(settings.mode));
  try {
    if (!remote) spawn_local_workers();
    wait_until_ready();
    group_ = std::make_shared<RankGroup>(store_, 0, world_size_, torch::Device(settings.device));
    if (settings.mode == ParallelMode::CfgUlysses) {
      const BranchRank b = branch_rank(0, world_size_);
      branch_ = std::make_shared<RankGroup>(store_, 0, b.size, torch::Device(settings.device),
                                            b.group_name());
    }
  } catch (...) {
    for (const pid_t pid : workers_) reap(pid, 0.0);
    throw;
  }
  last_beats_.assign(static_cast<size_t>(world_size_), "");
  beat_seen_.assign(static_cast<size_t>(world_size_), now_seconds());
  const auto liveness = [this] {
    try {
      check_workers();
    } catch (const std::exception&) {
      failed_ = true;
      throw;
    }
  };
  group_->set_liveness_check(liveness);
  if (branch_) branch_->set_liveness_check(liveness);
}

StreamRanks::~StreamRanks() {
  for (int rank = 1; group_ && !failed_ && rank < world_size_; ++rank) {
    try {
      send_stop(*group_, rank);
    } catch (const std::exception&) {  // a worker that failed: it is reaped below
    }
  }
  branch_.reset();
  group_.reset();
  for (const pid_t pid : workers_) reap(pid, failed_ ? 0.0 : kStopSeconds);
}

void StreamRanks::spawn_local_workers() {
  const std::string program = worker_program();
  const std::string master = "127.0.0.1:" + std::to_string(store_->port());
  const int threads = settings_.worker_threads > 0 ? settings_.worker_threads
                                                   : static_cast<int>(torch::get_num_threads());
  for (int rank = 1; rank < world_size_; ++rank)
    workers_.push_back(spawn({program, "worker", "--rank", std::to_string(rank), "--world-size",
                              std::to_string(world_size_), "--master", master, "--threads",
                              std::to_string(threads)}));
}

void StreamRanks::wait_until_ready() {
  const double deadline = now_seconds() + kJoinSeconds;
  for (int rank = 1; rank < world_size_;) {
    check_workers();
    if (store_->has(rank_keys::ready(rank))) {
      ++rank;
      continue;
    }
    if (now_seconds() > deadline)
      throw std::runtime_error("parallel worker rank " + std::to_string(rank) +
                               " did not join within " + std::to_string(int(kJoinSeconds)) +
                               " s (workers-master " + store_->host() + ":" +
                               std::to_string(store_->port()) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void StreamRanks::check_workers() {
  for (size_t i = 0; i < workers_.size(); ++i) {
    int status = 0;
    if (workers_[i] <= 0 || waitpid(workers_[i], &status, WNOHANG) != workers_[i]) continue;
    workers_[i] = -1;
    const int rank = static_cast<int>(i) + 1;
    const std::string why =
        store_->has(rank_keys::error(rank)) ? ": " + store_->get(rank_keys::error(rank)) : "";
    throw std::runtime_error("parallel worker rank " + std::to_string(rank) + " " +
                             exit_description(status) + why);
  }
  const double now = now_seconds();
  if (beat_seen_.empty() || now - last_check_ < 0.25) return;
  last_check_ = now;
  for (int rank = 1; rank < world_size_; ++rank) {
    const auto r = static_cast<size_t>(rank);
    const std::string beat =
        store_->has(rank_keys::beat(rank)) ? store_->get(rank_keys::beat(rank)) : "";
    if (beat != last_beats_[r]) {
      last_beats_[r] = beat;
      beat_seen_[r] = now;
    } else if (now - beat_seen_[r] > kBeatTimeoutSeconds) {
      throw std::runtime_error("parallel worker rank " + std::to_string(rank) +
                               " stopped responding (no heartbeat for " +
                               std::to_string(int(kBeatTimeoutSeconds)) + " s)");
    }
  }
}

std::shared_ptr<const ForwardExecutor> StreamRanks::executor(
    std::shared_ptr<const VideoTransformer> transformer) {
  std::unique_ptr<ForwardExecutor> inner;
  if (settings_.mode == ParallelMode::Ulysses)
    inner = std::make_unique<UlyssesForward>(std::move(transformer), group_);
  else if (settings_.mode == ParallelMode::CfgUlysses)
    inner = std::make_unique<CfgUlyssesForward>(std::move(transformer), group_, branch_);
  else
    inner = std::make_unique<CfgParallelForward>(std::move(transformer), group_);
  return std::make_shared<RanksForward>(shared_from_this(), std::move(inner));
}

}  // namespace ditstream
