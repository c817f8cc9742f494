// ditstream-control [--frames FILE] [--tail SECONDS] [--no-status] PIPELINE-DESCRIPTION...
// Runs a pipeline containing a ditstreamsrc and steers it from stdin: one prompt per line,
// `[@SECONDS] prompt text [/ subject, words]`. README.md, "Pipelines and the control app".
#include "pipelines/control_app.h"

#include <gst/gst.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

void usage() {
  std::cerr << "usage: ditstream-control [--frames FILE] [--tail SECONDS] [--no-status] "
               "PIPELINE...\n"
               "  stdin: one prompt per line, '[@SECONDS] prompt text [/ subject, words]'\n"
               "  --frames FILE   log every source buffer: frame pts prompt-id weight\n"
               "  --tail SECONDS  at end of input, stream time kept after the last prompt is\n"
               "                  applied before EOS (default 1)\n"
               "  --no-status     no live status line on stderr\n";
}

bool parse_args(int argc, char** argv, ditstream::ControlOptions& options) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-status") {
      options.status_line = false;
    } else if ((flag == "--frames" || flag == "--tail") && i + 1 < argc) {
      if (flag == "--frames") options.frames_log = argv[++i];
      if (flag == "--tail") options.tail_seconds = std::atof(argv[++i]);
    } else {
      return false;
    }
  }
  for (; i < argc; ++i) options.description.emplace_back(argv[i]);
  return !options.description.empty();
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ditstream::ControlOptions options;
  if (!parse_args(argc, argv, options)) {
    usage();
    return 2;
  }
  try {
    ditstream::ControlApp app(options);
    return app.run();
  } catch (const std::exception& e) {
    std::cerr << "ditstream-control: " << e.what() << "\n";
    return 1;
  }
}
