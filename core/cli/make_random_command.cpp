// make-random: a diffusers-layout folder (the real models' configs, or a tiny one) with seeded
// random weights, to build, run and measure without downloading a checkpoint.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/stream/runtime_options.h"
#include "core/training/random_model.h"
#include "core/training/random_wan_model.h"

#include <cstdio>

namespace ditstream::cli {
namespace {

constexpr const char* kUsage =
    "usage: ditstream make-random OUT_DIR --preset PRESET\n"
    "         PRESET: cogvideox-2b | cogvideox-5b | tiny | wan2.1-1.3b | wan2.1-14b | tiny-wan\n"
    "         [--text-layers N (24, T5-XXL / UMT5-XXL)] [--dtype bf16|fp16|fp32 (bf16)]\n"
    "         [--seed N (0)] [--tokenizer SPIECE (" DITSTREAM_T5_TOKENIZER
    "; tiny-wan: trained with spm_train)]\n";

template <typename Counts>
void print_counts(const Counts& n) {
  std::printf("transformer %.1f M, vae %.1f M, text encoder %.1f M parameters\n",
              n.transformer / 1e6, n.vae / 1e6, n.text_encoder / 1e6);
}

void make_wan(const Arguments& a, const std::string& preset, const std::filesystem::path& out) {
  auto spec = wan_random_preset(preset);
  spec.text_layers = a.get_int("text-layers", spec.text_layers);
  spec.dtype = parse_dtype(a.get("dtype", "bf16"));
  const auto tokenizer = a.get("tokenizer", preset == "tiny-wan" ? "" : DITSTREAM_T5_TOKENIZER);
  print_counts(write_random_wan_model(out, spec, static_cast<uint64_t>(a.get_int("seed", 0)),
                                      tokenizer, DITSTREAM_CAPTIONS));
}

}  // namespace

int make_random_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"preset", "text-layers", "dtype", "seed", "tokenizer"});
  if (a.flag("help")) return std::fputs(kUsage, stdout), 0;
  const auto preset = a.get("preset", "");
  const std::filesystem::path out = a.positional(0, "OUT_DIR");
  if (is_wan_preset(preset)) {
    make_wan(a, preset, out);
  } else {
    auto spec = random_model_preset(preset);
    spec.text.num_layers = a.get_int("text-layers", spec.text.num_layers);
    spec.dtype = parse_dtype(a.get("dtype", "bf16"));
    print_counts(write_random_model(out, spec, static_cast<uint64_t>(a.get_int("seed", 0)),
                                    a.get("tokenizer", DITSTREAM_T5_TOKENIZER), ""));
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace ditstream::cli
