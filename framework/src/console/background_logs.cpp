#include "console/background_logs.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string>
#include <system_error>
#include <vector>

namespace hvmtool {
namespace {

namespace fs = std::filesystem;

// The pid in "hvmtool-PID.log", or 0 when the name is not one of ours.
long pid_of(const std::string& name) {
  constexpr std::string_view prefix = "hvmtool-", suffix = ".log";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) return 0;
  const std::string_view digits(name.data() + prefix.size(), name.size() - prefix.size() - suffix.size());
  long pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  return ec == std::errc() && end == digits.data() + digits.size() && pid > 0 ? pid : 0;
}

bool alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

void prune_background_logs(const fs::path& dir, unsigned keep) {
  struct Ended {
    fs::path file;
    fs::file_time_type mtime;
  };
  std::vector<Ended> ended;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = pid_of(it->path().filename().string());
    if (!pid || alive(pid) || !it->is_regular_file(ec)) continue;
    const auto mtime = it->last_write_time(ec);
    if (!ec) ended.push_back({it->path(), mtime});
  }
  if (ended.size() <= keep) return;
  std::sort(ended.begin(), ended.end(), [](const Ended& a, const Ended& b) { return a.mtime > b.mtime; });
  for (std::size_t i = keep; i < ended.size(); ++i) fs::remove(ended[i].file, ec);
}

}  // namespace hvmtool
