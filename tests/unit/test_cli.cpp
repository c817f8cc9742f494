// The ditstream tool as a user runs it: make-tiny, info (good and broken folders), render.
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

struct Run {
  int status;
  std::string output;
};

// Render commands on the tiny random model (the default is the trained demo model).
std::string tiny_render() { return "render --model " + testing::tiny_model_dir().string() + " "; }

// `env`: "NAME=VALUE " assignments before the command.
Run run_cli(const std::string& args, const std::string& env = "") {
  const std::string command = env + DITSTREAM_CLI + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ditstream_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CliTest, MakeTinyIsDeterministic) {
  ASSERT_EQ(run_cli("make-tiny " + (dir_ / "a").string()).status, 0);
  for (const char* f : {"transformer/diffusion_pytorch_model.safetensors",
                        "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                        "tokenizer/spiece.model", "model_index.json"}) {
    EXPECT_EQ(read_file(dir_ / "a" / f), read_file(testing::tiny_model_dir() / f)) << f;
  }
}

// make-random's tiny preset with the tiny model's tokenizer is make-tiny's model, byte for byte.
TEST_F(CliTest, MakeRandomTinyIsMakeTinyWithAGivenTokenizer) {
  const auto tokenizer = testing::tiny_model_dir() / "tokenizer/spiece.model";
  ASSERT_EQ(run_cli("make-random " + (dir_ / "r").string() + " --preset tiny --dtype fp32 " +
                    "--seed 1234 --tokenizer " + tokenizer.string())
                .status,
            0);
  ASSERT_EQ(
      run_cli("make-tiny " + (dir_ / "t").string() + " --tokenizer " + tokenizer.string()).status,
      0);
  for (const char* f : {"transformer/diffusion_pytorch_model.safetensors",
                        "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                        "text_encoder/config.json", "tokenizer/spiece.model", "model_index.json"}) {
    EXPECT_EQ(read_file(dir_ / "r" / f), read_file(testing::tiny_model_dir() / f)) << f;
    EXPECT_EQ(read_file(dir_ / "t" / f), read_file(testing::tiny_model_dir() / f)) << f;
  }
}

TEST_F(CliTest, MakeRandomIsDeterministicPerSeedAndLoads) {
  const auto tokenizer = testing::tiny_model_dir() / "tokenizer/spiece.model";
  const auto make = [&](const char* name, int seed) {
    return run_cli("make-random " + (dir_ / name).string() + " --preset tiny --seed " +
                   std::to_string(seed) + " --tokenizer " + tokenizer.string());
  };
  ASSERT_EQ(make("a", 3).status, 0);
  ASSERT_EQ(make("b", 3).status, 0);
  ASSERT_EQ(make("c", 4).status, 0);
  const char* weights = "transformer/diffusion_pytorch_model.safetensors";
  EXPECT_EQ(read_file(dir_ / "a" / weights), read_file(dir_ / "b" / weights));
  EXPECT_NE(read_file(dir_ / "a" / weights), read_file(dir_ / "c" / weights));
  const auto info = run_cli("info " + (dir_ / "a").string());
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_NE(info.output.find("bf16"), std::string::npos) << info.output;
}

TEST_F(CliTest, MakeRandomRefusesUnknownPresetsAndMissingTokenizers) {
  const auto preset = run_cli("make-random " + dir_.string() + " --preset cogvideox-9b");
  EXPECT_EQ(preset.status, 1);
  EXPECT_NE(preset.output.find("unknown preset 'cogvideox-9b'"), std::string::npos);
  const auto tokenizer =
      run_cli("make-random " + dir_.string() + " --preset tiny --tokenizer /nonexistent.model");
  EXPECT_EQ(tokenizer.status, 1);
  EXPECT_NE(tokenizer.output.find("/nonexistent.model: no such file"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "model_index.json"));
}

TEST_F(CliTest, InfoOnTinyModelSaysOk) {
  const auto r = run_cli("info " + testing::tiny_model_dir().string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("verdict: OK"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 layers, 2 heads x 16"), std::string::npos) << r.output;
}

TEST_F(CliTest, InfoOnBrokenCopyNamesTheProblems) {
  fs::copy(testing::tiny_model_dir(), dir_ / "m", fs::copy_options::recursive);
  const auto weights = dir_ / "m/vae/diffusion_pytorch_model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) / 2);
  fs::remove(dir_ / "m/tokenizer/spiece.model");
  const auto r = run_cli("info " + (dir_ / "m").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("diffusion_pytorch_model.safetensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("spiece.model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("verdict: PROBLEMS"), std::string::npos) << r.output;
}

TEST_F(CliTest, RenderWritesA49FrameWindowDeterministically) {
  const std::string common = tiny_render() + "--prompt 'a red fox in the snow' --steps 3 --seed 7 ";
  ASSERT_EQ(run_cli(common + "--output " + (dir_ / "a.y4m").string()).status, 0);
  ASSERT_EQ(run_cli(common + "--output " + (dir_ / "b.y4m").string()).status, 0);
  const auto video = read_file(dir_ / "a.y4m");
  const std::string header = "YUV4MPEG2 W96 H64 F8:1 Ip A1:1 C444\n";
  ASSERT_EQ(video.substr(0, header.size()), header);
  EXPECT_EQ(video.size(), header.size() + 49 * (6 + 96 * 64 * 3));
  EXPECT_EQ(video, read_file(dir_ / "b.y4m"));
  run_cli(tiny_render() + "--prompt 'a red fox in the snow' --steps 3 --seed 8 --output " +
          (dir_ / "c.y4m").string());
  EXPECT_NE(video, read_file(dir_ / "c.y4m"));
}

TEST_F(CliTest, RenderPromptFileJoinsWindowsWithTransitions) {
  std::ofstream(dir_ / "prompts.txt")
      << "# two prompts\n0: a red fox / fox\n6: a white wolf / wolf\n";
  const auto r = run_cli(tiny_render() + "--steps 3 --prompts " + (dir_ / "prompts.txt").string() +
                         " --output " + (dir_ / "two.y4m").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 prompts -> 3 windows, 27 latent frames"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("wrote 105 frames"), std::string::npos) << r.output;
}

TEST_F(CliTest, StreamModeFollowsTheStartTimes) {
  std::ofstream(dir_ / "prompts.txt") << "0: a red fox\n3: a white wolf\n";
  const auto r =
      run_cli(tiny_render() + "--steps 2 --mode stream --seconds 9 --prompts " +
              (dir_ / "prompts.txt").string() + " --output " + (dir_ / "s.y4m").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 72 frames"), std::string::npos) << r.output;
  EXPECT_NE(run_cli(tiny_render() + "--mode sideways --prompts x --output y.y4m")
                .output.find("--mode must be"),
            std::string::npos);
}

TEST_F(CliTest, RenderPngFrames) {
  const auto r =
      run_cli(tiny_render() + "--prompt cat --steps 1 --frames 1 --png-dir " + dir_.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto png = read_file(dir_ / "frame_0000.png");
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_FALSE(fs::exists(dir_ / "frame_0001.png"));
}

TEST_F(CliTest, BadArgumentsFailClearly) {
  EXPECT_NE(run_cli(tiny_render() + "--prompt x --steps many --output x.y4m")
                .output.find("--steps needs an integer"),
            std::string::npos);
  EXPECT_NE(run_cli(tiny_render() + "--prompt x --dtype fp16 --output x.y4m")
                .output.find("fp16 is not supported on cpu"),
            std::string::npos);
  const auto r = run_cli("render --model /nonexistent --prompt x --output x.y4m");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("/nonexistent: model folder not found"), std::string::npos) << r.output;
  const auto mp4 = run_cli(tiny_render() + "--prompt x --output " + (dir_ / "x.mp4").string());
  EXPECT_EQ(mp4.status, 1);
  EXPECT_NE(mp4.output.find("x.mp4: render writes YUV4MPEG only"), std::string::npos) << mp4.output;
  EXPECT_FALSE(fs::exists(dir_ / "x.mp4"));
  const auto speeds = run_cli("train-demo " + (dir_ / "m").string() + " --speeds 2");
  EXPECT_EQ(speeds.status, 1);
  EXPECT_NE(speeds.output.find("--speeds: expected SLOW,FAST in pixels per frame, got '2'"),
            std::string::npos)
      << speeds.output;
  EXPECT_FALSE(fs::exists(dir_ / "m"));
}

TEST_F(CliTest, VersionAndHelp) {
  const auto version = run_cli("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.output.rfind("ditstream 0.", 0), 0u) << version.output;
  for (const char* command :
       {"info", "make-tiny", "make-random", "render", "train-demo", "verify"}) {
    const auto help = run_cli(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_EQ(help.output.rfind("usage: ditstream ", 0), 0u) << command << ": " << help.output;
  }
}

TEST_F(CliTest, InfoRendersAStepOnTheDeviceAsked) {
  const std::string tiny = testing::tiny_model_dir().string();
  const auto cpu = run_cli("info " + tiny + " --device cpu");
  EXPECT_EQ(cpu.status, 0) << cpu.output;
  EXPECT_NE(cpu.output.find("device cpu:\n    96x64 frame in "), std::string::npos) << cpu.output;
  EXPECT_NE(cpu.output.find("one step of one latent frame: OK"), std::string::npos) << cpu.output;
  if (torch::cuda::is_available()) return;
  const auto cuda = run_cli("info " + tiny + " --device cuda");
  EXPECT_EQ(cuda.status, 1) << cuda.output;
  EXPECT_NE(cuda.output.find("PROBLEM: device 'cuda': CUDA is not available"), std::string::npos)
      << cuda.output;
}

TEST_F(CliTest, InfoWithoutAFolderChecksTheDefaultModel) {
  const std::string tiny = testing::tiny_model_dir().string();
  const auto r = run_cli("info", "DITSTREAM_MODEL=" + tiny + " ");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind(tiny + ": ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("verdict: OK"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ditstream
