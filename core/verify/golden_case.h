#pragma once
// One golden case: a safetensors file of reference inputs/outputs beside a model folder.
// Handlers (one per case-name prefix) run the port and compare every output tensor.

#include "core/io/safetensors.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {

struct TensorCheck {
  std::string name;
  std::string metric;  // "rel" (max|d|/max|ref|), "abs" (max|d|) or "exact"
  double error = 0;
  double limit = 0;
  bool passed() const { return error <= limit; }
};

struct GoldenCase {
  std::filesystem::path model_dir;  // the folder holding cases/
  std::filesystem::path file;       // cases/<name>.safetensors
  std::string name;                 // file stem
  const SafetensorsFile* tensors = nullptr;
  torch::Device device = torch::kCPU;  // where the port runs; references stay on the CPU

  torch::Tensor input(const std::string& name) const { return tensors->tensor(name).to(device); }
};

// Comparison helpers used by every handler.
TensorCheck check_rel(const std::string& name, const torch::Tensor& port, const torch::Tensor& ref,
                      double limit);
TensorCheck check_abs(const std::string& name, const torch::Tensor& port, const torch::Tensor& ref,
                      double limit);
TensorCheck check_exact(const std::string& name, const torch::Tensor& port,
                        const torch::Tensor& ref);

// Handlers, declared here and defined in <prefix>_case.cpp.
std::vector<TensorCheck> run_transformer_case(const GoldenCase& c);
std::vector<TensorCheck> run_vae_decode_case(const GoldenCase& c);
std::vector<TensorCheck> run_scheduler_case(const GoldenCase& c);
std::vector<TensorCheck> run_e2e_case(const GoldenCase& c);
std::vector<TensorCheck> run_t5_case(const GoldenCase& c);  // any case of a T5 folder

}  // namespace ditstream
