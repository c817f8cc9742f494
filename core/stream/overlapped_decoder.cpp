#include "core/stream/overlapped_decoder.h"

#include "core/stream/pipeline_components.h"

#include <c10/core/Event.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/torch.h>

#include <optional>

namespace ditstream {

OverlappedDecoder::OverlappedDecoder(std::unique_ptr<LatentDecoder> decoder, torch::Device device)
    : decoder_(std::move(decoder)), device_(device) {}

OverlappedDecoder::~OverlappedDecoder() {
  if (pending_.valid()) pending_.wait();
}

torch::Tensor OverlappedDecoder::wait() {
  return pending_.valid() ? pending_.get() : torch::Tensor();
}

torch::Tensor OverlappedDecoder::push(const torch::Tensor& latents) {
  auto previous = wait();
  const c10::impl::VirtualGuardImpl guard(device_.type());
  const auto producer = guard.getStream(device_);
  pending_ = std::async(std::launch::async,
                        [this, latents, producer] { return decode(latents, producer); });
  return previous;
}

torch::Tensor OverlappedDecoder::flush() {
  auto last = wait();
  auto rest = decoder_->flush();
  if (!last.defined()) return rest;
  if (!rest.defined() || rest.size(2) == 0) return last;
  return torch::cat({last, rest}, 2);
}

// Pitfall: the latents were made on the producer's stream and the frames are read on it; the
// decode stream waits for the first and is synchronised before the frames are handed back.
torch::Tensor OverlappedDecoder::decode(const torch::Tensor& latents, const c10::Stream& producer) {
  torch::NoGradGuard no_grad;
  if (device_.is_cpu()) return decoder_->push(latents);
  const c10::impl::VirtualGuardImpl guard(device_.type());
  const auto stream = guard.getStreamFromGlobalPool(device_);
  c10::Event made(device_.type());
  made.record(producer);
  made.block(stream);
  const c10::StreamGuard on_stream(stream);
  auto frames = decoder_->push(latents);
  guard.synchronizeStream(stream);
  return frames;
}

std::unique_ptr<LatentDecoder> stream_decoder(const PipelineComponents& components,
                                              int64_t window_frames, bool overlap) {
  auto decoder = components.vae->stream_decoder(window_frames);
  if (!overlap) return decoder;
  return std::make_unique<OverlappedDecoder>(std::move(decoder), components.runtime.device);
}

}  // namespace ditstream
