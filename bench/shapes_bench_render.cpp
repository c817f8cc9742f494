#include "bench/shapes_bench_render.h"

#include "core/model/cogvideox/transformer.h"

#include <torch/torch.h>

namespace ditstream::bench {
namespace {

constexpr int64_t kWindowsOfEachPrompt = 2;

void append(std::vector<torch::Tensor>& frames, const std::vector<StreamFrame>& more) {
  for (const auto& f : more) frames.push_back(f.rgb);
}

// First video frame of latent frame `latent` in this model.
int64_t video_frame(const PipelineComponents& model, int64_t latent) {
  return first_video_frame(latent, model.geometry().temporal_compression);
}

}  // namespace

torch::Tensor render_window(const OfflineRenderer& renderer, const std::string& prompt,
                            const OfflineOptions& options) {
  return renderer.render(std::vector<std::string>{prompt}, "", options).frames;
}

TransitionVideo render_stream(std::shared_ptr<const PipelineComponents> model,
                              const StreamOptions& options, const std::string& a,
                              const std::string& b, bool cut) {
  auto timeline = std::make_shared<PromptTimeline>();
  StreamGenerator generator(model, options, timeline);
  const int64_t switch_window = kWindowsOfEachPrompt;
  const int64_t after_window = switch_window + (cut ? 0 : options.transition_windows);
  timeline->add(prompt_entry(0, a));
  auto next = prompt_entry(generator.first_new_frame(switch_window), b);
  next.cut = cut;
  timeline->add(next);
  TransitionVideo video;
  video.cut = cut;
  std::vector<torch::Tensor> frames;
  for (int64_t n = 0; n < after_window + kWindowsOfEachPrompt; ++n) {
    if (n > 0) video.boundaries.push_back(generator.first_new_frame(n));
    append(frames, generator.next_window());
  }
  append(frames, generator.finish());
  video.frames = torch::stack(frames);
  video.switch_frame = generator.first_new_frame(switch_window);
  video.after_frame = generator.first_new_frame(after_window);
  return video;
}

TransitionVideo render_offline(const OfflineRenderer& renderer, const PipelineComponents& model,
                               const OfflineOptions& options, const std::string& a,
                               const std::string& b) {
  const auto result = renderer.render(std::vector<std::string>{a, b}, "", options);
  const auto& layout = result.layout;
  TransitionVideo video;
  video.frames = result.frames;
  for (int64_t n = 1; n < layout.K; ++n)
    video.boundaries.push_back(video_frame(model, layout.start(n)));
  video.switch_frame = video_frame(model, layout.start(1));
  video.after_frame = video_frame(model, layout.start(1 + options.transition_windows));
  return video;
}

}  // namespace ditstream::bench
