// A JSON Schema compiled into a flat array of nodes that point at each other by index, so a
// recursive schema is a cycle of indices rather than an endless tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace leadscout::llm::json_schema {

/// The JSON types as bits, so a list of types is one mask. An integral number carries both
/// `integer` and `number`; a number with a fraction only `number`.
enum TypeBit : std::uint8_t {
  null_type = 1U << 0U,
  boolean_type = 1U << 1U,
  integer_type = 1U << 2U,
  number_type = 1U << 3U,
  string_type = 1U << 4U,
  array_type = 1U << 5U,
  object_type = 1U << 6U,
};
inline constexpr std::uint8_t any_type = 0x7FU;

inline constexpr std::int32_t no_node = -1;

/// One schema object (or boolean schema) with its keywords decoded.
struct Node {
  struct Property {
    std::string name;
    std::int32_t node = no_node;
  };
  enum class Additional : std::uint8_t { allowed, forbidden, checked };

  /// The schema `false`.
  bool rejects_all = false;
  /// With a $ref only its target applies: draft 7 ignores the keywords beside a $ref.
  std::int32_t ref = no_node;
  std::uint8_t types = any_type;

  std::optional<nlohmann::json> constant;
  bool has_enum = false;
  std::vector<nlohmann::json> enum_values;

  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<double> exclusive_minimum;
  std::optional<double> exclusive_maximum;
  std::optional<double> multiple_of;

  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;

  std::optional<std::size_t> min_items;
  std::optional<std::size_t> max_items;
  std::int32_t items = no_node;

  /// Sorted by name, for a binary search per member of the value.
  std::vector<Property> properties;
  std::vector<std::string> required;
  Additional additional = Additional::allowed;
  std::int32_t additional_node = no_node;

  std::vector<std::int32_t> any_of;
};

struct CompiledSchema {
  std::vector<Node> nodes;
  std::int32_t root = no_node;
};

}  // namespace leadscout::llm::json_schema
