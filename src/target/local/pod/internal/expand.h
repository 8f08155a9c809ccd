// Kubernetes' `$(VAR)` expansion in container command, args and env values, as the kubelet
// does it (third_party/forked/golang/expansion):
//   $(NAME)  -> the value of NAME when `lookup` knows it, else left as "$(NAME)"
//   $$       -> "$" (so "$$(NAME)" is the literal "$(NAME)")
//   $ followed by anything else, or an unclosed "$(", is kept as written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::target::local::internal {

using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string ExpandVariables(std::string_view input, const VariableLookup& lookup);

}  // namespace capstan::target::local::internal
