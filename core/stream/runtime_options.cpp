#include "core/stream/runtime_options.h"

#include <torch/cuda.h>

#include <stdexcept>

namespace ditstream {

torch::ScalarType parse_dtype(const std::string& dtype) {
  if (dtype == "fp32" || dtype == "float32") return torch::kFloat;
  if (dtype == "bf16" || dtype == "bfloat16") return torch::kBFloat16;
  if (dtype == "fp16" || dtype == "float16") return torch::kHalf;
  throw std::runtime_error("dtype '" + dtype + "' is not one of fp32, bf16, fp16");
}

namespace {

torch::Device parse_device(const std::string& device) {
  try {
    return torch::Device(device);
  } catch (const std::exception&) {
    throw std::runtime_error("device '" + device + "' is not a device name (cpu, cuda, cuda:N)");
  }
}

}  // namespace

RuntimeOptions parse_runtime_options(const std::string& device, const std::string& dtype) {
  RuntimeOptions options{parse_device(device), parse_dtype(dtype), ""};
  if (options.device.is_cuda() && !torch::cuda::is_available())
    throw std::runtime_error("device '" + device + "': CUDA is not available in this libtorch");
  if (!options.device.is_cpu() && !options.device.is_cuda())
    throw std::runtime_error("device '" + device + "': only cpu and cuda are supported");
  if (options.device.is_cpu() && options.dtype == torch::kHalf)
    throw std::runtime_error(
        "dtype fp16 is not supported on cpu (no fp16 matmul); use fp32 or bf16");
  return options;
}

std::string dtype_name(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat:
      return "fp32";
    case torch::kBFloat16:
      return "bf16";
    case torch::kHalf:
      return "fp16";
    default:
      return c10::toString(dtype);
  }
}

}  // namespace ditstream
