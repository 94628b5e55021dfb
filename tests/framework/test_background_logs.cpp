// Background runs' hvmtool-PID.log files are capped: the logs of ended runs
// beyond the newest N go, live runs' logs and other files stay.
#define BOOST_TEST_MODULE background_logs
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "console/background_logs.hpp"
#include "support/test_env.hpp"

namespace fs = std::filesystem;

namespace {

// A pid no process can have: above the kernel's pid_max.
long dead_pid(int i) {
  std::ifstream in("/proc/sys/kernel/pid_max");
  long max = 4194304;
  in >> max;
  return max + 1 + i;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ended_runs_beyond_the_newest_are_removed) {
  hvmtool::test::TempDir dir;
  const auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> ended;
  for (int i = 0; i < 25; ++i) {  // i = 0 is the oldest
    ended.push_back(dir.write("hvmtool-" + std::to_string(dead_pid(i)) + ".log", "run " + std::to_string(i)));
    fs::last_write_time(ended.back(), now - std::chrono::hours(100 - i));
  }
  const fs::path live = dir.write("hvmtool-" + std::to_string(::getpid()) + ".log", "this run");
  fs::last_write_time(live, now - std::chrono::hours(1000));  // older than all, but alive
  const fs::path guest = dir.write("guest-web.log", "a console log");
  const fs::path odd = dir.write("hvmtool-12ab.log", "not a run's log");
  fs::last_write_time(guest, now - std::chrono::hours(2000));

  hvmtool::prune_background_logs(dir.path(), 20);

  for (int i = 0; i < 25; ++i) BOOST_TEST(fs::exists(ended[i]) == (i >= 5), "run " << i);
  BOOST_TEST(fs::exists(live));
  BOOST_TEST(fs::exists(guest));
  BOOST_TEST(fs::exists(odd));
}

BOOST_AUTO_TEST_CASE(a_missing_folder_is_not_an_error) {
  BOOST_CHECK_NO_THROW(hvmtool::prune_background_logs("/nonexistent/hvmtool-logs", 20));
}
