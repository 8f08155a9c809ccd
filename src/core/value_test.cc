#include "core/value.h"

#include <gtest/gtest.h>

namespace capstan {
namespace {

TEST(ValueTest, ObjectsKeepInsertionOrderAndReplaceInPlace) {
  Value v;
  v["b"] = 1;
  v["a"] = 2;
  v.Set("b", 3);
  ASSERT_EQ(v.as_object().size(), 2u);
  EXPECT_EQ(v.as_object()[0].first, "b");
  EXPECT_EQ(v.as_object()[0].second, Value(3));
  EXPECT_EQ(v.as_object()[1].first, "a");
}

TEST(ValueTest, EqualityIgnoresKeyOrderButNotArrayOrder) {
  Value a = Value::Object{{"x", 1}, {"y", 2}};
  Value b = Value::Object{{"y", 2}, {"x", 1}};
  EXPECT_EQ(a, b);
  EXPECT_NE(Value(Value::Array{1, 2}), Value(Value::Array{2, 1}));
}

TEST(ValueTest, NumbersCompareByValue) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(true), Value(1));
}

TEST(ValueTest, PathAccessReturnsNullWhenAnyStepIsMissing) {
  Value v;
  v["metadata"]["name"] = "web";
  EXPECT_EQ(v.StringAt({"metadata", "name"}), "web");
  EXPECT_EQ(v.At({"metadata", "labels", "app"}), nullptr);
  EXPECT_EQ(v.StringAt({"spec"}, "none"), "none");
}

TEST(ValueTest, EraseAndNodeCount) {
  Value v = Value::Object{{"a", Value::Array{1, 2, 3}}, {"b", "x"}};
  EXPECT_EQ(v.NodeCount(), 6u);
  EXPECT_TRUE(v.Erase("a"));
  EXPECT_FALSE(v.Erase("a"));
  EXPECT_EQ(v.NodeCount(), 2u);
}

}  // namespace
}  // namespace capstan
