#include "gst-plugin/src_properties.h"

#include "gst-plugin/src_debug.h"

namespace ditstream {
namespace {

enum PropertyId : guint {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_DTYPE,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_WINDOW_FRAMES,
  PROP_PROMPT,
  PROP_NEGATIVE_PROMPT,
  PROP_SUBJECT_WORDS,
  PROP_PROMPT_SCHEDULE,
  PROP_TRANSITION_WINDOWS,
  PROP_SEED,
  PROP_STEPS,
  PROP_GUIDANCE,
  PROP_DYNAMIC_CFG,
  PROP_SAMPLER,
  PROP_OVERLAP,
  PROP_BLEND,
  PROP_STEP_CACHE,
  PROP_ANCHOR,
  PROP_ANCHOR_STRENGTH,
  PROP_MOTION,
  PROP_GENERATOR,
  PROP_SWITCH,
  PROP_TRANSFORMER_CHECKPOINT,
  PROP_KV_SHARING,
  PROP_KV_SHARING_STEPS,
  PROP_KV_SHARING_LAYERS,
  PROP_LOOKAHEAD,
  PROP_PARALLEL,
  PROP_WORLD_SIZE,
  PROP_WORKERS_MASTER,
  PROP_IS_LIVE,
};

constexpr auto kReady =
    GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
constexpr auto kPlaying =
    GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
constexpr auto kControllable = GParamFlags(kPlaying | GST_PARAM_CONTROLLABLE);

// Registered once; marked as plugin API so the documentation lists the enum's values.
GType register_enum(const char* name, const GEnumValue* values) {
  GType type = g_type_from_name(name);
  if (type) return type;
  type = g_enum_register_static(name, values);
  gst_type_mark_as_plugin_api(type, GstPluginAPIFlags(0));
  return type;
}

GType sampler_type() {
  static const GEnumValue values[] = {
      {int(SamplerChoice::Auto), "The model folder's own scheduler", "auto"},
      {int(SamplerChoice::Ddim), "DDIM (CogVideoX)", "ddim"},
      {int(SamplerChoice::Dpm), "DPM (CogVideoX-5B's scheduler)", "dpm"},
      {int(SamplerChoice::DpmppTwoMSde), "DPM++ 2M SDE (DiTCtrl's sampler, CogVideoX)",
       "dpmpp-2m-sde"},
      {int(SamplerChoice::Unipc), "UniPC flow matching (Wan2.1)", "unipc"},
      {int(SamplerChoice::Euler), "Flow-match Euler (Wan2.1)", "euler"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcSampler", values);
}

GType kv_sharing_type() {
  static const GEnumValue values[] = {
      {int(KvSharingMode::Off), "No KV-sharing", "off"},
      {int(KvSharingMode::Plain), "Windows read the previous window's K/V", "plain"},
      {int(KvSharingMode::MaskGuided), "KV-sharing fused on subject masks", "mask-guided"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcKvSharing", values);
}

GType blend_type() {
  static const GEnumValue values[] = {
      {int(BlendChoice::Deferred), "Deferred commit (latency: overlap latent frames)", "deferred"},
      {int(BlendChoice::PrefixPinned), "Prefix-pinned overlap (no extra latency)", "prefix-pinned"},
      {int(BlendChoice::Off), "No blending (ablation)", "off"},
      {int(BlendChoice::Randomized),
       "Deferred commit, each step's overlap split at a random frame (StreamingT2V)", "randomized"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcBlend", values);
}

GType parallel_type() {
  static const GEnumValue values[] = {
      {int(ParallelMode::None), "One process", "none"},
      {int(ParallelMode::Cfg),
       "CFG-parallel: the unconditional rows on a second rank (torch.distributed c10d)", "cfg"},
      {int(ParallelMode::Ulysses),
       "Ulysses: the video tokens split over world-size ranks, all-to-all around attention",
       "ulysses"},
      {int(ParallelMode::CfgUlysses),
       "Both: each guidance branch on world-size / 2 Ulysses ranks (world-size even, >= 4)",
       "cfg+ulysses"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcParallel", values);
}

GType anchor_type() {
  static const GEnumValue values[] = {
      {int(AnchorMode::Off), "No anchor memory", "off"},
      {int(AnchorMode::FirstFrame), "The first latent frame of the prompt's first window",
       "first-frame"},
      {int(AnchorMode::FirstWindow), "All committed frames of the prompt's first window",
       "first-window"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcAnchor", values);
}

GType generator_type() {
  static const GEnumValue values[] = {
      {int(GeneratorChoice::Auto), "Causal for causal checkpoints, else windowed", "auto"},
      {int(GeneratorChoice::Windowed), "Windows with DiTCtrl blending and KV-sharing", "windowed"},
      {int(GeneratorChoice::Causal), "Causal few-step chunks with a rolling KV cache (Wan2.1)",
       "causal"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcGenerator", values);
}

GType switch_type() {
  static const GEnumValue values[] = {
      {int(SwitchChoice::Auto), "The checkpoint's causal_config.json, else recache", "auto"},
      {int(SwitchChoice::Recache), "KV-recache of the kept frames under the new prompt (LongLive)",
       "recache"},
      {int(SwitchChoice::Ditctrl),
       "Recache below the KV-sharing layers, interpolated transition chunks", "ditctrl"},
      {int(SwitchChoice::Cut), "The new prompt from the next chunk, nothing rebuilt", "cut"},
      {0, nullptr, nullptr}};
  return register_enum("GstDitstreamSrcSwitch", values);
}

void install_model_properties(GObjectClass* k, const SessionSettings& d) {
  g_object_class_install_property(
      k, PROP_MODEL,
      g_param_spec_string("model", "Model",
                          "Diffusers-layout CogVideoX or Wan2.1 folder (NULL: $DITSTREAM_MODEL, "
                          "else the installed shapes-demo model, else the build tree's)",
                          nullptr, kReady));
  g_object_class_install_property(
      k, PROP_DEVICE,
      g_param_spec_string("device", "Device", "cpu, cuda or cuda:N", d.device.c_str(), kReady));
  g_object_class_install_property(
      k, PROP_DTYPE,
      g_param_spec_string("dtype", "Dtype", "fp32, bf16 or fp16 (fp16 needs CUDA)", d.dtype.c_str(),
                          kReady));
  g_object_class_install_property(
      k, PROP_WIDTH,
      g_param_spec_int("width", "Width",
                       "Video width in pixels, a multiple of 16 (0: auto, the model's; Wan 832)", 0,
                       8192, d.width, kReady));
  g_object_class_install_property(
      k, PROP_HEIGHT,
      g_param_spec_int("height", "Height",
                       "Video height in pixels, a multiple of 16 (0: auto, the model's; Wan 480)",
                       0, 8192, d.height, kReady));
  g_object_class_install_property(
      k, PROP_WINDOW_FRAMES,
      g_param_spec_int("window-frames", "Window frames",
                       "Latent frames per window (0: auto, the model's; CogVideoX 13, Wan 21)", 0,
                       256, d.window_frames, kReady));
}

void install_prompt_properties(GObjectClass* k, const SessionSettings& d) {
  g_object_class_install_property(
      k, PROP_PROMPT,
      g_param_spec_string("prompt", "Prompt",
                          "Prompt from frame 0; set while running, it takes effect at the next "
                          "window not yet started",
                          d.prompt.c_str(), kPlaying));
  g_object_class_install_property(
      k, PROP_NEGATIVE_PROMPT,
      g_param_spec_string("negative-prompt", "Negative prompt",
                          "Negative prompt of every prompt added after it is set", "", kPlaying));
  g_object_class_install_property(
      k, PROP_SUBJECT_WORDS,
      g_param_spec_string("subject-words", "Subject words",
                          "Comma-separated subject words (mask-guided KV-sharing) of every "
                          "prompt added after it is set",
                          "", kPlaying));
  g_object_class_install_property(
      k, PROP_PROMPT_SCHEDULE,
      g_param_spec_string("prompt-schedule", "Prompt schedule",
                          "Prompts at stream times: 'SECONDS:prompt;SECONDS:prompt' (\\; for a "
                          "literal semicolon) or '@FILE' (a prompt file as the CLI reads it)",
                          "", kReady));
  g_object_class_install_property(
      k, PROP_TRANSITION_WINDOWS,
      g_param_spec_int("transition-windows", "Transition windows",
                       "Interpolated windows before a new prompt is reached (applies to "
                       "prompts added after it is set)",
                       0, 64, d.transition_windows, kPlaying));
}

void install_sampling_properties(GObjectClass* k, const SessionSettings& d) {
  g_object_class_install_property(k, PROP_SEED,
                                  g_param_spec_int64("seed", "Seed", "Noise seed of the stream", 0,
                                                     G_MAXINT64, d.seed, kReady));
  g_object_class_install_property(
      k, PROP_STEPS,
      g_param_spec_int("steps", "Steps",
                       "Sampler steps per window (0: auto, the model's: 50, the shapes-demo 20)", 0,
                       1000, d.steps, kReady));
  g_object_class_install_property(
      k, PROP_GUIDANCE,
      g_param_spec_double("guidance", "Guidance",
                          "Classifier-free guidance scale (<= 1: off; -1: auto, the model's: "
                          "CogVideoX 6, Wan 5); set while playing or driven by a GstController, "
                          "it applies from the next window",
                          -1.0, 100.0, d.guidance, kControllable));
  g_object_class_install_property(
      k, PROP_DYNAMIC_CFG,
      g_param_spec_boolean("dynamic-cfg", "Dynamic CFG", "CogVideoX's cosine guidance schedule",
                           d.dynamic_cfg, kReady));
  g_object_class_install_property(
      k, PROP_SAMPLER,
      g_param_spec_enum("sampler", "Sampler", "Sampler", sampler_type(), int(d.sampler), kReady));
}

void install_window_properties(GObjectClass* k, const SessionSettings& d) {
  g_object_class_install_property(
      k, PROP_OVERLAP,
      g_param_spec_int("overlap", "Overlap",
                       "Latent frames adjacent windows share (less than the window's; -1: half "
                       "of it)",
                       -1, 64, d.overlap, kReady));
  g_object_class_install_property(
      k, PROP_BLEND,
      g_param_spec_enum("blend", "Blend", "How overlapping windows are fused", blend_type(),
                        int(d.blend), kReady));
  g_object_class_install_property(
      k, PROP_STEP_CACHE,
      g_param_spec_double(
          "step-cache", "Step cache",
          "First-Block-Cache threshold: skip the blocks after the first while its "
          "residual changes less than this between steps, extrapolating what they "
          "add (approximate; blend=deferred; 0: off; on the default model 0.1 measured 1.9x)",
          0.0, 1.0, d.step_cache, kReady));
  g_object_class_install_property(
      k, PROP_ANCHOR,
      g_param_spec_enum("anchor", "Anchor",
                        "Anchor memory: every window also attends to the keys and values of its "
                        "prompt's first window (blend=deferred)",
                        anchor_type(), int(d.anchor), kReady));
  g_object_class_install_property(
      k, PROP_ANCHOR_STRENGTH,
      g_param_spec_double("anchor-strength", "Anchor strength",
                          "Log-weight added to the anchor keys' attention scores", -G_MAXDOUBLE,
                          10.0, d.anchor_strength, kReady));
  g_object_class_install_property(
      k, PROP_MOTION,
      g_param_spec_string("motion", "Motion",
                          "Motion control DX,DY: new frames move DX,DY latent pixels per latent "
                          "frame, whatever the prompt says (blend=deferred; a prompt's own "
                          "'motion' event field wins); empty: none",
                          "", kReady));
  g_object_class_install_property(
      k, PROP_GENERATOR,
      g_param_spec_enum("generator", "Generator", "Which stream generator runs", generator_type(),
                        int(d.generator), kReady));
  g_object_class_install_property(
      k, PROP_SWITCH,
      g_param_spec_enum("switch", "Switch",
                        "How the causal generator switches prompts (an event's 'switch' wins)",
                        switch_type(), int(d.switch_method), kReady));
  g_object_class_install_property(
      k, PROP_TRANSFORMER_CHECKPOINT,
      g_param_spec_string("transformer-checkpoint", "Transformer checkpoint",
                          "A causal generator checkpoint (.pt or .safetensors: Self-Forcing, "
                          "CausVid, original Wan layout) used instead of the Wan folder's "
                          "transformer weights; empty: the folder's",
                          d.transformer_checkpoint.c_str(), kReady));
  g_object_class_install_property(
      k, PROP_KV_SHARING,
      g_param_spec_enum("kv-sharing", "KV-sharing",
                        "DiTCtrl KV-sharing between consecutive windows", kv_sharing_type(),
                        int(d.kv_sharing), kReady));
  g_object_class_install_property(
      k, PROP_KV_SHARING_STEPS,
      g_param_spec_string("kv-sharing-steps", "KV-sharing steps",
                          "Sampler steps START:END (half-open) that share K/V; empty: the "
                          "paper's fractions of steps",
                          "", kReady));
  g_object_class_install_property(
      k, PROP_KV_SHARING_LAYERS,
      g_param_spec_string("kv-sharing-layers", "KV-sharing layers",
                          "Transformer blocks START:END (half-open) that share K/V; empty: the "
                          "paper's fractions of blocks",
                          "", kReady));
  g_object_class_install_property(
      k, PROP_LOOKAHEAD,
      g_param_spec_uint("lookahead", "Lookahead",
                        "Frames generated ahead of the output before generation pauses", 1, 100000,
                        d.lookahead, kReady));
  g_object_class_install_property(
      k, PROP_PARALLEL,
      g_param_spec_enum("parallel", "Parallel",
                        "Spread each forward over ranks (windowed generator); the element starts "
                        "its local workers ('ditstream worker') and stops them at teardown",
                        parallel_type(), int(d.parallel), kReady));
  g_object_class_install_property(
      k, PROP_WORLD_SIZE,
      g_param_spec_int(
          "world-size", "World size",
          "Ranks in all, this process included (0: what 'parallel' needs: 2, cfg+ulysses 4)", 0, 64,
          d.world_size, kReady));
  g_object_class_install_property(
      k, PROP_WORKERS_MASTER,
      g_param_spec_string("workers-master", "Workers master",
                          "HOST:PORT at which to serve the rendezvous for workers started "
                          "elsewhere ('ditstream worker --master HOST:PORT'); empty: start local "
                          "workers",
                          nullptr, kReady));
  g_object_class_install_property(
      k, PROP_IS_LIVE,
      g_param_spec_boolean("is-live", "Is live",
                           "Live (capture-style: frames in clock slots, late slots skipped) "
                           "instead of as fast as possible",
                           FALSE, kReady));
}

std::string string_of(const GValue* value) {
  const gchar* s = g_value_get_string(value);
  return s ? s : "";
}

PromptRequest prompt_request(std::string text) {
  PromptRequest request;
  request.text = std::move(text);
  return request;
}

bool set_prompt_property(SrcImpl& impl, guint id, const GValue* value) {
  switch (id) {
    case PROP_PROMPT:  // while running, kept only when the stream accepts it
      if (impl.add_prompt(prompt_request(string_of(value))) >= 0 || !impl.running())
        impl.update_settings([&](SessionSettings& s) { s.prompt = string_of(value); });
      return true;
    case PROP_NEGATIVE_PROMPT:
      impl.update_settings([&](SessionSettings& s) { s.negative_prompt = string_of(value); });
      return true;
    case PROP_SUBJECT_WORDS:
      impl.update_settings([&](SessionSettings& s) { s.subject_words = string_of(value); });
      return true;
    case PROP_TRANSITION_WINDOWS:
      impl.update_settings(
          [&](SessionSettings& s) { s.transition_windows = g_value_get_int(value); });
      return true;
    case PROP_GUIDANCE:
      impl.update_settings([&](SessionSettings& s) { s.guidance = g_value_get_double(value); });
      return true;
  }
  return false;
}

bool set_ready_property(SessionSettings& s, guint id, const GValue* value) {
  switch (id) {
    case PROP_MODEL:
      s.model = string_of(value);
      break;
    case PROP_DEVICE:
      s.device = string_of(value);
      break;
    case PROP_DTYPE:
      s.dtype = string_of(value);
      break;
    case PROP_WIDTH:
      s.width = g_value_get_int(value);
      break;
    case PROP_HEIGHT:
      s.height = g_value_get_int(value);
      break;
    case PROP_WINDOW_FRAMES:
      s.window_frames = g_value_get_int(value);
      break;
    case PROP_PROMPT_SCHEDULE:
      s.prompt_schedule = string_of(value);
      break;
    case PROP_SEED:
      s.seed = g_value_get_int64(value);
      break;
    case PROP_STEPS:
      s.steps = g_value_get_int(value);
      break;
    case PROP_DYNAMIC_CFG:
      s.dynamic_cfg = g_value_get_boolean(value);
      break;
    case PROP_SAMPLER:
      s.sampler = SamplerChoice(g_value_get_enum(value));
      break;
    case PROP_OVERLAP:
      s.overlap = g_value_get_int(value);
      break;
    case PROP_BLEND:
      s.blend = BlendChoice(g_value_get_enum(value));
      break;
    case PROP_STEP_CACHE:
      s.step_cache = g_value_get_double(value);
      break;
    case PROP_ANCHOR:
      s.anchor = AnchorMode(g_value_get_enum(value));
      break;
    case PROP_ANCHOR_STRENGTH:
      s.anchor_strength = g_value_get_double(value);
      break;
    case PROP_MOTION:
      s.motion = string_of(value);
      break;
    case PROP_GENERATOR:
      s.generator = GeneratorChoice(g_value_get_enum(value));
      break;
    case PROP_SWITCH:
      s.switch_method = SwitchChoice(g_value_get_enum(value));
      break;
    case PROP_TRANSFORMER_CHECKPOINT:
      s.transformer_checkpoint = string_of(value);
      break;
    case PROP_KV_SHARING:
      s.kv_sharing = KvSharingMode(g_value_get_enum(value));
      break;
    case PROP_KV_SHARING_STEPS:
      s.kv_sharing_steps = string_of(value);
      break;
    case PROP_KV_SHARING_LAYERS:
      s.kv_sharing_layers = string_of(value);
      break;
    case PROP_LOOKAHEAD:
      s.lookahead = g_value_get_uint(value);
      break;
    case PROP_PARALLEL:
      s.parallel = ParallelMode(g_value_get_enum(value));
      break;
    case PROP_WORLD_SIZE:
      s.world_size = g_value_get_int(value);
      break;
    case PROP_WORKERS_MASTER:
      s.workers_master = string_of(value);
      break;
    default:
      return false;
  }
  return true;
}

bool get_settings_property(const SessionSettings& s, guint id, GValue* value) {
  switch (id) {
    case PROP_MODEL:
      g_value_set_string(value, s.model.empty() ? nullptr : s.model.c_str());
      break;
    case PROP_DEVICE:
      g_value_set_string(value, s.device.c_str());
      break;
    case PROP_DTYPE:
      g_value_set_string(value, s.dtype.c_str());
      break;
    case PROP_WIDTH:
      g_value_set_int(value, s.width);
      break;
    case PROP_HEIGHT:
      g_value_set_int(value, s.height);
      break;
    case PROP_WINDOW_FRAMES:
      g_value_set_int(value, s.window_frames);
      break;
    case PROP_PROMPT:
      g_value_set_string(value, s.prompt.c_str());
      break;
    case PROP_NEGATIVE_PROMPT:
      g_value_set_string(value, s.negative_prompt.c_str());
      break;
    case PROP_SUBJECT_WORDS:
      g_value_set_string(value, s.subject_words.c_str());
      break;
    case PROP_PROMPT_SCHEDULE:
      g_value_set_string(value, s.prompt_schedule.c_str());
      break;
    case PROP_TRANSITION_WINDOWS:
      g_value_set_int(value, s.transition_windows);
      break;
    case PROP_SEED:
      g_value_set_int64(value, s.seed);
      break;
    case PROP_STEPS:
      g_value_set_int(value, s.steps);
      break;
    case PROP_GUIDANCE:
      g_value_set_double(value, s.guidance);
      break;
    case PROP_DYNAMIC_CFG:
      g_value_set_boolean(value, s.dynamic_cfg);
      break;
    case PROP_SAMPLER:
      g_value_set_enum(value, int(s.sampler));
      break;
    case PROP_OVERLAP:
      g_value_set_int(value, s.overlap);
      break;
    case PROP_BLEND:
      g_value_set_enum(value, int(s.blend));
      break;
    case PROP_STEP_CACHE:
      g_value_set_double(value, s.step_cache);
      break;
    case PROP_ANCHOR:
      g_value_set_enum(value, int(s.anchor));
      break;
    case PROP_ANCHOR_STRENGTH:
      g_value_set_double(value, s.anchor_strength);
      break;
    case PROP_MOTION:
      g_value_set_string(value, s.motion.c_str());
      break;
    case PROP_GENERATOR:
      g_value_set_enum(value, int(s.generator));
      break;
    case PROP_SWITCH:
      g_value_set_enum(value, int(s.switch_method));
      break;
    case PROP_TRANSFORMER_CHECKPOINT:
      g_value_set_string(value, s.transformer_checkpoint.c_str());
      break;
    case PROP_KV_SHARING:
      g_value_set_enum(value, int(s.kv_sharing));
      break;
    case PROP_KV_SHARING_STEPS:
      g_value_set_string(value, s.kv_sharing_steps.c_str());
      break;
    case PROP_KV_SHARING_LAYERS:
      g_value_set_string(value, s.kv_sharing_layers.c_str());
      break;
    case PROP_LOOKAHEAD:
      g_value_set_uint(value, s.lookahead);
      break;
    case PROP_PARALLEL:
      g_value_set_enum(value, int(s.parallel));
      break;
    case PROP_WORLD_SIZE:
      g_value_set_int(value, s.world_size);
      break;
    case PROP_WORKERS_MASTER:
      g_value_set_string(value, s.workers_master.empty() ? nullptr : s.workers_master.c_str());
      break;
    default:
      return false;
  }
  return true;
}

}  // namespace

void install_src_properties(GObjectClass* klass) {
  const SessionSettings defaults;
  install_model_properties(klass, defaults);
  install_prompt_properties(klass, defaults);
  install_sampling_properties(klass, defaults);
  install_window_properties(klass, defaults);
}

bool set_src_property(GstBaseSrc* src, SrcImpl& impl, guint id, const GValue* value,
                      const char* name) {
  if (id == PROP_IS_LIVE) {
    gst_base_src_set_live(src, g_value_get_boolean(value));
    return true;
  }
  // Before the object lock below: gst_object_sync_values sets controllable properties (guidance)
  // with that lock held.
  if (set_prompt_property(impl, id, value)) return true;
  bool known = false;
  impl.update_settings([&](SessionSettings& s) { known = set_ready_property(s, id, value); });
  GST_OBJECT_LOCK(src);
  const GstState state = GST_STATE(src);
  GST_OBJECT_UNLOCK(src);
  if (known && state > GST_STATE_READY)
    GST_ELEMENT_WARNING(src, CORE, STATE_CHANGE,
                        ("property '%s' changed while %s: it takes effect at the next start "
                         "(READY to PAUSED)",
                         name, gst_element_state_get_name(state)),
                        (nullptr));
  return known;
}

bool get_src_property(GstBaseSrc* src, const SrcImpl& impl, guint id, GValue* value) {
  if (id == PROP_IS_LIVE) {
    g_value_set_boolean(value, gst_base_src_is_live(src));
    return true;
  }
  return get_settings_property(impl.settings(), id, value);
}

}  // namespace ditstream
