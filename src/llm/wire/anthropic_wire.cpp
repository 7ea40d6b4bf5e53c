// Messages bodies. A schema travels as the one tool of the request, forced with tool_choice
// {"type":"tool","name"}; the answer comes back as that tool's input. max_tokens is required,
// as the real API requires it.
#include "anthropic_wire.hpp"

#include "wire_json.hpp"

namespace leadscout::llm::wire::anthropic {

namespace {

using detail::json;
using ojson = nlohmann::ordered_json;

constexpr std::string_view kToolDescription =
    "Give your answer with this tool: its input is the answer, following the input schema.";

bool read_messages(const json& request, ChatRequest& r, std::string& error) {
  if (const json* system = detail::present(request, "system")) {
    auto text = detail::content_text(*system);
    if (!text) {
      error = "system: a string or an array of text blocks is required";
      return false;
    }
    r.system = std::move(*text);
  }
  auto turns = detail::read_turns(request, "content blocks", error);
  if (!turns) return false;
  for (auto& [role, text] : *turns) r.messages.push_back({std::move(role), std::move(text)});
  return true;
}

/// The index of the tool tool_choice forces: the named one, or with "any" the only one; -1 for
/// none forced.
bool forced_tool(const json& tools, const json& choice, std::ptrdiff_t& index, std::string& error) {
  index = -1;
  const std::string type = choice.is_object() ? detail::string_field(choice, "type") : std::string();
  if (type == "auto" || type == "none") return true;
  if (type == "any") {
    if (tools.size() == 1) index = 0;
    return true;
  }
  if (type != "tool") {
    error = "tool_choice.type: \"auto\", \"any\", \"tool\" or \"none\" is required";
    return false;
  }
  const std::string name = detail::string_field(choice, "name");
  for (std::size_t i = 0; i < tools.size(); ++i) {
    if (tools[i].is_object() && detail::string_field(tools[i], "name") == name) {
      index = static_cast<std::ptrdiff_t>(i);
      return true;
    }
  }
  error = "tool_choice.name: no tool named \"" + name + "\" in tools";
  return false;
}

/// Reads the forced tool's input_schema and name as the answer's schema.
bool read_tools(const json& request, ChatRequest& r, std::string& error) {
  const json* tools = detail::present(request, "tools");
  if (tools == nullptr) return true;
  if (!tools->is_array()) {
    error = "tools: an array is required";
    return false;
  }
  const json* choice = detail::present(request, "tool_choice");  // absent: "auto"
  if (choice == nullptr || tools->empty()) return true;
  std::ptrdiff_t index = -1;
  if (!forced_tool(*tools, *choice, index, error)) return false;
  if (index < 0) return true;
  const json& tool = (*tools)[static_cast<std::size_t>(index)];
  const json* schema = tool.is_object() ? detail::present(tool, "input_schema") : nullptr;
  if (schema == nullptr || !schema->is_object()) {
    error = "tools[" + std::to_string(index) + "].input_schema: an object is required";
    return false;
  }
  r.schema = *schema;
  r.schema_name = detail::string_field(tool, "name");
  return true;
}

/// The tool_use block's id, derived from the message's so that bodies are reproducible.
std::string tool_use_id(std::string_view message_id) {
  constexpr std::string_view prefix = "msg_";
  if (message_id.starts_with(prefix)) message_id.remove_prefix(prefix.size());
  return "toolu_" + std::string(message_id);
}

/// Reads the content blocks: a tool_use block's input wins over text blocks.
bool read_content(const json& content, ChatAnswer& a) {
  if (!content.is_array()) return false;
  bool tool = false;
  for (const json& block : content) {
    if (!block.is_object()) continue;
    const std::string type = detail::string_field(block, "type");
    if (type == "tool_use" && !tool) {
      const auto input = block.find("input");
      a.text = input != block.end() ? input->dump() : "{}";
      a.tool_name = detail::string_field(block, "name");
      tool = true;
    } else if (type == "text" && !tool) {
      a.text += detail::string_field(block, "text");
    }
  }
  return true;
}

}  // namespace

std::string request_body(const ChatRequest& request) {
  ojson messages = ojson::array();
  for (const Message& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  ojson body = {{"model", request.model}, {"max_tokens", request.max_tokens}, {"temperature", request.temperature}};
  if (!request.system.empty()) body["system"] = request.system;
  body["messages"] = std::move(messages);
  if (!request.schema.is_null()) {
    const std::string name = request.schema_name.empty() ? std::string(kAnswerName) : request.schema_name;
    body["tools"] = ojson::array(
        {ojson{{"name", name}, {"description", kToolDescription}, {"input_schema", request.schema}}});
    body["tool_choice"] = {{"type", "tool"}, {"name", name}};
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
  if (!detail::read_model(request, r.model, error) || !read_messages(request, r, error) ||
      !detail::optional_token_limit(request, "max_tokens", limit, error) ||
      !detail::optional_number(request, "temperature", r.temperature, error) || !read_tools(request, r, error)) {
    return std::nullopt;
  }
  if (!limit) {
    error = "max_tokens: Field required";
    return std::nullopt;
  }
  r.max_tokens = *limit;
  return r;
}

std::string response_body(const ChatAnswer& answer, bool as_tool) {
  ojson input = as_tool ? ojson::parse(answer.text, nullptr, false) : ojson();
  ojson content = ojson::array();
  std::string stop = answer.finish_reason;
  if (input.is_object()) {
    const std::string name = answer.tool_name.empty() ? std::string(kAnswerName) : answer.tool_name;
    content.push_back(
        {{"type", "tool_use"}, {"id", tool_use_id(answer.id)}, {"name", name}, {"input", std::move(input)}});
    if (stop.empty()) stop = "tool_use";
  } else {
    content.push_back({{"type", "text"}, {"text", answer.text}});
    if (stop.empty()) stop = "end_turn";
  }
  ojson usage = {{"input_tokens", answer.input_tokens}, {"output_tokens", answer.output_tokens}};
  return ojson{{"id", answer.id},
               {"type", "message"},
               {"role", "assistant"},
               {"model", answer.model},
               {"content", std::move(content)},
               {"stop_reason", stop},
               {"stop_sequence", nullptr},
               {"usage", std::move(usage)}}
      .dump();
}

std::optional<ChatAnswer> parse_response(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ChatAnswer a;
  const json* content = detail::present(j, "content");
  if (content == nullptr || !read_content(*content, a)) return std::nullopt;
  a.id = detail::string_field(j, "id");
  a.model = detail::string_field(j, "model");
  a.finish_reason = detail::string_field(j, "stop_reason");
  if (const json* usage = detail::present(j, "usage"); usage != nullptr && usage->is_object()) {
    a.input_tokens = detail::int_field(*usage, "input_tokens");
    a.output_tokens = detail::int_field(*usage, "output_tokens");
  }
  return a;
}

std::string error_body(std::string_view type, std::string_view message) {
  return ojson{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

}  // namespace leadscout::llm::wire::anthropic
