#include <fmt/format.h>

#include "core/yaml.h"
#include "render/internal/generators.h"
#include "render/internal/helm.h"

namespace capstan::render {
namespace {

constexpr std::string_view kSourceComment = "# Source: ";

bool IsSeparator(std::string_view line) {
  if (!line.starts_with("---")) return false;
  line.remove_prefix(3);
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// One document as helm printed it: the template it came from and its text.
struct Chunk {
  std::string source;
  std::string text;
};

Status AppendChunk(const Chunk& chunk, const SourceMap& sources, std::vector<Manifest>& out) {
  if (chunk.text.find_first_not_of(" \t\r\n") == std::string::npos) return OkStatus();
  std::string source = chunk.source.empty() ? "helm output" : sources.Map(chunk.source);
  auto documents = ParseYamlStream(chunk.text, source);
  if (!documents.ok()) return std::move(documents).error();
  return AppendDocuments(*documents, source, out);
}

}  // namespace

Result<std::vector<Manifest>> ParseHelmOutput(std::string_view output, const SourceMap& sources) {
  std::vector<Manifest> manifests;
  Chunk chunk;
  while (!output.empty()) {
    size_t end = output.find('\n');
    std::string_view line = output.substr(0, end);
    output.remove_prefix(end == std::string_view::npos ? output.size() : end + 1);
    if (IsSeparator(line)) {
      CAPSTAN_TRY(AppendChunk(chunk, sources, manifests));
      chunk = Chunk{};
      continue;
    }
    if (chunk.source.empty() && line.starts_with(kSourceComment)) {
      chunk.source = line.substr(kSourceComment.size());
      while (!chunk.source.empty() &&
             std::isspace(static_cast<unsigned char>(chunk.source.back()))) {
        chunk.source.pop_back();
      }
    }
    chunk.text.append(line);
    chunk.text.push_back('\n');
  }
  CAPSTAN_TRY(AppendChunk(chunk, sources, manifests));
  return manifests;
}

}  // namespace capstan::render
