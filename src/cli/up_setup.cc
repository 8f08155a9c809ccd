#include "cli/up_setup.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "core/process.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kDemoImage[] = "localhost/capstan-demo";
constexpr char kBinaryLabel[] = "capstan.dev/binary-sha256";
constexpr char kPlaceholder[] = "${CAPSTAN_UP_REPO}";

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound(path.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Error::Unavailable(path.string() + ": cannot be written");
  return OkStatus();
}

// Runs a program that must succeed; the error names it and carries its stderr.
Result<ProcessResult> MustRun(std::vector<std::string> argv, const std::string& hint,
                              const fs::path& dir = {}) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.working_directory = dir;
  options.install_hint = hint;
  options.timeout = std::chrono::minutes(2);
  auto result = RunProcess(options);
  if (!result.ok()) return std::move(result).error();
  if (!result->success()) {
    return Error::Unavailable(fmt::format("{} {}: {}", options.argv[0], result->Describe(),
                                          TrimProgramOutput(result->stderr_data)));
  }
  return result;
}

}  // namespace

Status ConfigurePodman(const fs::path& state) {
  if (std::getenv("CONTAINERS_CONF") != nullptr) return OkStatus();
  fs::path dir = state / "podman";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::Unavailable(dir.string() + ": " + ec.message());
  // runc: crun 1.8 refuses cgroups in hybrid mode; ulimits: podman's defaults exceed what
  // root may set on some machines (see docs/local.md).
  CAPSTAN_TRY(WriteFile(dir / "containers.conf",
                        "[engine]\nruntime = \"runc\"\n\n[containers]\n"
                        "default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"));
  setenv("CONTAINERS_CONF", (dir / "containers.conf").c_str(), 1);
  return OkStatus();
}

Result<fs::path> FindDemoApp(const std::string& flag) {
  if (!flag.empty()) {
    if (fs::exists(flag)) return fs::path(flag);
    return Error::NotFound("--demo-app " + flag + ": no such file");
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const fs::path& candidate :
       {self / "capstan-demo-app", self / "../../examples/demo/app/capstan-demo-app"}) {
    if (fs::exists(candidate, ec)) return fs::weakly_canonical(candidate, ec);
  }
  return Error::NotFound(
      "capstan-demo-app not found beside capstan; build it (cmake --build --preset default "
      "--target capstan-demo-app) or pass --demo-app PATH");
}

Result<std::string> BuildDemoImages(const fs::path& binary, const fs::path& state) {
  auto bytes = ReadFile(binary);
  if (!bytes.ok()) return std::move(bytes).error();
  std::string digest = Sha256Hex(*bytes);
  fs::path context = state / "image-build";
  std::error_code ec;
  fs::create_directories(context, ec);
  if (ec) return Error::Unavailable(context.string() + ": " + ec.message());
  std::string report;
  for (const char* version : {"v1", "v2"}) {
    std::string image = fmt::format("{}:{}", kDemoImage, version);
    ProcessOptions inspect;
    inspect.argv = {"podman",
                    "image",
                    "inspect",
                    "--format",
                    fmt::format("{{{{index .Labels \"{}\"}}}}", kBinaryLabel),
                    image};
    inspect.install_hint = "run scripts/install-deps.sh (podman)";
    auto existing = RunProcess(inspect);
    if (!existing.ok()) return std::move(existing).error();
    if (existing->success() && existing->stdout_data.find(digest) == 0) {
      report += fmt::format("image {} is up to date\n", image);
      continue;
    }
    fs::copy_file(binary, context / "demo-app", fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::Unavailable((context / "demo-app").string() + ": " + ec.message());
    CAPSTAN_TRY(WriteFile(context / "Containerfile",
                          fmt::format("FROM scratch\nCOPY demo-app /demo-app\n"
                                      "ENTRYPOINT [\"/demo-app\", \"--version={}\"]\n",
                                      version)));
    auto built = MustRun(
        {"buildah", "build", "--quiet", "--label", fmt::format("{}={}", kBinaryLabel, digest), "-t",
         image, "-f", (context / "Containerfile").string(), context.string()},
        "run scripts/install-deps.sh (buildah)");
    if (!built.ok()) return built.error().Wrap("build " + image);
    report += fmt::format("built image {}\n", image);
  }
  return report;
}

Result<std::string> PrepareDemoRepository(const fs::path& demo_dir, const fs::path& state) {
  fs::path repo = fs::absolute(state / "repo");
  std::string url = "file://" + repo.string();
  std::error_code ec;
  if (fs::exists(repo / ".git", ec)) return url;
  if (!fs::is_directory(demo_dir / "applications", ec)) {
    return Error::NotFound(demo_dir.string() +
                           ": no applications/ folder (capstan up DIR wants the Applications in "
                           "DIR/applications and their manifests beside them)");
  }
  fs::create_directories(repo, ec);
  fs::copy(demo_dir, repo, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) return Error::Unavailable("copy " + demo_dir.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(repo / "applications")) {
    auto text = ReadFile(entry.path());
    if (!text.ok()) return std::move(text).error();
    for (size_t at = text->find(kPlaceholder); at != std::string::npos;
         at = text->find(kPlaceholder, at + url.size())) {
      text->replace(at, std::string_view(kPlaceholder).size(), url);
    }
    CAPSTAN_TRY(WriteFile(entry.path(), *text));
  }
  const std::string hint = "run scripts/install-deps.sh (git)";
  for (std::vector<std::string> argv : std::vector<std::vector<std::string>>{
           {"git", "init", "--quiet", "--initial-branch=main"},
           {"git", "add", "--all"},
           {"git", "-c", "user.name=capstan up", "-c", "user.email=up@capstan.invalid", "commit",
            "--quiet", "-m", "demo: v1"}}) {
    auto ran = MustRun(std::move(argv), hint, repo);
    if (!ran.ok()) return ran.error().Wrap("demo repository " + repo.string());
  }
  return url;
}

}  // namespace capstan::cli
