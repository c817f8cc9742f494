// make-random: a full-size diffusers-layout folder (the real models' configs) with seeded random
// weights, to build, run and measure on a GPU without downloading a checkpoint.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/stream/runtime_options.h"
#include "core/training/random_model.h"

#include <cstdio>

namespace ditstream::cli {
namespace {

constexpr const char* kUsage =
    "usage: ditstream make-random OUT_DIR --preset cogvideox-2b|cogvideox-5b|tiny\n"
    "         [--text-layers N (24, T5-XXL)] [--dtype bf16|fp16|fp32 (bf16)] [--seed N (0)]\n"
    "         [--tokenizer SPIECE (" DITSTREAM_T5_TOKENIZER ")]\n";

void print_counts(const ParameterCounts& n) {
  std::printf("transformer %.1f M, vae %.1f M, text encoder %.1f M parameters\n",
              n.transformer / 1e6, n.vae / 1e6, n.text_encoder / 1e6);
}

}  // namespace

int make_random_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"preset", "text-layers", "dtype", "seed", "tokenizer"});
  if (a.flag("help")) return std::fputs(kUsage, stdout), 0;
  auto spec = random_model_preset(a.get("preset", ""));
  spec.text.num_layers = a.get_int("text-layers", spec.text.num_layers);
  spec.dtype = parse_dtype(a.get("dtype", "bf16"));
  const std::filesystem::path out = a.positional(0, "OUT_DIR");
  print_counts(write_random_model(out, spec, static_cast<uint64_t>(a.get_int("seed", 0)),
                                  a.get("tokenizer", DITSTREAM_T5_TOKENIZER), ""));
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace ditstream::cli
