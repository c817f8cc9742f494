// Every golden case on CUDA in fp32 (TF32 off) against the same references and limits as on the
// CPU (label gpu; skipped without a CUDA device or without ../shared).
#include "cuda_test.h"
#include "golden_cases.h"

namespace ditstream {
namespace {

namespace fs = std::filesystem;

using CudaGoldenCase = testing::CudaTest<::testing::TestWithParam<fs::path>>;

TEST_P(CudaGoldenCase, MatchesReference) {
  const auto report = run_golden_case(GetParam(), torch::Device(torch::kCUDA));
  if (!report.skipped.empty()) GTEST_SKIP() << report.skipped;
  EXPECT_TRUE(report.passed()) << format_report(report);
}

INSTANTIATE_TEST_SUITE_P(Shared, CudaGoldenCase, ::testing::ValuesIn(testing::golden_case_files()),
                         testing::golden_case_label);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CudaGoldenCase);

TEST(CudaGoldens, SharedFixturesArePresent) {
  DITSTREAM_REQUIRE_PATH(testing::golden_dir());
  EXPECT_GE(testing::golden_case_files().size(), 40u);
}

}  // namespace
}  // namespace ditstream
