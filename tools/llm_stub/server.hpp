// The stub's HTTP routes on a cpp-httplib server.
#pragma once

namespace httplib {
class Server;
}

namespace leadscout::llm_stub {

class StubService;

/// Routes POST /chat/completions, /v1/chat/completions (OpenAI), /messages, /v1/messages
/// (Anthropic), the batch APIs (OpenAI /v1/files and /v1/batches, Anthropic /v1/messages/batches),
/// GET /stats and GET /health to `service`, and gives the server a pool of 64
/// threads so that hung calls cannot starve it. `service` must outlive the server.
void configure_server(httplib::Server& server, StubService& service);

}  // namespace leadscout::llm_stub
