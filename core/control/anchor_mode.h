#pragma once
// Which frames anchor memory keeps (anchor_memory.h); torch-free for the settings layers.

#include <string>

namespace ditstream {

enum class AnchorMode {
  Off,
  FirstFrame,   // the first latent frame of the prompt's first plain window
  FirstWindow,  // all of that window's committed latent frames
};

// "off" | "first-frame" | "first-window"; throws std::invalid_argument naming the accepted names.
AnchorMode parse_anchor_mode(const std::string& name);
std::string anchor_mode_name(AnchorMode mode);

}  // namespace ditstream
