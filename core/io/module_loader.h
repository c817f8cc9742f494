#pragma once
// Fills a torch::nn::Module from a checkpoint with strict name and shape matching.

#include "core/io/checkpoint.h"

#include <torch/nn/module.h>

#include <set>
#include <string>
#include <vector>

namespace ditstream {

struct LoadOptions {
  torch::TensorOptions target;  // dtype and device of the loaded parameters
  std::vector<std::string>
      ignore_prefixes;                  // checkpoint keys the module does not use (e.g. "encoder.")
  std::set<std::string> optional_keys;  // keys that may be present without a parameter (aliases)
};

// Every module parameter and buffer must be in the checkpoint with the same shape, and every
// checkpoint key must belong to the module (unless ignored). Failures list all offending keys.
void load_module(torch::nn::Module& module, const Checkpoint& checkpoint,
                 const LoadOptions& options);

// All named parameters and buffers in checkpoint order (sorted), as stored tensors.
std::vector<std::pair<std::string, torch::Tensor>> module_state(torch::nn::Module& module);

}  // namespace ditstream
