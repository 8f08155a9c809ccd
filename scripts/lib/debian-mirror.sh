# shellcheck shell=bash
# Shared by scripts/install-deps.sh and scripts/kube-env.sh: `source` it.
# URI of the main Debian archive, taken from this machine's apt sources so
# that no mirror host name is written into the project. Looks for the deb822
# stanza (debian.sources) whose Suites list the release codename itself
# (not -updates/-security only); falls back to a one-line sources.list.
# CAPSTAN_DEBIAN_MIRROR overrides both. SUITE (default: this machine's release)
# names the stanza to look for.
#   debian_mirror [SUITE]
debian_mirror() {
  local suite="${1:-}"
  if [[ -n "${CAPSTAN_DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "${CAPSTAN_DEBIAN_MIRROR%/}"
    return 0
  fi
  local uri=""
  if [[ -z "${suite}" ]]; then
    suite="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)"
    suite="${suite//\"/}"
  fi
  local deb822=/etc/apt/sources.list.d/debian.sources
  if [[ -r "${deb822}" ]]; then
    uri="$(awk -v suite="${suite}" '
      function flush() {
        if (!done && uri != "" && deb && has_suite && enabled) { print uri; done = 1 }
        uri = ""; deb = 0; has_suite = 0; enabled = 1
      }
      BEGIN { enabled = 1 }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:"   { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "uris:"    { uri = $2 }
      tolower($1) == "suites:"  { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
      tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
      END { flush() }
    ' "${deb822}")"
  fi
  if [[ -z "${uri}" && -r /etc/apt/sources.list ]]; then
    uri="$(awk -v suite="${suite}" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' /etc/apt/sources.list)"
  fi
  [[ -n "${uri}" ]] || return 1
  printf '%s\n' "${uri%/}"
}
