// llm::Schema: a JSON Schema compiled once, then checked against every answer.
#include "leadscout/llm/schema.hpp"

#include <string>
#include <utility>

#include "leadscout/error.hpp"
#include "schema/schema_check.hpp"
#include "schema/schema_access.hpp"
#include "schema/schema_compile.hpp"

namespace leadscout::llm {

struct Schema::Impl {
  explicit Impl(nlohmann::json document)
      : source(std::move(document)), text(source.dump()), compiled(json_schema::compile(source)) {}

  nlohmann::json source;
  std::string text;
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

Schema::Schema(std::string_view text) : impl_(std::make_shared<const Impl>(parsed_schema(text))) {}

Schema::Schema(const char* text) : Schema(std::string_view(text)) {}

Schema::Schema(const std::string& text) : Schema(std::string_view(text)) {}

Schema::~Schema() = default;
// The compiled schema never changes, so copies share it.
Schema::Schema(const Schema&) = default;
Schema& Schema::operator=(const Schema&) = default;
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;

std::string Schema::check_json_text(std::string_view json_text) const {
  const nlohmann::json value = nlohmann::json::parse(json_text, nullptr, false);
  if (value.is_discarded()) return "the answer is not JSON";
  return detail::SchemaAccess::check(*this, value);
}

const std::string& Schema::text() const noexcept { return impl_->text; }

namespace detail {

std::string SchemaAccess::check(const Schema& schema, const nlohmann::json& value) {
  std::string error;
  if (json_schema::check(schema.impl_->compiled, value, &error)) return {};
  return error;
}

const nlohmann::json& SchemaAccess::source(const Schema& schema) noexcept { return schema.impl_->source; }

}  // namespace detail

}  // namespace leadscout::llm
