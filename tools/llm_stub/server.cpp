// HTTP glue: headers and body in, Reply out.
#include "server.hpp"

#include <httplib.h>

#include "service.hpp"

namespace leadscout::llm_stub {

namespace {

/// More threads than concurrent hangs a test or a demo run produces: each hung call holds one
/// until the server stops.
constexpr std::size_t kThreads = 64;

httplib::Server::Handler api_handler(StubService& service, Api api) {
  return [&service, api](const httplib::Request& req, httplib::Response& res) {
    const std::string x_api_key = req.get_header_value("x-api-key");
    const std::string authorization = req.get_header_value("authorization");
    const Reply reply = service.handle({api, x_api_key, authorization, req.body, {}});
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.body, "application/json");
  };
}

}  // namespace

void configure_server(httplib::Server& server, StubService& service) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  for (const char* path : {"/chat/completions", "/v1/chat/completions"}) {
    server.Post(path, api_handler(service, Api::openai));
  }
  for (const char* path : {"/messages", "/v1/messages"}) {
    server.Post(path, api_handler(service, Api::anthropic));
  }
  server.Get("/stats", [&service](const httplib::Request&, httplib::Response& res) {
    res.set_content(service.stats_json(), "application/json");
  });
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
}

}  // namespace leadscout::llm_stub
