#include "core/json.h"

#include <gtest/gtest.h>

namespace capstan {
namespace {

TEST(JsonTest, ParseKeepsOrderAndTypes) {
  auto v =
      ParseJson(R"({"b": 1, "a": [true, null, 1.5, "x"], "big": 18446744073709551615})", "t.json");
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->as_object()[0].first, "b");
  EXPECT_TRUE((*v)["a"].as_array()[0].is_bool());
  EXPECT_TRUE((*v)["a"].as_array()[2].is_double());
  EXPECT_TRUE((*v)["big"].is_double());
}

TEST(JsonTest, ErrorsHaveLineAndColumn) {
  auto v = ParseJson("{\n  \"a\": 1,\n  \"b\": }\n", "bad.json");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message().rfind("bad.json:3:", 0), 0u) << v.error().message();
  auto dup = ParseJson(R"({"a": 1, "a": 2})", "dup.json");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("duplicate key \"a\""), std::string::npos);
}

TEST(JsonTest, EmitCompactPrettyAndCanonical) {
  Value v = Value::Object{{"z", 1}, {"a", Value::Array{"x\n", 2.5}}, {"e", Value::Object{}}};
  EXPECT_EQ(EmitJson(v), R"({"z":1,"a":["x\n",2.5],"e":{}})");
  EXPECT_EQ(EmitJson(v, 2),
            "{\n  \"z\": 1,\n  \"a\": [\n    \"x\\n\",\n    2.5\n  ],\n  \"e\": {}\n}");
  EXPECT_EQ(EmitCanonicalJson(v), R"({"a":["x\n",2.5],"e":{},"z":1})");
}

TEST(JsonTest, RoundTrip) {
  const char* text = R"({"s":"\u0001é","n":-3,"d":0.1,"l":[[],{}],"t":false})";
  auto v = ParseJson(text, "rt.json");
  ASSERT_TRUE(v.ok());
  auto again = ParseJson(EmitJson(*v), "rt2.json");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v);
}

}  // namespace
}  // namespace capstan
