// make-tiny: a complete, deterministic diffusers-layout CogVideoX folder with random weights,
// a tiny T5 and a SentencePiece tokenizer trained with spm_train on the repo's caption corpus
// (or a given one, on machines without SentencePiece's tools).
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/training/random_model.h"

#include <cstdio>

namespace ditstream::cli {

int make_tiny_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"},
                    {"seed", "captions", "tokenizer", "layers", "heads", "head-dim"});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream make-tiny OUT_DIR [--seed N] [--captions FILE | --tokenizer SPIECE]\n"
        "                           [--layers N (2)] [--heads N (2)] [--head-dim N (16)]");
    return 0;
  }
  auto spec = random_model_preset("tiny");
  spec.transformer.layers = a.get_int("layers", 2);
  spec.transformer.heads = a.get_int("heads", 2);
  spec.transformer.head_dim = a.get_int("head-dim", 16);
  const std::filesystem::path out = a.positional(0, "OUT_DIR");
  write_random_model(out, spec, static_cast<uint64_t>(a.get_int("seed", 1234)),
                     a.get("tokenizer", ""), a.get("captions", DITSTREAM_CAPTIONS));
  std::printf("wrote tiny model to %s\n", out.c_str());
  return 0;
}

}  // namespace ditstream::cli
