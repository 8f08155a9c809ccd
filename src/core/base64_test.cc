#include "core/base64.h"

#include <gtest/gtest.h>

#include <vector>

namespace capstan {
namespace {

TEST(Base64, RoundTripsEveryLengthModThree) {
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto decoded = Base64Decode(Base64Encode(text));
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(Base64Encode("capstan"), "Y2Fwc3Rhbg==");
}

TEST(Base64, SkipsLineBreaksAndRefusesWhatIsNotBase64) {
  EXPECT_EQ(Base64Decode("Y2Fw\nc3Rh\nbg==\n"), "capstan");
  EXPECT_FALSE(Base64Decode("not*base64").has_value());
  EXPECT_FALSE(Base64Decode("Y2Fwc3Rhbg=").has_value()) << "length not a multiple of four";
  EXPECT_FALSE(Base64Decode("Y2=w").has_value()) << "padding only at the end";
}

}  // namespace
}  // namespace capstan
