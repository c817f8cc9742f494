#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/stream/runtime_options.h"
#include "core/verify/golden_runner.h"

#include <cstdio>

namespace ditstream::cli {

int verify_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"device"});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream verify DIR [--device cpu|cuda]\n"
        "Runs every <model>/cases/*.safetensors below DIR against the model folder beside\n"
        "cases/ and prints the error of each output tensor. Exit code 1 if any case fails.");
    return 0;
  }
  int failed = 0, total = 0, skipped = 0;
  const auto device = parse_runtime_options(a.get("device", "cpu"), "fp32").device;
  const auto report = [&](const CaseReport& r) {
    skipped += r.skipped.empty() ? 0 : 1;
    total += r.skipped.empty() ? 1 : 0;
    failed += r.skipped.empty() && !r.passed() ? 1 : 0;
    std::fputs(format_report(r).c_str(), stdout);
    std::fflush(stdout);
  };
  run_golden_cases(a.positional(0, "DIR"), report, device);
  std::printf("%d passed, %d failed, %d skipped\n", total - failed, failed, skipped);
  return failed == 0 && total > 0 ? 0 : 1;
}

}  // namespace ditstream::cli
