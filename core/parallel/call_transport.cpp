#include "core/parallel/call_transport.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

namespace ditstream {
namespace {

using nlohmann::json;

json shape_json(const torch::Tensor& t) {
  return {{"sizes", t.sizes().vec()}, {"dtype", static_cast<int>(t.scalar_type())}};
}

torch::Tensor empty_like_json(const json& j, const torch::Device& device) {
  const auto dtype = static_cast<torch::ScalarType>(j.at("dtype").get<int>());
  return torch::empty(j.at("sizes").get<std::vector<int64_t>>(),
                      torch::TensorOptions(dtype).device(device));
}

json roles_json(const std::vector<BatchRole>& roles) {
  std::vector<int> values;
  for (const auto r : roles) values.push_back(r == BatchRole::Cond ? 1 : 0);
  return values;
}

std::vector<BatchRole> parse_roles(const json& j) {
  std::vector<BatchRole> roles;
  for (const int r : j.get<std::vector<int>>())
    roles.push_back(r == 1 ? BatchRole::Cond : BatchRole::Uncond);
  return roles;
}

// The call's tensors in the order the header lists them.
std::vector<torch::Tensor> call_tensors(const ForwardCall& call) {
  std::vector<torch::Tensor> tensors{call.latents, call.text};
  if (call.anchor)
    for (const auto& [layer, kv] : call.anchor->kv.layers) {
      tensors.push_back(kv.k);
      tensors.push_back(kv.v);
    }
  return tensors;
}

json header_json(const ForwardCall& call) {
  json j = {{"roles", roles_json(call.roles)},
            {"t", call.t},
            {"step", call.step},
            {"control", control_spec_json(call.control)},
            {"fork_layer", call.fork.layer},
            {"fork_rows", call.fork.rows},
            {"fork_roles", roles_json(call.fork.roles)}};
  j["tensors"] = json::array();
  for (const auto& t : call_tensors(call)) j["tensors"].push_back(shape_json(t));
  if (!call.anchor) return j;
  j["anchor_weight"] = call.anchor->log_weight;
  for (const auto& entry : call.anchor->kv.layers) j["anchor_layers"].push_back(entry.first);
  return j;
}

ForwardCall parse_header(const json& j, std::vector<torch::Tensor> tensors) {
  ForwardCall call;
  call.roles = parse_roles(j.at("roles"));
  call.t = j.at("t").get<double>();
  call.step = j.at("step").get<int64_t>();
  call.control = parse_control_spec(j.at("control"));
  call.fork = {j.at("fork_layer").get<int64_t>(), j.at("fork_rows").get<std::vector<int64_t>>(),
               parse_roles(j.at("fork_roles"))};
  call.latents = tensors.at(0);
  call.text = tensors.at(1);
  if (!j.contains("anchor_weight")) return call;
  call.anchor.emplace();
  call.anchor->log_weight = j.at("anchor_weight").get<double>();
  size_t next = 2;
  for (const int64_t layer : j.at("anchor_layers").get<std::vector<int64_t>>()) {
    call.anchor->kv.layers[layer] = {tensors.at(next), tensors.at(next + 1)};
    next += 2;
  }
  return call;
}

json chunk_json(const ChunkMessage& m) {
  const auto& w = m.call.where;
  const auto& o = m.options;
  return {{"kind", "chunk"},
          {"t", m.call.t},
          {"step", m.call.step},
          {"where",
           {static_cast<int>(w.kind), w.first_frame, w.frames, w.keep_sink, w.keep_layers_from}},
          {"zero_rows", m.call.zero_rows},
          {"cache_id", m.cache_id},
          {"cache",
           {o.window_frames, o.sink_frames, o.tokens_per_frame, static_cast<int>(o.positions)}},
          {"tensors", {shape_json(m.call.latents), shape_json(m.call.text)}}};
}

ChunkMessage parse_chunk(const json& j, std::vector<torch::Tensor> tensors) {
  ChunkMessage m;
  m.call.latents = tensors.at(0);
  m.call.text = tensors.at(1);
  m.call.t = j.at("t").get<double>();
  m.call.step = j.at("step").get<int64_t>();
  const auto& w = j.at("where");
  m.call.where = {static_cast<CacheForward::Kind>(w.at(0).get<int>()), w.at(1).get<int64_t>(),
                  w.at(2).get<int64_t>(), w.at(3).get<bool>(), w.at(4).get<int64_t>()};
  m.call.zero_rows = j.at("zero_rows").get<bool>();
  m.cache_id = j.at("cache_id").get<uint64_t>();
  const auto& o = j.at("cache");
  m.options.window_frames = o.at(0).get<int64_t>();
  m.options.sink_frames = o.at(1).get<int64_t>();
  m.options.tokens_per_frame = o.at(2).get<int64_t>();
  m.options.positions = static_cast<RopePositions>(o.at(3).get<int>());
  return m;
}

void send_header(RankGroup& group, const std::string& text, int to) {
  auto bytes = torch::empty({static_cast<int64_t>(text.size())}, torch::kUInt8);
  std::memcpy(bytes.data_ptr(), text.data(), text.size());
  const auto length = torch::tensor({bytes.size(0)}, torch::kLong);
  group.send({length.to(group.device())}, to);
  if (bytes.size(0) > 0) group.send({bytes.to(group.device())}, to);
}

std::string recv_header(RankGroup& group, int from) {
  std::vector<torch::Tensor> length{
      torch::empty({1}, torch::TensorOptions(torch::kLong).device(group.device()))};
  group.recv(length, from);
  const int64_t size = length[0].cpu().item<int64_t>();
  if (size == 0) return {};
  std::vector<torch::Tensor> bytes{
      torch::empty({size}, torch::TensorOptions(torch::kUInt8).device(group.device()))};
  group.recv(bytes, from);
  const auto host = bytes[0].cpu();
  return {static_cast<const char*>(host.data_ptr()), static_cast<size_t>(size)};
}

}  // namespace

void send_call(RankGroup& group, const ForwardCall& call, int to) {
  send_header(group, header_json(call).dump(), to);
  std::vector<torch::Tensor> tensors;
  for (const auto& t : call_tensors(call)) tensors.push_back(t.to(group.device()).contiguous());
  group.send(tensors, to);
}

void send_chunk(RankGroup& group, const ChunkMessage& chunk, int to) {
  send_header(group, chunk_json(chunk).dump(), to);
  group.send({chunk.call.latents.to(group.device()).contiguous(),
              chunk.call.text.to(group.device()).contiguous()},
             to);
}

void send_stop(RankGroup& group, int to) { send_header(group, "", to); }

std::optional<RankMessage> recv_message(RankGroup& group, int from) {
  const std::string text = recv_header(group, from);
  if (text.empty()) return std::nullopt;
  const json header = json::parse(text);
  std::vector<torch::Tensor> tensors;
  for (const auto& shape : header.at("tensors"))
    tensors.push_back(empty_like_json(shape, group.device()));
  group.recv(tensors, from);
  if (header.value("kind", "") == "chunk") return parse_chunk(header, std::move(tensors));
  return parse_header(header, std::move(tensors));
}

std::optional<ForwardCall> recv_call(RankGroup& group, int from) {
  auto message = recv_message(group, from);
  if (!message) return std::nullopt;
  if (!std::holds_alternative<ForwardCall>(*message))
    throw std::runtime_error("rank " + std::to_string(from) +
                             " sent a causal chunk to a parallel=cfg worker");
  return std::get<ForwardCall>(std::move(*message));
}

void send_prediction(RankGroup& group, const torch::Tensor& prediction, int to) {
  group.send({prediction.to(group.device(), torch::kFloat).contiguous()}, to);
}

torch::Tensor recv_prediction(RankGroup& group, const ForwardCall& call, int from) {
  auto sizes = call.latents.sizes().vec();
  sizes[0] = static_cast<int64_t>(call.fork.active() ? call.fork.rows.size() : call.roles.size());
  std::vector<torch::Tensor> prediction{
      torch::empty(sizes, torch::TensorOptions(torch::kFloat).device(group.device()))};
  group.recv(prediction, from);
  return prediction[0];
}

}  // namespace ditstream
