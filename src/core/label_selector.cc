#include "core/label_selector.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace capstan {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) --end;
  return std::string(text.substr(begin, end - begin));
}

// Splits at commas outside parentheses: "a in (x,y),b" -> "a in (x,y)", "b".
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> terms;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      terms.push_back(Trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return terms;
}

Result<LabelSelector::Requirement> ParseSetTerm(const std::string& term, size_t at, size_t length,
                                                LabelSelector::Op op, std::string_view whole) {
  LabelSelector::Requirement requirement{Trim(std::string_view(term).substr(0, at)), op, {}};
  std::string rest = Trim(std::string_view(term).substr(at + length));
  if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
    return Error::Invalid("label selector \"" + std::string(whole) +
                          "\": expected \"(values)\" in \"" + term + "\"");
  }
  for (const std::string& value : SplitTerms(std::string_view(rest).substr(1, rest.size() - 2))) {
    requirement.values.push_back(value);
  }
  return requirement;
}

// " in " / " notin " as words, so a key such as "login" is not mistaken for one.
size_t FindWord(const std::string& term, std::string_view word) {
  for (size_t at = term.find(word); at != std::string::npos; at = term.find(word, at + 1)) {
    bool before = at > 0 && std::isspace(static_cast<unsigned char>(term[at - 1])) != 0;
    size_t after = at + word.size();
    bool next = after < term.size() &&
                (std::isspace(static_cast<unsigned char>(term[after])) != 0 || term[after] == '(');
    if (before && next) return at;
  }
  return std::string::npos;
}

Result<LabelSelector::Requirement> ParseTerm(const std::string& term, std::string_view whole) {
  using Op = LabelSelector::Op;
  if (size_t at = FindWord(term, "notin"); at != std::string::npos) {
    return ParseSetTerm(term, at, 5, Op::kNotIn, whole);
  }
  if (size_t at = FindWord(term, "in"); at != std::string::npos) {
    return ParseSetTerm(term, at, 2, Op::kIn, whole);
  }
  if (size_t at = term.find("!="); at != std::string::npos) {
    return LabelSelector::Requirement{
        Trim(term.substr(0, at)), Op::kNotEquals, {Trim(term.substr(at + 2))}};
  }
  if (size_t at = term.find("=="); at != std::string::npos) {
    return LabelSelector::Requirement{
        Trim(term.substr(0, at)), Op::kEquals, {Trim(term.substr(at + 2))}};
  }
  if (size_t at = term.find('='); at != std::string::npos) {
    return LabelSelector::Requirement{
        Trim(term.substr(0, at)), Op::kEquals, {Trim(term.substr(at + 1))}};
  }
  if (!term.empty() && term.front() == '!') {
    return LabelSelector::Requirement{Trim(term.substr(1)), Op::kDoesNotExist, {}};
  }
  return LabelSelector::Requirement{term, Op::kExists, {}};
}

Result<LabelSelector::Op> OperatorNamed(const Value* op, const std::string& path) {
  std::string_view name = op != nullptr && op->is_string() ? op->as_string() : "";
  if (name == "In") return LabelSelector::Op::kIn;
  if (name == "NotIn") return LabelSelector::Op::kNotIn;
  if (name == "Exists") return LabelSelector::Op::kExists;
  if (name == "DoesNotExist") return LabelSelector::Op::kDoesNotExist;
  return Error::Invalid(path + ".operator: \"" + std::string(name) +
                        "\" is not In, NotIn, Exists or DoesNotExist");
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  if (Trim(text).empty()) return selector;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) {
      return Error::Invalid("label selector \"" + std::string(text) + "\": empty term");
    }
    auto requirement = ParseTerm(term, text);
    if (!requirement.ok()) return std::move(requirement).error();
    if (requirement->key.empty()) {
      return Error::Invalid("label selector \"" + std::string(text) + "\": no key in \"" + term +
                            "\"");
    }
    selector.requirements_.push_back(std::move(*requirement));
  }
  return selector;
}

Result<LabelSelector> LabelSelector::FromValue(const Value& selector) {
  LabelSelector out;
  if (selector.is_null()) return out;
  if (!selector.is_object()) return Error::Invalid("selector: expected a map");
  const Value* match_labels = selector.Find("matchLabels");
  const Value* expressions = selector.Find("matchExpressions");
  if (match_labels == nullptr && expressions == nullptr) {
    match_labels = &selector;  // a Service's selector: a plain map of labels
  }
  if (match_labels != nullptr && !match_labels->is_null()) {
    if (!match_labels->is_object()) return Error::Invalid("matchLabels: expected a map");
    for (const auto& [key, value] : match_labels->as_object()) {
      if (!value.is_string()) {
        return Error::Invalid("matchLabels." + key + ": expected a string");
      }
      out.requirements_.push_back({key, Op::kEquals, {value.as_string()}});
    }
  }
  if (expressions != nullptr && !expressions->is_null()) {
    if (!expressions->is_array()) return Error::Invalid("matchExpressions: expected a list");
    for (size_t i = 0; i < expressions->size(); ++i) {
      const Value& expression = expressions->as_array()[i];
      std::string path = "matchExpressions[" + std::to_string(i) + "]";
      std::string_view key = expression.StringAt({"key"});
      if (key.empty()) return Error::Invalid(path + ".key: required");
      auto op = OperatorNamed(expression.Find("operator"), path);
      if (!op.ok()) return std::move(op).error();
      Requirement requirement{std::string(key), *op, {}};
      if (const Value* values = expression.Find("values");
          values != nullptr && values->is_array()) {
        for (const Value& value : values->as_array()) {
          if (!value.is_string()) return Error::Invalid(path + ".values: expected strings");
          requirement.values.push_back(value.as_string());
        }
      }
      out.requirements_.push_back(std::move(requirement));
    }
  }
  return out;
}

bool LabelSelector::Matches(const Value* labels) const {
  for (const Requirement& requirement : requirements_) {
    const Value* label = labels != nullptr ? labels->Find(requirement.key) : nullptr;
    bool present = label != nullptr && label->is_string();
    const std::string empty;
    const std::string& value = present ? label->as_string() : empty;
    bool listed = std::find(requirement.values.begin(), requirement.values.end(), value) !=
                  requirement.values.end();
    switch (requirement.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!present || !listed) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (present && listed) return false;
        break;
      case Op::kExists:
        if (!present) return false;
        break;
      case Op::kDoesNotExist:
        if (present) return false;
        break;
    }
  }
  return true;
}

}  // namespace capstan
