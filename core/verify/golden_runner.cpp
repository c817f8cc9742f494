#include "core/verify/golden_runner.h"

#include "core/io/json_config.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using Handler = std::vector<TensorCheck> (*)(const GoldenCase&);

// A null handler skips the case, saying why.
struct Route {
  const char* prefix;
  Handler handler;
  const char* skip_reason;
};

const std::vector<Route> kCogVideoXRoutes = {
    {"transformer_", run_transformer_case, nullptr},
    {"vae_decode_", run_vae_decode_case, nullptr},
    {"scheduler_", run_scheduler_case, nullptr},
    {"e2e_", run_e2e_case, nullptr},
};

const std::vector<Route> kWanRoutes = {
    {"transformer_", run_wan_transformer_case, nullptr},
    {"vae_decode_", run_wan_vae_decode_case, nullptr},
    {"vae_encode_", run_wan_vae_encode_case, nullptr},
    {"umt5_", run_umt5_case, nullptr},
    {"scheduler_", run_flow_scheduler_case, nullptr},
    {"e2e_", run_wan_e2e_case, nullptr},
    {"causal_", run_wan_causal_case, nullptr},
};

const std::vector<Route> kT5Routes = {{"", run_t5_case, nullptr}};

bool is_t5_folder(const fs::path& model_dir) {
  const auto config = model_dir / "config.json";
  return fs::exists(config) && JsonConfig::load(config).get<std::string>("model_type", "") == "t5";
}

// Text-encoder folders hold a T5 config.json; diffusers folders route by their pipeline class.
const std::vector<Route>* routes_for(const fs::path& model_dir) {
  if (is_t5_folder(model_dir)) return &kT5Routes;
  const auto index = model_dir / "model_index.json";
  const auto family =
      fs::exists(index) ? JsonConfig::load(index).get<std::string>("_class_name", "") : "";
  if (family == "CogVideoXPipeline" || family.empty()) return &kCogVideoXRoutes;
  if (family == "WanPipeline") return &kWanRoutes;
  return nullptr;
}

const Route* route_for(const fs::path& model_dir, const std::string& name) {
  const auto* routes = routes_for(model_dir);
  if (!routes) return nullptr;
  for (const auto& r : *routes)
    if (name.rfind(r.prefix, 0) == 0) return &r;
  return nullptr;
}

std::string family_of(const fs::path& model_dir) {
  return JsonConfig::load(model_dir / "model_index.json").get<std::string>("_class_name", "");
}

bool is_case_file(const fs::path& p) {
  return p.extension() == ".safetensors" && p.parent_path().filename() == "cases";
}

}  // namespace

bool CaseReport::passed() const {
  return error.empty() && !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const TensorCheck& c) { return c.passed(); });
}

std::vector<fs::path> discover_golden_cases(const fs::path& root) {
  if (!fs::is_directory(root)) throw std::runtime_error(root.string() + ": not a folder");
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && is_case_file(entry.path())) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

CaseReport run_golden_case(const fs::path& case_file, torch::Device device) {
  CaseReport report;
  report.file = case_file;
  report.model = case_file.parent_path().parent_path().filename().string();
  report.name = case_file.stem().string();
  try {
    const auto model_dir = case_file.parent_path().parent_path();
    if (!routes_for(model_dir)) {
      report.skipped = family_of(model_dir) + ": no golden-case handlers for this family";
      return report;
    }
    const Route* route = route_for(model_dir, report.name);
    if (!route) throw std::runtime_error("no handler for this case-name prefix");
    if (!route->handler) {
      report.skipped = route->skip_reason;
      return report;
    }
    const Handler handler = route->handler;
    const SafetensorsFile tensors(case_file);
    torch::NoGradGuard no_grad;
    report.checks =
        handler({case_file.parent_path().parent_path(), case_file, report.name, &tensors, device});
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

std::vector<CaseReport> run_golden_cases(const fs::path& root,
                                         const std::function<void(const CaseReport&)>& on_report,
                                         torch::Device device) {
  std::vector<CaseReport> reports;
  for (const auto& file : discover_golden_cases(root)) {
    reports.push_back(run_golden_case(file, device));
    if (on_report) on_report(reports.back());
  }
  return reports;
}

std::string format_report(const CaseReport& report) {
  std::ostringstream out;
  const char* verdict = !report.skipped.empty() ? "SKIP " : report.passed() ? "PASS " : "FAIL ";
  out << verdict << report.model << "/" << report.name << "\n";
  if (!report.skipped.empty()) out << "    " << report.skipped << "\n";
  if (!report.error.empty()) out << "    error: " << report.error << "\n";
  for (const auto& c : report.checks) {
    char line[256];
    std::snprintf(line, sizeof line, "    %-4s %-32s %-5s %.3e (limit %.0e)\n",
                  c.passed() ? "ok" : "BAD", c.name.c_str(), c.metric.c_str(), c.error, c.limit);
    out << line;
  }
  return out.str();
}

}  // namespace ditstream
