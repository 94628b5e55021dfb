#pragma once

#include <filesystem>
#include <string>

namespace hvmtool::test {

// Set by CTest (tests/CMakeLists.txt); the tests fail clearly if missing.
std::filesystem::path build_dir();
std::filesystem::path source_dir();
std::filesystem::path test_plugin_dir();  // build/tests/plugins

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

}  // namespace hvmtool::test
