// worker: one rank of a parallel stream. Joins rank 0's store, loads the model rank 0 publishes,
// and runs the forwards rank 0 sends until it stops (or is gone: the heartbeat then exits).
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/parallel/cfg_parallel.h"
#include "core/parallel/cfg_ulysses.h"
#include "core/parallel/heartbeat.h"
#include "core/parallel/rank_group.h"
#include "core/parallel/stream_ranks.h"
#include "core/parallel/ulysses.h"
#include "core/stream/pipeline_components.h"

#include <c10/core/DeviceGuard.h>
#include <torch/torch.h>

#include <cstdio>

namespace ditstream::cli {
namespace {

constexpr const char* kHelp =
    "usage: ditstream worker --rank R --world-size N --master HOST:PORT [--device D]\n"
    "       [--threads N]\n"
    "One rank of a parallel stream (element/render: parallel=cfg|ulysses|cfg+ulysses). Joins the\n"
    "rendezvous store rank 0 serves at HOST:PORT (its workers-master), loads the model folder\n"
    "rank 0 names (the same path must exist here) on D (default: rank 0's device; cuda:R on\n"
    "CUDA), and runs its part of the forwards rank 0 sends until the stream ends.";

// Rank 0's device for this rank: the CPU stays the CPU, CUDA becomes this rank's GPU.
std::string rank_device(const std::string& published, int rank) {
  return published.rfind("cuda", 0) == 0 ? "cuda:" + std::to_string(rank) : published;
}

void serve(const std::shared_ptr<RankStore>& store, int rank, int world,
           const std::string& device) {
  const auto runtime = parse_runtime_options(
      device.empty() ? rank_device(store->get(rank_keys::kDevice), rank) : device,
      store->get(rank_keys::kDtype));
  // CUDA work not given a device, NCCL's communicators included, goes to this rank's GPU.
  const c10::DeviceGuard on_rank_device(runtime.device);
  const auto components = load_pipeline_components(store->get(rank_keys::kModel), runtime);
  store->set(rank_keys::ready(rank), "1");
  RankGroup group(store, rank, world, runtime.device);
  const auto& transformer = *components->transformer;
  switch (parse_parallel_mode(store->get(rank_keys::kMode))) {
    case ParallelMode::Ulysses:
      serve_sharded_forwards(group, group, transformer);
      break;
    case ParallelMode::CfgUlysses: {
      const BranchRank b = branch_rank(rank, world);
      RankGroup branch(store, b.position, b.size, runtime.device, b.group_name());
      serve_sharded_forwards(group, branch, transformer, b.branch == 1 && b.position == 0,
                             b.peer());
      break;
    }
    default:
      serve_forwards(group, transformer);
  }
}

}  // namespace

int worker_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"rank", "world-size", "master", "device", "threads"});
  if (a.flag("help")) return std::puts(kHelp), 0;
  const int rank = static_cast<int>(a.get_int("rank", -1));
  const int world = static_cast<int>(a.get_int("world-size", 0));
  if (rank < 1 || rank >= world)
    throw std::invalid_argument(
        "--rank / --world-size: expected 1 <= rank < world size (rank 0 "
        "is the stream's own process)");
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  const RankAddress master = parse_rank_address(a.get("master", ""), "--master");
  const auto store = RankStore::connect(master, std::chrono::seconds(60));
  const Heartbeat heartbeat(master, rank);
  try {
    serve(store, rank, world, a.get("device", ""));
  } catch (const std::exception& e) {
    try {
      store->set(rank_keys::error(rank), e.what());  // rank 0 names it in its error
    } catch (const std::exception&) {  // rank 0 is gone with its store: report the first error
    }
    throw;
  }
  return 0;
}

}  // namespace ditstream::cli
