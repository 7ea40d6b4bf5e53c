#include "batch/batch_reply.hpp"

#include "schema/schema_access.hpp"

namespace leadscout::llm::detail {

wire::ChatRequest chat_request(ClientState& client, const ResolvedEndpoint& endpoint, const Request& request,
                               std::string& schema_error) {
  wire::ChatRequest chat;
  if (!request.schema.empty()) {
    CompiledSchema compiled = client.schema(request.schema);
    if (const auto* error = std::get_if<std::string>(&compiled)) {
      schema_error = "invalid_schema: " + *error;
    } else {
      chat.schema = SchemaAccess::source(*std::get<std::shared_ptr<const Schema>>(compiled));
    }
  }
  chat.model = endpoint.spec.model;
  chat.system = request.system;
  chat.messages.push_back(wire::Message{"user", request.user});
  chat.max_tokens = request.max_tokens;
  chat.temperature = request.temperature;
  return chat;
}

Reply row_reply(ClientState& client, const ResolvedEndpoint& endpoint, Api api, const std::string& id,
                const Request* request, const std::string& request_error, const BatchRow& row) {
  const std::optional<wire::ChatAnswer> answer = wire::parse_response(api, row.body);
  if (!answer) return ReplyAccess::failed(batch::Failure{.reason = "bad_response", .retry = batch::Retry::no}, 0);
  Reply reply;
  const double cost = endpoint.batch_price.cost(answer->input_tokens, answer->output_tokens);
  ReplyAccess::add_call(reply, 0, answer->input_tokens, answer->output_tokens, cost);
  if (request == nullptr) {
    ReplyAccess::fail(reply, batch::Failure{.reason = request_error, .retry = batch::Retry::no});
    return reply;
  }
  nlohmann::json value = extract_json_value(answer->text);
  const CompiledSchema compiled = request->schema.empty() ? CompiledSchema() : client.schema(request->schema);
  if (const auto* schema = std::get_if<std::shared_ptr<const Schema>>(&compiled); schema != nullptr && *schema) {
    const std::string error = value.is_null() ? "the answer is not JSON" : SchemaAccess::check(**schema, value);
    if (!error.empty()) {
      client.api.warning("LLM answer invalid", {{"item_id", id}, {"error", error}});
      ReplyAccess::fail(reply, batch::Failure{.reason = "invalid_answer", .retry = batch::Retry::no});
      return reply;
    }
  }
  ReplyAccess::answer(reply, answer->text, value, answer->model);
  return reply;
}

}  // namespace leadscout::llm::detail
