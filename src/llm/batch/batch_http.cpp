// Batch endpoints over cpp-httplib, verified as the chat transport verifies.
#include "batch/batch_http.hpp"

#include <httplib.h>

#include <memory>

namespace leadscout::llm::detail {

namespace {

std::unique_ptr<httplib::ClientImpl> connect(const BaseUrl& url, const std::string& ca_file, std::chrono::milliseconds timeout) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.tls()) {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls->enable_server_certificate_verification(true);
    if (!ca_file.empty()) tls->set_ca_cert_path(ca_file);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client->set_connection_timeout(seconds.count(), micros.count());
  client->set_read_timeout(seconds.count(), micros.count());
  client->set_write_timeout(seconds.count(), micros.count());
  return client;
}

HttpResult result_of(const httplib::Result& r, const std::string& host_port) {
  HttpResult out;
  if (!r) {
    out.error = r.error() == httplib::Error::SSLServerVerification ? HttpResult::Error::tls_verification
                : r.error() == httplib::Error::Read                ? HttpResult::Error::timeout
                                                                   : HttpResult::Error::connection;
    out.error_text = host_port + ": " + httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  for (const auto& [name, value] : r->headers) out.headers.emplace_back(name, value);
  return out;
}

httplib::Headers headers_of(const wire::Headers& auth) {
  httplib::Headers h;
  for (const auto& [name, value] : auth) h.emplace(name, value);
  return h;
}

}  // namespace

BatchHttp::BatchHttp(const std::string& base_url, std::string ca_file, wire::Headers auth, std::chrono::milliseconds timeout)
    : url_(BaseUrl::parse(base_url)), ca_file_(std::move(ca_file)), auth_(std::move(auth)), timeout_(timeout) {}

HttpResult BatchHttp::get(const std::string& path) const {
  const auto client = connect(url_, ca_file_, timeout_);
  return result_of(client->Get(url_.path + path, headers_of(auth_)), url_.host_port());
}

HttpResult BatchHttp::post_json(const std::string& path, const std::string& body) const {
  const auto client = connect(url_, ca_file_, timeout_);
  return result_of(client->Post(url_.path + path, headers_of(auth_), body, "application/json"), url_.host_port());
}

HttpResult BatchHttp::post_file(const std::string& path, const std::string& purpose, const std::string& filename,
                                const std::string& content) const {
  const auto client = connect(url_, ca_file_, timeout_);
  const httplib::MultipartFormDataItems items = {{"purpose", purpose, "", ""},
                                                 {"file", content, filename, "application/jsonl"}};
  return result_of(client->Post(url_.path + path, headers_of(auth_), items), url_.host_port());
}

HttpResult BatchHttp::get_lines(const std::string& path, const std::function<void(std::string_view)>& on_line) const {
  const auto client = connect(url_, ca_file_, timeout_);
  int status = 0;
  std::string pending;  // a line cut by the chunk's end, or a non-200 body
  const auto on_response = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  const auto on_data = [&](const char* data, std::size_t size) {
    if (status != 200) {
      if (pending.size() < 4096) pending.append(data, size);
      return true;
    }
    pending.append(data, size);
    std::size_t start = 0;
    for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      if (nl > start) on_line(std::string_view(pending).substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
    return true;
  };
  HttpResult out = result_of(client->Get(url_.path + path, headers_of(auth_), on_response, on_data), url_.host_port());
  if (out.status == 200 && !pending.empty()) on_line(pending);
  if (out.status != 200) out.body = pending;
  return out;
}

}  // namespace leadscout::llm::detail
