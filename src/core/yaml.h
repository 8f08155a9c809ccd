// YAML codec: multi-document streams in, deterministic block-style YAML out.
//
// Reading follows what Kubernetes does with a manifest (sigs.k8s.io/yaml over go-yaml v2,
// i.e. YAML 1.1 scalars); docs/yaml.md lists every rule. In short, plain scalars:
//   ~ null Null NULL and the empty scalar      -> null
//   y Y yes Yes YES on On ON true True TRUE     -> true   (n/no/off/false likewise false)
//   42 -7 +3 0x1F 0777 (octal) 0b101 1_000      -> integer
//   1.5 1e3 .5 .inf -.Inf .nan                  -> double
//   anything else, and every quoted scalar      -> string
// Mapping keys become strings the same way Kubernetes does (`true:` -> "true",
// `0777:` -> "511"). Comments are dropped. Anchors and aliases are expanded, bounded by
// YamlOptions::max_alias_nodes; `<<` merge keys are honoured; duplicate keys are an error.
// Every error names the source, line and column: "deploy.yaml:3:7: duplicate key \"name\"".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan {

struct YamlOptions {
  // Largest input accepted, in bytes. Default 32 MiB: about 100,000 typical objects;
  // raising it raises peak memory by roughly 4x the increase.
  size_t max_bytes = 32u << 20;
  // Nodes that alias expansion may add to one stream. Default 1,000,000; a "billion
  // laughs" document hits this in a few milliseconds and is refused.
  size_t max_alias_nodes = 1'000'000;
  // Deepest nesting accepted. Default 200 (real manifests rarely exceed 20).
  size_t max_depth = 200;
};

// One document of a stream and the line it starts on (1-based).
struct YamlDocument {
  Value value;
  int line = 1;
};

// Parses every document of `text`; empty documents are returned as null Values.
// `source` names the input in error messages (usually a file path).
Result<std::vector<YamlDocument>> ParseYamlStream(std::string_view text, std::string_view source,
                                                  const YamlOptions& options = {});

// Parses a stream that must hold at most one document; an empty stream yields null.
Result<Value> ParseYaml(std::string_view text, std::string_view source,
                        const YamlOptions& options = {});

// Resolves a plain (unquoted) scalar by the rules above.
Value ResolvePlainScalar(std::string_view text);

// Emits `value` as block-style YAML ending in a newline: two-space indentation, list
// items at their parent's indentation (as kubectl and kustomize print them), strings
// quoted only where a plain scalar would read back differently, multi-line strings as
// literal blocks. EmitYaml(ParseYaml(EmitYaml(v))) == EmitYaml(v) for every v.
std::string EmitYaml(const Value& value);

// Emits documents separated by "---" lines.
std::string EmitYamlStream(const std::vector<Value>& documents);

}  // namespace capstan
