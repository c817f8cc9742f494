#pragma once
// The pieces of DiTCtrl's subject masks (ditctrl-spec §5.2-5.3) that do not need the model:
// video->subject-token attention probabilities without materialising the S×S matrix, and their
// per-frame min-max thresholding.

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ditstream {

// q, k: (heads, S, hd) of one batch row, sequence [text ; video]. Returns float32 (S − text_len):
// for each video query i, Σ_{j ∈ tokens} mean_heads softmax_j(q_i·k_j / sqrt(hd)), with the
// softmax normaliser (logsumexp over all S keys) computed in query chunks of at most
// max_score_elements scores. `tokens` are text positions in [0, text_len).
torch::Tensor subject_attention_mass(const torch::Tensor& q, const torch::Tensor& k,
                                     int64_t text_len, const std::vector<int64_t>& tokens,
                                     int64_t max_score_elements = int64_t{1} << 24);

// The same map from a cross-attention: q_video (heads, V, hd) video queries, k_text (heads, L, hd)
// text keys, `tokens` in [0, L); the softmax is over the L text keys.
torch::Tensor cross_attention_subject_mass(const torch::Tensor& q_video,
                                           const torch::Tensor& k_text,
                                           const std::vector<int64_t>& tokens,
                                           int64_t max_score_elements = int64_t{1} << 24);

// video_map: (F·tokens_per_frame) averaged map. Min-max normalises each frame over its tokens,
// m = (x − min)/(max − min + 1e-6), and returns the bool mask m ≥ threshold, shape (F,
// tokens_per_frame). Pitfall: a frame whose mask comes out empty (a constant frame, or threshold
// above every value) becomes all-ones, so no frame is ever without foreground.
torch::Tensor binary_frame_masks(const torch::Tensor& video_map, int64_t tokens_per_frame,
                                 double threshold);

}  // namespace ditstream
