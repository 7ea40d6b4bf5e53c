// The chat APIs' bodies without a transport: answers (fenced or not), completions, errors,
// prices and retry-after.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm_api.hpp"

namespace {

using demo::LlmApi;

TEST(DemoLlmAnswer, PlainFencedAndInProseAnswersParse) {
  for (const char* text : {R"({"label":"african","confidence":0.91})",
                           "```json\n{\"label\": \"african\", \"confidence\": 0.91}\n```",
                           "```\n{\"label\":\"African\",\"confidence\":0.91}\n```",
                           "Sure! Here it is: {\"label\":\"african\",\"confidence\":0.91} Hope that helps."}) {
    const auto a = demo::parse_answer(text);
    ASSERT_TRUE(a) << text;
    EXPECT_EQ(a->label, "african") << text;
    EXPECT_DOUBLE_EQ(a->confidence, 0.91) << text;
  }
}

TEST(DemoLlmAnswer, WhatIsNotTheAskedJsonIsUnparsable) {
  for (const char* text : {"", "african", "{\"label\":\"african\"}", "{\"label\":3,\"confidence\":0.5}",
                           "{\"label\":\"african\",\"confidence\":1.5}", "```json\n{\"label\":\n```", "{}"}) {
    EXPECT_FALSE(demo::parse_answer(text)) << text;
  }
}

TEST(DemoLlmBodies, CompletionsOfBothApisGiveTextAndUsage) {
  const auto openai = demo::parse_completion(
      LlmApi::openai,
      R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"label\":\"indian\",\"confidence\":0.8}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":20,"total_tokens":140}})");
  ASSERT_TRUE(openai);
  EXPECT_EQ(openai->prompt_tokens, 120);
  EXPECT_EQ(openai->completion_tokens, 20);
  EXPECT_EQ(demo::parse_answer(openai->text)->label, "indian");
  const auto anthropic = demo::parse_completion(
      LlmApi::anthropic,
      R"({"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"{\"label\":\"english\",\"confidence\":0.7}"}],"usage":{"input_tokens":100,"output_tokens":15}})");
  ASSERT_TRUE(anthropic);
  EXPECT_EQ(anthropic->prompt_tokens, 100);
  EXPECT_EQ(anthropic->completion_tokens, 15);
  EXPECT_EQ(demo::parse_answer(anthropic->text)->label, "english");
  EXPECT_FALSE(demo::parse_completion(LlmApi::openai, R"({"error":{"message":"x"}})"));
  EXPECT_FALSE(demo::parse_completion(LlmApi::anthropic, "not json"));
}

TEST(DemoLlmBodies, RequestsAskForJsonWithTheNameOnItsOwnLine) {
  const auto openai = nlohmann::json::parse(demo::request_body(LlmApi::openai, "gpt-4o-mini", "Thabo Dlamini"));
  EXPECT_EQ(openai["model"], "gpt-4o-mini");
  EXPECT_EQ(openai["messages"].back()["content"], "Classify this lead.\nName: Thabo Dlamini");
  const auto anthropic = nlohmann::json::parse(demo::request_body(LlmApi::anthropic, "claude-3-haiku", "X"));
  EXPECT_EQ(anthropic["max_tokens"], demo::kMaxAnswerTokens);
  EXPECT_TRUE(anthropic["system"].is_string());
  EXPECT_GT(demo::estimate_tokens("Thabo Dlamini"), demo::kMaxAnswerTokens);
}

TEST(DemoLlmBodies, ErrorMessagesOfBothApis) {
  EXPECT_EQ(demo::error_message(R"({"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}})"),
            "Incorrect API key provided.");
  EXPECT_EQ(demo::error_message(R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"),
            "invalid x-api-key");
  EXPECT_EQ(demo::error_message("Bad Gateway"), "Bad Gateway");
}

TEST(DemoLlmPrice, LongestPrefixOfTheTableWins) {
  EXPECT_DOUBLE_EQ(demo::builtin_price("gpt-4o-mini-2024-07-18")->input_per_million, 0.15);
  EXPECT_DOUBLE_EQ(demo::builtin_price("gpt-4o")->output_per_million, 10.0);
  EXPECT_DOUBLE_EQ(demo::builtin_price("claude-3-haiku-20240307")->output_per_million, 1.25);
  EXPECT_FALSE(demo::builtin_price("llama3.1:8b"));
  const demo::Price p{0.15, 0.60};
  EXPECT_DOUBLE_EQ(p.cost(1'000'000, 1'000'000), 0.75);
}

TEST(DemoLlmHeaders, RetryAfterInSecondsOrAsADate) {
  EXPECT_EQ(demo::retry_after_seconds({{"Retry-After", "3"}}), 3.0);
  EXPECT_EQ(demo::retry_after_seconds({{"retry-after", "0.5"}}), 0.5);
  EXPECT_EQ(demo::retry_after_seconds({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}), 1.0);
  EXPECT_FALSE(demo::retry_after_seconds({{"x-ratelimit-reset-requests", "1s"}}));
}

}  // namespace
