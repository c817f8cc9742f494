// A forward stops between transformer blocks while a ForwardCancellation on its thread says so,
// and runs whole without one.
#include "core/model/forward_cancellation.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <exception>
#include <thread>

namespace ditstream {
namespace {

torch::Tensor forward_tiny() {
  const WindowPipeline pipeline(testing::tiny_components());
  torch::NoGradGuard no_grad;
  return testing::tiny_components()->transformer->predict(
      pipeline.initial_latents(1, 13), pipeline.encode_prompt("a panda"), 500.0, {});
}

TEST(ForwardCancellation, StopsBeforeTheBlockAfterThePredicateTurnsTrue) {
  int polls = 0;
  ForwardCancellation cancellation([&] { return ++polls == 3; });
  EXPECT_THROW(forward_tiny(), ForwardCancelled);
  EXPECT_EQ(polls, 3);  // block 0 ran (polled before it and between its halves), block 1 did not
}

TEST(ForwardCancellation, WithoutOneOrWhileFalseTheForwardRunsWhole) {
  const auto whole = forward_tiny();
  int polls = 0;
  ForwardCancellation cancellation([&] { return ++polls < 0; });
  EXPECT_TRUE(torch::equal(forward_tiny(), whole));
  EXPECT_EQ(polls, 4);  // before each of the 2 blocks and between its attention and feed-forward
}

TEST(ForwardCancellation, AnInnerOneEndsAndTheOuterOneHoldsAgain) {
  ForwardCancellation outer([] { return true; });
  {
    ForwardCancellation inner([] { return false; });
    EXPECT_NO_THROW(forward_tiny());
  }
  EXPECT_THROW(forward_tiny(), ForwardCancelled);
}

TEST(ForwardCancellation, HoldsOnlyOnItsOwnThread) {
  ForwardCancellation cancellation([] { return true; });
  std::exception_ptr error;
  std::thread other([&] {
    try {
      forward_tiny();
    } catch (...) {
      error = std::current_exception();
    }
  });
  other.join();
  EXPECT_FALSE(error);
}

}  // namespace
}  // namespace ditstream
