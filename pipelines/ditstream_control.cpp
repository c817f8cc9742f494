// ditstream-control [--frames FILE] [--tail SECONDS] [--no-status] [--http HOST:PORT]
//                   PIPELINE-DESCRIPTION...
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
               "[--http HOST:PORT [--http-allow-remote]] PIPELINE...\n"
               "  stdin: one prompt per line, '[@SECONDS] prompt text [/ subject, words]'\n"
               "  --frames FILE   log every source buffer: frame pts prompt-id weight\n"
               "  --tail SECONDS  at end of input, stream time kept after the last prompt is\n"
               "                  applied before EOS (default 1)\n"
               "  --no-status     no live status line on stderr\n"
               "  --http HOST:PORT  serve the control page (prompt box, timeline, live preview)\n"
               "                  there, e.g. 127.0.0.1:8080 (port 0: any free one); the stream\n"
               "                  then runs until Ctrl-C, whatever stdin does\n"
               "  --http-allow-remote  allow a non-loopback HOST (anyone who reaches it can\n"
               "                  change the prompt, and nothing else)\n";
}

bool parse_args(int argc, char** argv, ditstream::ControlOptions& options) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-status") {
      options.status_line = false;
    } else if (flag == "--http-allow-remote") {
      options.http_allow_remote = true;
    } else if ((flag == "--frames" || flag == "--tail" || flag == "--http") && i + 1 < argc) {
      if (flag == "--frames") options.frames_log = argv[++i];
      if (flag == "--tail") options.tail_seconds = std::atof(argv[++i]);
      if (flag == "--http") options.http = argv[++i];
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
