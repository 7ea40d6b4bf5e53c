// leadscout::llm — OpenAI and Anthropic clients for batch callbacks: quotas wired in, failover
// between endpoints, answers checked against a JSON Schema, GenAI telemetry.
//
//   namespace llm = leadscout::llm;
//   llm::Client client({.endpoints = {{.api = llm::Api::openai, .model = "gpt-4o-mini"}}});
//   opt.quotas = client.quotas();
//   llm::Reply reply = client.complete(ctx, llm::Request{.system = ..., .user = ..., .schema = ...});
//   if (!reply.ok()) return reply.failure();
//   lb::Summary summary = llm::run(proc, client, leads, pipeline, {.mode = llm::Mode::batch});
#pragma once

#include "leadscout/llm/cache.hpp"
#include "leadscout/llm/client.hpp"
#include "leadscout/llm/run.hpp"
#include "leadscout/llm/schema.hpp"
