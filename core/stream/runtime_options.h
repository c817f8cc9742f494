#pragma once
// Where and in which precision a model runs.

#include <torch/types.h>

#include <string>

namespace ditstream {

struct RuntimeOptions {
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat;
  // Wan: a causal generator checkpoint used instead of transformer/'s weights; empty: none.
  std::string transformer_checkpoint;

  torch::TensorOptions tensor_options() const { return torch::TensorOptions(device).dtype(dtype); }
};

// Parses "cpu", "cuda", "cuda:1" and "fp32", "bf16", "fp16"; rejects combinations this
// libtorch cannot run (fp16 matmul does not exist on CPU) with a message naming the option.
RuntimeOptions parse_runtime_options(const std::string& device, const std::string& dtype);
std::string dtype_name(torch::ScalarType dtype);
torch::ScalarType parse_dtype(const std::string& dtype);  // "fp32", "bf16", "fp16"

}  // namespace ditstream
