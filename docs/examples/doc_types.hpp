// The names the documentation's examples use for an item and a result.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

/// A sales lead: the items of the examples' batches.
struct Lead {
  std::string id;
  std::string name;
};

/// What classifying a lead gives: a name origin and how sure the classifier is.
struct Classification {
  std::string label;
  double confidence = 0.0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Classification, label, confidence)

/// What the provider answers about a lead, in the leadscout::llm examples.
struct Label {
  std::string label;
  double confidence = 0.0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Label, label, confidence)
