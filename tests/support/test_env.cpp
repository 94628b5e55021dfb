#include "support/test_env.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hvmtool::test {

namespace fs = std::filesystem;

namespace {
fs::path env_path(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set: run the tests through ctest");
  return v;
}
}  // namespace

fs::path build_dir() { return env_path("HVMTOOL_BUILD_DIR"); }
fs::path source_dir() { return env_path("HVMTOOL_SOURCE_DIR"); }
fs::path test_plugin_dir() { return build_dir() / "tests" / "plugins"; }

std::string test_platform() {
  const char* p = std::getenv("HVMTOOL_TEST_PLATFORM");
  return p && *p ? p : "kvm";
}

std::string test_platform_missing() {
  const std::string p = test_platform();
  if (p == "emu") return {};
  if (p == "kvm")
    return fs::exists("/dev/kvm") ? "" : "/dev/kvm not present: the kvm run of this suite needs a KVM host";
  return "HVMTOOL_TEST_PLATFORM=" + p + " is not a platform these suites know (kvm, emu)";
}

std::string on_test_platform(const std::string& pipeline) {
  if (pipeline.starts_with("platform:") || pipeline.find("\nplatform:") != std::string::npos)
    throw std::runtime_error("the pipeline already names a platform");
  return "platform: " + test_platform() + "\n" + pipeline;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "hvmtool-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
  fs::path file = path_ / name;
  std::ofstream(file) << content;
  return file;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("'" + from + "' not found");
  return text.replace(at, from.size(), to);
}

}  // namespace hvmtool::test
