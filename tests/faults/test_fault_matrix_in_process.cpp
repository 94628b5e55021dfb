// The fault matrix in this process, through the framework's Session as
// `hvmtool run` drives it: each cell ends in the expected outcome and line,
// and once its session is gone this process has the fds, threads and
// mappings it had before (the plugins, libunicorn included, unloaded).

#define BOOST_TEST_MODULE fault_matrix_in_process
#define BOOST_TEST_NO_MAIN
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <malloc.h>
#include <thread>

#include "config/pipeline_config.hpp"
#include "faults/fault_cells.hpp"
#include "faults/leftovers.hpp"
#include "support/platform_suite_main.hpp"
#include "runner/session.hpp"
#include "support/guest_harness.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::faults;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace data = boost::unit_test::data;

namespace {

struct Resources {
  std::size_t fds = 0, threads = 0, mappings = 0;
};

// Sanitizer runtimes map memory on demand: the mapping count only means
// something without them.
bool same(const Resources& a, const Resources& b) {
  return a.fds == b.fds && a.threads == b.threads && (test::sanitized() || a.mappings == b.mappings);
}

Resources count() { return {test::count_fds(), test::count_threads(), test::count_mappings()}; }

// A joined thread can stay listed in /proc/self/task for a moment.
Resources settled_to(const Resources& want) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  Resources now = count();
  while (!same(now, want) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    now = count();
  }
  return now;
}

// Runs `cell`'s pipeline through a Session whose registry and temporary
// directory are under `dir`; the session and its plugins are gone on return.
// An environment variable set for this scope, then unset: the temporary
// directories of later cells are made in the usual place.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const fs::path& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

RunResult run_cell(const FaultCell& cell, const test::TempDir& dir) {
  const ScopedEnv registry("HVMTOOL_REGISTRY_ROOT", dir.path() / "registry");
  const ScopedEnv tmp("TMPDIR", dir.path() / "tmp");
  fs::create_directories(dir.path() / "tmp");
  test::NullLogger log;
  Session session(log);
  session.prepare(load_pipeline_text(cell_pipeline(cell, test::test_platform()), dir.path() / "cell.yaml"));
  RunOptions options;
  options.log_dir = dir.path() / "log";
  auto results = session.run(options);
  BOOST_REQUIRE(results.size() == 1u);
  return results.front();
}

// What this process holds once one clean run has loaded what stays loaded
// (the C++ runtime's, Boost's and glibc's one-time state).
const Resources& baseline() {
  static const Resources resources = [] {
    test::TempDir dir;
    const RunResult r = run_cell(no_fault(), dir);
    if (r.outcome != RunOutcome::poweroff) throw std::runtime_error("the clean run did not power off: " + r.message);
    return settled_to(count());
  }();
  return resources;
}

void check_cell(const FaultCell& cell) {
  const Resources before = baseline();
  {
    test::TempDir dir;
    const RunResult r = run_cell(cell, dir);
    BOOST_TEST(exit_code_for(r.outcome) == expected_exit(cell));
    BOOST_TEST(r.message == expected_message(cell));
    BOOST_TEST(registry_entries(dir.path() / "registry") == "");
    BOOST_TEST(files_under(dir.path() / "tmp") == "");
  }
  const Resources after = settled_to(before);
  BOOST_TEST(after.fds == before.fds);
  BOOST_TEST(after.threads == before.threads);
  if (!test::sanitized()) BOOST_TEST(after.mappings == before.mappings);
}

}  // namespace

BOOST_DATA_TEST_CASE(each_step_fault_gives_back_every_fd_thread_and_mapping, data::make(stage_cells()), cell) {
  check_cell(cell);
}

BOOST_DATA_TEST_CASE(each_platform_call_fault_gives_back_every_fd_thread_and_mapping, data::make(platform_cells()),
                     cell) {
  check_cell(cell);
}

int main(int argc, char* argv[]) {
  // glibc gives a thread that finds the arenas busy a new one (two mappings),
  // up to 8 per core, and never unmaps it: under load the count would grow
  // by two now and then with nothing leaked. One arena keeps it exact.
  ::mallopt(M_ARENA_MAX, 1);
  return test::platform_suite_main(argc, argv);
}
