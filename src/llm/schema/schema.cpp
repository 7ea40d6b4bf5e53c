// llm::Schema: a JSON Schema compiled once, then checked against every answer.
#include "leadscout/llm/schema.hpp"

#include <string>
#include <utility>

#include "leadscout/error.hpp"
#include "schema/schema_check.hpp"
#include "schema/schema_compile.hpp"

namespace leadscout::llm {

struct Schema::Impl {
  explicit Impl(nlohmann::json document)
      : source(std::move(document)), compiled(json_schema::compile(source)) {}

  nlohmann::json source;
  json_schema::CompiledSchema compiled;
};

namespace {

nlohmann::json parsed_schema(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("JSON Schema: not valid JSON: ") + e.what());
  }
}

}  // namespace

Schema::Schema(std::string_view text) : Schema(parsed_schema(text)) {}

Schema::Schema(const char* text) : Schema(std::string_view(text)) {}

Schema::Schema(const std::string& text) : Schema(std::string_view(text)) {}

Schema::Schema(const nlohmann::json& schema) : impl_(std::make_shared<const Impl>(schema)) {}

Schema::~Schema() = default;
// The compiled schema never changes, so copies share it.
Schema::Schema(const Schema&) = default;
Schema& Schema::operator=(const Schema&) = default;
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;

std::string Schema::check(const nlohmann::json& value) const {
  std::string error;
  if (json_schema::check(impl_->compiled, value, &error)) return {};
  return error;
}

const nlohmann::json& Schema::json() const noexcept { return impl_->source; }

}  // namespace leadscout::llm
