// safetensors reader, sharded checkpoints and strict module loading, including every bad input.
#include "core/io/checkpoint.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/model/layers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ditstream_st_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a raw file: 8-byte length, header text, data bytes.
  fs::path write_raw(const std::string& header, size_t data_bytes, const std::string& name = "t") {
    const fs::path p = dir_ / (name + ".safetensors");
    std::ofstream out(p, std::ios::binary);
    const uint64_t n = header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << header << std::string(data_bytes, '\0');
    return p;
  }

  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(SafetensorsTest, RoundTripsEveryTorchDtype) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (auto type : {torch::kFloat, torch::kHalf, torch::kBFloat16, torch::kDouble, torch::kLong,
                    torch::kInt, torch::kShort, torch::kChar, torch::kByte, torch::kBool}) {
    tensors.emplace_back(safetensors_dtype_name(type),
                         torch::arange(6, torch::kDouble).reshape({2, 3}).to(type));
  }
  write_safetensors(dir_ / "all.safetensors", tensors, {{"format", "pt"}});
  SafetensorsFile file(dir_ / "all.safetensors");
  EXPECT_EQ(file.metadata().at("format"), "pt");
  for (const auto& [name, t] : tensors) {
    const auto back = file.tensor(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(back, t)) << name;
  }
}

TEST_F(SafetensorsTest, TensorsAreCopyOnWriteViews) {
  write_safetensors(dir_ / "a.safetensors", {{"x", torch::ones({4})}});
  {
    SafetensorsFile file(dir_ / "a.safetensors");
    file.tensor("x").mul_(5);
  }
  EXPECT_TRUE(torch::equal(SafetensorsFile(dir_ / "a.safetensors").tensor("x"), torch::ones({4})));
}

TEST_F(SafetensorsTest, TruncatedFileNamesTheFile) {
  const fs::path p = dir_ / "short.safetensors";
  std::ofstream(p) << "abc";
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("short.safetensors: truncated"),
            std::string::npos);
}

TEST_F(SafetensorsTest, TruncatedDataNamesTheTensor) {
  const auto p = write_raw(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  const auto msg = error_of([&] { SafetensorsFile f(p); });
  EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("outside the data section"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  const fs::path p = dir_ / "len.safetensors";
  std::ofstream out(p, std::ios::binary);
  const uint64_t n = 1000;
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << "{}";
  out.close();
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("runs past the end"), std::string::npos);
}

TEST_F(SafetensorsTest, HugeHeaderIsRefused) {
  const fs::path p = dir_ / "huge.safetensors";
  std::ofstream out(p, std::ios::binary);
  const uint64_t n = 1ull << 40;
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.close();
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("exceeds the 100 MB limit"),
            std::string::npos);
}

TEST_F(SafetensorsTest, NonJsonHeader) {
  const auto p = write_raw("not json at all!", 0);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("not a JSON object"), std::string::npos);
}

TEST_F(SafetensorsTest, OverlappingOffsets) {
  const auto p = write_raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           12);
  const auto msg = error_of([&] { SafetensorsFile f(p); });
  EXPECT_NE(msg.find("'a' and 'b' overlap"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, DtypeShapeMismatch) {
  const auto p = write_raw(R"({"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,4]}})", 4);
  const auto msg = error_of([&] { SafetensorsFile f(p); });
  EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("do not match dtype BF16"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, UnknownDtype) {
  const auto p = write_raw(R"({"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", 1);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("unknown dtype"), std::string::npos);
}

class TwoLinears : public torch::nn::Module {
 public:
  TwoLinears() {
    register_module("a", std::make_shared<Linear>(3, 2, true, torch::kFloat));
    register_module("b", std::make_shared<Linear>(2, 2, false, torch::kFloat));
  }
};

std::vector<std::pair<std::string, torch::Tensor>> two_linears_state() {
  return {{"a.weight", torch::randn({2, 3})},
          {"a.bias", torch::randn({2})},
          {"b.weight", torch::randn({2, 2})}};
}

TEST_F(SafetensorsTest, LoadsModuleAndConvertsDtype) {
  auto state = two_linears_state();
  write_safetensors(dir_ / "m.safetensors", state);
  TwoLinears m;
  LoadOptions options;
  options.target = torch::kBFloat16;
  load_module(m, Checkpoint::open(dir_, "m"), options);
  for (const auto& [name, t] : module_state(m)) {
    EXPECT_EQ(t.scalar_type(), torch::kBFloat16);
    for (const auto& [sname, st] : state) {
      if (sname == name) {
        EXPECT_TRUE(torch::equal(t, st.to(torch::kBFloat16))) << name;
      }
    }
  }
}

TEST_F(SafetensorsTest, MissingTensorIsListed) {
  auto state = two_linears_state();
  state.pop_back();
  write_safetensors(dir_ / "m.safetensors", state);
  TwoLinears m;
  const auto msg = error_of([&] { load_module(m, Checkpoint::open(dir_, "m"), {}); });
  EXPECT_NE(msg.find("missing tensors (1):\n    b.weight"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, UnexpectedTensorIsListedUnlessIgnored) {
  auto state = two_linears_state();
  state.emplace_back("encoder.extra", torch::zeros({1}));
  write_safetensors(dir_ / "m.safetensors", state);
  TwoLinears m;
  const auto msg = error_of([&] { load_module(m, Checkpoint::open(dir_, "m"), {}); });
  EXPECT_NE(msg.find("unexpected tensors (1):\n    encoder.extra"), std::string::npos) << msg;
  LoadOptions ignore;
  ignore.ignore_prefixes = {"encoder."};
  EXPECT_NO_THROW(load_module(m, Checkpoint::open(dir_, "m"), ignore));
}

TEST_F(SafetensorsTest, WrongShapeIsListed) {
  auto state = two_linears_state();
  state[0].second = torch::zeros({3, 3});
  write_safetensors(dir_ / "m.safetensors", state);
  TwoLinears m;
  const auto msg = error_of([&] { load_module(m, Checkpoint::open(dir_, "m"), {}); });
  EXPECT_NE(msg.find("a.weight: file [3, 3], model [2, 3]"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, ShardedIndexLoads) {
  auto state = two_linears_state();
  write_safetensors(dir_ / "m-00001-of-00002.safetensors", {state[0], state[1]});
  write_safetensors(dir_ / "m-00002-of-00002.safetensors", {state[2]});
  std::ofstream(dir_ / "m.safetensors.index.json")
      << R"({"metadata":{"total_size":40},"weight_map":{"a.weight":"m-00001-of-00002.safetensors",)"
      << R"("a.bias":"m-00001-of-00002.safetensors","b.weight":"m-00002-of-00002.safetensors"}})";
  const auto ckpt = Checkpoint::open(dir_, "m");
  EXPECT_EQ(ckpt.files().size(), 2u);
  TwoLinears m;
  load_module(m, ckpt, {});
  EXPECT_TRUE(torch::equal(module_state(m)[2].second, state[2].second));
}

TEST_F(SafetensorsTest, ShardIndexNamingAWrongFileFails) {
  auto state = two_linears_state();
  write_safetensors(dir_ / "s1.safetensors", state);
  std::ofstream(dir_ / "m.safetensors.index.json")
      << R"({"weight_map":{"a.weight":"s1.safetensors","zzz":"s1.safetensors"}})";
  const auto msg = error_of([&] { Checkpoint::open(dir_, "m"); });
  EXPECT_NE(msg.find("'zzz'"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, MissingWeightsNameTheFolder) {
  const auto msg = error_of([&] { Checkpoint::open(dir_, "diffusion_pytorch_model"); });
  EXPECT_NE(msg.find("no weights: expected diffusion_pytorch_model.safetensors"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace ditstream
