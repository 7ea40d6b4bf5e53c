// HTTP glue: headers and body in, Reply out.
#include "server.hpp"

#include <httplib.h>

#include <optional>
#include <string>

#include "anthropic_batches.hpp"
#include "openai_batches.hpp"
#include "service.hpp"

namespace leadscout::llm_stub {

namespace {

/// More threads than concurrent hangs a test or a demo run produces: each hung call holds one
/// until the server stops.
constexpr std::size_t kThreads = 64;

void send(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_content(reply.body, reply.content_type.c_str());
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? std::optional(req.get_param_value(name)) : std::nullopt;
}

/// A batch route of `api`: the key is checked as on the chat endpoints, then `route` answers.
template <typename Route>
httplib::Server::Handler batch_handler(StubService& service, Api api, Route route) {
  return [&service, api, route](const httplib::Request& req, httplib::Response& res) {
    auto denied = service.authenticate(api, req.get_header_value("x-api-key"), req.get_header_value("authorization"));
    send(res, denied ? *denied : route(req));
  };
}

void route_openai_batches(httplib::Server& server, StubService& service) {
  OpenAiBatches& b = service.openai_batches();
  server.Post("/v1/files", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    const httplib::MultipartFormData file = req.get_file_value("file");
    return b.upload_file(req.get_file_value("purpose").content, file.filename, file.content);
  }));
  server.Get(R"(/v1/files/([^/]+))", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.file(req.matches[1].str());
  }));
  server.Get(R"(/v1/files/([^/]+)/content)", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.file_content(req.matches[1].str());
  }));
  server.Post("/v1/batches", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.create(req.body);
  }));
  server.Get("/v1/batches", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.list(param(req, "limit"), req.get_param_value("after"));
  }));
  server.Get(R"(/v1/batches/([^/]+))", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.retrieve(req.matches[1].str());
  }));
  server.Post(R"(/v1/batches/([^/]+)/cancel)", batch_handler(service, Api::openai, [&b](const httplib::Request& req) {
    return b.cancel(req.matches[1].str());
  }));
}

void route_anthropic_batches(httplib::Server& server, StubService& service, std::string scheme) {
  AnthropicBatches& b = service.anthropic_batches();
  // results_url points back at the address the client used.
  const auto base = [scheme](const httplib::Request& req) { return scheme + "://" + req.get_header_value("Host"); };
  const char* collection = "/v1/messages/batches";
  server.Post(collection, batch_handler(service, Api::anthropic, [&b, base](const httplib::Request& req) {
    return b.create(req.body, base(req));
  }));
  server.Get(collection, batch_handler(service, Api::anthropic, [&b, base](const httplib::Request& req) {
    return b.list(param(req, "limit"), req.get_param_value("after_id"), base(req));
  }));
  server.Get(R"(/v1/messages/batches/([^/]+))",
             batch_handler(service, Api::anthropic, [&b, base](const httplib::Request& req) {
               return b.retrieve(req.matches[1].str(), base(req));
             }));
  server.Get(R"(/v1/messages/batches/([^/]+)/results)",
             batch_handler(service, Api::anthropic,
                           [&b](const httplib::Request& req) { return b.results(req.matches[1].str()); }));
  server.Post(R"(/v1/messages/batches/([^/]+)/cancel)",
              batch_handler(service, Api::anthropic, [&b, base](const httplib::Request& req) {
                return b.cancel(req.matches[1].str(), base(req));
              }));
}

httplib::Server::Handler api_handler(StubService& service, Api api) {
  return [&service, api](const httplib::Request& req, httplib::Response& res) {
    const std::string x_api_key = req.get_header_value("x-api-key");
    const std::string authorization = req.get_header_value("authorization");
    send(res, service.handle({api, x_api_key, authorization, req.body, {}}));
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
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  const bool https = dynamic_cast<httplib::SSLServer*>(&server) != nullptr;
#else
  const bool https = false;
#endif
  route_openai_batches(server, service);
  route_anthropic_batches(server, service, https ? "https" : "http");
  server.Get("/stats", [&service](const httplib::Request&, httplib::Response& res) {
    res.set_content(service.stats_json(), "application/json");
  });
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
}

}  // namespace leadscout::llm_stub
