#pragma once
// Discovers golden cases (<model>/cases/*.safetensors) and runs each through the handler chosen
// by its name prefix. New fixture sets need no code changes.

#include "core/verify/golden_case.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ditstream {

struct CaseReport {
  std::filesystem::path file;
  std::string model;  // model folder name
  std::string name;   // case file stem
  std::vector<TensorCheck> checks;
  std::string error;    // set when the case could not run
  std::string skipped;  // set when the runner has no handlers for the folder's model family
  bool passed() const;
};

// Every cases/*.safetensors below `root` (root may itself be a model folder), sorted.
std::vector<std::filesystem::path> discover_golden_cases(const std::filesystem::path& root);

// Runs one case on `device` (fp32); never throws: failures land in CaseReport::error.
CaseReport run_golden_case(const std::filesystem::path& case_file,
                           torch::Device device = torch::kCPU);

// Runs every discovered case, calling `on_report` after each one.
std::vector<CaseReport> run_golden_cases(const std::filesystem::path& root,
                                         const std::function<void(const CaseReport&)>& on_report,
                                         torch::Device device = torch::kCPU);

std::string format_report(const CaseReport& report);

}  // namespace ditstream
