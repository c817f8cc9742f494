#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/verify/golden_runner.h"

#include <cstdio>

namespace ditstream::cli {

int verify_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream verify DIR\n"
        "Runs every <model>/cases/*.safetensors below DIR against the model folder beside\n"
        "cases/ and prints the error of each output tensor. Exit code 1 if any case fails.");
    return 0;
  }
  int failed = 0, total = 0;
  run_golden_cases(a.positional(0, "DIR"), [&](const CaseReport& r) {
    ++total;
    failed += r.passed() ? 0 : 1;
    std::fputs(format_report(r).c_str(), stdout);
    std::fflush(stdout);
  });
  std::printf("%d passed, %d failed\n", total - failed, failed);
  return failed == 0 && total > 0 ? 0 : 1;
}

}  // namespace ditstream::cli
