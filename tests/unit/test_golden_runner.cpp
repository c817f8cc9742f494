// Every golden case under DITSTREAM_GOLDEN_DIR (default ../shared/golden), discovered from the
// files: a new fixture set runs without code changes.
#include "core/verify/golden_runner.h"
#include "test_support.h"

#include <gtest/gtest.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> golden_cases() {
  const auto root = testing::golden_dir();
  return fs::is_directory(root) ? discover_golden_cases(root) : std::vector<fs::path>{};
}

class GoldenCaseTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenCaseTest, MatchesReference) {
  const auto report = run_golden_case(GetParam());
  std::cout << format_report(report);
  EXPECT_TRUE(report.passed()) << format_report(report);
}

std::string case_label(const ::testing::TestParamInfo<fs::path>& info) {
  std::string label =
      info.param.parent_path().parent_path().filename().string() + "_" + info.param.stem().string();
  for (char& ch : label)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return label;
}

INSTANTIATE_TEST_SUITE_P(Shared, GoldenCaseTest, ::testing::ValuesIn(golden_cases()), case_label);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenCaseTest);

TEST(GoldenRunner, FindsEveryPrefixInTheSharedFixtures) {
  DITSTREAM_REQUIRE_PATH(testing::golden_dir());
  std::map<std::string, int> by_prefix;
  for (const auto& c : golden_cases()) ++by_prefix[c.stem().string().substr(0, 4)];
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

}  // namespace
}  // namespace ditstream
