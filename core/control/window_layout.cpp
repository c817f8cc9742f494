#include "core/control/window_layout.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ditstream {

int64_t WindowLayout::multiplicity(int64_t n) const {
  if (n < 0 || n >= K)
    throw std::runtime_error("WindowLayout: window " + std::to_string(n) + " outside [0, " +
                             std::to_string(K) + ")");
  return (n == 0 || n == K - 1) ? 1 : 2;
}

std::vector<int64_t> WindowLayout::windows_covering(int64_t g) const {
  if (g < 0 || g >= L)
    throw std::runtime_error("WindowLayout: frame " + std::to_string(g) + " outside [0, " +
                             std::to_string(L) + ")");
  const int64_t first = std::max<int64_t>(0, (g - T + S) / S);  // ceil((g - T + 1) / S)
  const int64_t last = std::min(K - 1, g / S);
  std::vector<int64_t> windows;
  for (int64_t n = first; n <= last; ++n) windows.push_back(n);
  return windows;
}

WindowLayout window_layout(int64_t T, int64_t O, int64_t K) {
  if (T < 1 || O < 0 || O >= T)
    throw std::runtime_error("window_layout: need T >= 1 and 0 <= O < T, got T=" +
                             std::to_string(T) + " O=" + std::to_string(O));
  if (K < 1) throw std::runtime_error("window_layout: need K >= 1, got " + std::to_string(K));
  const int64_t S = T - O;
  return WindowLayout{T, O, S, K, T + (K - 1) * S};
}

int64_t resolve_overlap(int64_t O, int64_t T) { return O == kAutoOverlap ? T / 2 : O; }

WindowLayout multi_prompt_layout(int64_t T, int64_t O, int64_t prompts, int64_t transitions,
                                 int64_t mid) {
  if (prompts < 1 || transitions < 0 || mid < 0)
    throw std::runtime_error("multi_prompt_layout: need prompts >= 1, transitions >= 0, mid >= 0");
  const int64_t K = prompts + transitions * (prompts - 1) + mid * std::max<int64_t>(prompts - 2, 0);
  return window_layout(T, O, K);
}

}  // namespace ditstream
