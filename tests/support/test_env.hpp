#pragma once

#include <filesystem>
#include <string>

#include "hvmtool/log.hpp"

namespace hvmtool::test {

// Set by CTest (tests/CMakeLists.txt); the tests fail clearly if missing.
std::filesystem::path build_dir();
std::filesystem::path source_dir();
std::filesystem::path test_plugin_dir();  // build/tests/plugins

// The platform a suite registered with `PLATFORMS` (tests/CMakeLists.txt)
// boots its guests on in this run: $HVMTOOL_TEST_PLATFORM, "kvm" or "emu".
std::string test_platform();
// Empty when test_platform() can run on this host, else why not (one line).
std::string test_platform_missing();
// `pipeline` (YAML text) with `platform: test_platform()` put first; throws
// if it already names one (the test would not run where it says).
std::string on_test_platform(const std::string& pipeline);

// A fresh temporary directory removed when this object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr interleaved
};

// Runs a shell command, capturing stdout+stderr.
CommandResult run_command(const std::string& command);

// A whole file's bytes ("" if it cannot be read).
std::string slurp(const std::filesystem::path& file);

// `text` with the first `from` replaced by `to`; throws if `from` is absent
// (a test editing a shipped config must notice when the config changed).
std::string replace(std::string text, const std::string& from, const std::string& to);

// Discards everything: for tests that drive stages without caring about logs.
class NullLogger final : public hvmtool::Logger {
 public:
  void log(hvmtool::LogLevel, std::string_view) override {}
  bool enabled(hvmtool::LogLevel) const override { return false; }
};

}  // namespace hvmtool::test
