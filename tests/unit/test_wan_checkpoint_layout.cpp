// Wan transformer weights in the layouts real-time causal models ship (original Wan2.1 names,
// Self-Forcing / CausVid generators, LongLive base + LoRA), read from torch.save archives made by
// tests/data/wan-causal/make_checkpoints.py from the wan-tiny-a golden transformer: each must
// give the diffusers-layout golden model's output.

#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/io/torch_archive.h"
#include "core/model/wan/checkpoint_layout.h"
#include "core/model/wan/lora_merge.h"
#include "core/model/wan/original_key_map.h"
#include "core/model/wan/transformer.h"
#include "test_support.h"

#include <torch/serialize.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include <unistd.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

fs::path data_dir() { return fs::path(__FILE__).parent_path().parent_path() / "data/wan-causal"; }

fs::path golden_transformer() {
  return testing::shared_dir() / "golden" / "wan-tiny-a" / "transformer";
}

class ScopedDir {
 public:
  ScopedDir()
      : path(fs::temp_directory_path() /
             ("ditstream_wan_ckpt_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScopedDir() { fs::remove_all(path); }
  fs::path path;
};

void expect_mentions(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

torch::Tensor run(const WanTransformer3DModel& model) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const auto x = torch::randn({1, 16, 2, 4, 4});
  const auto text = torch::randn({1, 8, 32});
  return model.forward(x, torch::tensor({700}, torch::kInt64), text);
}

// The diffusers golden model's output, with every tensor scaled by `scale` (the test
// generators hold golden * 0.5).
torch::Tensor golden_output(double scale = 1.0) {
  const auto model = WanTransformer3DModel::load(golden_transformer(), torch::kFloat32);
  torch::NoGradGuard no_grad;
  for (auto& [_, tensor] : module_state(*model)) tensor.mul_(scale);
  return run(*model);
}

struct Loaded {
  torch::Tensor output;
  std::string description;
};

Loaded load_and_run(const fs::path& dir, const fs::path& checkpoint_file = {}) {
  std::string description;
  const auto model =
      WanTransformer3DModel::load(dir, torch::kFloat32, checkpoint_file, &description);
  return {run(*model), description};
}

// A transformer folder: the golden config.json, test archives, causal_config.json.
void make_folder(const fs::path& dir, const std::vector<std::string>& files,
                 const nlohmann::json& causal_config) {
  fs::copy_file(golden_transformer() / "config.json", dir / "config.json",
                fs::copy_options::overwrite_existing);
  for (const auto& file : files)
    fs::copy_file(data_dir() / file, dir / file, fs::copy_options::overwrite_existing);
  std::ofstream(dir / "causal_config.json") << causal_config.dump(2);
}

double rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max() /
          b.to(torch::kDouble).abs().max())
      .item<double>();
}

void save_pickle(const fs::path& file, const c10::IValue& value) {
  const auto bytes = torch::pickle_save(value);
  std::ofstream(file, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(TorchArchive, ReadsViewsDtypesNestingAndSkipsOtherValues) {
  const auto archive = TorchArchive::open(data_dir() / "archive_features.pt");
  EXPECT_EQ(archive.top_level_keys(), (std::vector<std::string>{"outer", "meta", "weights"}));
  EXPECT_TRUE(archive.has_state("weights"));
  EXPECT_TRUE(archive.has_state("outer/inner"));
  EXPECT_FALSE(archive.has_state("outer"));
  EXPECT_FALSE(archive.has_state("meta"));
  EXPECT_FALSE(archive.has_state(""));
  const auto t = archive.state("weights");
  const auto x = torch::arange(12, torch::kFloat32).reshape({3, 4});
  EXPECT_TRUE(torch::equal(t.at("f32"), x));
  EXPECT_TRUE(torch::equal(t.at("view"), x.slice(0, 1).slice(1, 0, 4, 2)));
  EXPECT_TRUE(torch::equal(t.at("transposed"), x.t()));
  EXPECT_TRUE(torch::equal(t.at("bf16"), torch::tensor({1.5, -2.0}).to(torch::kBFloat16)));
  EXPECT_TRUE(torch::equal(t.at("f16"), torch::tensor({0.25}).to(torch::kHalf)));
  EXPECT_TRUE(torch::equal(t.at("i64"), torch::tensor({7, -8}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(t.at("flag"), torch::tensor({true, false})));
  EXPECT_EQ(t.at("scalar").dim(), 0);
  EXPECT_EQ(t.at("scalar").item<float>(), 3.0f);
  EXPECT_TRUE(torch::equal(archive.state("outer/inner").at("view"), t.at("view")));
}

TEST(TorchArchive, ReadsWhatLibtorchPickleSaveWrites) {
  const ScopedDir dir;
  c10::Dict<std::string, torch::Tensor> state;
  state.insert("w", torch::arange(6, torch::kFloat32).reshape({2, 3}));
  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert("generator", state);
  top.insert("step", 3);
  save_pickle(dir.path / "saved.pt", top);
  const auto archive = TorchArchive::open(dir.path / "saved.pt");
  EXPECT_TRUE(archive.has_state("generator"));
  EXPECT_TRUE(torch::equal(archive.state("generator").at("w"), state.at("w")));
}

TEST(TorchArchive, ErrorsNameTheFileAndTheKey) {
  const ScopedDir dir;
  const auto file = data_dir() / "archive_features.pt";
  const auto archive = TorchArchive::open(file);
  auto message = error_of([&] { archive.state("generator_ema"); });
  expect_mentions(message, file.string());
  expect_mentions(message, "'generator_ema'");
  message = error_of([&] { archive.state("meta"); });
  expect_mentions(message, "'meta'");
  expect_mentions(message, "'step'");
  const auto truncated = dir.path / "truncated.pt";
  fs::copy_file(file, truncated);
  fs::resize_file(truncated, fs::file_size(file) / 2);
  expect_mentions(error_of([&] { TorchArchive::open(truncated); }), truncated.string());
  const auto text = dir.path / "text.pt";
  std::ofstream(text) << "not an archive";
  expect_mentions(error_of([&] { TorchArchive::open(text); }), text.string());
}

TEST(OriginalKeyMap, FollowsTheReferenceTable) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"patch_embedding.weight", "patch_embedding.weight"},
      {"time_embedding.0.weight", "condition_embedder.time_embedder.linear_1.weight"},
      {"time_embedding.2.bias", "condition_embedder.time_embedder.linear_2.bias"},
      {"time_projection.1.weight", "condition_embedder.time_proj.weight"},
      {"text_embedding.0.bias", "condition_embedder.text_embedder.linear_1.bias"},
      {"text_embedding.2.weight", "condition_embedder.text_embedder.linear_2.weight"},
      {"blocks.12.modulation", "blocks.12.scale_shift_table"},
      {"blocks.0.self_attn.q.weight", "blocks.0.attn1.to_q.weight"},
      {"blocks.0.self_attn.o.bias", "blocks.0.attn1.to_out.0.bias"},
      {"blocks.0.self_attn.norm_k.weight", "blocks.0.attn1.norm_k.weight"},
      {"blocks.1.cross_attn.v.weight", "blocks.1.attn2.to_v.weight"},
      {"blocks.1.cross_attn.norm_q.weight", "blocks.1.attn2.norm_q.weight"},
      {"blocks.29.norm3.weight", "blocks.29.norm2.weight"},
      {"blocks.2.ffn.0.weight", "blocks.2.ffn.net.0.proj.weight"},
      {"blocks.2.ffn.2.bias", "blocks.2.ffn.net.2.bias"},
      {"head.head.weight", "proj_out.weight"},
      {"head.modulation", "scale_shift_table"}};
  for (const auto& [original, diffusers] : table)
    EXPECT_EQ(diffusers_name_of_original(original).value_or("(none)"), diffusers) << original;
  for (const std::string unmapped : {"blocks.0.norm2.weight", "blocks.x.norm3.weight",
                                     "head.norm.weight", "blocks.0.attn1.to_q.weight"})
    EXPECT_FALSE(diffusers_name_of_original(unmapped)) << unmapped;
  EXPECT_EQ(strip_wrapper_prefixes("model._fsdp_wrapped_module.blocks.0.ffn.0.weight"),
            "blocks.0.ffn.0.weight");
  EXPECT_EQ(strip_wrapper_prefixes("model.diffusion_model.head.head.bias"), "head.head.bias");
  EXPECT_EQ(strip_wrapper_prefixes("blocks.3._fsdp_wrapped_module.norm3.bias"),
            "blocks.3.norm3.bias");
}

TEST(LoraMerge, AcceptsPeftKeyFormsAndMergesInFloat32) {
  torch::manual_seed(3);
  const auto w = torch::randn({4, 3}).to(torch::kBFloat16);
  const auto a = torch::randn({2, 3}), b = torch::randn({4, 2});
  std::map<std::string, torch::Tensor> base{{"blocks.0.ffn.0.weight", w}};
  const std::map<std::string, torch::Tensor> lora{
      {"base_model.model.model.blocks.0.ffn.0.lora_A.default.weight", a},
      {"base_model.model.model.blocks.0.ffn.0.lora_B.default.weight", b}};
  EXPECT_EQ(merge_peft_lora(base, lora, 0.5, "lora.pt"), 1);
  const auto expected = (w.to(torch::kFloat) + 0.5 * b.mm(a)).to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(base.at("blocks.0.ffn.0.weight"), expected));
  auto wrong = lora;
  wrong.at("base_model.model.model.blocks.0.ffn.0.lora_A.default.weight") = torch::randn({2, 5});
  auto message = error_of([&] { merge_peft_lora(base, wrong, 1.0, "lora.pt"); });
  expect_mentions(message, "lora.pt");
  expect_mentions(message, "blocks.0.ffn.0.lora_A");
  wrong.erase("base_model.model.model.blocks.0.ffn.0.lora_A.default.weight");
  expect_mentions(error_of([&] { merge_peft_lora(base, wrong, 1.0, "lora.pt"); }),
                  "has no lora_A partner");
}

TEST(WanCheckpointLayout, OverrideFileLayoutIsDetected) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const auto golden = golden_output();
  const std::vector<std::pair<fs::path, std::string>> cases = {
      {data_dir() / "original.pt", "original ("},
      {data_dir() / "self_forcing.pt", "self-forcing ("},
      {golden_transformer() / "diffusion_pytorch_model.safetensors", "diffusers ("}};
  for (const auto& [file, layout] : cases) {
    const auto loaded = load_and_run(golden_transformer(), file);
    std::cout << "transformer weights: " << loaded.description << "\n";
    EXPECT_EQ(loaded.description.rfind(layout + file.string(), 0), 0u) << loaded.description;
    EXPECT_TRUE(torch::equal(loaded.output, golden)) << file;
  }
  expect_mentions(load_and_run(golden_transformer(), data_dir() / "self_forcing.pt").description,
                  "state 'generator_ema'");
}

TEST(WanCheckpointLayout, SelfForcingTakesTheEmaGeneratorByDefault) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  make_folder(dir.path, {"self_forcing.pt"},
              {{"method", "self-forcing"}, {"checkpoint", "self_forcing.pt"}, {"chunk_frames", 3}});
  const auto loaded = load_and_run(dir.path);
  std::cout << "transformer weights: " << loaded.description << "\n";
  EXPECT_EQ(loaded.description, "self-forcing (" + (dir.path / "self_forcing.pt").string() +
                                    ", state 'generator_ema')");
  EXPECT_TRUE(torch::equal(loaded.output, golden_output()));
}

TEST(WanCheckpointLayout, UseEmaFalseAndCausVidTakeTheGenerator) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  const auto half = golden_output(0.5);
  ASSERT_FALSE(torch::equal(half, golden_output()));
  for (const auto& config :
       {nlohmann::json{
            {"method", "self-forcing"}, {"checkpoint", "self_forcing.pt"}, {"use_ema", false}},
        nlohmann::json{{"method", "causvid"}, {"checkpoint", "self_forcing.pt"}}}) {
    make_folder(dir.path, {"self_forcing.pt"}, config);
    const auto loaded = load_and_run(dir.path);
    expect_mentions(loaded.description, "state 'generator')");
    EXPECT_TRUE(torch::equal(loaded.output, half)) << config.dump();
  }
}

TEST(WanCheckpointLayout, EmaFallsBackToTheGeneratorOnlyWhenNotAskedFor) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  // longlive_base.pt holds only "generator"; without its LoRA it is not the golden model.
  make_folder(dir.path, {"longlive_base.pt"},
              {{"method", "self-forcing"}, {"checkpoint", "longlive_base.pt"}});
  expect_mentions(load_and_run(dir.path).description,
                  "state 'generator' (no 'generator_ema' in the file)");
  make_folder(dir.path, {"longlive_base.pt"},
              {{"method", "self-forcing"}, {"checkpoint", "longlive_base.pt"}, {"use_ema", true}});
  const auto message = error_of([&] { load_and_run(dir.path); });
  expect_mentions(message, (dir.path / "longlive_base.pt").string());
  expect_mentions(message, "no state dict 'generator_ema' ('use_ema' is set in");
}

TEST(WanCheckpointLayout, LongLiveMergesItsLora) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  const auto golden = golden_output();
  make_folder(dir.path, {"longlive_base.pt", "longlive_lora.pt"},
              {{"method", "longlive"},
               {"checkpoint", "longlive_base.pt"},
               {"lora", "longlive_lora.pt"},
               {"window_frames", 12}});
  const auto loaded = load_and_run(dir.path);
  std::cout << "transformer weights: " << loaded.description << "\n";
  expect_mentions(loaded.description, "longlive (" + (dir.path / "longlive_base.pt").string() +
                                          ", state 'generator', LoRA merged: 20 tensors (");
  const double merged = rel_error(loaded.output, golden);
  std::cout << "longlive merged vs golden: rel " << merged << " (limit 1e-5)\n";
  EXPECT_LE(merged, 1e-5);
  make_folder(dir.path, {}, {{"method", "longlive"}, {"checkpoint", "longlive_base.pt"}});
  EXPECT_GT(rel_error(load_and_run(dir.path).output, golden), 1e-3);  // the LoRA matters
}

// ditstream info checks every tensor's name and shape on the meta device, without data.
TEST(WanCheckpointLayout, LoadsOntoTheMetaDevice) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  make_folder(
      dir.path, {"longlive_base.pt", "longlive_lora.pt"},
      {{"method", "longlive"}, {"checkpoint", "longlive_base.pt"}, {"lora", "longlive_lora.pt"}});
  const auto meta = torch::TensorOptions().device(torch::kMeta);
  EXPECT_TRUE(WanTransformer3DModel::load(dir.path, meta)->device().is_meta());
  EXPECT_TRUE(WanTransformer3DModel::load(golden_transformer(), meta)->device().is_meta());
}

TEST(WanCheckpointLayout, ErrorsNameTheFileAndTheKeyOrField) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  const auto config = (dir.path / "causal_config.json").string();
  const auto load_error = [&] { return error_of([&] { load_and_run(dir.path); }); };

  make_folder(dir.path, {}, {{"method", "streamdiffusion"}, {"checkpoint", "x.pt"}});
  auto message = load_error();
  expect_mentions(message, config);
  expect_mentions(message,
                  "'method' is 'streamdiffusion'; accepted: self-forcing, causvid, longlive");

  make_folder(dir.path, {}, {{"method", "causvid"}, {"checkpoint", "nowhere.pt"}});
  message = load_error();
  expect_mentions(message, "'checkpoint'");
  expect_mentions(message, (dir.path / "nowhere.pt").string());

  make_folder(dir.path, {}, {{"method", "causvid"}, {"checkpoint", "x.pt"}, {"lora", "l.pt"}});
  expect_mentions(load_error(), "field 'lora' is only read for method longlive");
}

TEST(WanCheckpointLayout, BadWeightsNameTheFileAndTheKey) {
  DITSTREAM_REQUIRE_PATH(golden_transformer());
  const ScopedDir dir;
  auto original = TorchArchive::open(data_dir() / "original.pt").state("");
  original["model.blocks.0.bogus.weight"] = torch::zeros({2});
  write_safetensors(dir.path / "bad.safetensors", {original.begin(), original.end()});
  make_folder(dir.path, {}, {{"method", "self-forcing"}, {"checkpoint", "bad.safetensors"}});
  auto message = error_of([&] { load_and_run(dir.path); });
  expect_mentions(message, (dir.path / "bad.safetensors").string());
  expect_mentions(message, "'blocks.0.bogus.weight'");

  make_folder(dir.path, {"self_forcing.pt"},
              {{"method", "self-forcing"}, {"checkpoint", "self_forcing.pt"}});
  fs::resize_file(dir.path / "self_forcing.pt", fs::file_size(dir.path / "self_forcing.pt") - 100);
  message = error_of([&] { load_and_run(dir.path); });
  expect_mentions(message, (dir.path / "self_forcing.pt").string());
  expect_mentions(message, "not a readable torch.save zip archive");

  c10::Dict<std::string, torch::Tensor> lora;
  lora.insert("base_model.model.blocks.7.self_attn.q.lora_A.weight", torch::zeros({2, 32}));
  lora.insert("base_model.model.blocks.7.self_attn.q.lora_B.weight", torch::zeros({32, 2}));
  save_pickle(dir.path / "bad_lora.pt", lora);
  make_folder(
      dir.path, {"longlive_base.pt"},
      {{"method", "longlive"}, {"checkpoint", "longlive_base.pt"}, {"lora", "bad_lora.pt"}});
  message = error_of([&] { load_and_run(dir.path); });
  expect_mentions(message, (dir.path / "bad_lora.pt").string());
  expect_mentions(message, "'base_model.model.blocks.7.self_attn.q.lora_A.weight'");
  expect_mentions(message, "no base weight 'blocks.7.self_attn.q.weight'");
}

}  // namespace
}  // namespace ditstream
