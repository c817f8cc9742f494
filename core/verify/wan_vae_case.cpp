#include "core/model/wan/streaming_vae_decoder.h"
#include "core/model/wan/vae_decoder.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

constexpr double kLatentRel = 1e-6;
constexpr double kDecodedRel = 1e-4;
constexpr double kFramesAbs = 1e-4;
constexpr double kEncodeRel = 1e-4;

std::shared_ptr<AutoencoderKLWan> load_case_vae(const GoldenCase& c, bool with_encoder) {
  return load_wan_vae(c.model_dir / "vae",
                      torch::TensorOptions().dtype(torch::kFloat32).device(c.device), with_encoder);
}

// postprocess_video(decoded, output_type='pt')[0]: (F, 3, H, W) = (x / 2 + 0.5).clamp(0, 1).
torch::Tensor video_frames(const torch::Tensor& decoded) {
  return (decoded[0].permute({1, 0, 2, 3}) / 2 + 0.5).clamp(0, 1);
}

// `<whole>_split<...>` -> the whole-clip case file beside it, whose `decoded` the calls slice.
std::filesystem::path whole_case_file(const GoldenCase& c) {
  const auto split = c.name.find("_split");
  if (split == std::string::npos)
    throw std::runtime_error(c.file.string() + ": a split case name must contain '_split'");
  return c.file.parent_path() / (c.name.substr(0, split) + ".safetensors");
}

std::vector<TensorCheck> run_split_decode(const GoldenCase& c,
                                          std::shared_ptr<const AutoencoderKLWan> vae) {
  const SafetensorsFile whole(ditstream::whole_case_file(c));
  const torch::Tensor reference = whole.tensor("decoded");
  const torch::Tensor latents = c.input("latents");
  const torch::Tensor latent_ranges = c.tensors->tensor("latent_ranges");
  WanStreamingDecoder decoder(std::move(vae));
  std::vector<TensorCheck> checks;
  std::vector<int64_t> video_ranges;
  int64_t start = 0;
  for (int64_t i = 0; i < latent_ranges.size(0); ++i) {
    const int64_t a = latent_ranges[i][0].item<int64_t>(), b = latent_ranges[i][1].item<int64_t>();
    const torch::Tensor out = decoder.decode(latents.narrow(2, a, b - a));
    const int64_t frames = std::min(out.size(2), reference.size(2) - start);
    checks.push_back(check_rel("decoded[call " + std::to_string(i) + "]", out,
                               reference.narrow(2, start, frames), kDecodedRel));
    video_ranges.insert(video_ranges.end(), {start, start + out.size(2)});
    start += out.size(2);
  }
  const auto ranges = torch::tensor(video_ranges, torch::kInt64).reshape({-1, 2});
  checks.push_back(check_exact("video_ranges", ranges, c.tensors->tensor("video_ranges")));
  return checks;
}

std::vector<TensorCheck> run_whole_decode(const GoldenCase& c, const AutoencoderKLWan& vae) {
  const SafetensorsFile& t = *c.tensors;
  const torch::Tensor latents = c.input("latents");
  std::vector<TensorCheck> checks;
  checks.push_back(check_rel("z", ditstream::wan_denormalize_latents(vae.config(), latents),
                             t.tensor("z"), kLatentRel));
  const torch::Tensor decoded = ditstream::wan_decode_latents(vae, latents);
  checks.push_back(check_rel("decoded", decoded, t.tensor("decoded"), kDecodedRel));
  if (t.contains("frames"))
    checks.push_back(
        check_abs("frames", ditstream::video_frames(decoded), t.tensor("frames"), kFramesAbs));
  return checks;
}

}  // namespace

std::vector<TensorCheck> run_wan_vae_decode_case(const GoldenCase& c) {
  torch::NoGradGuard no_grad;
  const auto vae = load_case_vae(c, false);
  if (c.tensors->contains("latent_ranges")) return ditstream::run_split_decode(c, vae);
  return ditstream::run_whole_decode(c, *vae);
}

std::vector<TensorCheck> run_wan_vae_encode_case(const GoldenCase& c) {
  torch::NoGradGuard no_grad;
  const auto vae = load_case_vae(c, true);
  const WanEncodedVideo encoded = ditstream::wan_encode_video(*vae, c.input("video"));
  const SafetensorsFile& t = *c.tensors;
  return {check_rel("moments", encoded.moments, t.tensor("moments"), kEncodeRel),
          check_rel("latent_mode", encoded.latent_mode, t.tensor("latent_mode"), kEncodeRel),
          check_rel("latents_normalized", encoded.latents_normalized,
                    t.tensor("latents_normalized"), kEncodeRel)};
}

}  // namespace ditstream
