// The fault matrix through the real hvmtool binary (a process of its own,
// whose plugins are really unloaded before it exits): each cell ends in the
// README's exit status and one line naming the stage and its plugin, never a
// signal, and leaves no domain (`hvmtool list`, the registry directory) and no
// temporary file behind.

#define BOOST_TEST_MODULE fault_matrix_cli
#define BOOST_TEST_NO_MAIN
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "faults/fault_cells.hpp"
#include "faults/leftovers.hpp"
#include "support/platform_suite_main.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::faults;
namespace fs = std::filesystem;
namespace data = boost::unit_test::data;

namespace {

struct Run {
  int exit_code = -1;
  std::string err;
};

// `hvmtool ARGS` with the cell's registry and temporary directory under `dir`.
Run run_hvmtool(const test::TempDir& dir, const std::string& args) {
  const fs::path err = dir.path() / "stderr";
  auto r = test::run_command("{ HVMTOOL_REGISTRY_ROOT=" + (dir.path() / "registry").string() +
                             " TMPDIR=" + (dir.path() / "tmp").string() + " " +
                             (test::build_dir() / "hvmtool").string() + " " + args + " 2>" + err.string() + "; }");
  return {r.exit_code, r.out + test::slurp(err)};
}

void check_cell(const FaultCell& cell) {
  test::TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const fs::path file = dir.write("cell.yaml", cell_pipeline(cell, test::test_platform()));
  const Run run = run_hvmtool(dir, "run -F --log-dir " + (dir.path() / "log").string() + " " + file.string());
  BOOST_TEST(run.exit_code == expected_exit(cell));
  BOOST_TEST(without_info_lines(run.err) == expected_stderr(cell), run.err);

  const Run list = run_hvmtool(dir, "list --platform " + test::test_platform());
  BOOST_TEST(list.exit_code == 0);
  BOOST_TEST(list.err.find('\n') == list.err.size() - 1, list.err);  // the header alone
  BOOST_TEST(registry_entries(dir.path() / "registry") == "");
  BOOST_TEST(files_under(dir.path() / "tmp") == "");
  // At most the guest's console log (opened at its first byte: none if the
  // guest never ran or printed).
  const std::string logs = files_under(dir.path() / "log");
  BOOST_TEST((logs.empty() || logs == "guest-" + std::string(kDomain) + ".log\n"), logs);
}

}  // namespace

// The cells' pipeline is a real one: without a fault it boots the test kernel.
BOOST_AUTO_TEST_CASE(without_a_fault_the_pipeline_boots_the_test_kernel_and_leaves_nothing) {
  test::TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const fs::path file = dir.write("cell.yaml", cell_pipeline(no_fault(), test::test_platform()));
  const Run run = run_hvmtool(dir, "run -F --log-dir " + (dir.path() / "log").string() + " " + file.string());
  BOOST_TEST(run.exit_code == 0, run.err);
  BOOST_TEST(without_info_lines(run.err) == "");
  const std::string console = test::slurp(dir.path() / "log" / (std::string("guest-") + kDomain + ".log"));
  BOOST_TEST(console.find("testkernel: done") != std::string::npos, console);
  BOOST_TEST(registry_entries(dir.path() / "registry") == "");
  BOOST_TEST(files_under(dir.path() / "tmp") == "");
}

BOOST_DATA_TEST_CASE(each_step_that_fails_throws_hangs_or_is_terminated_ends_cleanly, data::make(stage_cells()), cell) {
  check_cell(cell);
}

BOOST_DATA_TEST_CASE(each_platform_call_that_fails_throws_hangs_or_is_terminated_ends_cleanly,
                     data::make(platform_cells()), cell) {
  check_cell(cell);
}

int main(int argc, char* argv[]) { return test::platform_suite_main(argc, argv); }
