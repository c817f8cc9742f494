#include "core/session/parallel_ranks.h"

#include "core/parallel/stream_ranks.h"
#include "core/session/stream_settings.h"

#include <torch/torch.h>

#include <filesystem>
#include <stdexcept>

namespace ditstream {
namespace {

void check_fits(const SessionSettings& s, const PipelineComponents& model) {
  const auto refuse = [&](const std::string& why) {
    throw std::invalid_argument(std::string("parallel=") + parallel_mode_name(s.parallel) + ": " +
                                why);
  };
  const bool cfg = s.parallel == ParallelMode::Cfg || s.parallel == ParallelMode::CfgUlysses;
  if (cfg && runs_causal(s, model))
    refuse("the causal generator runs distilled models without classifier-free guidance");
  if (s.step_cache > 0.0) refuse("step-cache decides on the whole batch at once; set it to 0");
}

}  // namespace

std::shared_ptr<const PipelineComponents> with_parallel_ranks(
    std::shared_ptr<const PipelineComponents> model, const SessionSettings& s) {
  if (s.parallel == ParallelMode::None) return model;
  check_fits(s, *model);
  ParallelSettings p;
  p.mode = s.parallel;
  p.world_size = s.world_size;
  p.workers_master = s.workers_master;
  p.model = std::filesystem::absolute(model->folder.root()).string();
  p.device = s.device;
  p.dtype = s.dtype;
  auto parallel = std::make_shared<PipelineComponents>(*model);
  parallel->forwards = StreamRanks::start(p)->executor(model->transformer);
  return parallel;
}

}  // namespace ditstream
