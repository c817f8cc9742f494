#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/cogvideox/video_postprocess.h"
#include "core/model/video_frames.h"
#include "core/verify/golden_case.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

constexpr double kDecodedRel = 1e-4;
constexpr double kFramesAbs = 1e-4;

}  // namespace

std::vector<TensorCheck> run_vae_decode_case(const GoldenCase& c) {
  torch::NoGradGuard no_grad;
  const auto vae =
      load_vae(c.model_dir / "vae", torch::TensorOptions().dtype(torch::kFloat32).device(c.device));
  const SafetensorsFile& t = *c.tensors;
  const torch::Tensor latents = c.input("latents");
  std::vector<TensorCheck> checks;
  if (t.contains("z"))
    checks.push_back(
        check_exact("z", latents_to_decoder_input(vae->config(), latents), t.tensor("z")));
  const torch::Tensor decoded = decode_latents(*vae, latents);
  checks.push_back(check_rel("decoded", decoded, t.tensor("decoded"), kDecodedRel));
  if (t.contains("frames"))
    checks.push_back(
        check_abs("frames", postprocess_video(decoded)[0], t.tensor("frames"), kFramesAbs));
  return checks;
}

}  // namespace ditstream
