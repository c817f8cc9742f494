#include "core/stream/pipeline_components.h"

#include "core/model/cogvideox/family.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/wan/family.h"
#include "core/model/wan/transformer.h"
#include "core/model/wan/vae_decoder.h"
#include "core/text/prompt_encoder.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <stdexcept>

namespace ditstream {
namespace {

void require_class(const ModelFolder& folder, const std::string& name, const std::string& cls) {
  const auto& entry = folder.component(name);
  if (entry.class_name != cls)
    throw std::runtime_error((folder.root() / "model_index.json").string() + ": component '" +
                             name + "' is " + entry.class_name + ", expected " + cls);
}

std::filesystem::path dir_of(const PipelineComponents& c, const std::string& name) {
  return c.folder.component(name).dir;
}

std::shared_ptr<const T5Tokenizer> load_tokenizer(const std::filesystem::path& dir,
                                                  TextRules rules) {
  if (rules == TextRules::Wan) return std::make_shared<T5Tokenizer>(T5Tokenizer::from_folder(dir));
  return std::make_shared<T5Tokenizer>(find_tokenizer_model(dir));
}

// Prompts need both; a folder with neither (or, like the goldens', no tokenizer) runs from
// embeddings only.
void load_text(PipelineComponents& c, const std::string& encoder_class, TextRules rules) {
  if (!c.folder.has("text_encoder") || !c.folder.has("tokenizer")) return;
  require_class(c.folder, "text_encoder", encoder_class);
  auto tokenizer = load_tokenizer(dir_of(c, "tokenizer"), rules);
  auto encoder = load_t5_encoder(dir_of(c, "text_encoder"), c.runtime.tensor_options());
  c.text = std::make_shared<PromptEncoder>(std::move(encoder), std::move(tokenizer), rules,
                                           c.geometry().text_length);
}

void load_cogvideox(PipelineComponents& c) {
  require_class(c.folder, "transformer", "CogVideoXTransformer3DModel");
  require_class(c.folder, "vae", "AutoencoderKLCogVideoX");
  const auto options = c.runtime.tensor_options();
  auto vae = load_vae(dir_of(c, "vae"), options);
  c.transformer = std::make_shared<CogVideoXVideoTransformer>(
      load_transformer(dir_of(c, "transformer"), options), vae->config().spatial_compression());
  c.vae = std::make_shared<CogVideoXVideoVae>(std::move(vae));
  load_text(c, "T5EncoderModel", TextRules::CogVideoX);
}

void load_wan(PipelineComponents& c) {
  require_class(c.folder, "transformer", "WanTransformer3DModel");
  require_class(c.folder, "vae", "AutoencoderKLWan");
  const auto options = c.runtime.tensor_options();
  auto vae = load_wan_vae(dir_of(c, "vae"), options);
  c.transformer = std::make_shared<WanVideoTransformer>(
      WanTransformer3DModel::load(dir_of(c, "transformer"), options,
                                  c.runtime.transformer_checkpoint),
      *vae);
  c.vae = std::make_shared<WanVideoVae>(std::move(vae));
  load_text(c, "UMT5EncoderModel", TextRules::Wan);
}

}  // namespace

std::shared_ptr<const ForwardExecutor> forward_executor(const PipelineComponents& components) {
  return components.forwards ? components.forwards
                             : std::make_shared<LocalForward>(components.transformer);
}

std::string ditctrl_sampler(const PipelineComponents& components) {
  const auto& samplers = *components.samplers;
  return samplers.flow_matching() ? samplers.default_name() : "dpmpp-2m-sde";
}

std::shared_ptr<PipelineComponents> load_pipeline_components(const std::filesystem::path& root,
                                                             const RuntimeOptions& runtime) {
  auto c = std::make_shared<PipelineComponents>();
  c->folder = ModelFolder::open(root);
  c->runtime = runtime;
  c->samplers = std::make_shared<SamplerFactory>(SamplerFactory::load(dir_of(*c, "scheduler")));
  const auto& family = c->folder.pipeline_class();
  if (family == "CogVideoXPipeline") {
    load_cogvideox(*c);
  } else if (family == "WanPipeline") {
    load_wan(*c);
  } else {
    throw std::runtime_error((root / "model_index.json").string() + ": _class_name '" + family +
                             "' is not a supported pipeline (CogVideoXPipeline, WanPipeline)");
  }
  c->defaults = SamplingDefaults::load(root, c->geometry().family);
  return c;
}

}  // namespace ditstream
