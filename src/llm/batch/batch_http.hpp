// The HTTP a provider's batch API needs besides chat POSTs: GETs, a file upload and a file
// streamed line by line.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "http/base_url.hpp"
#include "http/http_transport.hpp"
#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

/// One provider's batch endpoints below its base URL; TLS always verified. A connection per
/// call: a batch run makes a few calls a minute.
class BatchHttp {
 public:
  /// Throws leadscout::Error for a bad base URL.
  BatchHttp(const std::string& base_url, std::string ca_file, wire::Headers auth, std::chrono::milliseconds timeout);

  [[nodiscard]] HttpResult get(const std::string& path) const;
  [[nodiscard]] HttpResult post_json(const std::string& path, const std::string& body) const;
  /// A multipart/form-data upload of `content` as file `filename` with the field purpose=`purpose`.
  [[nodiscard]] HttpResult post_file(const std::string& path, const std::string& purpose, const std::string& filename,
                                     const std::string& content) const;
  /// GETs `path` and hands each line of a 200 body to `on_line` as it arrives, never holding the
  /// whole body; another status's body is returned in the result.
  [[nodiscard]] HttpResult get_lines(const std::string& path, const std::function<void(std::string_view)>& on_line) const;

  [[nodiscard]] std::string describe() const { return url_.describe(); }

 private:
  BaseUrl url_;
  std::string ca_file_;
  wire::Headers auth_;
  std::chrono::milliseconds timeout_;
};

}  // namespace leadscout::llm::detail
