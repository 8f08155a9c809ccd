// Part of the source module's test binary (not a test): LeakSanitizer suppressions.
//
// Debian 12's libgit2 1.5.1 leaks the pcre2 match block of every regex match it runs
// (config and remote lookups), fixed upstream after that release (libgit2 pull request
// 6382); the allocating frames are often not unwound, so the library is named.
// Without this, asan builds of source_test fail on a leak that is not capstan's.
// The hook is only read by LeakSanitizer; other builds ignore it.
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libpcre2-8.so\n";
}
