// Generated data encoding: kustomize's base64 line wrapping and UTF-8 detection.
#include "render/kustomize/generator.h"

#include <gtest/gtest.h>

namespace capstan::render::kustomize {
namespace {

TEST(EncodeGeneratedBase64, WrapsAtSeventyCharactersLikeKustomize) {
  struct Case {
    std::string name;
    std::string data;
    std::string want;
  };
  std::string long_input(60, 'a');  // 80 base64 characters
  std::vector<Case> cases = {
      {"short values are not wrapped", "s3cr3t", "czNjcjN0"},
      {"padding", "ab", "YWI="},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(EncodeGeneratedBase64(c.data), c.want);
  }
  std::string wrapped = EncodeGeneratedBase64(long_input);
  // 80 characters: one line of 70, one of 10, each ending in a newline.
  ASSERT_EQ(wrapped.size(), 82u);
  EXPECT_EQ(wrapped[70], '\n');
  EXPECT_EQ(wrapped.back(), '\n');
  // 51 bytes encode to 68 characters (one short line, no newline); 52 bytes to 72.
  EXPECT_EQ(EncodeGeneratedBase64(std::string(51, 'x')).find('\n'), std::string::npos);
  EXPECT_EQ(EncodeGeneratedBase64(std::string(52, 'x')).back(), '\n');
}

TEST(IsValidUtf8, SeparatesTextFromBinary) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8(std::string("\0\x01", 2)));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xE2\x9C\x93"));
  EXPECT_FALSE(IsValidUtf8("\xff\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
}

}  // namespace
}  // namespace capstan::render::kustomize
