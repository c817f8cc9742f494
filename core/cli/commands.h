#pragma once
// The ditstream tool's subcommands; each returns the process exit code.

#include <string>
#include <vector>

namespace ditstream::cli {

int info_command(const std::vector<std::string>& args);
int make_tiny_command(const std::vector<std::string>& args);
int make_random_command(const std::vector<std::string>& args);
int train_demo_command(const std::vector<std::string>& args);
int render_command(const std::vector<std::string>& args);
int verify_command(const std::vector<std::string>& args);
int worker_command(const std::vector<std::string>& args);

}  // namespace ditstream::cli
