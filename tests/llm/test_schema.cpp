// llm::Schema and llm::extract_json: each keyword valid and invalid, the violation messages with
// their pointers, the errors at construction, recursive refs, and JSON found in answers.
#include <gtest/gtest.h>

#include <leadscout/error.hpp>
#include <leadscout/llm/schema.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace llm = leadscout::llm;
using nlohmann::json;

namespace {

// The message of the error constructing `schema` throws; empty when it does not throw.
std::string construction_error(const std::string& schema) {
  try {
    llm::Schema compiled(schema);
  } catch (const leadscout::Error& e) {
    return e.what();
  }
  return {};
}

const char* const label_schema = R"({
  "type": "object",
  "properties": {"label": {"type": "string"}, "confidence": {"type": "number"}},
  "required": ["label", "confidence"],
  "additionalProperties": false})";

}  // namespace

TEST(LlmSchema, AcceptsAValidAnswerAndNamesEachViolationWithItsPointer) {
  const llm::Schema schema(label_schema);
  EXPECT_EQ(schema.check(json{{"label", "Zulu"}, {"confidence", 0.9}}), "");
  EXPECT_EQ(schema.check(json{{"label", "Zulu"}, {"confidence", "high"}}),
            "/confidence: expected a number, got a string");
  EXPECT_EQ(schema.check(json{{"confidence", 0.9}}), "/: missing required property \"label\"");
  EXPECT_EQ(schema.check(json{{"label", "Zulu"}, {"confidence", 1}, {"extra", true}}),
            "/extra: additional property not allowed");
  EXPECT_EQ(schema.check(json::array()), "/: expected an object, got an array");
  EXPECT_EQ(schema.json().at("required"), (json{"label", "confidence"}));
}

TEST(LlmSchema, TypeListsNullAndIntegersWithoutAFraction) {
  const llm::Schema integer(R"({"type": "integer"})");
  EXPECT_EQ(integer.check(3), "");
  EXPECT_EQ(integer.check(1.0), "");
  EXPECT_EQ(integer.check(1.5), "/: expected an integer, got a number");
  EXPECT_EQ(integer.check(true), "/: expected an integer, got a boolean");
  const llm::Schema number(R"({"type": "number"})");
  EXPECT_EQ(number.check(3), "");
  EXPECT_EQ(number.check(nullptr), "/: expected a number, got null");
  const llm::Schema nullable(R"({"type": ["string", "null"]})");
  EXPECT_EQ(nullable.check("x"), "");
  EXPECT_EQ(nullable.check(nullptr), "");
  EXPECT_EQ(nullable.check(7), "/: expected a string or null, got an integer");
}

TEST(LlmSchema, AdditionalPropertiesMayBeASchemaAndPointersAreEscaped) {
  const llm::Schema schema(R"({"properties": {"id": {"type": "string"}},
                               "additionalProperties": {"type": "boolean"}})");
  EXPECT_EQ(schema.check(json{{"id", "a"}, {"flag", true}}), "");
  EXPECT_EQ(schema.check(json{{"id", "a"}, {"a/b~c", 1}}),
            "/a~1b~0c: expected a boolean, got an integer");
  const llm::Schema open(
      R"({"properties": {"id": {"type": "string"}}, "additionalProperties": true})");
  EXPECT_EQ(open.check(json{{"other", 1}}), "");
}

TEST(LlmSchema, ItemsAndItemCountsCheckArrays) {
  const llm::Schema schema(R"({"type": "object", "properties": {"tags": {
      "type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2}}})");
  EXPECT_EQ(schema.check(json{{"tags", {"a", "b"}}}), "");
  EXPECT_EQ(schema.check(json{{"tags", {"a", 2}}}), "/tags/1: expected a string, got an integer");
  EXPECT_EQ(schema.check(json{{"tags", json::array()}}),
            "/tags: array of 0 items, fewer than minItems 1");
  EXPECT_EQ(schema.check(json{{"tags", {"a", "b", "c"}}}),
            "/tags: array of 3 items, more than maxItems 2");
}

TEST(LlmSchema, EnumAndConstCompareAsJsonWhereOneEqualsOnePointZero) {
  const llm::Schema choice(R"({"enum": ["Zulu", "Xhosa", 1]})");
  EXPECT_EQ(choice.check("Xhosa"), "");
  EXPECT_EQ(choice.check(1.0), "");
  EXPECT_EQ(choice.check("Venda"), "/: \"Venda\" is not one of [\"Zulu\",\"Xhosa\",1]");
  const llm::Schema fixed(R"({"const": {"v": [1, 2]}})");
  EXPECT_EQ(fixed.check(json::parse(R"({"v": [1.0, 2]})")), "");
  EXPECT_EQ(fixed.check(json::parse(R"({"v": [2, 1]})")),
            "/: expected {\"v\":[1,2]}, got {\"v\":[2,1]}");
  EXPECT_EQ(llm::Schema(R"({"const": false})").check(0), "/: expected false, got 0");
}

TEST(LlmSchema, AnyOfPassesWhenOneAlternativeDoesAndExplainsEachOtherwise) {
  const llm::Schema schema(R"({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]})");
  EXPECT_EQ(schema.check("abc"), "");
  EXPECT_EQ(schema.check(nullptr), "");
  EXPECT_EQ(schema.check("abcd"),
            "/: matches no alternative of anyOf (/: string of 4 characters, more than maxLength "
            "3; /: expected null, got a string)");
}

TEST(LlmSchema, NumericBoundsWithTheirMessages) {
  const llm::Schema inclusive(R"({"minimum": 0, "maximum": 1})");
  EXPECT_EQ(inclusive.check(0), "");
  EXPECT_EQ(inclusive.check(1.0), "");
  EXPECT_EQ(inclusive.check(-0.5), "/: -0.5 is less than the minimum 0");
  EXPECT_EQ(inclusive.check(2), "/: 2 is greater than the maximum 1");
  EXPECT_EQ(inclusive.check("2"), "");  // bounds apply to numbers only
  const llm::Schema exclusive(R"({"exclusiveMinimum": 0, "exclusiveMaximum": 1.5})");
  EXPECT_EQ(exclusive.check(1), "");
  EXPECT_EQ(exclusive.check(0), "/: 0 must be greater than 0");
  EXPECT_EQ(exclusive.check(1.5), "/: 1.5 must be less than 1.5");
}

TEST(LlmSchema, MultipleOfToleratesBinaryFractionsAndIsExactForIntegers) {
  const llm::Schema cents(R"({"multipleOf": 0.01})");
  EXPECT_EQ(cents.check(0.07), "");
  EXPECT_EQ(cents.check(19.99), "");
  EXPECT_EQ(cents.check(0.075), "/: 0.075 is not a multiple of 0.01");
  const llm::Schema even(R"({"multipleOf": 2})");
  EXPECT_EQ(even.check(9007199254740994LL), "");
  EXPECT_EQ(even.check(9007199254740993LL), "/: 9007199254740993 is not a multiple of 2");
  EXPECT_EQ(even.check(-4), "");
}

TEST(LlmSchema, StringLengthsCountCodePointsNotBytes) {
  const llm::Schema schema(R"({"minLength": 3, "maxLength": 5})");
  EXPECT_EQ(schema.check("h\u00e9llo"), "");  // 6 bytes, 5 characters
  EXPECT_EQ(schema.check("\u65e5\u672c"), "/: string of 2 characters, fewer than minLength 3");
  EXPECT_EQ(schema.check("abcdef"), "/: string of 6 characters, more than maxLength 5");
  EXPECT_EQ(llm::Schema(R"({"maxLength": 1e30, "minItems": 2.0})").check("abc"), "");
}

TEST(LlmSchema, BooleanSchemasAndAnnotations) {
  EXPECT_EQ(llm::Schema(json(true)).check(json{{"any", 1}}), "");
  EXPECT_EQ(llm::Schema(json(false)).check(1), "/: no value is allowed here");
  const llm::Schema schema(R"({"properties": {"a": false, "b": true}})");
  EXPECT_EQ(schema.check(json{{"b", 1}}), "");
  EXPECT_EQ(schema.check(json{{"a", 1}}), "/a: no value is allowed here");
  const llm::Schema annotated(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://example.com/label", "title": "Label", "description": "A label",
      "$comment": "for the demo", "default": "x", "examples": ["y"], "type": "string"})");
  EXPECT_EQ(annotated.check("z"), "");
  EXPECT_EQ(annotated.check(1), "/: expected a string, got an integer");
}

TEST(LlmSchema, RefsToDefsDefinitionsAndEscapedPointers) {
  const llm::Schema schema(R"({
    "$defs": {"label": {"type": "string"}, "a/b": {"const": 1}, "t~x": {"const": 2},
              "p%c": {"const": 3}},
    "definitions": {"score": {"type": "number"}},
    "properties": {"label": {"$ref": "#/$defs/label"}, "score": {"$ref": "#/definitions/score"},
                   "slash": {"$ref": "#/$defs/a~1b"}, "tilde": {"$ref": "#/$defs/t~0x"},
                   "percent": {"$ref": "#/$defs/p%25c"}, "same": {"$ref": "#/properties/label"}}})");
  EXPECT_EQ(
      schema.check(json::parse(
          R"({"label": "a", "score": 1, "slash": 1, "tilde": 2, "percent": 3, "same": "b"})")),
      "");
  EXPECT_EQ(schema.check(json{{"score", "x"}}), "/score: expected a number, got a string");
  EXPECT_EQ(schema.check(json{{"tilde", 1}}), "/tilde: expected 2, got 1");
  EXPECT_EQ(schema.check(json{{"percent", 1}}), "/percent: expected 3, got 1");
  EXPECT_EQ(schema.check(json{{"same", 1}}), "/same: expected a string, got an integer");
}

TEST(LlmSchema, RecursiveRefsDescribeTrees) {
  const llm::Schema tree(R"({
    "$ref": "#/$defs/node",
    "$defs": {"node": {"type": "object", "required": ["value"], "additionalProperties": false,
      "properties": {"value": {"type": "integer"},
                     "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}})");
  const json good = json::parse(
      R"({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}, {"value": 4}]})");
  EXPECT_EQ(tree.check(good), "");
  const json bad =
      json::parse(R"({"value": 1, "children": [{"value": 2, "children": [{"value": "3"}]}]})");
  EXPECT_EQ(tree.check(bad), "/children/0/children/0/value: expected an integer, got a string");
  const llm::Schema root(R"({"properties": {"next": {"$ref": "#"}, "n": {"type": "integer"}},
                             "additionalProperties": false})");
  EXPECT_EQ(root.check(json::parse(R"({"n": 1, "next": {"n": 2, "next": {}}})")), "");
  EXPECT_EQ(root.check(json::parse(R"({"next": {"next": {"x": 0}}})")),
            "/next/next/x: additional property not allowed");
}

TEST(LlmSchema, UnsupportedKeywordsAreNamedWithTheirPointer) {
  EXPECT_EQ(
      construction_error(R"({"properties": {"name": {"type": "string", "pattern": "^[A-Z]"}}})"),
      "JSON Schema: unsupported keyword \"pattern\" at /properties/name");
  EXPECT_EQ(construction_error(R"({"allOf": [{"type": "string"}]})"),
            "JSON Schema: unsupported keyword \"allOf\" at /");
  EXPECT_EQ(construction_error(R"({"$defs": {"unused": {"format": "date"}}})"),
            "JSON Schema: unsupported keyword \"format\" at /$defs/unused");
  EXPECT_EQ(construction_error(R"({"items": [{"type": "string"}]})"),
            "JSON Schema: unsupported keyword \"items\" as an array (tuple form) at /items");
}

TEST(LlmSchema, MalformedKeywordValuesAndTextAreErrors) {
  EXPECT_NE(construction_error(R"({"type": "float"})").find("\"type\" must be"), std::string::npos);
  EXPECT_NE(construction_error(R"({"minLength": -1})").find("\"minLength\" must be a non-negative"),
            std::string::npos);
  EXPECT_NE(construction_error(R"({"exclusiveMinimum": true})")
                .find("\"exclusiveMinimum\" must be a number"),
            std::string::npos);
  EXPECT_NE(construction_error(R"({"multipleOf": 0})").find("greater than 0"), std::string::npos);
  EXPECT_NE(construction_error(R"({"properties": {"a": 3}})").find("expected a schema"),
            std::string::npos);
  EXPECT_NE(construction_error(R"({"type": )").find("JSON Schema: not valid JSON"),
            std::string::npos);
}

TEST(LlmSchema, RefsThatDoNotResolveOrLeaveTheDocumentAreErrors) {
  EXPECT_EQ(construction_error(R"({"properties": {"a": {"$ref": "#/$defs/missing"}}})"),
            "JSON Schema: $ref \"#/$defs/missing\" does not resolve at /properties/a/$ref");
  EXPECT_NE(construction_error(R"({"$ref": "#anchor"})").find("$ref \"#anchor\" does not resolve"),
            std::string::npos);
  EXPECT_NE(construction_error(R"({"$ref": "#/$defs/bad%2"})").find("does not resolve"),
            std::string::npos);
  EXPECT_NE(construction_error(R"({"$ref": "http://example.com/s.json"})")
                .find("unsupported $ref \"http://example.com/s.json\""),
            std::string::npos);
}

TEST(LlmSchema, RefLoopsThatNeverDescendAreErrors) {
  EXPECT_NE(construction_error(R"({"$ref": "#"})").find("$ref \"#\" at /"), std::string::npos);
  EXPECT_NE(construction_error(R"({"anyOf": [{"$ref": "#"}, {"type": "null"}]})").find("loops"),
            std::string::npos);
  EXPECT_NE(
      construction_error(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}})")
          .find("loops back"),
      std::string::npos);
}

TEST(LlmSchema, CopiesShareTheCompiledSchema) {
  const llm::Schema original(label_schema);
  llm::Schema copy = original;
  EXPECT_EQ(&copy.text(), &original.text()) << "copies share the compiled schema";
  llm::Schema moved = std::move(copy);
  EXPECT_EQ(moved.check(json{{"label", "x"}}), "/: missing required property \"confidence\"");
  copy = moved;
  EXPECT_EQ(copy.check(json{{"label", "x"}, {"confidence", 0}}), "");
}

TEST(LlmSchema, MessagesShowInvalidUtf8AndLongValuesSafely) {
  const llm::Schema schema(R"({"enum": ["a"]})");
  EXPECT_NE(schema.check(std::string("\xff\xfe")).find("is not one of"), std::string::npos);
  const std::string message = schema.check(std::string(500, 'x'));
  EXPECT_LT(message.size(), 200U);
  EXPECT_NE(message.find("..."), std::string::npos);
}

TEST(LlmSchemaExtractJson, TheWholeTextWhenItIsJson) {
  EXPECT_EQ(llm::extract_json("  {\"label\": \"Zulu\"}\n"), (json{{"label", "Zulu"}}));
  EXPECT_EQ(llm::extract_json("[1, 2]"), (json{1, 2}));
  EXPECT_EQ(llm::extract_json("42"), json(42));
}

TEST(LlmSchemaExtractJson, TheFirstCodeFence) {
  EXPECT_EQ(llm::extract_json("Here you go:\n```json\n{\"a\": 1}\n```\nand ```{\"b\": 2}```"),
            (json{{"a", 1}}));
  EXPECT_EQ(llm::extract_json("```\n[true]\n```"), (json{true}));
  EXPECT_EQ(llm::extract_json("```json {\"a\": 1}```"), (json{{"a", 1}}));
  // An answer cut off by its token limit leaves the fence open.
  EXPECT_EQ(llm::extract_json("```json\n{\"a\": 1}\n"), (json{{"a", 1}}));
}

TEST(LlmSchemaExtractJson, TheOutermostBracketsInProse) {
  EXPECT_EQ(llm::extract_json("Sure! {\"label\": \"Zulu\", \"confidence\": 0.9}. Hope it helps."),
            (json{{"label", "Zulu"}, {"confidence", 0.9}}));
  EXPECT_EQ(llm::extract_json("The labels are [\"a\", {\"b\": [1]}] as asked."),
            json::parse(R"(["a", {"b": [1]}])"));
  // Brackets that are not JSON are passed over.
  EXPECT_EQ(llm::extract_json("[note] {maybe} then {\"a\": 1}"), (json{{"a", 1}}));
  EXPECT_EQ(llm::extract_json("{broken: {\"a\": 1}}"), (json{{"a", 1}}));
}

TEST(LlmSchemaExtractJson, BracketsAndQuotesInsideStringsDoNotEndTheValue) {
  const json value = llm::extract_json(
      R"(Answer: {"text": "a } brace, a \" quote and a ] {", "n": [{"x": 2}]} done)");
  EXPECT_EQ(value.at("text"), "a } brace, a \" quote and a ] {");
  EXPECT_EQ(value.at("n"), json::parse(R"([{"x": 2}])"));
}

TEST(LlmSchemaExtractJson, NullWhenNothingParses) {
  EXPECT_TRUE(llm::extract_json("").is_null());
  EXPECT_TRUE(llm::extract_json("no JSON here").is_null());
  EXPECT_TRUE(llm::extract_json("{\"a\": 1").is_null());
  EXPECT_TRUE(llm::extract_json("```json\n{oops}\n```").is_null());
  EXPECT_TRUE(llm::extract_json("]}[{").is_null());
  EXPECT_TRUE(llm::extract_json(std::string(10000, '{')).is_null());
}

TEST(LlmSchemaExtractJson, ARunOfOpenBracketsIsScannedOnceNotOncePerBracket) {
  // Quadratic scanning would take minutes here and time the test out.
  std::string text(1'000'000, '[');
  text += "{\"a\": 1}";
  EXPECT_EQ(llm::extract_json(text), (json{{"a", 1}}));
}
