// YAML reading through libyaml's event parser. The tree is built with an explicit stack so
// that depth is bounded by YamlOptions rather than by the C++ call stack.
#include <fmt/format.h>
#include <yaml.h>

#include <map>
#include <memory>
#include <unordered_set>

#include "core/yaml.h"

namespace capstan {
namespace {

constexpr size_t kLinearKeyScanLimit = 16;  // above this, duplicate checks use a hash set

struct Mark {
  int line = 0;
  int column = 0;
};

Mark MarkOf(const yaml_mark_t& mark) {
  return {static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
}

// A mapping or sequence under construction.
struct Frame {
  Value node;
  std::string anchor;
  bool is_mapping = false;
  bool have_key = false;
  bool key_is_merge = false;
  std::string key;
  Mark key_mark;
  std::vector<Value> merges;  // sources of `<<` keys, applied when the mapping closes
  std::unique_ptr<std::unordered_set<std::string>> seen_keys;
};

class StreamBuilder {
 public:
  StreamBuilder(std::string_view source, const YamlOptions& options)
      : source_(source), options_(options) {}

  Result<std::vector<YamlDocument>> Run(std::string_view text) {
    if (text.size() > options_.max_bytes) {
      return Error::Invalid(fmt::format("{}: {} bytes is over the limit of {} bytes", source_,
                                        text.size(), options_.max_bytes));
    }
    yaml_parser_t parser;
    if (yaml_parser_initialize(&parser) == 0) return Error::Internal("yaml parser init failed");
    std::unique_ptr<yaml_parser_t, decltype(&yaml_parser_delete)> guard(&parser,
                                                                        &yaml_parser_delete);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    for (;;) {
      yaml_event_t event;
      if (yaml_parser_parse(&parser, &event) == 0) return ParserError(parser);
      std::unique_ptr<yaml_event_t, decltype(&yaml_event_delete)> event_guard(&event,
                                                                              &yaml_event_delete);
      if (event.type == YAML_STREAM_END_EVENT) break;
      Status status = Handle(event);
      if (!status.ok()) return std::move(status).error();
    }
    return std::move(documents_);
  }

 private:
  Error ParserError(const yaml_parser_t& parser) const {
    Mark mark = MarkOf(parser.problem_mark);
    std::string problem = parser.problem != nullptr ? parser.problem : "malformed YAML";
    if (parser.context != nullptr) problem = fmt::format("{} {}", problem, parser.context);
    return Error::Invalid(fmt::format("{}:{}:{}: {}", source_, mark.line, mark.column, problem));
  }

  Error At(const yaml_event_t& event, std::string_view what) const {
    Mark mark = MarkOf(event.start_mark);
    return Error::Invalid(fmt::format("{}:{}:{}: {}", source_, mark.line, mark.column, what));
  }

  static std::string AnchorOf(const yaml_char_t* anchor) {
    return anchor != nullptr ? reinterpret_cast<const char*>(anchor) : std::string();
  }

  Status Handle(const yaml_event_t& event) {
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        document_line_ = MarkOf(event.start_mark).line;
        anchors_.clear();
        return OkStatus();
      case YAML_DOCUMENT_END_EVENT:
        documents_.push_back({std::move(document_), document_line_});
        document_ = Value();
        return OkStatus();
      case YAML_MAPPING_START_EVENT:
      case YAML_SEQUENCE_START_EVENT: {
        if (stack_.size() >= options_.max_depth) {
          return At(event, fmt::format("nesting deeper than {} levels", options_.max_depth));
        }
        if (ExpectingKey()) return At(event, "a map or list used as a map key is not supported");
        Frame frame;
        frame.is_mapping = event.type == YAML_MAPPING_START_EVENT;
        frame.node = frame.is_mapping ? Value::MakeObject() : Value::MakeArray();
        frame.anchor = AnchorOf(frame.is_mapping ? event.data.mapping_start.anchor
                                                 : event.data.sequence_start.anchor);
        stack_.push_back(std::move(frame));
        return OkStatus();
      }
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT: {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        if (frame.is_mapping) ApplyMerges(frame);
        if (!frame.anchor.empty()) Remember(frame.anchor, frame.node);
        return Place(event, std::move(frame.node), false);
      }
      case YAML_SCALAR_EVENT:
        return HandleScalar(event);
      case YAML_ALIAS_EVENT: {
        std::string name = AnchorOf(event.data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) return At(event, fmt::format("unknown alias *{}", name));
        alias_nodes_ += it->second.second;
        if (alias_nodes_ > options_.max_alias_nodes) {
          return At(event, fmt::format("aliases expand to more than {} nodes; refusing a "
                                       "document that grows exponentially (\"billion laughs\")",
                                       options_.max_alias_nodes));
        }
        return Place(event, it->second.first, false);
      }
      default:
        return OkStatus();
    }
  }

  Status HandleScalar(const yaml_event_t& event) {
    const auto& scalar = event.data.scalar;
    std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    std::string_view tag =
        scalar.tag != nullptr ? reinterpret_cast<const char*>(scalar.tag) : std::string_view();
    bool plain = scalar.style == YAML_PLAIN_SCALAR_STYLE;
    Value value;
    if (tag == "tag:yaml.org,2002:str" || (!plain && tag.empty()) ||
        tag == "tag:yaml.org,2002:binary") {
      value = Value(text);
    } else {
      value = ResolvePlainScalar(text);
      Status checked = CheckTag(event, tag, value);
      if (!checked.ok()) return checked;
    }
    std::string anchor = AnchorOf(scalar.anchor);
    if (!anchor.empty()) Remember(anchor, value);
    bool merge_key = plain && text == "<<" && tag.empty();
    return Place(event, std::move(value), merge_key);
  }

  Status CheckTag(const yaml_event_t& event, std::string_view tag, const Value& value) const {
    auto mismatch = [&](std::string_view want) -> Status {
      return At(event, fmt::format("value tagged {} is not a valid {}", tag, want));
    };
    if (tag == "tag:yaml.org,2002:int" && !value.is_int()) return mismatch("integer");
    if (tag == "tag:yaml.org,2002:float" && !value.is_number()) return mismatch("number");
    if (tag == "tag:yaml.org,2002:bool" && !value.is_bool()) return mismatch("boolean");
    if (tag == "tag:yaml.org,2002:null" && !value.is_null()) return mismatch("null");
    return OkStatus();
  }

  void Remember(const std::string& anchor, const Value& value) {
    anchors_[anchor] = {value, value.NodeCount()};
  }

  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().is_mapping && !stack_.back().have_key;
  }

  // Puts a finished node where it belongs: as the document, a list element, a map key or
  // a map value.
  Status Place(const yaml_event_t& event, Value value, bool merge_key) {
    if (stack_.empty()) {
      document_ = std::move(value);
      return OkStatus();
    }
    Frame& top = stack_.back();
    if (!top.is_mapping) {
      top.node.as_array().push_back(std::move(value));
      return OkStatus();
    }
    if (!top.have_key) return TakeKey(event, top, value, merge_key);
    top.have_key = false;
    if (top.key_is_merge) {
      return AddMergeSource(event, top, std::move(value));
    }
    top.node.as_object().emplace_back(std::move(top.key), std::move(value));
    return OkStatus();
  }

  Status TakeKey(const yaml_event_t& event, Frame& top, const Value& key, bool merge_key) {
    if (key.is_array() || key.is_object()) {
      return At(event, "a map or list used as a map key is not supported");
    }
    top.have_key = true;
    top.key_is_merge = merge_key;
    top.key_mark = MarkOf(event.start_mark);
    if (merge_key) return OkStatus();
    top.key = KeyString(key);
    if (IsDuplicate(top, top.key)) {
      return At(event, fmt::format("duplicate key \"{}\"", top.key));
    }
    return OkStatus();
  }

  static bool IsDuplicate(Frame& frame, const std::string& key) {
    auto& members = frame.node.as_object();
    if (frame.seen_keys == nullptr && members.size() < kLinearKeyScanLimit) {
      for (const auto& member : members) {
        if (member.first == key) return true;
      }
      return false;
    }
    if (frame.seen_keys == nullptr) {
      frame.seen_keys = std::make_unique<std::unordered_set<std::string>>();
      for (const auto& member : members) frame.seen_keys->insert(member.first);
    }
    return !frame.seen_keys->insert(key).second;
  }

  // Kubernetes turns non-string keys into their JSON text.
  static std::string KeyString(const Value& key) {
    switch (key.type()) {
      case Value::Type::kString:
        return key.as_string();
      case Value::Type::kNull:
        return "null";
      case Value::Type::kBool:
        return key.as_bool() ? "true" : "false";
      case Value::Type::kInt:
        return std::to_string(key.as_int());
      default:
        return fmt::format("{}", key.as_double());
    }
  }

  Status AddMergeSource(const yaml_event_t& event, Frame& top, Value source) {
    if (source.is_object()) {
      top.merges.push_back(std::move(source));
      return OkStatus();
    }
    if (source.is_array()) {
      for (Value& item : source.as_array()) {
        if (!item.is_object()) return At(event, "a << merge list may hold only maps");
        top.merges.push_back(std::move(item));
      }
      return OkStatus();
    }
    return At(event, "the value of a << merge key must be a map or a list of maps");
  }

  // Explicit keys win over merged ones; among merge sources the first wins.
  static void ApplyMerges(Frame& frame) {
    for (Value& source : frame.merges) {
      for (auto& [key, value] : source.as_object()) {
        if (!frame.node.Contains(key)) frame.node.as_object().emplace_back(key, std::move(value));
      }
    }
  }

  std::string_view source_;
  const YamlOptions& options_;
  std::vector<YamlDocument> documents_;
  Value document_;
  int document_line_ = 1;
  std::vector<Frame> stack_;
  std::map<std::string, std::pair<Value, size_t>> anchors_;
  size_t alias_nodes_ = 0;
};

}  // namespace

Result<std::vector<YamlDocument>> ParseYamlStream(std::string_view text, std::string_view source,
                                                  const YamlOptions& options) {
  return StreamBuilder(source, options).Run(text);
}

Result<Value> ParseYaml(std::string_view text, std::string_view source,
                        const YamlOptions& options) {
  auto documents = ParseYamlStream(text, source, options);
  if (!documents.ok()) return std::move(documents).error();
  if (documents->empty()) return Value();
  if (documents->size() > 1) {
    return Error::Invalid(fmt::format("{}:{}: expected one YAML document, found {}", source,
                                      (*documents)[1].line, documents->size()));
  }
  return std::move((*documents)[0].value);
}

}  // namespace capstan
