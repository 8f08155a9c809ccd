// kustomize replacements (work in progress).
#include "render/kustomize/patch.h"

namespace capstan::render {

Status ApplyReplacements(std::vector<Manifest>& objects, const Value& replacements) {
  (void)objects;
  if (replacements.is_array() && replacements.empty()) return OkStatus();
  return Error::Invalid("replacements are not supported yet");
}

}  // namespace capstan::render
