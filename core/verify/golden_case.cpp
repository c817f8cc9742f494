#include "core/verify/golden_case.h"

#include <stdexcept>

namespace ditstream {
namespace {

torch::Tensor as_double(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, torch::kDouble);
}

void require_same_shape(const std::string& name, const torch::Tensor& port,
                        const torch::Tensor& ref) {
  if (port.sizes() != ref.sizes()) {
    throw std::runtime_error("tensor '" + name + "': port shape " + c10::str(port.sizes()) +
                             " differs from reference shape " + c10::str(ref.sizes()));
  }
}

}  // namespace

TensorCheck check_rel(const std::string& name, const torch::Tensor& port, const torch::Tensor& ref,
                      double limit) {
  require_same_shape(name, port, ref);
  const double diff = (as_double(port) - as_double(ref)).abs().max().item<double>();
  const double scale = as_double(ref).abs().max().item<double>();
  return {name, "rel", scale > 0 ? diff / scale : diff, limit};
}

TensorCheck check_abs(const std::string& name, const torch::Tensor& port, const torch::Tensor& ref,
                      double limit) {
  require_same_shape(name, port, ref);
  return {name, "abs", (as_double(port) - as_double(ref)).abs().max().item<double>(), limit};
}

TensorCheck check_exact(const std::string& name, const torch::Tensor& port,
                        const torch::Tensor& ref) {
  require_same_shape(name, port, ref);
  const bool same = torch::equal(port.detach().cpu().to(ref.scalar_type()), ref);
  return {name, "exact", same ? 0.0 : 1.0, 0.0};
}

}  // namespace ditstream
