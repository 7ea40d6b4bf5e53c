// Chat Completions bodies. A schema travels as response_format {"type":"json_schema",
// "json_schema":{"name","strict":true,"schema"}}; system prompts are messages of role "system"
// (or "developer", as newer models call it).
#include "openai_wire.hpp"

#include <chrono>

#include "wire_json.hpp"

namespace leadscout::llm::wire::openai {

namespace {

using detail::json;
using ojson = nlohmann::ordered_json;

/// Reads the messages, the system ones into `r.system` (one per line).
bool read_messages(const json& request, ChatRequest& r, std::string& error) {
  auto turns = detail::read_turns(request, "text parts", error);
  if (!turns) return false;
  for (auto& [role, text] : *turns) {
    if (role == "system" || role == "developer") {
      r.system += r.system.empty() ? text : "\n" + text;
    } else {
      r.messages.push_back({std::move(role), std::move(text)});
    }
  }
  return true;
}

/// Reads response_format: a json_schema's schema and name; json_object and text carry none.
bool read_response_format(const json& request, ChatRequest& r, std::string& error) {
  const json* format = detail::present(request, "response_format");
  if (format == nullptr) return true;
  const std::string type = format->is_object() ? detail::string_field(*format, "type") : std::string();
  if (type == "text" || type == "json_object") return true;
  if (type != "json_schema") {
    error = "response_format.type: \"json_schema\", \"json_object\" or \"text\" is required";
    return false;
  }
  const json* spec = detail::present(*format, "json_schema");
  if (spec == nullptr || !spec->is_object()) {
    error = "response_format.json_schema: an object is required";
    return false;
  }
  const json* schema = detail::present(*spec, "schema");
  if (schema == nullptr || !schema->is_object()) {
    error = "response_format.json_schema.schema: an object is required";
    return false;
  }
  r.schema = *schema;
  r.schema_name = detail::string_field(*spec, "name");
  return true;
}

/// The answer's text from choices[0].message; a refusal is an empty text.
std::optional<ChatAnswer> read_choice(const json& choice) {
  if (!choice.is_object()) return std::nullopt;
  const json* message = detail::present(choice, "message");
  if (message == nullptr || !message->is_object()) return std::nullopt;
  ChatAnswer a;
  a.finish_reason = detail::string_field(choice, "finish_reason");
  if (const json* refusal = detail::present(*message, "refusal"); refusal != nullptr && refusal->is_string()) {
    a.finish_reason = "refusal";
    return a;
  }
  const json* content = detail::present(*message, "content");
  if (content == nullptr) return std::nullopt;
  auto text = detail::content_text(*content);
  if (!text) return std::nullopt;
  a.text = std::move(*text);
  return a;
}

std::int64_t now_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string request_body(const ChatRequest& request) {
  ojson messages = ojson::array();
  if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
  for (const Message& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  ojson body = {{"model", request.model}, {"messages", std::move(messages)}};
  if (request.max_tokens > 0) body["max_tokens"] = request.max_tokens;
  body["temperature"] = request.temperature;
  if (!request.schema.is_null()) {
    const std::string name = request.schema_name.empty() ? std::string(kAnswerName) : request.schema_name;
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema", {{"name", name}, {"strict", true}, {"schema", request.schema}}}};
  }
  return body.dump();
}

std::optional<ChatRequest> parse_request(std::string_view body, std::string& error) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    error = "the request body is not a JSON object";
    return std::nullopt;
  }
  ChatRequest r;
  std::optional<std::int64_t> limit;
  // The newer max_completion_tokens wins over max_tokens, which reasoning models refuse.
  if (!detail::read_model(request, r.model, error) || !read_messages(request, r, error) ||
      !detail::optional_token_limit(request, "max_completion_tokens", limit, error) ||
      (!limit && !detail::optional_token_limit(request, "max_tokens", limit, error)) ||
      !detail::optional_number(request, "temperature", r.temperature, error) ||
      !read_response_format(request, r, error)) {
    return std::nullopt;
  }
  r.max_tokens = limit.value_or(0);
  return r;
}

std::string response_body(const ChatAnswer& answer) {
  const bool refused = answer.finish_reason == "refusal";
  ojson message = {{"role", "assistant"}, {"content", nullptr}, {"refusal", nullptr}};
  message[refused ? "refusal" : "content"] = answer.text;
  // A refusal ends like any answer; the refusal field is what tells it apart.
  const std::string finish = refused || answer.finish_reason.empty() ? "stop" : answer.finish_reason;
  ojson choice = {{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", finish}};
  ojson usage = {{"prompt_tokens", answer.input_tokens},
                 {"completion_tokens", answer.output_tokens},
                 {"total_tokens", answer.input_tokens + answer.output_tokens}};
  return ojson{{"id", answer.id},
               {"object", "chat.completion"},
               {"created", answer.created != 0 ? answer.created : now_unix_seconds()},
               {"model", answer.model},
               {"choices", ojson::array({std::move(choice)})},
               {"usage", std::move(usage)}}
      .dump();
}

std::optional<ChatAnswer> parse_response(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const json* choices = detail::present(j, "choices");
  if (choices == nullptr || !choices->is_array() || choices->empty()) return std::nullopt;
  auto answer = read_choice((*choices)[0]);
  if (!answer) return std::nullopt;
  answer->id = detail::string_field(j, "id");
  answer->model = detail::string_field(j, "model");
  answer->created = detail::int_field(j, "created");
  if (const json* usage = detail::present(j, "usage"); usage != nullptr && usage->is_object()) {
    answer->input_tokens = detail::int_field(*usage, "prompt_tokens");
    answer->output_tokens = detail::int_field(*usage, "completion_tokens");
  }
  return answer;
}

std::string error_body(std::string_view type, std::string_view message, std::string_view code) {
  ojson error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!code.empty()) error["code"] = code;
  return ojson{{"error", std::move(error)}}.dump();
}

}  // namespace leadscout::llm::wire::openai
