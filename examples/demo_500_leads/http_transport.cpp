// One httplib::Client per worker thread and transport, so that connections are reused and a
// stop callback can close exactly the socket of the call it interrupts.
#include "http_transport.hpp"

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>

namespace demo {

namespace {

std::atomic<std::uint64_t> next_transport_id{1};

/// "https://host:443/v1/" -> ("https://host:443", "/v1").
std::pair<std::string, std::string> split_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw UrlError("expected http://HOST[:PORT][/PATH] or https://..., got " + url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") throw UrlError("the URL's scheme must be http or https: " + url);
  const auto path_start = url.find('/', scheme_end + 3);
  std::string host_port = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? std::string() : url.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (host_port.size() == scheme_end + 3) throw UrlError("the URL has no host: " + url);
  return {std::move(host_port), std::move(path)};
}

/// `text` with every copy of `secret` masked: an error body may echo the key it refused.
void scrub(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) text.replace(at, secret.size(), "***");
}

}  // namespace

HttpTransport::HttpTransport(std::string base_url, std::string api_key, std::chrono::milliseconds timeout)
    : api_key_(std::move(api_key)), timeout_(timeout), id_(next_transport_id++) {
  std::tie(scheme_host_port_, path_prefix_) = split_url(base_url);
  httplib::Client probe(scheme_host_port_);  // rejects what httplib cannot parse, before any call
  if (!probe.is_valid()) throw UrlError("the URL cannot be used: " + base_url);
}

httplib::Client& HttpTransport::client() const {
  thread_local std::map<std::uint64_t, std::unique_ptr<httplib::Client>> clients;
  auto& c = clients[id_];
  if (!c) {
    c = std::make_unique<httplib::Client>(scheme_host_port_);
    c->set_connection_timeout(timeout_);
    c->set_read_timeout(timeout_);
    c->set_write_timeout(timeout_);
    c->set_keep_alive(true);
    c->enable_server_certificate_verification(true);  // the system's CA bundle
  }
  return *c;
}

HttpReply HttpTransport::post(LlmApi api, const std::string& body, std::stop_token stop) const {
  HttpReply reply;
  httplib::Headers headers;
  if (api == LlmApi::anthropic) {
    if (!api_key_.empty()) headers.emplace("x-api-key", api_key_);
    headers.emplace("anthropic-version", "2023-06-01");
  } else if (!api_key_.empty()) {  // local servers may need none
    headers.emplace("Authorization", "Bearer " + api_key_);
  }
  httplib::Client& c = client();
  // Closing the socket is the only way to end a blocking read early; httplib's stop() does it
  // from another thread.
  const std::stop_callback interrupt(stop, [&c] { c.stop(); });
  if (stop.stop_requested()) {
    reply.cancelled = true;
    return reply;
  }
  const std::string path = path_prefix_ + (api == LlmApi::anthropic ? "/messages" : "/chat/completions");
  const httplib::Result res = c.Post(path, headers, body, "application/json");
  if (stop.stop_requested()) {
    reply.cancelled = true;
    return reply;
  }
  if (!res) {
    reply.error = httplib::to_string(res.error());
    return reply;
  }
  reply.status = res->status;
  reply.body = res->body;
  scrub(reply.body, api_key_);
  for (const auto& [name, value] : res->headers) reply.headers.emplace_back(name, value);
  return reply;
}

}  // namespace demo
