#include "core/control/anchor_mode.h"

#include <stdexcept>

namespace ditstream {

AnchorMode parse_anchor_mode(const std::string& name) {
  if (name == "off") return AnchorMode::Off;
  if (name == "first-frame") return AnchorMode::FirstFrame;
  if (name == "first-window") return AnchorMode::FirstWindow;
  throw std::invalid_argument("anchor: unknown mode '" + name +
                              "' (off, first-frame, first-window)");
}

std::string anchor_mode_name(AnchorMode mode) {
  switch (mode) {
    case AnchorMode::Off:
      return "off";
    case AnchorMode::FirstFrame:
      return "first-frame";
    case AnchorMode::FirstWindow:
      return "first-window";
  }
  return "?";
}

}  // namespace ditstream
