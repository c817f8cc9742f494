#include "core/model/cogvideox/video_postprocess.h"

#include "core/model/cogvideox/streaming_vae_decoder.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace ditstream {

torch::Tensor latents_to_decoder_input(const VaeConfig& config,
                                       const torch::Tensor& latents_bfchw) {
  if (latents_bfchw.dim() != 5)
    throw std::invalid_argument("decode_latents: latents must be (B, F, C, h, w), got " +
                                c10::str(latents_bfchw.sizes()));
  return latents_bfchw.permute({0, 2, 1, 3, 4}) * (1.0 / config.scaling_factor);
}

int64_t reference_first_chunk(int64_t latent_frames) {
  return latent_frames < 2 ? latent_frames : 2 + latent_frames % 2;
}

torch::Tensor decode_latents(const AutoencoderKLCogVideoX& vae,
                             const torch::Tensor& latents_bfchw) {
  const torch::Tensor z = latents_to_decoder_input(vae.config(), latents_bfchw);
  // Non-owning: the decoder lives only within this call.
  std::shared_ptr<const AutoencoderKLCogVideoX> view(std::shared_ptr<void>(), &vae);
  StreamingVaeDecoder decoder(view, std::max<int64_t>(1, reference_first_chunk(z.size(2))));
  torch::Tensor ready = decoder.push(z);
  torch::Tensor rest = decoder.flush();
  return ready.size(2) == 0 ? rest : rest.size(2) == 0 ? ready : torch::cat({ready, rest}, 2);
}

}  // namespace ditstream
