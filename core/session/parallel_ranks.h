#pragma once
// The session's side of parallel=cfg|ulysses: checks that the settings fit it and puts the
// model's forwards on ranks that live as long as the returned components.

#include "core/session/session_settings.h"

#include <memory>

namespace ditstream {

struct PipelineComponents;

// `model` itself for parallel=none. Throws naming the property when the settings do not fit
// (the causal generator has no CFG to split; step-cache decides on the whole batch), or when a
// worker fails to join.
std::shared_ptr<const PipelineComponents> with_parallel_ranks(
    std::shared_ptr<const PipelineComponents> model, const SessionSettings& settings);

}  // namespace ditstream
