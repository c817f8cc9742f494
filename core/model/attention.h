#pragma once
// The plain (unfused) attention behind full_attention, exposed for tests and for
// callers that need a tighter memory bound.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

// softmax(q kᵀ / sqrt(hd)) v over (B, heads, S, hd) tensors, computed in query chunks so that one
// chunk's score matrix holds at most max_score_elements (B·heads·chunk·S_k) elements.
torch::Tensor attention_query_chunked(const torch::Tensor& q, const torch::Tensor& k,
                                      const torch::Tensor& v, int64_t max_score_elements);

}  // namespace ditstream
