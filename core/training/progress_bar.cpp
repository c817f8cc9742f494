#include "core/training/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace ditstream {
namespace {

constexpr int kWidth = 24;

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, int64_t start)
    : label_(std::move(label)),
      total_(total),
      start_(start),
      began_(std::chrono::steady_clock::now()),
      terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(int64_t step, double loss) {
  // Exponential mean over ~100 steps; the first value seeds it.
  mean_loss_ = step <= start_ + 1 ? loss : 0.99 * mean_loss_ + 0.01 * loss;
  const int64_t percent = total_ > 0 ? step * 100 / total_ : 100;
  if (terminal_ || (percent / 5 != last_percent_ / 5 && percent != last_percent_)) draw(step);
  last_percent_ = percent;
}

void ProgressBar::draw(int64_t step) {
  last_drawn_ = step;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
  const double rate = elapsed > 0 ? static_cast<double>(step - start_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : 0.0;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * step / total_) : kWidth;
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "%s[%s] %s %lld/%lld loss %.4f %.1f it/s elapsed %s ETA %s%s",
               terminal_ ? "\r" : "", label_.c_str(), bar.c_str(), static_cast<long long>(step),
               static_cast<long long>(total_), mean_loss_, rate, clock_text(elapsed).c_str(),
               clock_text(eta).c_str(), terminal_ ? "" : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish(int64_t step) {
  if (last_drawn_ != step) draw(step);
  if (terminal_) std::fputc('\n', stderr);
}

}  // namespace ditstream
