#include "core/stream/pipeline_components.h"

#include "core/model/cogvideox_transformer.h"
#include "core/model/vae_decoder.h"
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

void load_text_components(PipelineComponents& c) {
  if (!c.folder.has("text_encoder") && !c.folder.has("tokenizer")) return;
  require_class(c.folder, "text_encoder", "T5EncoderModel");
  c.tokenizer =
      std::make_shared<T5Tokenizer>(find_tokenizer_model(c.folder.component("tokenizer").dir));
  c.text_encoder =
      load_t5_encoder(c.folder.component("text_encoder").dir, c.runtime.tensor_options());
}

}  // namespace

std::shared_ptr<PipelineComponents> load_pipeline_components(const std::filesystem::path& root,
                                                             const RuntimeOptions& runtime) {
  auto c = std::make_shared<PipelineComponents>();
  c->folder = ModelFolder::open(root);
  c->runtime = runtime;
  require_class(c->folder, "transformer", "CogVideoXTransformer3DModel");
  require_class(c->folder, "vae", "AutoencoderKLCogVideoX");
  c->scheduler = SchedulerConfig::from_json(
      JsonConfig::load(c->folder.component("scheduler").dir / "scheduler_config.json"));
  c->transformer =
      load_transformer(c->folder.component("transformer").dir, runtime.tensor_options());
  c->vae = load_vae(c->folder.component("vae").dir, runtime.tensor_options());
  load_text_components(*c);
  return c;
}

}  // namespace ditstream
