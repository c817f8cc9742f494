#include "core/model/forward_cancellation.h"

namespace ditstream {
namespace {

thread_local const ForwardCancellation* current = nullptr;

}  // namespace

ForwardCancellation::ForwardCancellation(std::function<bool()> cancelled)
    : cancelled_(std::move(cancelled)), outer_(current) {
  current = this;
}

ForwardCancellation::~ForwardCancellation() { current = outer_; }

void throw_if_forward_cancelled() {
  if (current && current->cancelled()) throw ForwardCancelled();
}

}  // namespace ditstream
