// Every golden case under DITSTREAM_GOLDEN_DIR (default ../shared/golden), discovered from the
// files: a new fixture set runs without code changes.
#include "golden_cases.h"

#include <gtest/gtest.h>

#include <fstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

class GoldenCaseTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenCaseTest, MatchesReference) {
  const auto report = run_golden_case(GetParam());
  if (!report.skipped.empty()) GTEST_SKIP() << report.skipped;
  std::cout << format_report(report);
  EXPECT_TRUE(report.passed()) << format_report(report);
}

INSTANTIATE_TEST_SUITE_P(Shared, GoldenCaseTest, ::testing::ValuesIn(testing::golden_case_files()),
                         testing::golden_case_label);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenCaseTest);

TEST(GoldenRunner, FindsEveryPrefixInTheSharedFixtures) {
  DITSTREAM_REQUIRE_PATH(testing::golden_dir());
  std::map<std::string, int> by_prefix;
  for (const auto& c : testing::golden_case_files()) ++by_prefix[c.stem().string().substr(0, 4)];
  EXPECT_GE(by_prefix["tran"], 11);
  EXPECT_GE(by_prefix["vae_"], 9);
  EXPECT_GE(by_prefix["sche"], 15);
  EXPECT_GE(by_prefix["e2e_"], 6);
}

TEST(GoldenRunner, UnknownPrefixIsAReportedFailureNotACrash) {
  const auto dir = fs::temp_directory_path() / "ditstream_golden_unknown" / "cases";
  fs::create_directories(dir);
  write_safetensors(dir / "mystery_case.safetensors", {{"x", torch::zeros({1})}});
  const auto report = run_golden_case(dir / "mystery_case.safetensors");
  EXPECT_FALSE(report.passed());
  EXPECT_NE(report.error.find("no handler"), std::string::npos) << report.error;
  fs::remove_all(dir.parent_path());
}

CaseReport run_in_family(const std::string& family, const std::string& case_name) {
  const auto dir = fs::temp_directory_path() / "ditstream_golden_family";
  fs::create_directories(dir / "cases");
  std::ofstream(dir / "model_index.json") << R"({"_class_name": ")" + family + R"("})";
  const auto file = dir / "cases" / (case_name + ".safetensors");
  write_safetensors(file, {{"x", torch::zeros({1})}});
  auto report = run_golden_case(file);
  fs::remove_all(dir);
  return report;
}

// A family without handlers is skipped by name, not failed.
TEST(GoldenRunner, CasesOfAnUnsupportedFamilyAreSkippedByName) {
  const auto report = run_in_family("HunyuanVideoPipeline", "transformer_F1");
  EXPECT_FALSE(report.passed());
  EXPECT_NE(report.skipped.find("HunyuanVideoPipeline"), std::string::npos) << report.skipped;
  EXPECT_NE(format_report(report).find("SKIP"), std::string::npos);
}

// Wan's causal cases run through the causal path (routed: the empty folder has no model to load).
TEST(GoldenRunner, WanCausalCasesRouteToTheCausalHandler) {
  const auto report = run_in_family("WanPipeline", "causal_F4_block1_t500");
  EXPECT_TRUE(report.skipped.empty()) << report.skipped;
  EXPECT_FALSE(report.error.empty());
}

TEST(GoldenRunner, WanCasesRouteToTheWanHandlers) {
  const auto report = run_in_family("WanPipeline", "transformer_F1");
  EXPECT_TRUE(report.skipped.empty()) << report.skipped;
  EXPECT_FALSE(report.error.empty());  // routed: the empty folder has no transformer to load
  EXPECT_NE(report.error.find("transformer"), std::string::npos) << report.error;
}

}  // namespace
}  // namespace ditstream
