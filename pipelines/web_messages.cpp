#include "pipelines/web_messages.h"

#include "gst-plugin/ditstream-event.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace ditstream {
namespace {

using nlohmann::json;

json value_json(const GValue* v) {
  if (G_VALUE_HOLDS_STRING(v)) return g_value_get_string(v) ? g_value_get_string(v) : "";
  if (G_VALUE_HOLDS_INT64(v)) return g_value_get_int64(v);
  if (G_VALUE_HOLDS_UINT64(v)) return g_value_get_uint64(v);
  if (G_VALUE_HOLDS_INT(v)) return g_value_get_int(v);
  if (G_VALUE_HOLDS_DOUBLE(v)) return g_value_get_double(v);
  if (G_VALUE_HOLDS_BOOLEAN(v)) return bool(g_value_get_boolean(v));
  return nullptr;
}

gboolean add_field(GQuark field, const GValue* value, gpointer out) {
  (*static_cast<json*>(out))[g_quark_to_string(field)] = value_json(value);
  return TRUE;
}

bool is_ditstream_message(const GstStructure* s) {
  for (const char* name :
       {DITSTREAM_MESSAGE_PROMPT_APPLIED, DITSTREAM_MESSAGE_WINDOW, DITSTREAM_MESSAGE_TRANSITION})
    if (gst_structure_has_name(s, name)) return true;
  return false;
}

std::string problem_json(GstMessage* message, const char* name) {
  GError* error = nullptr;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
    gst_message_parse_error(message, &error, nullptr);
  else
    gst_message_parse_warning(message, &error, nullptr);
  const json out{{"name", name}, {"text", error ? error->message : ""}};
  g_clear_error(&error);
  return out.dump();
}

}  // namespace

std::string message_json(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_WARNING:
      return problem_json(message, "warning");
    case GST_MESSAGE_ERROR:
      return problem_json(message, "error");
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      if (!s || !is_ditstream_message(s)) return "";
      json out{{"name", gst_structure_get_name(s)}};
      gst_structure_foreach(s, add_field, &out);
      return out.dump();
    }
    default:
      return "";
  }
}

PromptLine prompt_from_json(const std::string& text) {
  const json request = json::parse(text, nullptr, false);
  if (!request.is_object()) throw std::invalid_argument("not a JSON object");
  PromptLine line;
  for (const auto& [key, value] : request.items()) {
    if (key == "prompt" && value.is_string())
      line.text = value.get<std::string>();
    else if (key == "subject_words" && value.is_string())
      line.subject_words = value.get<std::string>();
    else if (key == "transition_windows" && value.is_number_integer() && value.get<int>() >= 0)
      line.transition_windows = value.get<int>();
    else if (key == "cut" && value.is_boolean())
      line.cut = value.get<bool>();
    else
      throw std::invalid_argument("field '" + key + "' is not one of prompt (string), " +
                                  "subject_words (string), transition_windows (>= 0), cut");
  }
  if (line.text.empty()) throw std::invalid_argument("field 'prompt' is missing or empty");
  return line;
}

}  // namespace ditstream
