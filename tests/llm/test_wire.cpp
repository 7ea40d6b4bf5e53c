// The chat APIs' wire shapes: requests and answers of both APIs written and read back, with and
// without a schema, refusals, content parts, bodies that are not requests, errors and keys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "chat_wire.hpp"

namespace {

namespace wire = leadscout::llm::wire;
using leadscout::llm::Api;
using nlohmann::json;

const json kSchema = json::parse(R"({"type":"object","properties":{"label":{"type":"string"},
    "confidence":{"type":"number"}},"required":["label","confidence"],"additionalProperties":false})");

wire::ChatRequest sample_request(bool with_schema) {
  wire::ChatRequest r;
  r.model = "gpt-4o-mini";
  r.system = "Classify names. Answer in JSON.";
  r.messages = {{"user", "Name: Thabo Dlamini"}, {"assistant", "{}"}, {"user", "label is required"}};
  r.max_tokens = 64;
  r.temperature = 0.5;
  if (with_schema) r.schema = kSchema;
  return r;
}

wire::ChatRequest parsed(Api api, const std::string& body) {
  std::string error;
  const auto r = wire::parse_request(api, body, error);
  EXPECT_TRUE(r) << error << "\n" << body;
  EXPECT_TRUE(error.empty()) << error;
  return r.value_or(wire::ChatRequest{});
}

void expect_same(const wire::ChatRequest& a, const wire::ChatRequest& b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.system, b.system);
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    EXPECT_EQ(a.messages[i].role, b.messages[i].role) << i;
    EXPECT_EQ(a.messages[i].content, b.messages[i].content) << i;
  }
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.max_tokens, b.max_tokens);
  EXPECT_DOUBLE_EQ(a.temperature, b.temperature);
}

std::string parse_error(Api api, const std::string& body) {
  std::string error;
  const auto r = wire::parse_request(api, body, error);
  EXPECT_FALSE(r) << body;
  return error;
}

}  // namespace

TEST(LlmWireRequest, OpenAiShapeWithAndWithoutSchema) {
  const auto plain = json::parse(wire::request_body(Api::openai, sample_request(false)));
  EXPECT_EQ(plain["model"], "gpt-4o-mini");
  EXPECT_EQ(plain["messages"][0], (json{{"role", "system"}, {"content", "Classify names. Answer in JSON."}}));
  EXPECT_EQ(plain["messages"][1], (json{{"role", "user"}, {"content", "Name: Thabo Dlamini"}}));
  EXPECT_EQ(plain["messages"].size(), 4u);
  EXPECT_EQ(plain["max_tokens"], 64);
  EXPECT_EQ(plain["temperature"], 0.5);
  EXPECT_FALSE(plain.contains("response_format"));
  const auto with = json::parse(wire::request_body(Api::openai, sample_request(true)));
  const json spec = {{"name", "answer"}, {"strict", true}, {"schema", kSchema}};
  EXPECT_EQ(with["response_format"], (json{{"type", "json_schema"}, {"json_schema", spec}}));
}

TEST(LlmWireRequest, AnthropicShapeWithAndWithoutSchema) {
  const auto plain = json::parse(wire::request_body(Api::anthropic, sample_request(false)));
  EXPECT_EQ(plain["system"], "Classify names. Answer in JSON.");
  EXPECT_EQ(plain["max_tokens"], 64);
  EXPECT_EQ(plain["messages"].size(), 3u);
  EXPECT_EQ(plain["messages"][0]["role"], "user");
  EXPECT_FALSE(plain.contains("tools"));
  EXPECT_FALSE(plain.contains("tool_choice"));
  const auto with = json::parse(wire::request_body(Api::anthropic, sample_request(true)));
  ASSERT_EQ(with["tools"].size(), 1u);
  EXPECT_EQ(with["tools"][0]["name"], "answer");
  EXPECT_TRUE(with["tools"][0]["description"].is_string());
  EXPECT_EQ(with["tools"][0]["input_schema"], kSchema);
  EXPECT_EQ(with["tool_choice"], (json{{"type", "tool"}, {"name", "answer"}}));
}

TEST(LlmWireRequest, RoundTripsOfBothApis) {
  for (const Api api : {Api::openai, Api::anthropic}) {
    for (const bool schema : {false, true}) {
      const auto sent = sample_request(schema);
      const auto back = parsed(api, wire::request_body(api, sent));
      expect_same(back, sent);
      EXPECT_EQ(back.schema_name, schema ? "answer" : "") << to_string(api);
    }
  }
}

TEST(LlmWireRequest, ContentPartsAndSystemMessagesAreRead) {
  const auto o = parsed(Api::openai, R"({"model":"m","max_completion_tokens":20,"max_tokens":50,"messages":[
      {"role":"developer","content":"Be brief."},{"role":"system","content":[{"type":"text","text":"JSON."}]},
      {"role":"user","content":[{"type":"text","text":"Classify."},{"type":"image_url","image_url":{}},
                                {"type":"text","text":"Name: Sipho Nkosi"}]}]})");
  EXPECT_EQ(o.system, "Be brief.\nJSON.");
  ASSERT_EQ(o.messages.size(), 1u);
  EXPECT_EQ(o.messages[0].content, "Classify.\nName: Sipho Nkosi");
  EXPECT_EQ(o.max_tokens, 20);  // max_completion_tokens wins
  EXPECT_EQ(parsed(Api::openai, R"({"model":"m","messages":[{"role":"user","content":"x"}]})").max_tokens, 0);
  const auto a = parsed(Api::anthropic, R"({"model":"m","max_tokens":9,"system":[{"type":"text","text":"Sys."}],
      "messages":[{"role":"user","content":[{"type":"text","text":"Name: A"}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"answer","input":{"label":"x"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"bad"},
                                            {"type":"text","text":"again"}]}]})");
  EXPECT_EQ(a.system, "Sys.");
  ASSERT_EQ(a.messages.size(), 3u);
  EXPECT_EQ(a.messages[1].content, R"({"label":"x"})");
  EXPECT_EQ(a.messages[2].content, "bad\nagain");
}

TEST(LlmWireRequest, SchemaFromAForcedToolOrTheOnlyToolWithAny) {
  const std::string head = R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],)";
  const std::string tools = R"("tools":[{"name":"other","input_schema":{"type":"object"}},
      {"name":"label","input_schema":{"type":"object","required":["label"]}}])";
  const auto named = parsed(Api::anthropic, head + tools + R"(,"tool_choice":{"type":"tool","name":"label"}})");
  EXPECT_EQ(named.schema, json::parse(R"({"type":"object","required":["label"]})"));
  EXPECT_EQ(named.schema_name, "label");
  const auto any = parsed(Api::anthropic, head + R"("tools":[{"name":"only","input_schema":{"type":"object"}}],
      "tool_choice":{"type":"any"}})");
  EXPECT_EQ(any.schema, json::parse(R"({"type":"object"})"));
  for (const char* choice : {"", R"(,"tool_choice":{"type":"auto"})", R"(,"tool_choice":{"type":"any"})"}) {
    const auto free = parsed(Api::anthropic, head + tools + choice + "}");
    EXPECT_TRUE(free.schema.is_null()) << choice;
  }
  const auto json_object = parsed(Api::openai, R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "response_format":{"type":"json_object"}})");
  EXPECT_TRUE(json_object.schema.is_null());
}

TEST(LlmWireRequest, InvalidBodiesNameTheField) {
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(parse_error(Api::openai, "not json"), "the request body is not a JSON object");
  EXPECT_EQ(parse_error(Api::openai, "[]"), "the request body is not a JSON object");
  EXPECT_NE(parse_error(Api::openai, "{" + msgs + "}").find("model"), std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","messages":[]})").find("messages"), std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","messages":[{"content":"x"}]})").find("messages[0].role"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","messages":[{"role":"user","content":5}]})")
                .find("messages[0].content"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","max_tokens":0,)" + msgs + "}").find("max_tokens"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","temperature":"hot",)" + msgs + "}").find("temperature"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","response_format":{"type":"json_schema","json_schema":{}},)" +
                                         msgs + "}")
                .find("response_format.json_schema.schema"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::openai, R"({"model":"m","response_format":{"type":"xml"},)" + msgs + "}")
                .find("response_format.type"),
            std::string::npos);
  EXPECT_EQ(parse_error(Api::anthropic, R"({"model":"m",)" + msgs + "}"), "max_tokens: Field required");
  EXPECT_NE(parse_error(Api::anthropic, R"({"model":"m","max_tokens":5,"system":3,)" + msgs + "}").find("system"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::anthropic, R"({"model":"m","max_tokens":5,"tools":[{"name":"a","input_schema":{}}],
      "tool_choice":{"type":"tool","name":"b"},)" + msgs + "}")
                .find("tool_choice.name"),
            std::string::npos);
  EXPECT_NE(parse_error(Api::anthropic, R"({"model":"m","max_tokens":5,"tools":[{"name":"a"}],
      "tool_choice":{"type":"tool","name":"a"},)" + msgs + "}")
                .find("tools[0].input_schema"),
            std::string::npos);
}

namespace {

wire::ChatAnswer sample_answer(std::string text) {
  wire::ChatAnswer a;
  a.id = "msg_0123456789abcdefghijklmn";
  a.model = "model-2025";
  a.text = std::move(text);
  a.input_tokens = 120;
  a.output_tokens = 20;
  a.created = 1751797815;
  return a;
}

}  // namespace

TEST(LlmWireResponse, OpenAiShapeAndRoundTrip) {
  const auto a = sample_answer(R"({"label":"african","confidence":0.9})");
  for (const bool as_tool : {false, true}) {  // as_tool means nothing to OpenAI
    const auto j = json::parse(wire::response_body(Api::openai, a, as_tool));
    EXPECT_EQ(j["object"], "chat.completion");
    EXPECT_EQ(j["created"], 1751797815);
    EXPECT_EQ(j["choices"][0]["index"], 0);
    EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
    EXPECT_EQ(j["choices"][0]["message"]["content"], a.text);
    EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(j["usage"], (json{{"prompt_tokens", 120}, {"completion_tokens", 20}, {"total_tokens", 140}}));
  }
  const auto back = wire::parse_response(Api::openai, wire::response_body(Api::openai, a, false));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->model, a.model);
  EXPECT_EQ(back->text, a.text);
  EXPECT_EQ(back->input_tokens, 120);
  EXPECT_EQ(back->output_tokens, 20);
  EXPECT_EQ(back->finish_reason, "stop");
  auto now = sample_answer("x");
  now.created = 0;
  EXPECT_GT(json::parse(wire::response_body(Api::openai, now, false))["created"].get<std::int64_t>(), 1751797815);
}

TEST(LlmWireResponse, AnthropicTextAndToolUseRoundTrip) {
  const auto a = sample_answer(R"({"label":"english","confidence":0.7})");
  const auto text = json::parse(wire::response_body(Api::anthropic, a, false));
  EXPECT_EQ(text["type"], "message");
  EXPECT_EQ(text["role"], "assistant");
  EXPECT_EQ(text["content"], (json::array({{{"type", "text"}, {"text", a.text}}})));
  EXPECT_EQ(text["stop_reason"], "end_turn");
  EXPECT_EQ(text["usage"], (json{{"input_tokens", 120}, {"output_tokens", 20}}));
  const auto tool = json::parse(wire::response_body(Api::anthropic, a, true));
  ASSERT_EQ(tool["content"].size(), 1u);
  EXPECT_EQ(tool["content"][0]["type"], "tool_use");
  EXPECT_EQ(tool["content"][0]["name"], "answer");
  EXPECT_EQ(tool["content"][0]["id"].get<std::string>().rfind("toolu_", 0), 0u);
  EXPECT_EQ(tool["content"][0]["input"], json::parse(a.text));
  EXPECT_EQ(tool["stop_reason"], "tool_use");
  for (const bool as_tool : {false, true}) {
    const auto back = wire::parse_response(Api::anthropic, wire::response_body(Api::anthropic, a, as_tool));
    ASSERT_TRUE(back);
    EXPECT_EQ(json::parse(back->text), json::parse(a.text));
    EXPECT_EQ(back->finish_reason, as_tool ? "tool_use" : "end_turn");
    EXPECT_EQ(back->tool_name, as_tool ? "answer" : "");
    EXPECT_EQ(back->input_tokens, 120);
    EXPECT_EQ(back->model, a.model);
  }
  // A text that is not a JSON object cannot be a tool's input: it goes as text.
  const auto prose = json::parse(wire::response_body(Api::anthropic, sample_answer("no JSON here"), true));
  EXPECT_EQ(prose["content"][0]["type"], "text");
}

TEST(LlmWireResponse, RefusalsHaveNoTextAndSayRefusal) {
  const auto refused = wire::parse_response(Api::openai, R"({"id":"chatcmpl-1","choices":[{"index":0,
      "message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->text, "");
  EXPECT_EQ(refused->finish_reason, "refusal");
  EXPECT_EQ(refused->output_tokens, 3);
  auto a = sample_answer("Not this one.");
  a.finish_reason = "refusal";
  const auto j = json::parse(wire::response_body(Api::openai, a, false));
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(j["choices"][0]["message"]["refusal"], "Not this one.");
  EXPECT_EQ(wire::parse_response(Api::openai, j.dump())->finish_reason, "refusal");
}

TEST(LlmWireResponse, OtherServersAndNewerFieldsParse) {
  // llama.cpp / vLLM style: extra fields, no id, content parts; unknown fields are ignored.
  const auto o = wire::parse_response(Api::openai, R"({"object":"chat.completion","system_fingerprint":"x",
      "choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"hmm",
      "content":[{"type":"text","text":"{\"label\":\"indian\"}"}]},"finish_reason":"length"}],"timings":{}})");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->text, R"({"label":"indian"})");
  EXPECT_EQ(o->finish_reason, "length");
  EXPECT_EQ(o->input_tokens, 0);
  const auto a = wire::parse_response(Api::anthropic, R"({"id":"msg_1","type":"message","content":[
      {"type":"thinking","thinking":"..."},{"type":"text","text":"Here: "},{"type":"text","text":"{}"}],
      "usage":{"input_tokens":100,"output_tokens":15,"cache_read_input_tokens":0}})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->text, "Here: {}");
  EXPECT_EQ(a->output_tokens, 15);
  // Prose before a tool call is not the answer: the tool's input is.
  const auto tool = wire::parse_response(Api::anthropic, R"({"content":[{"type":"text","text":"Sure."},
      {"type":"tool_use","id":"toolu_1","name":"label","input":{"label":"x"}}],"stop_reason":"tool_use"})");
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->text, R"({"label":"x"})");
  EXPECT_EQ(tool->tool_name, "label");
  EXPECT_EQ(tool->finish_reason, "tool_use");
}

TEST(LlmWireResponse, WhatIsNotAnAnswerIsNullopt) {
  for (const Api api : {Api::openai, Api::anthropic}) {
    for (const char* body : {"", "not json", "[]", "{}", R"({"error":{"message":"x"}})",
                             R"({"type":"error","error":{"type":"api_error","message":"x"}})",
                             R"({"choices":[]})", R"({"choices":[{"message":{"role":"assistant"}}]})",
                             R"({"content":"text"})"}) {
      EXPECT_FALSE(wire::parse_response(api, body)) << to_string(api) << ": " << body;
    }
  }
}

TEST(LlmWireErrors, BodiesOfBothApisAndTheirMessages) {
  EXPECT_EQ(json::parse(wire::error_body(Api::openai, "invalid_request_error", "bad key", "invalid_api_key")),
            (json{{"error",
                   {{"message", "bad key"}, {"type", "invalid_request_error"}, {"param", nullptr},
                    {"code", "invalid_api_key"}}}}));
  EXPECT_TRUE(json::parse(wire::error_body(Api::openai, "server_error", "busy"))["error"]["code"].is_null());
  EXPECT_EQ(json::parse(wire::error_body(Api::anthropic, "authentication_error", "bad key", "ignored")),
            (json{{"type", "error"}, {"error", {{"type", "authentication_error"}, {"message", "bad key"}}}}));
  for (const Api api : {Api::openai, Api::anthropic}) {
    EXPECT_EQ(wire::error_message(wire::error_body(api, "rate_limit_error", "slow down")), "slow down");
  }
  EXPECT_EQ(wire::error_message(R"({"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}})"),
            "Incorrect API key provided.");
  EXPECT_EQ(wire::error_message("Bad Gateway"), "Bad Gateway");
  EXPECT_EQ(wire::error_message(std::string(300, 'x')), std::string(200, 'x'));
}

TEST(LlmWireHeaders, PathsAndAuthHeaders) {
  EXPECT_EQ(wire::chat_path(Api::openai), "/chat/completions");
  EXPECT_EQ(wire::chat_path(Api::anthropic), "/messages");
  EXPECT_EQ(wire::auth_headers(Api::openai, "sk-1"), (wire::Headers{{"authorization", "Bearer sk-1"}}));
  EXPECT_EQ(wire::auth_headers(Api::anthropic, "sk-2"),
            (wire::Headers{{"x-api-key", "sk-2"}, {"anthropic-version", "2023-06-01"}}));
  EXPECT_TRUE(wire::auth_headers(Api::openai, "").empty());
  EXPECT_TRUE(wire::auth_headers(Api::anthropic, "").empty());
}

TEST(LlmWireHeaders, KeyFromEitherHeader) {
  EXPECT_EQ(wire::request_key("sk-a", ""), "sk-a");
  EXPECT_EQ(wire::request_key("", "Bearer sk-b"), "sk-b");
  EXPECT_EQ(wire::request_key("", "bearer  sk-c "), "sk-c");
  EXPECT_EQ(wire::request_key("sk-a", "Bearer sk-b"), "sk-a");
  EXPECT_FALSE(wire::request_key("", ""));
  EXPECT_FALSE(wire::request_key("", "Basic dXNlcjpwdw=="));
  EXPECT_FALSE(wire::request_key(" ", "Bearer "));
  // What auth_headers sends, request_key reads.
  for (const Api api : {Api::openai, Api::anthropic}) {
    std::string x_api_key, authorization;
    for (const auto& [name, value] : wire::auth_headers(api, "sk-round")) {
      if (name == "x-api-key") x_api_key = value;
      if (name == "authorization") authorization = value;
    }
    EXPECT_EQ(wire::request_key(x_api_key, authorization), "sk-round");
  }
}
