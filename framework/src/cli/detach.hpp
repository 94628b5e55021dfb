#pragma once

#include <filesystem>
#include <functional>
#include <optional>

namespace hvmtool::cli {

// `xl create` without -F: the command returns once the domains are running,
// and a background process (this one, forked before any thread exists)
// stays with them until they end.
class Detacher {
 public:
  // In the parent: waits until the child reports the domains running (then
  // returns the exit status 0 to use) or the child exits (its status).
  // In the child: returns nullopt and the caller goes on to run.
  std::optional<int> fork_and_wait_in_parent();

  // In the child: the domains run (or all ended); release the parent and
  // send our output to `log_file` from now on.
  void domains_started(const std::filesystem::path& log_file);

 private:
  int report_fd_ = -1;
};

}  // namespace hvmtool::cli
