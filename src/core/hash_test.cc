#include "core/hash.h"

#include <gtest/gtest.h>

namespace capstan {
namespace {

TEST(HashTest, Sha256KnownAnswer) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTest, ContentHashIgnoresKeyOrderButNotValues) {
  Value a = Value::Object{{"x", 1}, {"y", "two"}};
  Value b = Value::Object{{"y", "two"}, {"x", 1}};
  Value c = Value::Object{{"y", "two"}, {"x", 2}};
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  EXPECT_NE(ContentHash(a), ContentHash(c));
}

}  // namespace
}  // namespace capstan
