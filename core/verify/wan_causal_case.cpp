// causal_* of a Wan folder: the block-causal forward computed chunk by chunk through the rolling
// K/V cache (causal_F4_*), and the few-step causal loop with its cache, eviction, sink and
// KV-recache (causal_loop_*, causal_recache_*), all through CausalDenoiser.
#include "core/control/rolling_kv_cache.h"
#include "core/stream/causal_denoiser.h"
#include "core/stream/pipeline_components.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <regex>

namespace ditstream {
namespace {

torch::Tensor swap_channels_frames(const torch::Tensor& x) { return x.permute({0, 2, 1, 3, 4}); }

struct LoopPlan {
  int64_t chunks = 0, chunk = 0, window = 0, sink = 0;
  int64_t switch_chunk = -1;  // recache cases
  bool keep_sink = true;
};

LoopPlan loop_plan(const GoldenCase& c) {
  const auto eps = c.tensors->tensor("renoise_eps");  // (chunks, steps - 1, 1, C, F, h, w)
  LoopPlan p{eps.size(0), eps.size(4)};
  std::smatch m;
  static const std::regex window(R"(sink(\d+)_window(\d+))");
  if (std::regex_search(c.name, m, window)) {
    p.sink = std::stoll(m[1]);
    p.window = std::stoll(m[2]);
  } else if (c.name.rfind("causal_recache_", 0) == 0) {
    p.sink = 1, p.window = 3;  // the cases' README: the sink1_window3 cache
  } else {
    p.window = p.chunks * p.chunk;  // no eviction: the buffer holds the whole video
  }
  if (c.tensors->contains("chunk_prompt")) {
    const auto prompt = c.tensors->tensor("chunk_prompt");
    p.switch_chunk = (prompt != prompt[0]).nonzero()[0].item<int64_t>();
    p.keep_sink = c.name.find("sinkkept") != std::string::npos;
  }
  return p;
}

// The cache's frame slots, -1 padded to `width` (the references' layout).
torch::Tensor padded_slots(const RollingKvCache& cache, int64_t width) {
  auto slots = cache.slot_frames();
  slots.resize(width, -1);
  return torch::tensor(slots, torch::kLong);
}

// (layers, 2, B, S, heads, hd) as the references store the cache.
torch::Tensor cache_tensor(const RollingKvCache& cache, int64_t layers) {
  std::vector<torch::Tensor> rows;
  for (int64_t l = 0; l < layers; ++l) {
    const auto [k, v] = cache.layer_rows(l);
    rows.push_back(torch::stack({k.transpose(1, 2), v.transpose(1, 2)}));
  }
  return torch::stack(rows).cpu();
}

struct LoopTrace {
  std::vector<torch::Tensor> input, output, x0, cache_pass;
  std::vector<torch::Tensor> cache_frames, kv;
};

class LoopRun {
 public:
  LoopRun(const GoldenCase& c, const PipelineComponents& components, const LoopPlan& plan)
      : c_(c),
        plan_(plan),
        cache_(cache_options(components, plan)),
        denoiser_(forward_executor(components), cache_, schedule()) {}

  std::vector<TensorCheck> run() {
    const auto noise = swap_channels_frames(c_.input("noise"));
    std::vector<torch::Tensor> out;
    for (int64_t chunk = 0; chunk < plan_.chunks; ++chunk) {
      if (chunk == plan_.switch_chunk) checks_ = recache(torch::cat(out, 1), chunk);
      out.push_back(denoise_chunk(noise, chunk));
    }
    return finish(torch::cat(out, 1));
  }

 private:
  static KvCacheOptions cache_options(const PipelineComponents& components, const LoopPlan& p) {
    const auto& g = components.geometry();
    KvCacheOptions o;
    o.window_frames = p.window;
    o.sink_frames = p.sink;
    o.positions = RopePositions::Absolute;
    o.tokens_per_frame = (4 / g.patch_size) * (6 / g.patch_size);  // the cases' 4x6 latents
    return o;
  }
  static FewStepSchedule schedule() { return few_step_schedule(FewStepOptions{}); }

  torch::Tensor text_of(int64_t chunk) const {
    if (plan_.switch_chunk < 0) return c_.input("prompt_embeds");
    return c_.input(chunk < plan_.switch_chunk ? "prompt_embeds_a" : "prompt_embeds_b");
  }

  torch::Tensor denoise_chunk(const torch::Tensor& noise, int64_t chunk) {
    const int64_t f0 = chunk * plan_.chunk;
    ChunkNoise n{noise.slice(1, f0, f0 + plan_.chunk), {}};
    const auto eps = c_.input("renoise_eps")[chunk];
    for (int64_t k = 0; k < eps.size(0); ++k) n.renoise.push_back(swap_channels_frames(eps[k]));
    ChunkCallbacks callbacks;
    callbacks.on_step = [this](int64_t, const torch::Tensor& x, const torch::Tensor& v,
                               const torch::Tensor& x0) {
      trace_.input.push_back(swap_channels_frames(x).cpu());
      trace_.output.push_back(swap_channels_frames(v).cpu());
      trace_.x0.push_back(swap_channels_frames(x0).cpu());
    };
    callbacks.on_cache_pass = [this](const torch::Tensor& o) {
      trace_.cache_pass.push_back(swap_channels_frames(o).cpu());
    };
    const auto x0 = denoiser_.denoise(f0, text_of(chunk), n, callbacks);
    trace_.cache_frames.push_back(padded_slots(cache_, plan_.window));
    trace_.kv.push_back(cache_tensor(cache_, 2));
    return x0;
  }

  std::vector<TensorCheck> recache(const torch::Tensor& out, int64_t chunk) {
    const int64_t f0 = chunk * plan_.chunk, count = std::min(plan_.window, f0);
    std::vector<TensorCheck> checks{
        check_rel("kv_before_recache", cache_tensor(cache_, 2), t("kv_before_recache"), 1e-4)};
    const auto output = denoiser_.recache(out.slice(1, f0 - count, f0), f0 - count, text_of(chunk),
                                          plan_.keep_sink);
    checks.push_back(
        check_rel("recache_output", swap_channels_frames(output).cpu(), t("recache_output"), 1e-4));
    checks.push_back(
        check_rel("kv_after_recache", cache_tensor(cache_, 2), t("kv_after_recache"), 1e-4));
    checks.push_back(check_exact("recache_cache_frames", padded_slots(cache_, plan_.window),
                                 t("recache_cache_frames")));
    checks.push_back(check_exact("recache_attended_frames", padded_slots(cache_, plan_.window),
                                 t("recache_attended_frames")));
    return checks;
  }

  torch::Tensor t(const std::string& name) const { return c_.tensors->tensor(name); }

  // (chunks·steps) traces as the references' (chunks, steps, ...) tensors.
  torch::Tensor per_step(const std::vector<torch::Tensor>& v) const {
    const auto all = torch::stack(v);
    std::vector<int64_t> shape{plan_.chunks, all.size(0) / plan_.chunks};
    for (int64_t d = 1; d < all.dim(); ++d) shape.push_back(all.size(d));
    return all.reshape(shape);
  }

  std::vector<TensorCheck> finish(const torch::Tensor& latents) {
    const auto s = denoiser_.schedule();
    auto checks = checks_;
    checks.push_back(
        check_exact("timesteps", torch::tensor(s.timesteps).to(torch::kFloat), t("timesteps")));
    checks.push_back(check_exact("sigmas", torch::tensor(s.sigmas).to(torch::kFloat), t("sigmas")));
    if (c_.tensors->contains("flow_table_sigmas"))
      checks.push_back(
          check_abs("flow_table_sigmas", flow_training_sigmas(5.0), t("flow_table_sigmas"), 2e-7));
    checks.push_back(check_rel("model_input", per_step(trace_.input), t("model_input"), 1e-4));
    checks.push_back(check_rel("model_output", per_step(trace_.output), t("model_output"), 1e-4));
    checks.push_back(check_rel("x0_pred", per_step(trace_.x0), t("x0_pred"), 1e-4));
    checks.push_back(
        check_rel("latents_out", swap_channels_frames(latents).cpu(), t("latents_out"), 1e-4));
    checks.push_back(check_rel("cache_pass_output", torch::stack(trace_.cache_pass),
                               t("cache_pass_output"), 1e-4));
    checks.push_back(
        check_exact("cache_frames", torch::stack(trace_.cache_frames), t("cache_frames")));
    checks.push_back(
        check_exact("attended_frames", torch::stack(trace_.cache_frames), t("attended_frames")));
    for (size_t chunk = 0; chunk < trace_.kv.size(); ++chunk) {
      const auto name = "kv_after_chunk" + std::to_string(chunk);
      checks.push_back(check_rel(name, trace_.kv[chunk], t(name), 1e-4));
    }
    return checks;
  }

  const GoldenCase& c_;
  LoopPlan plan_;
  RollingKvCache cache_;
  CausalDenoiser denoiser_;
  LoopTrace trace_;
  std::vector<TensorCheck> checks_;
};

// causal_F4_*: one latent frame per call, each at its own timestep, through the cache.
std::vector<TensorCheck> run_block_causal(const GoldenCase& c, const PipelineComponents& pc) {
  const auto x = swap_channels_frames(c.input("hidden_states"));
  const auto per_frame = c.input("timestep_per_frame");
  KvCacheOptions o;
  o.window_frames = x.size(1);
  o.positions = RopePositions::Absolute;
  o.tokens_per_frame =
      (x.size(3) / pc.geometry().patch_size) * (x.size(4) / pc.geometry().patch_size);
  RollingKvCache cache(o);
  AttentionContext ctx;
  ctx.control = &cache;
  std::vector<torch::Tensor> chunks;
  for (int64_t f = 0; f < x.size(1); ++f) {
    const auto position = cache.begin_forward({CacheForward::Kind::Chunk, f, 1});
    chunks.push_back(pc.transformer->predict_chunk(x.slice(1, f, f + 1),
                                                   c.input("encoder_hidden_states"),
                                                   per_frame[f].item<double>(), position, ctx));
  }
  const auto out = swap_channels_frames(torch::cat(chunks, 1)).cpu();
  return {check_rel("output_chunkwise", out, c.tensors->tensor("output_chunkwise"), 1e-4),
          check_rel("output_blockcausal", out, c.tensors->tensor("output_blockcausal"), 1e-4)};
}

}  // namespace

std::vector<TensorCheck> run_wan_causal_case(const GoldenCase& c) {
  const auto components = load_pipeline_components(c.model_dir, {c.device, torch::kFloat, ""});
  if (c.name.rfind("causal_F", 0) == 0) return run_block_causal(c, *components);
  return LoopRun(c, *components, loop_plan(c)).run();
}

}  // namespace ditstream
