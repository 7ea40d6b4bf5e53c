// The chat APIs' shared parts (paths, keys, error messages) and the dispatch to each API's
// shapes (openai_wire.cpp, anthropic_wire.cpp).
#include "chat_wire.hpp"
#include "strings.hpp"

#include "anthropic_wire.hpp"
#include "openai_wire.hpp"

namespace leadscout::llm::wire {

namespace {

/// The version of the Messages API whose shapes anthropic_wire.cpp writes and reads.
constexpr std::string_view kAnthropicVersion = "2023-06-01";

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string request_body(Api api, const ChatRequest& request) {
  return api == Api::anthropic ? anthropic::request_body(request) : openai::request_body(request);
}

std::optional<ChatRequest> parse_request(Api api, std::string_view body, std::string& error) {
  error.clear();
  return api == Api::anthropic ? anthropic::parse_request(body, error) : openai::parse_request(body, error);
}

std::string response_body(Api api, const ChatAnswer& answer, bool as_tool) {
  return api == Api::anthropic ? anthropic::response_body(answer, as_tool) : openai::response_body(answer);
}

std::optional<ChatAnswer> parse_response(Api api, std::string_view body) {
  return api == Api::anthropic ? anthropic::parse_response(body) : openai::parse_response(body);
}

std::string error_body(Api api, std::string_view type, std::string_view message, std::string_view code) {
  return api == Api::anthropic ? anthropic::error_body(type, message) : openai::error_body(type, message, code);
}

std::string error_message(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (const auto e = j.find("error"); e != j.end() && e->is_object()) {
      if (const auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
    }
  }
  return std::string(body.substr(0, 200));
}

std::string_view chat_path(Api api) noexcept { return api == Api::anthropic ? "/messages" : "/chat/completions"; }

Headers auth_headers(Api api, std::string_view key) {
  Headers h;
  if (key.empty()) return h;
  if (api == Api::anthropic) {
    h.emplace_back("x-api-key", std::string(key));
    h.emplace_back("anthropic-version", std::string(kAnthropicVersion));
  } else {
    h.emplace_back("authorization", "Bearer " + std::string(key));
  }
  return h;
}

std::optional<std::string> request_key(std::string_view x_api_key, std::string_view authorization) {
  if (const auto key = common::trim_space(x_api_key); !key.empty()) return std::string(key);
  const auto auth = common::trim_space(authorization);
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size() && iequals(auth.substr(0, bearer.size()), bearer)) {
    if (const auto key = common::trim_space(auth.substr(bearer.size())); !key.empty()) return std::string(key);
  }
  return std::nullopt;
}

}  // namespace leadscout::llm::wire
