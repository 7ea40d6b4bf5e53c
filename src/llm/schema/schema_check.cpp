// The checker: walks value and nodes together; messages are only formatted for a violation, so
// a valid answer costs no string building.
#include "schema/schema_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "schema/schema_message.hpp"

namespace leadscout::llm::json_schema {
namespace {

using nlohmann::json;

std::uint8_t value_bits(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return null_type;
    case json::value_t::boolean:
      return boolean_type;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return integer_type | number_type;
    case json::value_t::number_float: {
      const double number = value.get<double>();
      const bool integral = std::isfinite(number) && std::trunc(number) == number;
      return integral ? integer_type | number_type : number_type;
    }
    case json::value_t::string:
      return string_type;
    case json::value_t::array:
      return array_type;
    case json::value_t::object:
      return object_type;
    default:
      return 0;
  }
}

bool is_multiple(const json& value, double divisor) {
  // Integers against an integral divisor: exact, whatever their size.
  if (std::trunc(divisor) == divisor && divisor <= 9.0e18) {
    const auto whole = static_cast<std::uint64_t>(divisor);
    if (value.is_number_unsigned()) return value.get<std::uint64_t>() % whole == 0;
    if (value.is_number_integer()) {
      const std::int64_t number = value.get<std::int64_t>();
      const std::uint64_t magnitude =
          number < 0 ? 0 - static_cast<std::uint64_t>(number) : static_cast<std::uint64_t>(number);
      return magnitude % whole == 0;
    }
  }
  // Decimal fractions are inexact in binary (0.07 / 0.01 is 7.000000000000001): a quotient
  // within rounding error of a whole number counts as whole.
  const double quotient = value.get<double>() / divisor;
  if (!std::isfinite(quotient)) return false;
  const double tolerance = 1e-9 + 4 * std::numeric_limits<double>::epsilon() * std::fabs(quotient);
  return std::fabs(quotient - std::nearbyint(quotient)) <= tolerance;
}

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

class Checker {
 public:
  Checker(const CompiledSchema& schema, std::string* error) : schema_(schema), error_(error) {}

  bool check(std::int32_t index, const json& value);

 private:
  struct Step {
    const std::string* key = nullptr;  // null: an array index
    std::size_t index = 0;
  };

  bool check_values(const Node& node, const json& value);
  bool check_number(const Node& node, const json& value);
  bool check_string(const Node& node, const json& value);
  bool check_array(const Node& node, const json& value);
  bool check_object(const Node& node, const json& value);
  bool check_any_of(const Node& node, const json& value);

  template <class Describe>
  bool fail(Describe&& describe) {
    if (error_ != nullptr) *error_ = pointer() + ": " + describe();
    return false;
  }
  std::string pointer() const;

  const CompiledSchema& schema_;
  std::string* error_;
  std::vector<Step> path_;
};

bool Checker::check(std::int32_t index, const json& value) {
  const Node* node = &schema_.nodes[static_cast<std::size_t>(index)];
  while (node->ref != no_node) node = &schema_.nodes[static_cast<std::size_t>(node->ref)];
  if (node->rejects_all) return fail([] { return std::string("no value is allowed here"); });
  if ((node->types & value_bits(value)) == 0)
    return fail(
        [&] { return "expected " + type_names(node->types) + ", got " + type_name(value); });
  if (!check_values(*node, value)) return false;
  bool valid = true;
  switch (value.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      valid = check_number(*node, value);
      break;
    case json::value_t::string:
      valid = check_string(*node, value);
      break;
    case json::value_t::array:
      valid = check_array(*node, value);
      break;
    case json::value_t::object:
      valid = check_object(*node, value);
      break;
    default:
      break;
  }
  if (!valid) return false;
  return node->any_of.empty() || check_any_of(*node, value);
}

bool Checker::check_values(const Node& node, const json& value) {
  if (node.constant && !(*node.constant == value))
    return fail(
        [&] { return "expected " + shown_value(*node.constant) + ", got " + shown_value(value); });
  if (node.has_enum &&
      std::find(node.enum_values.begin(), node.enum_values.end(), value) == node.enum_values.end())
    return fail([&] {
      return shown_value(value) + " is not one of " + shown_value(json(node.enum_values));
    });
  return true;
}

bool Checker::check_number(const Node& node, const json& value) {
  const double number = value.get<double>();
  if (node.minimum && number < *node.minimum)
    return fail([&] {
      return shown_value(value) + " is less than the minimum " + shown_number(*node.minimum);
    });
  if (node.maximum && number > *node.maximum)
    return fail([&] {
      return shown_value(value) + " is greater than the maximum " + shown_number(*node.maximum);
    });
  if (node.exclusive_minimum && number <= *node.exclusive_minimum)
    return fail([&] {
      return shown_value(value) + " must be greater than " + shown_number(*node.exclusive_minimum);
    });
  if (node.exclusive_maximum && number >= *node.exclusive_maximum)
    return fail([&] {
      return shown_value(value) + " must be less than " + shown_number(*node.exclusive_maximum);
    });
  if (node.multiple_of && !is_multiple(value, *node.multiple_of))
    return fail([&] {
      return shown_value(value) + " is not a multiple of " + shown_number(*node.multiple_of);
    });
  return true;
}

bool Checker::check_string(const Node& node, const json& value) {
  if (!node.min_length && !node.max_length) return true;
  const std::size_t length = code_points(value.get_ref<const std::string&>());
  if (node.min_length && length < *node.min_length)
    return fail([&] {
      return "string of " + counted(length, "character") + ", fewer than minLength " +
             std::to_string(*node.min_length);
    });
  if (node.max_length && length > *node.max_length)
    return fail([&] {
      return "string of " + counted(length, "character") + ", more than maxLength " +
             std::to_string(*node.max_length);
    });
  return true;
}

bool Checker::check_array(const Node& node, const json& value) {
  const std::size_t size = value.size();
  if (node.min_items && size < *node.min_items)
    return fail([&] {
      return "array of " + counted(size, "item") + ", fewer than minItems " +
             std::to_string(*node.min_items);
    });
  if (node.max_items && size > *node.max_items)
    return fail([&] {
      return "array of " + counted(size, "item") + ", more than maxItems " +
             std::to_string(*node.max_items);
    });
  if (node.items == no_node) return true;
  for (std::size_t i = 0; i < size; ++i) {
    path_.push_back({nullptr, i});
    if (!check(node.items, value[i])) return false;
    path_.pop_back();
  }
  return true;
}

bool Checker::check_object(const Node& node, const json& value) {
  for (const std::string& name : node.required)
    if (!value.contains(name))
      return fail([&] { return "missing required property " + shown_value(json(name)); });
  for (auto member = value.begin(); member != value.end(); ++member) {
    const std::string& key = member.key();
    const auto found =
        std::lower_bound(node.properties.begin(), node.properties.end(), key,
                         [](const Node::Property& property, const std::string& name) {
                           return property.name < name;
                         });
    std::int32_t child = no_node;
    if (found != node.properties.end() && found->name == key)
      child = found->node;
    else if (node.additional == Node::Additional::checked)
      child = node.additional_node;
    path_.push_back({&key, 0});
    if (child == no_node && node.additional == Node::Additional::forbidden)
      return fail([] { return std::string("additional property not allowed"); });
    if (child != no_node && !check(child, *member)) return false;
    path_.pop_back();
  }
  return true;
}

bool Checker::check_any_of(const Node& node, const json& value) {
  Checker quiet(schema_, nullptr);
  for (const std::int32_t alternative : node.any_of)
    if (quiet.check(alternative, value)) return true;
  return fail([&] {
    std::string reasons;
    for (const std::int32_t alternative : node.any_of) {
      std::string reason;
      Checker explaining(schema_, &reason);
      explaining.path_ = path_;
      (void)explaining.check(alternative, value);
      reasons += (reasons.empty() ? "" : "; ") + reason;
    }
    return "matches no alternative of anyOf (" + reasons + ")";
  });
}

std::string Checker::pointer() const {
  if (path_.empty()) return "/";
  std::string out;
  for (const Step& step : path_) {
    out.push_back('/');
    if (step.key == nullptr) {
      out += std::to_string(step.index);
      continue;
    }
    for (const char c : *step.key) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

bool check(const CompiledSchema& schema, const json& value, std::string* error) {
  return Checker(schema, error).check(schema.root, value);
}

}  // namespace leadscout::llm::json_schema
