// Canonical JSON: keys sorted (nlohmann::json's std::map objects), integers written as
// integers, other numbers as the shortest double that reads back equal; then SHA-256.
#include "cache/cache_key.hpp"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

nlohmann::json canonical_json(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [name, member] : value.items()) out[name] = canonical_json(member);
      return out;
    }
    case nlohmann::json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& member : value) out.push_back(canonical_json(member));
      return out;
    }
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_float: {
      const double d = value.get<double>();
      constexpr double kExactIntegers = 9007199254740992.0;  // 2^53: doubles hold every integer below it
      if (value.is_number_float() && std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < kExactIntegers) {
        return static_cast<std::int64_t>(d);
      }
      if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()) return value;
      return value.is_number_float() ? nlohmann::json(d) : nlohmann::json(value.get<std::int64_t>());
    }
    default: return value;
  }
}

std::string cache_key_text(Api api, const std::string& model, const Request& request) {
  nlohmann::json schema;  // null: free text
  if (!request.schema.empty()) {
    schema = nlohmann::json::parse(request.schema, nullptr, false);
    if (schema.is_discarded()) schema = request.schema;  // not JSON: the text itself decides
  }
  const nlohmann::json key = {{"api", std::string(to_string(api))},
                              {"model", model},
                              {"system", request.system},
                              {"user", request.user},
                              {"schema", schema},
                              {"max_tokens", request.max_tokens},
                              {"temperature", request.temperature}};
  return canonical_json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string cache_key(Api api, const std::string& model, const Request& request) {
  return sha256_hex(cache_key_text(api, model, request));
}

std::string sha256_hex(const std::string& text) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(md.get(), text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(md.get(), digest.data(), &size) != 1) {
    throw Error("leadscout::llm: SHA-256 failed in OpenSSL");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2U);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4U]);
    out.push_back(kHex[digest[i] & 0xFU]);
  }
  return out;
}

}  // namespace leadscout::llm::detail
