#pragma once
// Golden-case handlers of the Wan2.1 family (../shared/golden/wan-tiny-a/cases), one per case-name
// prefix; the runner routes a WanPipeline folder's cases here.

#include "core/verify/golden_case.h"

#include <vector>

namespace ditstream {

std::vector<TensorCheck> run_wan_transformer_case(const GoldenCase& c);  // transformer_*
std::vector<TensorCheck> run_wan_vae_decode_case(const GoldenCase& c);   // vae_decode_*
std::vector<TensorCheck> run_wan_vae_encode_case(const GoldenCase& c);   // vae_encode_*
std::vector<TensorCheck> run_umt5_case(const GoldenCase& c);             // umt5_*
std::vector<TensorCheck> run_flow_scheduler_case(const GoldenCase& c);   // scheduler_*
std::vector<TensorCheck> run_wan_e2e_case(const GoldenCase& c);          // e2e_*
std::vector<TensorCheck> run_wan_causal_case(const GoldenCase& c);       // causal_*

}  // namespace ditstream
