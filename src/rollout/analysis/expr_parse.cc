// Precedence climbing over expr-lang's operator table, so that a condition groups the
// way it does in Argo Rollouts: `!a == b` is `(!a) == b`, `-a ** 2` is `-(a ** 2)`,
// `0 < x < 1` is `0 < x && x < 1`.
#include <optional>
#include <string>

#include "rollout/analysis/internal/expr_lexer.h"
#include "rollout/analysis/internal/expr_program.h"

namespace capstan::rollout::analysis::internal {
namespace {

struct BinaryOperator {
  std::string_view text;
  Op op;
  int precedence;
  bool right_associative = false;
};

// expr-lang's binary operators (parser/operator/operator.go) that capstan evaluates.
constexpr BinaryOperator kBinary[] = {
    {"or", Op::kOr, 10},
    {"||", Op::kOr, 10},
    {"and", Op::kAnd, 15},
    {"&&", Op::kAnd, 15},
    {"==", Op::kEqual, 20},
    {"!=", Op::kNotEqual, 20},
    {"<", Op::kLess, 20},
    {">", Op::kGreater, 20},
    {"<=", Op::kLessEqual, 20},
    {">=", Op::kGreaterEqual, 20},
    {"in", Op::kIn, 20},
    {"contains", Op::kContains, 20},
    {"startsWith", Op::kStartsWith, 20},
    {"endsWith", Op::kEndsWith, 20},
    {"+", Op::kAdd, 30},
    {"-", Op::kSubtract, 30},
    {"*", Op::kMultiply, 60},
    {"/", Op::kDivide, 60},
    {"%", Op::kModulo, 60},
    {"**", Op::kPower, 100, true},
    {"^", Op::kPower, 100, true},
    {"??", Op::kCoalesce, 500},
};
// expr-lang operators capstan refuses with a clear message rather than misread.
constexpr std::string_view kUnsupportedBinary[] = {"matches", "..", "|"};

constexpr int kNotPrecedence = 50;   // `!` and `not`
constexpr int kSignPrecedence = 90;  // unary `-` and `+`

struct BuiltinInfo {
  std::string_view name;
  Builtin builtin;
  uint32_t min_args;
  uint32_t max_args;  // UINT32_MAX: any number
  bool predicate;     // the second argument is evaluated per element with `#`
};

constexpr BuiltinInfo kBuiltins[] = {
    {"len", Builtin::kLen, 1, 1, false},          {"isNaN", Builtin::kIsNaN, 1, 1, false},
    {"isInf", Builtin::kIsInf, 1, 1, false},      {"isNil", Builtin::kIsNil, 1, 1, false},
    {"default", Builtin::kDefault, 2, 2, false},  {"asInt", Builtin::kAsInt, 1, 1, false},
    {"asFloat", Builtin::kAsFloat, 1, 1, false},  {"int", Builtin::kInt, 1, 1, false},
    {"float", Builtin::kFloat, 1, 1, false},      {"string", Builtin::kString, 1, 1, false},
    {"abs", Builtin::kAbs, 1, 1, false},          {"min", Builtin::kMin, 1, UINT32_MAX, false},
    {"max", Builtin::kMax, 1, UINT32_MAX, false}, {"sum", Builtin::kSum, 1, 1, false},
    {"mean", Builtin::kMean, 1, 1, false},        {"all", Builtin::kAll, 2, 2, true},
    {"any", Builtin::kAny, 2, 2, true},           {"none", Builtin::kNone, 2, 2, true},
    {"one", Builtin::kOne, 2, 2, true},           {"filter", Builtin::kFilter, 2, 2, true},
    {"map", Builtin::kMap, 2, 2, true},           {"count", Builtin::kCount, 2, 2, true},
};

const BinaryOperator* FindBinary(const Token& token) {
  if (token.kind != TokenKind::kOperator && token.kind != TokenKind::kIdentifier) return nullptr;
  for (const BinaryOperator& op : kBinary) {
    if (op.text == token.text) return &op;
  }
  return nullptr;
}

bool IsOrdering(Op op) {
  return op == Op::kLess || op == Op::kLessEqual || op == Op::kGreater || op == Op::kGreaterEqual;
}

std::string Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of expression";
  return "\"" + std::string(token.text) + "\"";
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Program& program) : tokens_(tokens), program_(program) {}

  Status Run() {
    program_.root = Expression(0);
    if (!error_ && Current().kind != TokenKind::kEnd)
      Fail(Current(), "unexpected " + Describe(Current()));
    if (error_) return *error_;
    return OkStatus();
  }

 private:
  const Token& Current() const { return tokens_[pos_]; }
  const Token& Peek() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  void Next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool Is(std::string_view text) const {
    const Token& token = Current();
    return (token.kind == TokenKind::kOperator || token.kind == TokenKind::kIdentifier) &&
           token.text == text;
  }

  int32_t Fail(const Token& token, const std::string& message) {
    if (!error_) {
      error_ = Error::Invalid("column " + std::to_string(token.column) + ": " + message);
    }
    return -1;
  }

  bool Expect(std::string_view text) {
    if (Is(text)) {
      Next();
      return true;
    }
    Fail(Current(), "expected \"" + std::string(text) + "\", found " + Describe(Current()));
    return false;
  }

  int32_t Add(Node node) {
    program_.nodes.push_back(std::move(node));
    return static_cast<int32_t>(program_.nodes.size() - 1);
  }
  int32_t AddBinary(Op op, uint32_t column, int32_t a, int32_t b) {
    Node node;
    node.op = op;
    node.column = column;
    node.a = a;
    node.b = b;
    return Add(std::move(node));
  }

  // Bounds the recursion of parsing (and so of evaluation, which follows the tree).
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) { ++parser.depth_; }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };
  bool TooDeep() {
    if (depth_ <= program_.limits.max_depth) return false;
    Fail(Current(), "expression nested too deeply (more than " +
                        std::to_string(program_.limits.max_depth) + " levels)");
    return true;
  }

  int32_t Expression(int precedence) {
    DepthGuard guard(*this);
    if (TooDeep()) return -1;
    int32_t left = Primary();
    while (!error_) {
      const Token& token = Current();
      bool negate = false;
      const BinaryOperator* op = nullptr;
      if (token.kind == TokenKind::kIdentifier && token.text == "not") {
        // `not in`, `not contains`, ...: a negated binary operator.
        const BinaryOperator* suffix = FindBinary(Peek());
        if (suffix == nullptr || suffix->precedence != 20 || suffix->text.front() == '<' ||
            suffix->text.front() == '>' || suffix->text.front() == '=' ||
            suffix->text.front() == '!') {
          return Fail(Peek(), "unexpected " + Describe(Peek()) + " after \"not\"");
        }
        if (suffix->precedence < precedence) break;
        negate = true;
        op = suffix;
        Next();
      } else {
        for (std::string_view unsupported : kUnsupportedBinary) {
          if ((token.kind == TokenKind::kOperator || token.kind == TokenKind::kIdentifier) &&
              token.text == unsupported) {
            return Fail(token, "operator \"" + std::string(unsupported) +
                                   "\" is not supported (docs/analysis.md lists the language)");
          }
        }
        op = FindBinary(token);
        if (op == nullptr || op->precedence < precedence) break;
      }
      const Token& op_token = Current();
      uint32_t column = op_token.column;
      Next();
      if (IsOrdering(op->op)) {
        left = Comparison(left, op->op, column, op->precedence);
        continue;
      }
      int32_t right = Expression(op->right_associative ? op->precedence : op->precedence + 1);
      if (error_) return -1;
      left = AddBinary(op->op, column, left, right);
      if (negate) {
        Node node;
        node.op = Op::kNot;
        node.column = column;
        node.a = left;
        left = Add(std::move(node));
      }
    }
    if (error_) return -1;
    if (precedence == 0) left = Conditional(left);
    return left;
  }

  // `a < b < c` reads as `a < b && b < c`, as in expr-lang.
  int32_t Comparison(int32_t left, Op op, uint32_t column, int precedence) {
    int32_t root = -1;
    while (true) {
      int32_t right = Expression(precedence + 1);
      if (error_) return -1;
      int32_t comparison = AddBinary(op, column, left, right);
      root = root < 0 ? comparison : AddBinary(Op::kAnd, column, root, comparison);
      const BinaryOperator* next = FindBinary(Current());
      if (next == nullptr || !IsOrdering(next->op)) return root;
      op = next->op;
      column = Current().column;
      Next();
      left = right;
    }
  }

  int32_t Conditional(int32_t condition) {
    while (!error_ && Is("?")) {
      uint32_t column = Current().column;
      Next();
      int32_t then_node;
      int32_t else_node;
      if (Is(":")) {  // `a ?: b`
        Next();
        then_node = condition;
        else_node = Expression(0);
      } else {
        then_node = Expression(0);
        if (!Expect(":")) return -1;
        else_node = Expression(0);
      }
      if (error_) return -1;
      Node node;
      node.op = Op::kTernary;
      node.column = column;
      node.a = condition;
      node.b = then_node;
      node.c = else_node;
      condition = Add(std::move(node));
    }
    return condition;
  }

  int32_t Primary() {
    DepthGuard guard(*this);
    if (TooDeep()) return -1;
    const Token& token = Current();
    if (Is("!") || Is("not") || Is("-") || Is("+")) {
      bool is_not = token.text == "!" || token.text == "not";
      Node node;
      node.op = is_not ? Op::kNot : token.text == "-" ? Op::kNegate : Op::kPlus;
      node.column = token.column;
      Next();
      node.a = Expression(is_not ? kNotPrecedence : kSignPrecedence);
      if (error_) return -1;
      return Postfix(Add(std::move(node)));
    }
    if (Is("(")) {
      Next();
      int32_t inner = Expression(0);
      if (error_ || !Expect(")")) return -1;
      return Postfix(inner);
    }
    if (predicate_depth_ > 0 && (Is("#") || (Is(".") && Peek().kind == TokenKind::kIdentifier))) {
      Node pointer;
      pointer.op = Op::kPointer;
      pointer.column = token.column;
      if (Is("#")) {
        if (Peek().kind == TokenKind::kIdentifier && Peek().column == token.column + 1) {
          return Fail(Peek(), "#" + std::string(Peek().text) + " is not supported; use #");
        }
        Next();
      }
      // `.field` alone is `#.field`: the dot is left for Postfix.
      return Postfix(Add(std::move(pointer)));
    }
    return Postfix(Secondary());
  }

  int32_t Secondary() {
    const Token& token = Current();
    Node node;
    node.column = token.column;
    switch (token.kind) {
      case TokenKind::kNumber:
      case TokenKind::kString:
        node.op = Op::kLiteral;
        node.literal = token.value;
        Next();
        return Add(std::move(node));
      case TokenKind::kIdentifier:
        return Identifier();
      case TokenKind::kEnd:
        return Fail(token, "unexpected end of expression");
      case TokenKind::kOperator:
        break;
    }
    if (Is("[")) {
      Next();
      std::vector<int32_t> items;
      while (!Is("]")) {
        items.push_back(Expression(0));
        if (error_) return -1;
        if (Is(",")) {
          Next();
        } else if (!Is("]")) {
          return Fail(Current(), "expected \",\" or \"]\", found " + Describe(Current()));
        }
      }
      Next();
      node.op = Op::kArray;
      node.args_begin = static_cast<uint32_t>(program_.args.size());
      node.args_count = static_cast<uint32_t>(items.size());
      program_.args.insert(program_.args.end(), items.begin(), items.end());
      return Add(std::move(node));
    }
    if (Is("{")) return Fail(token, "map literals are not supported");
    if (Is("#")) return Fail(token, "# is only meaningful inside all(), any(), filter(), ...");
    return Fail(token, "unexpected " + Describe(token));
  }

  int32_t Identifier() {
    const Token& token = Current();
    Node node;
    node.column = token.column;
    std::string_view name = token.text;
    if (name == "true" || name == "false") {
      node.op = Op::kLiteral;
      node.literal = name == "true";
      Next();
      return Add(std::move(node));
    }
    if (name == "nil") {
      node.op = Op::kLiteral;
      Next();
      return Add(std::move(node));
    }
    if (name == "result") {
      node.op = Op::kResult;
      Next();
      return Add(std::move(node));
    }
    const BuiltinInfo* info = nullptr;
    for (const BuiltinInfo& builtin : kBuiltins) {
      if (builtin.name == name) info = &builtin;
    }
    if (info == nullptr) return Fail(token, "unknown name \"" + std::string(name) + "\"");
    Next();
    if (!Is("(")) {
      return Fail(token,
                  std::string(name) + " is a function: call it as " + std::string(name) + "(...)");
    }
    Next();
    std::vector<int32_t> args;
    while (!Is(")")) {
      bool predicate = info->predicate && args.size() == 1;
      if (predicate) ++predicate_depth_;
      int32_t arg;
      if (predicate && Is("{")) {
        Next();
        arg = Expression(0);
        if (!error_) Expect("}");
      } else {
        arg = Expression(0);
      }
      if (predicate) --predicate_depth_;
      if (error_) return -1;
      args.push_back(arg);
      if (Is(",")) {
        Next();
      } else if (!Is(")")) {
        return Fail(Current(), "expected \",\" or \")\", found " + Describe(Current()));
      }
    }
    Next();
    if (args.size() < info->min_args || args.size() > info->max_args) {
      std::string wanted = info->min_args == info->max_args
                               ? std::to_string(info->min_args)
                               : "at least " + std::to_string(info->min_args);
      return Fail(token, std::string(name) + "() takes " + wanted + " argument" +
                             (info->min_args == 1 && info->max_args == 1 ? "" : "s") + ", got " +
                             std::to_string(args.size()));
    }
    node.op = Op::kCall;
    node.builtin = info->builtin;
    node.args_begin = static_cast<uint32_t>(program_.args.size());
    node.args_count = static_cast<uint32_t>(args.size());
    program_.args.insert(program_.args.end(), args.begin(), args.end());
    return Add(std::move(node));
  }

  int32_t Postfix(int32_t node_index) {
    while (!error_ && node_index >= 0) {
      if (Is(".") || Is("?.")) {
        bool optional = Current().text == "?.";
        uint32_t column = Current().column;
        Next();
        if (Current().kind != TokenKind::kIdentifier) {
          return Fail(Current(), "expected a field name after \".\", found " + Describe(Current()));
        }
        Node node;
        node.op = Op::kMember;
        node.optional = optional;
        node.column = column;
        node.a = node_index;
        node.literal = std::string(Current().text);
        Next();
        if (Is("(")) return Fail(Current(), "method calls are not supported");
        node_index = Add(std::move(node));
      } else if (Is("[")) {
        uint32_t column = Current().column;
        Next();
        if (Is(":")) return Fail(Current(), "slices are not supported");
        int32_t index = Expression(0);
        if (error_) return -1;
        if (Is(":")) return Fail(Current(), "slices are not supported");
        if (!Expect("]")) return -1;
        node_index = AddBinary(Op::kIndex, column, node_index, index);
      } else {
        break;
      }
    }
    return error_ ? -1 : node_index;
  }

  const std::vector<Token>& tokens_;
  Program& program_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  int predicate_depth_ = 0;
  std::optional<Error> error_;
};

}  // namespace

Result<Program> ParseProgram(std::string_view text, const ExpressionLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Error::Invalid("expression is " + std::to_string(text.size()) +
                          " bytes long, more than the limit of " +
                          std::to_string(limits.max_bytes));
  }
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return std::move(tokens).error();
  if (tokens->size() == 1) return Error::Invalid("column 1: empty expression");
  Program program;
  program.text = std::string(text);
  program.limits = limits;
  Parser parser(*tokens, program);
  CAPSTAN_TRY(parser.Run());
  return program;
}

}  // namespace capstan::rollout::analysis::internal
