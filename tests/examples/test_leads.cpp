// The CSV reader and the name generator.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "leads.hpp"
#include "utils.hpp"

namespace {

std::vector<demo::Lead> parse(const std::string& text) {
  std::istringstream in(text);
  return demo::parse_leads_csv(in, "leads.csv");
}

/// The CsvError message for `text`; empty when it parses.
std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const demo::CsvError& e) {
    return e.what();
  }
  return {};
}

TEST(DemoCsv, ReadsAGoodFile) {
  const auto leads = parse("id,name\nlead-1,MOKGADI MOTALE\r\nlead-2,DIEMBY LUBAMBO\n\nlead-3,NALEDI NKOSI");
  ASSERT_EQ(leads.size(), 3u);
  EXPECT_EQ(leads[0].id, "lead-1");
  EXPECT_EQ(leads[0].name, "MOKGADI MOTALE");
  EXPECT_EQ(leads[1].name, "DIEMBY LUBAMBO");  // CRLF handled
  EXPECT_EQ(leads[2].id, "lead-3");            // blank line skipped, no final newline
}

TEST(DemoCsv, QuotedFieldsWithCommasQuotesAndNewlines) {
  const auto leads = parse(
      "\xEF\xBB\xBFname,city,id\n"
      "\"MOTALE LOGISTICS, (PTY) LTD\",Polokwane,7\n"
      "\"THE \"\"BIG\"\" TRUCK CC\",Durban,8\n"
      "\"TWO\nLINES\",\"Cape Town\",9\n");
  ASSERT_EQ(leads.size(), 3u);
  EXPECT_EQ(leads[0].id, "7");
  EXPECT_EQ(leads[0].name, "MOTALE LOGISTICS, (PTY) LTD");
  EXPECT_EQ(leads[1].name, "THE \"BIG\" TRUCK CC");
  EXPECT_EQ(leads[2].name, "TWO\nLINES");
}

TEST(DemoCsv, BadRowNamesItsLineNumber) {
  EXPECT_EQ(error_of("id,name\na,ONE\nb,TWO\nc,THREE,EXTRA\nd,FOUR\n"),
            "leads.csv:4: expected 2 fields like the header, got 3");
  // Lines are counted through quoted newlines.
  EXPECT_EQ(error_of("id,name\na,\"X\nY\"\nb\n"), "leads.csv:4: expected 2 fields like the header, got 1");
  EXPECT_EQ(error_of("id,name\na,ONE\n,TWO\n"), "leads.csv:3: empty id");
  EXPECT_EQ(error_of("id,name\na,ONE\na,TWO\n"), "leads.csv:3: duplicate id a (first on line 2)");
  EXPECT_EQ(error_of("id,name\na,\"ONE\n"), "leads.csv:2: unterminated quoted field");
  EXPECT_EQ(error_of("id,name\na,ONE\"X\"\n"),
            "leads.csv:2: a quote inside an unquoted field (quote the whole field and double inner quotes)");
  EXPECT_EQ(error_of("id,title\na,ONE\n"), "leads.csv:1: the header needs the columns id and name");
  EXPECT_EQ(error_of(""), "leads.csv:1: empty file; expected a header id,name");
}

TEST(DemoCsv, ErrorCarriesTheLine) {
  try {
    (void)parse("id,name\n\n\nx,\n");
    FAIL() << "no error";
  } catch (const demo::CsvError& e) {
    EXPECT_EQ(e.line(), 4u);
  }
}

TEST(DemoCsv, ReadsAFileAndReportsAMissingOne) {
  leadscout::test::TempDir dir;
  {
    std::ofstream out(dir / "leads.csv");
    out << "id,name\n1,SIPHO DLAMINI\n";
  }
  const auto leads = demo::read_leads_csv(dir / "leads.csv");
  ASSERT_EQ(leads.size(), 1u);
  EXPECT_EQ(leads[0].name, "SIPHO DLAMINI");
  EXPECT_THROW((void)demo::read_leads_csv(dir / "missing.csv"), demo::CsvError);
}

TEST(DemoGenerator, IsDeterministicForASeed) {
  const auto a = demo::generate_leads(200, 7);
  const auto b = demo::generate_leads(200, 7);
  const auto c = demo::generate_leads(200, 8);
  ASSERT_EQ(a.size(), 200u);
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].name, b[i].name);
    differs = differs || a[i].name != c[i].name;
  }
  EXPECT_TRUE(differs) << "another seed should give other names";
  // A longer list starts with the same leads.
  const auto longer = demo::generate_leads(300, 7);
  EXPECT_EQ(longer[199].name, a[199].name);
}

TEST(DemoGenerator, UniqueIdsAndSouthAfricanNames) {
  const auto leads = demo::generate_leads(500, 42);
  std::set<std::string> ids;
  std::size_t companies = 0;
  for (const auto& lead : leads) {
    ids.insert(lead.id);
    EXPECT_FALSE(lead.name.empty());
    if (lead.name.find("(PTY) LTD") != std::string::npos || lead.name.find(" CC") != std::string::npos) ++companies;
  }
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(leads.front().id, "lead-0001");
  EXPECT_EQ(leads.back().id, "lead-0500");
  EXPECT_GT(companies, 20u);
  EXPECT_EQ(demo::generate_leads(12345, 1).back().id, "lead-12345");
}

}  // namespace

namespace {

TEST(DemoGenerator, RepeatsNamesAsRealListsDo) {
  const auto leads = demo::generate_leads(1000, 42);
  std::set<std::string> names;
  for (const auto& lead : leads) names.insert(lead.name);
  EXPECT_LT(names.size(), 900U) << "about one lead in seven repeats an earlier name";
  EXPECT_GT(names.size(), 500U);
}

}  // namespace
