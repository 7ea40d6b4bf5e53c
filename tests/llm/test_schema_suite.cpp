// llm::Schema against the official JSON Schema Test Suite (draft 7): every case group of the
// supported keywords' files whose schema stays within the subset must match the suite's verdict;
// every other group must be refused at construction. The draft-7 files of the definitions keyword
// only refer to the remote meta-schema, so none of its groups runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <leadscout/error.hpp>
#include <leadscout/llm/schema.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llm = leadscout::llm;
using nlohmann::json;

namespace {

const std::set<std::string>& supported_keywords() {
  static const std::set<std::string> keywords{"type",
                                              "properties",
                                              "required",
                                              "additionalProperties",
                                              "items",
                                              "enum",
                                              "const",
                                              "anyOf",
                                              "$ref",
                                              "$defs",
                                              "definitions",
                                              "minimum",
                                              "maximum",
                                              "exclusiveMinimum",
                                              "exclusiveMaximum",
                                              "multipleOf",
                                              "minLength",
                                              "maxLength",
                                              "minItems",
                                              "maxItems",
                                              "title",
                                              "description",
                                              "$schema",
                                              "$id",
                                              "$comment",
                                              "default",
                                              "examples"};
  return keywords;
}

// Written apart from the library's compiler: which schemas the subset covers.
bool within_subset(const json& schema) {
  if (schema.is_boolean()) return true;
  if (!schema.is_object()) return false;
  for (const auto& [key, value] : schema.items()) {
    if (supported_keywords().count(key) == 0) return false;
    if (key == "$ref") {
      const std::string ref = value.is_string() ? value.get<std::string>() : "";
      if (ref != "#" && ref.rfind("#/", 0) != 0) return false;
    } else if (key == "properties" || key == "$defs" || key == "definitions") {
      for (const auto& [name, child] : value.items())
        if (!within_subset(child)) return false;
    } else if (key == "items" || key == "additionalProperties") {
      if (value.is_array() || !within_subset(value)) return false;
    } else if (key == "anyOf") {
      for (const auto& child : value)
        if (!within_subset(child)) return false;
    }
  }
  return true;
}

// Runs the suite's file of `keyword`. `min_cases` is the fewest cases that must run, so a
// change that refuses groups wholesale cannot pass by checking nothing.
void run_suite_file(const std::string& keyword, int min_cases) {
  const std::filesystem::path dir = LEADSCOUT_JSON_SCHEMA_SUITE;
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " is missing: install the Debian package json-schema-test-suite "
      << "(or set LEADSCOUT_JSON_SCHEMA_SUITE to its tests/draft7 directory)";
  const std::filesystem::path file = dir / (keyword + ".json");
  std::ifstream in(file);
  ASSERT_TRUE(in) << "cannot read " << file;
  const json groups = json::parse(in);

  int groups_run = 0, groups_skipped = 0, cases_run = 0, cases_skipped = 0;
  for (const json& group : groups) {
    const std::string name = group.at("description").get<std::string>();
    const json& schema = group.at("schema");
    if (!within_subset(schema)) {
      EXPECT_THROW(llm::Schema{schema}, leadscout::Error) << "group \"" << name << "\"";
      ++groups_skipped;
      cases_skipped += static_cast<int>(group.at("tests").size());
      continue;
    }
    std::optional<llm::Schema> compiled;
    try {
      compiled.emplace(schema);
    } catch (const leadscout::Error& e) {
      ADD_FAILURE() << "group \"" << name << "\": " << e.what();
      continue;
    }
    ++groups_run;
    for (const json& test : group.at("tests")) {
      const std::string verdict = compiled->check(test.at("data"));
      EXPECT_EQ(verdict.empty(), test.at("valid").get<bool>())
          << "group \"" << name << "\", case \"" << test.at("description").get<std::string>()
          << "\": " << verdict;
      ++cases_run;
    }
  }
  std::cout << keyword << ": " << cases_run << " cases run in " << groups_run << " groups; "
            << cases_skipped << " cases skipped in " << groups_skipped
            << " groups outside the subset\n";
  EXPECT_GE(cases_run, min_cases);
}

}  // namespace

TEST(LlmSchemaSuite, Type) { run_suite_file("type", 59); }
TEST(LlmSchemaSuite, Properties) { run_suite_file("properties", 10); }
TEST(LlmSchemaSuite, Required) { run_suite_file("required", 7); }
TEST(LlmSchemaSuite, AdditionalProperties) { run_suite_file("additionalProperties", 6); }
TEST(LlmSchemaSuite, Items) { run_suite_file("items", 8); }
TEST(LlmSchemaSuite, Enum) { run_suite_file("enum", 9); }
TEST(LlmSchemaSuite, Const) { run_suite_file("const", 12); }
TEST(LlmSchemaSuite, AnyOf) { run_suite_file("anyOf", 14); }
TEST(LlmSchemaSuite, Ref) { run_suite_file("ref", 15); }
TEST(LlmSchemaSuite, Definitions) { run_suite_file("definitions", 0); }
TEST(LlmSchemaSuite, Minimum) { run_suite_file("minimum", 4); }
TEST(LlmSchemaSuite, Maximum) { run_suite_file("maximum", 4); }
TEST(LlmSchemaSuite, ExclusiveMinimum) { run_suite_file("exclusiveMinimum", 4); }
TEST(LlmSchemaSuite, ExclusiveMaximum) { run_suite_file("exclusiveMaximum", 4); }
TEST(LlmSchemaSuite, MultipleOf) { run_suite_file("multipleOf", 8); }
TEST(LlmSchemaSuite, MinLength) { run_suite_file("minLength", 5); }
TEST(LlmSchemaSuite, MaxLength) { run_suite_file("maxLength", 5); }
TEST(LlmSchemaSuite, MinItems) { run_suite_file("minItems", 4); }
TEST(LlmSchemaSuite, MaxItems) { run_suite_file("maxItems", 4); }
TEST(LlmSchemaSuite, BooleanSchema) { run_suite_file("boolean_schema", 18); }
