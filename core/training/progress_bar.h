#pragma once
// A one-line progress bar on stderr: step/total, loss (running mean), rate and ETA. Redrawn in
// place on a terminal; a plain line every 5% otherwise (logs, CI).

#include <chrono>
#include <cstdint>
#include <string>

namespace ditstream {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, int64_t start = 0);
  void update(int64_t step, double loss);
  void finish(int64_t step);  // the step reached (a stage may end early)
  double mean_loss() const { return mean_loss_; }

 private:
  void draw(int64_t step);

  std::string label_;
  int64_t total_, start_;
  std::chrono::steady_clock::time_point began_;
  double mean_loss_ = 0.0;
  int64_t last_percent_ = -1;
  int64_t last_drawn_ = -1;
  bool terminal_;
};

}  // namespace ditstream
