// ditstream: inspect, create, render and verify CogVideoX models in diffusers layout.
#include "core/cli/commands.h"

#include <torch/version.h>

#include <cstdio>
#include <cstring>
#include <exception>

namespace {

constexpr const char* kUsage =
    "usage: ditstream <command> [options]\n"
    "  info [MODEL_DIR]           components, configs, dtypes, sizes and a verdict (default:\n"
    "                             the default model, $DITSTREAM_MODEL or the installed one)\n"
    "  make-tiny OUT_DIR          write the deterministic tiny test model [--seed N]\n"
    "  make-random OUT_DIR        a full-size folder with random weights (--preset cogvideox-2b)\n"
    "  render [options]           one window to .y4m (--output) or PNG frames (--png-dir)\n"
    "  train-demo OUT_DIR         train the shapes-world demo model (resumable)\n"
    "  verify DIR                 run golden cases (<model>/cases/*.safetensors) below DIR\n"
    "  worker --rank R ...        one rank of a parallel stream (parallel=cfg|ulysses)\n"
    "Run 'ditstream <command> --help' for a command's options; --version for the version.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace ditstream::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version"))
    return std::printf("ditstream %s (libtorch %s)\n", DITSTREAM_VERSION, TORCH_VERSION), 0;
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "info") return info_command(args);
    if (command == "make-tiny") return make_tiny_command(args);
    if (command == "make-random") return make_random_command(args);
    if (command == "render") return render_command(args);
    if (command == "train-demo") return train_demo_command(args);
    if (command == "verify") return verify_command(args);
    if (command == "worker") return worker_command(args);
    std::fprintf(stderr, "ditstream: unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ditstream %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}
