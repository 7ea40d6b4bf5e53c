// Soundex and Metaphone against published values.
#include <gtest/gtest.h>

#include "phonetic.hpp"

namespace {

TEST(DemoSoundex, KnownValues) {
  // The US National Archives' examples and Knuth's (TAOCP vol. 3).
  EXPECT_EQ(demo::soundex("Robert"), "R163");
  EXPECT_EQ(demo::soundex("Rupert"), "R163");
  EXPECT_EQ(demo::soundex("Rubin"), "R150");
  EXPECT_EQ(demo::soundex("Ashcraft"), "A261");  // H does not separate S and C
  EXPECT_EQ(demo::soundex("Ashcroft"), "A261");
  EXPECT_EQ(demo::soundex("Tymczak"), "T522");
  EXPECT_EQ(demo::soundex("Pfister"), "P236");  // P and F share a code
  EXPECT_EQ(demo::soundex("Honeyman"), "H555");
  EXPECT_EQ(demo::soundex("Euler"), "E460");
  EXPECT_EQ(demo::soundex("Ellery"), "E460");
  EXPECT_EQ(demo::soundex("Gauss"), "G200");
  EXPECT_EQ(demo::soundex("Ghosh"), "G200");
  EXPECT_EQ(demo::soundex("Hilbert"), "H416");
  EXPECT_EQ(demo::soundex("Heilbronn"), "H416");
  EXPECT_EQ(demo::soundex("Knuth"), "K530");
  EXPECT_EQ(demo::soundex("Kant"), "K530");
  EXPECT_EQ(demo::soundex("Lloyd"), "L300");
  EXPECT_EQ(demo::soundex("Ladd"), "L300");
}

TEST(DemoSoundex, CaseAndNonLettersAreIgnored) {
  EXPECT_EQ(demo::soundex("o'brien"), demo::soundex("OBRIEN"));
  EXPECT_EQ(demo::soundex("Lee"), "L000");
  EXPECT_EQ(demo::soundex(""), "");
  EXPECT_EQ(demo::soundex("123 &"), "");
}

TEST(DemoMetaphone, KnownValues) {
  // Values shared by the reference implementations (Text::Metaphone, Apache Commons Codec).
  EXPECT_EQ(demo::metaphone("School"), "SKL");
  EXPECT_EQ(demo::metaphone("Shubert"), "XBRT");
  EXPECT_EQ(demo::metaphone("Bonner"), "BNR");
  EXPECT_EQ(demo::metaphone("Baymore"), "BMR");
  EXPECT_EQ(demo::metaphone("Smith"), "SM0");
  EXPECT_EQ(demo::metaphone("Saneed"), "SNT");
  EXPECT_EQ(demo::metaphone("Aardvark"), "ARTFRK");
  EXPECT_EQ(demo::metaphone("persuade"), "PRST");
  EXPECT_EQ(demo::metaphone("pressed"), "PRST");
  EXPECT_EQ(demo::metaphone("recrudescence"), "RKRTSNS");
  EXPECT_EQ(demo::metaphone("moist"), "MST");
  EXPECT_EQ(demo::metaphone("Gutenberg"), "KTNBRK");
  EXPECT_EQ(demo::metaphone("crapulance"), "KRPLNS");
  EXPECT_EQ(demo::metaphone("Mushrooms"), "MXRMS");
  EXPECT_EQ(demo::metaphone("Avulsion"), "AFLXN");
}

TEST(DemoMetaphone, InitialLetterRules) {
  EXPECT_EQ(demo::metaphone("Knight"), "NT");   // KN-, silent GH
  EXPECT_EQ(demo::metaphone("Wright"), "RT");   // WR-
  EXPECT_EQ(demo::metaphone("Xavier"), "SFR");  // X- is S
  EXPECT_EQ(demo::metaphone("Gnome"), "NM");    // GN-
  EXPECT_EQ(demo::metaphone("Thumb"), "0M");    // TH is 0, -MB silent
  EXPECT_EQ(demo::metaphone(""), "");
}

TEST(DemoPhonetic, SpellingVariantsOfSouthAfricanNamesAgree) {
  EXPECT_EQ(demo::metaphone("DHLAMINI"), demo::metaphone("DLAMINI"));
  EXPECT_EQ(demo::metaphone("NKOSY"), demo::metaphone("NKOSI"));
  EXPECT_EQ(demo::metaphone("PILLAI"), demo::metaphone("PILLAY"));
  EXPECT_EQ(demo::soundex("NAIDU"), demo::soundex("NAIDOO"));
  EXPECT_NE(demo::metaphone("MOTALE"), demo::metaphone("MOLEFE"));
}

}  // namespace
