#pragma once
// Subject tokens of a window pair for mask-guided KV-sharing (ditctrl-spec §5.1). A window's
// subject comes from its prompt, or from both prompts of a transition window (merged): the entry's
// explicit token indices, else its subject words, else the automatic rule of subject_tokens.h
// applied against the other window's (target) prompt.

#include "core/control/subject_tokens.h"
#include "core/stream/window_scheduler.h"

namespace ditstream {

SubjectTokens window_pair_subjects(const T5Tokenizer& tokenizer, const WindowPlan& source,
                                   const WindowPlan& target);

}  // namespace ditstream
