#pragma once
// A stream's settings as plain C++ values (no GStreamer, no torch): the one set of defaults the
// element's properties, `ditstream render --mode stream` and bench start from.

#include "core/control/anchor_mode.h"
#include "core/parallel/parallel_mode.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

enum class KvSharingMode { Off, Plain, MaskGuided };
enum class BlendChoice { Deferred, PrefixPinned, Off, Randomized };
// Auto: causal for a causal checkpoint (transformer/causal_config.json or a
// transformer-checkpoint), windowed for diffusers Wan and CogVideoX folders.
enum class GeneratorChoice { Auto, Windowed, Causal };
// How the causal generator switches prompts; Auto: the checkpoint's causal_config.json "switch",
// else recache.
enum class SwitchChoice { Auto, Recache, Ditctrl, Cut };
// Auto: the model folder's own scheduler. The others fit one kind of scheduler folder: the first
// three CogVideoX's discrete ones, the last two Wan's flow matching.
enum class SamplerChoice { Auto, Ddim, Dpm, DpmppTwoMSde, Unipc, Euler };

// A half-open index range written "START:END"; empty text means "the default fractions".
struct IndexRange {
  int64_t start = 0;
  int64_t end = 0;
};

struct SessionSettings {
  std::string model;  // "": the default (model_location.h)
  std::string device = "cpu";
  std::string dtype = "fp32";
  int width = 0;  // video size in pixels; 0: the model's (auto)
  int height = 0;
  int window_frames = 0;  // latent frames per window; 0: the model's (auto)
  std::string prompt = "a red circle moving right slowly on a blue background";
  std::string negative_prompt;
  std::string subject_words;  // comma-separated
  int64_t seed = 42;
  int steps = 0;         // 0: auto, the model's (SamplingDefaults)
  double guidance = -1;  // < 0: auto, the model's
  bool dynamic_cfg = false;
  // The folder's own (the shapes-demo's is DDIM; it leaves visible noise with the SDE one).
  SamplerChoice sampler = SamplerChoice::Auto;
  int overlap = -1;  // kAutoOverlap: half the window
  int transition_windows = 1;
  KvSharingMode kv_sharing = KvSharingMode::Plain;
  std::string kv_sharing_steps;   // "START:END" or empty
  std::string kv_sharing_layers;  // "START:END" or empty
  BlendChoice blend = BlendChoice::Deferred;
  double step_cache = 0.0;              // > 0: First-Block-Cache threshold (approximate); 0: off
  AnchorMode anchor = AnchorMode::Off;  // anchor memory (blend=deferred)
  double anchor_strength = 0.0;         // log-weight on the anchor's attention scores
  std::string motion;  // "DX,DY" latent pixels per latent frame (blend=deferred); "": none
  GeneratorChoice generator = GeneratorChoice::Auto;
  SwitchChoice switch_method = SwitchChoice::Auto;
  std::string transformer_checkpoint;  // a causal generator checkpoint beside a plain Wan folder
  std::string prompt_schedule;         // inline "SECONDS:prompt;..." or "@FILE"
  unsigned lookahead = 32;             // frames generated ahead of the output
  ParallelMode parallel = ParallelMode::None;
  int world_size = 0;          // 0: what `parallel` needs
  std::string workers_master;  // "HOST:PORT": join workers started elsewhere; "": local ones
};

const char* sampler_name(SamplerChoice sampler);
// "auto", "ddim", "dpm", "dpmpp-2m-sde", "unipc", "euler" / "deferred", "prefix-pinned", "off",
// "randomized";
// throws naming the choices.
SamplerChoice parse_sampler_choice(const std::string& name);
BlendChoice parse_blend_choice(const std::string& name);
GeneratorChoice parse_generator_choice(const std::string& name);  // "auto", "windowed", "causal"
SwitchChoice parse_switch_choice(const std::string& name);  // "auto", "recache", "ditctrl", "cut"
const char* switch_choice_name(SwitchChoice choice);
// Throws std::runtime_error naming the property when the text is not "START:END" with
// 0 <= START < END.
std::optional<IndexRange> parse_index_range(const std::string& text, const char* property);

}  // namespace ditstream
