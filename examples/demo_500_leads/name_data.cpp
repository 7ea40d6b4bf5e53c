// Name pools of South-African person and company names, and the rule dictionary.
#include "name_data.hpp"

#include <algorithm>
#include <array>

namespace demo {

namespace {

using sv = std::string_view;

// Some spellings are deliberate variants of dictionary entries (DHLAMINI, NKOSY, PILLAI,
// NAIDU, SMYTH, JON, ZOULOU, FERRIERA): the rule lookup misses them, the phonetic match finds them.
constexpr std::array<sv, 32> african_given{
    "MOKGADI", "THABO", "SIPHO", "LERATO", "NOMVULA", "BONGANI", "PALESA", "KAGISO", "TSHEPO", "LINDIWE", "MPHO",
    "ZANELE", "THANDIWE", "KGOTSO", "NALEDI", "SIBUSISO", "DIEMBY", "ANELE", "LWAZI", "REFILWE", "KATLEGO", "NTOMBI",
    "DUMISANI", "ZODWA", "TUMELO", "KHANYISILE", "LESEGO", "OUPA", "VUYO", "XOLANI", "ONKARABILE", "MATSHIDISO"};
constexpr std::array<sv, 40> african_surnames{
    "MOTALE", "LUBAMBO", "DLAMINI", "NKOSI", "MOKOENA", "NDLOVU", "KHUMALO", "MTHEMBU", "MAHLANGU", "SITHOLE",
    "ZULU", "MASEKO", "MOLEFE", "NGCOBO", "BUTHELEZI", "TSHABALALA", "MABASO", "RADEBE", "SHABANGU", "MOKGOSI",
    "MASILELA", "NGUBANE", "MOLOI", "MAKHUBELA", "MAPHOSA", "BALOYI", "CHAUKE", "MATHEBULA", "NETSHIUNGWE",
    "MOTSEPE", "SEKGOBELA", "LETSOALO", "MAPHANGA", "MNGUNI", "DHLAMINI", "NKOSY", "ZOULOU", "MOLEFFE", "SEBOLA",
    "RAMOKGOPA"};
constexpr std::array<sv, 12> afrikaans_given{"JOHANNES", "PIETER", "HENDRIK", "ANNELIE", "MARIETJIE", "WILLEM",
                                              "JACO", "RIAAN", "ELSABE", "FRANS", "GERHARD", "LIEZL"};
constexpr std::array<sv, 12> afrikaans_surnames{"BOTHA", "PRETORIUS", "NEL", "VENTER", "COETZEE", "JOUBERT",
                                                 "STEYN", "KRUGER", "FOURIE", "SWANEPOEL", "VAN DER MERWE", "DU TOIT"};
constexpr std::array<sv, 10> english_given{"JOHN", "SARAH", "MICHAEL", "EMMA", "DAVID",
                                            "JESSICA", "PETER", "RACHEL", "JON", "GRACE"};
constexpr std::array<sv, 10> english_surnames{"SMITH", "TAYLOR", "BROWN", "WILLIAMS", "JONES",
                                               "WILSON", "CAMPBELL", "ANDERSON", "SMYTH", "THOMPSON"};
constexpr std::array<sv, 9> indian_given{"PRIYA", "RAJESH", "ANIL", "SUNITA", "KUMARAN",
                                          "DEVI", "VIKASH", "ASHWIN", "KAVITHA"};
constexpr std::array<sv, 12> indian_surnames{"NAIDOO", "PILLAY", "GOVENDER", "MOODLEY", "REDDY", "SINGH",
                                              "CHETTY", "PATEL", "NAICKER", "MAHARAJ", "PILLAI", "NAIDU"};
constexpr std::array<sv, 6> portuguese_given{"JOAO", "MARIA", "ANTONIO", "MANUEL", "ISABEL", "RUI"};
constexpr std::array<sv, 8> portuguese_surnames{"FERREIRA", "DA SILVA", "PEREIRA", "GONCALVES",
                                                 "RODRIGUES", "DE SOUSA", "FERNANDES", "FERRIERA"};

const std::array<NamePool, 5> pools{{
    {kAfrican, 0.60, african_given, african_surnames},
    {kAfrikaans, 0.15, afrikaans_given, afrikaans_surnames},
    {kEnglish, 0.10, english_given, english_surnames},
    {kIndian, 0.10, indian_given, indian_surnames},
    {kPortuguese, 0.05, portuguese_given, portuguese_surnames},
}};

constexpr std::array<NamePart, 26> dictionary{{
    {"DLAMINI", kAfrican},    {"NKOSI", kAfrican},      {"NDLOVU", kAfrican},   {"KHUMALO", kAfrican},
    {"ZULU", kAfrican},       {"MOLEFE", kAfrican},     {"THABO", kAfrican},    {"SIPHO", kAfrican},
    {"LERATO", kAfrican},     {"BONGANI", kAfrican},    {"NOMVULA", kAfrican},  {"BOTHA", kAfrikaans},
    {"PRETORIUS", kAfrikaans}, {"NEL", kAfrikaans},     {"JOHANNES", kAfrikaans}, {"PIETER", kAfrikaans},
    {"SMITH", kEnglish},      {"JONES", kEnglish},      {"JOHN", kEnglish},     {"SARAH", kEnglish},
    {"NAIDOO", kIndian},      {"PILLAY", kIndian},      {"GOVENDER", kIndian},  {"PRIYA", kIndian},
    {"FERREIRA", kPortuguese}, {"JOAO", kPortuguese},
}};

constexpr std::array<sv, 17> company_words{"(PTY)", "PTY", "LTD", "CC", "INC", "&", "AND", "LOGISTICS",
                                           "TRANSPORT", "FREIGHT", "TRADING", "HOLDINGS", "ENTERPRISES",
                                           "SERVICES", "COURIERS", "HAULAGE", "DISTRIBUTION"};

}  // namespace

std::span<const NamePool> name_pools() noexcept { return pools; }

std::span<const NamePart> rule_dictionary() noexcept { return dictionary; }

bool is_company_word(std::string_view upper_word) noexcept {
  return std::find(company_words.begin(), company_words.end(), upper_word) != company_words.end();
}

std::optional<std::string_view> pool_origin(std::string_view upper_part) noexcept {
  for (const NamePool& pool : pools) {
    for (const auto list : {pool.given_names, pool.surnames}) {
      for (const sv name : list) {
        if (name == upper_part) return pool.origin;
        // Multi-word surnames ("VAN DER MERWE") are known by their last word too.
        const auto space = name.rfind(' ');
        if (space != sv::npos && name.substr(space + 1) == upper_part) return pool.origin;
      }
    }
  }
  return std::nullopt;
}

}  // namespace demo
