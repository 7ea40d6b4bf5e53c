// Compiles a JSON Schema document into nodes, one per schema location, shared by every $ref to it.
#include "schema/schema_compile.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "leadscout/error.hpp"
#include "schema/schema_ref.hpp"

namespace leadscout::llm::json_schema {
namespace {

using nlohmann::json;
using Pointer = json::json_pointer;

[[noreturn]] void fail(const std::string& what) { throw Error("JSON Schema: " + what); }

bool is_annotation(std::string_view key) {
  return key == "title" || key == "description" || key == "$schema" || key == "$id" ||
         key == "$comment" || key == "default" || key == "examples";
}

std::uint8_t type_bit(const json& name) {
  if (!name.is_string()) return 0;
  const auto& text = name.get_ref<const std::string&>();
  if (text == "null") return null_type;
  if (text == "boolean") return boolean_type;
  if (text == "integer") return integer_type;
  if (text == "number") return number_type;
  if (text == "string") return string_type;
  if (text == "array") return array_type;
  if (text == "object") return object_type;
  return 0;
}

class Compiler {
 public:
  explicit Compiler(const json& document) : document_(document) {}

  CompiledSchema run() {
    CompiledSchema compiled;
    compiled.root = compile_at(Pointer(), document_);
    reject_ref_loops();
    compiled.nodes = std::move(nodes_);
    return compiled;
  }

 private:
  std::int32_t compile_at(const Pointer& where, const json& schema);
  Node compile_node(const Pointer& where, const json& schema, std::int32_t index);
  bool compile_structure(const std::string& key, const json& value, const Pointer& where,
                         Node& node);
  bool compile_subschemas(const std::string& key, const json& value, const Pointer& where,
                          Node& node);
  bool compile_bound(const std::string& key, const json& value, const Pointer& where, Node& node);
  std::uint8_t compile_types(const json& value, const Pointer& where);
  std::int32_t resolve(const json& ref, const Pointer& where);
  void reject_ref_loops();
  bool loops_from(std::int32_t index, std::vector<std::uint8_t>& state);

  const json& document_;
  std::vector<Node> nodes_;
  std::vector<std::string> pointers_;  // each node's location, for messages
  std::vector<std::string> refs_;      // each node's $ref text, empty without one
  std::unordered_map<std::string, std::int32_t> by_pointer_;
};

std::int32_t Compiler::compile_at(const Pointer& where, const json& schema) {
  std::string key = where.to_string();
  if (auto found = by_pointer_.find(key); found != by_pointer_.end()) return found->second;
  const auto index = static_cast<std::int32_t>(nodes_.size());
  // Registered before its keywords are compiled, so a $ref back to it ends the recursion.
  nodes_.emplace_back();
  pointers_.push_back(key);
  refs_.emplace_back();
  by_pointer_.emplace(std::move(key), index);
  Node node = compile_node(where, schema, index);
  nodes_[static_cast<std::size_t>(index)] = std::move(node);
  return index;
}

Node Compiler::compile_node(const Pointer& where, const json& schema, std::int32_t index) {
  Node node;
  if (schema.is_boolean()) {
    node.rejects_all = !schema.get<bool>();
    return node;
  }
  if (!schema.is_object())
    fail("expected a schema (an object or a boolean) at " + shown_pointer(where.to_string()));
  for (const auto& [key, value] : schema.items()) {
    if (is_annotation(key)) continue;
    if (key == "$ref") {
      refs_[static_cast<std::size_t>(index)] = value.is_string() ? value.get<std::string>() : "";
      node.ref = resolve(value, where / key);
      continue;
    }
    if (compile_structure(key, value, where, node) || compile_subschemas(key, value, where, node) ||
        compile_bound(key, value, where, node))
      continue;
    fail("unsupported keyword \"" + key + "\" at " + shown_pointer(where.to_string()));
  }
  std::sort(node.properties.begin(), node.properties.end(),
            [](const Node::Property& a, const Node::Property& b) { return a.name < b.name; });
  return node;
}

// The keywords about the value itself and objects' property lists.
bool Compiler::compile_structure(const std::string& key, const json& value, const Pointer& where,
                                 Node& node) {
  const auto at = [&] { return " at " + shown_pointer((where / key).to_string()); };
  if (key == "type") {
    node.types = compile_types(value, where / key);
  } else if (key == "enum") {
    if (!value.is_array()) fail("\"enum\" must be an array" + at());
    node.has_enum = true;
    node.enum_values.assign(value.begin(), value.end());
  } else if (key == "const") {
    node.constant = value;
  } else if (key == "required") {
    if (!value.is_array()) fail("\"required\" must be an array of strings" + at());
    for (const auto& name : value) {
      if (!name.is_string()) fail("\"required\" must be an array of strings" + at());
      node.required.push_back(name.get<std::string>());
    }
  } else {
    return false;
  }
  return true;
}

// The keywords whose values are schemas (or hold schemas).
bool Compiler::compile_subschemas(const std::string& key, const json& value, const Pointer& where,
                                  Node& node) {
  const Pointer here = where / key;
  const auto at = [&] { return " at " + shown_pointer(here.to_string()); };
  if (key == "properties" || key == "$defs" || key == "definitions") {
    if (!value.is_object()) fail("\"" + key + "\" must be an object" + at());
    for (const auto& [name, schema] : value.items()) {
      const std::int32_t child = compile_at(here / name, schema);
      if (key == "properties") node.properties.push_back({name, child});
    }
  } else if (key == "additionalProperties") {
    if (value.is_boolean()) {
      node.additional = value.get<bool>() ? Node::Additional::allowed : Node::Additional::forbidden;
    } else {
      node.additional = Node::Additional::checked;
      node.additional_node = compile_at(here, value);
    }
  } else if (key == "items") {
    if (value.is_array()) fail("unsupported keyword \"items\" as an array (tuple form)" + at());
    node.items = compile_at(here, value);
  } else if (key == "anyOf") {
    if (!value.is_array() || value.empty()) fail("\"anyOf\" must be a non-empty array" + at());
    for (std::size_t i = 0; i < value.size(); ++i)
      node.any_of.push_back(compile_at(here / i, value[i]));
  } else {
    return false;
  }
  return true;
}

std::optional<std::size_t> as_count(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < 0 || std::trunc(number) != number) return std::nullopt;
  if (value.is_number_unsigned()) return static_cast<std::size_t>(value.get<std::uint64_t>());
  if (value.is_number_integer()) return static_cast<std::size_t>(value.get<std::int64_t>());
  // A bound past any size a value can have (2.0e19) is as good as none.
  if (number >= 1.8e19) return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(number);
}

// The numeric, string-length and array-length bounds.
bool Compiler::compile_bound(const std::string& key, const json& value, const Pointer& where,
                             Node& node) {
  const auto at = [&] { return " at " + shown_pointer((where / key).to_string()); };
  std::optional<double>* number_slot = key == "minimum"            ? &node.minimum
                                       : key == "maximum"          ? &node.maximum
                                       : key == "exclusiveMinimum" ? &node.exclusive_minimum
                                       : key == "exclusiveMaximum" ? &node.exclusive_maximum
                                       : key == "multipleOf"       ? &node.multiple_of
                                                                   : nullptr;
  if (number_slot != nullptr) {
    if (!value.is_number()) fail("\"" + key + "\" must be a number" + at());
    *number_slot = value.get<double>();
    if (key == "multipleOf" && !(*node.multiple_of > 0))
      fail("\"multipleOf\" must be greater than 0" + at());
    return true;
  }
  std::optional<std::size_t>* count_slot = key == "minLength"   ? &node.min_length
                                           : key == "maxLength" ? &node.max_length
                                           : key == "minItems"  ? &node.min_items
                                           : key == "maxItems"  ? &node.max_items
                                                                : nullptr;
  if (count_slot == nullptr) return false;
  *count_slot = as_count(value);
  if (!*count_slot) fail("\"" + key + "\" must be a non-negative integer" + at());
  return true;
}

std::uint8_t Compiler::compile_types(const json& value, const Pointer& where) {
  const auto bad = [&] {
    fail(
        "\"type\" must be a type name or an array of them (null, boolean, integer, number, "
        "string, array, object) at " +
        shown_pointer(where.to_string()));
  };
  if (!value.is_array()) {
    const std::uint8_t bit = type_bit(value);
    if (bit == 0) bad();
    return bit;
  }
  std::uint8_t mask = 0;
  for (const auto& name : value) {
    const std::uint8_t bit = type_bit(name);
    if (bit == 0) bad();
    mask = static_cast<std::uint8_t>(mask | bit);
  }
  return mask;
}

std::int32_t Compiler::resolve(const json& ref, const Pointer& where) {
  if (!ref.is_string()) fail("\"$ref\" must be a string at " + shown_pointer(where.to_string()));
  const auto& text = ref.get_ref<const std::string&>();
  const std::optional<Pointer> target = ref_target(text);
  const std::string at = " at " + shown_pointer(where.to_string());
  if (!target) {
    if (text.empty() || text.front() != '#')
      fail("unsupported $ref \"" + text + "\"" + at +
           ": only references within the schema (\"#...\") are supported");
    fail("$ref \"" + text + "\" does not resolve" + at);
  }
  const json* schema = find_pointer(document_, *target);
  if (schema == nullptr) fail("$ref \"" + text + "\" does not resolve" + at);
  return compile_at(*target, *schema);
}

// A cycle of $ref and anyOf edges would check one value forever: a schema like {"$ref": "#"}.
void Compiler::reject_ref_loops() {
  std::vector<std::uint8_t> state(nodes_.size(), 0);  // 0 unseen, 1 on the path, 2 done
  for (std::size_t i = 0; i < nodes_.size(); ++i) loops_from(static_cast<std::int32_t>(i), state);
}

bool Compiler::loops_from(std::int32_t index, std::vector<std::uint8_t>& state) {
  const auto slot = static_cast<std::size_t>(index);
  if (state[slot] == 2) return false;
  if (state[slot] == 1) return true;
  state[slot] = 1;
  const Node& node = nodes_[slot];
  std::vector<std::int32_t> next =
      node.ref != no_node ? std::vector<std::int32_t>{node.ref} : node.any_of;
  for (const std::int32_t target : next) {
    if (!loops_from(target, state)) continue;
    const std::string& ref = refs_[slot];
    fail(ref.empty() ? "anyOf at " + shown_pointer(pointers_[slot]) +
                           " loops back to itself without descending into the value"
                     : "$ref \"" + ref + "\" at " + shown_pointer(pointers_[slot]) +
                           " loops back to itself without descending into the value");
  }
  state[slot] = 2;
  return false;
}

}  // namespace

CompiledSchema compile(const json& document) { return Compiler(document).run(); }

std::string shown_pointer(const std::string& pointer) { return pointer.empty() ? "/" : pointer; }

}  // namespace leadscout::llm::json_schema
