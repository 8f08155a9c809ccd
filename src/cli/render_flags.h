// The flags that say what to render and how, shared by every command that renders a source
// tree (`capstan render`, `capstan lint`, and `capstan diff` for a DESIRED folder), and the
// one translation of them into a render::RenderRequest. A command registers its own PATH
// positional (its help text differs) into RenderFlags::path and the rest with AddRenderFlags.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "render/render.h"

namespace capstan::cli {

// Flag values as the user typed them; file names are relative to the current folder.
struct RenderFlags {
  // PATH: a folder to render, or one manifest file (read alone, as a directory render of
  // that file). Each command registers its own positional for it.
  std::string path;
  // --root: nothing outside it is read, and reports name files relative to it. Empty
  // (default): the enclosing Git repository, else PATH itself (a file's folder).
  std::string root;
  // --kind: auto (default: from the folder's files), directory, kustomize or helm.
  std::string kind = "auto";
  // Directory generator: --recurse (default) / --no-recurse, --include and --exclude globs.
  bool recurse = true;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Helm: --release-name (empty: the chart folder's name), -n/--namespace (empty:
  // "default"), -f/--values files (later win), --set and --set-string NAME=VALUE, and the
  // helm binary (default "helm", found on PATH).
  std::string release_name;
  std::string namespace_;
  std::vector<std::string> value_files;
  std::vector<std::string> set;
  std::vector<std::string> set_string;
  std::string helm = "helm";
  // Kustomize: --kustomize-fallback, a kustomize binary for features capstan does not
  // build natively. Empty (default): such features are an error.
  std::string kustomize_fallback;
};

// Registers --kind, --root, --recurse/--no-recurse, --include, --exclude, --release-name,
// -n/--namespace, -f/--values, --set, --set-string, --helm and --kustomize-fallback on
// `cmd`, in that order, writing into `flags`. Not PATH. REQUIRES: `flags` outlives the
// parsing of `cmd` (CLI11 keeps references to its fields).
void AddRenderFlags(CLI::App& cmd, RenderFlags& flags);

// The request `flags` describe. Relative names are taken from the current folder; the
// root and PATH are made absolute with symbolic links resolved, except that a file PATH
// or values file keeps its own name (so a linked file is read as the link, and the
// renderer judges where it leads). A file PATH renders as a directory of that one file.
// Values files become relative to PATH's folder, as render::HelmOptions wants them.
// Errors (one sentence naming the flag or PATH): NotFound when PATH or --root does not
// exist; Invalid when PATH is outside --root, --kind is unknown, a file PATH meets --kind
// kustomize/helm or --include, or a --set/--set-string is not NAME=VALUE. Reads only
// the file system's structure (what exists, where .git is), never file contents.
Result<render::RenderRequest> BuildRenderRequest(const RenderFlags& flags);

// The nearest folder at or above `folder` (absolute) that holds a .git folder or file (a
// worktree's); empty when there is none.
std::filesystem::path EnclosingGitRoot(const std::filesystem::path& folder);

}  // namespace capstan::cli
