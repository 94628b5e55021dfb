// What the user sees when a plugin throws, through the real hvmtool binary
// (a separate process, whose plugins are really unloaded before it exits):
// exactly one line naming the plugin and the operation, and the README's
// exit status, never a signal. Also the two crash classes of issue 10.

#define BOOST_TEST_MODULE plugin_faults
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "support/test_env.hpp"

using namespace hvmtool;
namespace fs = std::filesystem;
namespace data = boost::unit_test::data;

namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs hvmtool with `args`, stdout and stderr apart; `env` goes before the command.
Outcome run_hvmtool(const test::TempDir& dir, const std::string& args, const std::string& env = "") {
  const fs::path err = dir.path() / "stderr";
  auto r = test::run_command("{ " + env + " " + (test::build_dir() / "hvmtool").string() + " " + args + " 2>" +
                             err.string() + "; }");
  return {r.exit_code, r.out, test::slurp(err)};
}

// A pipeline whose platform, firmware and stages all come from the thrower
// plugin, told to throw `what` from `at`. Positions matter: the platform's
// name is at 1:11, the firmware plugin's at 4:13, the make stage's at 5:16.
std::string thrower_pipeline(const test::TempDir& dir, const std::string& at, const std::string& what,
                             const std::string& make = "thrower") {
  std::ostringstream y;
  y << "platform: thrower\n"
    << "plugins:\n"
    << "  search_path: [" << test::test_plugin_dir().string() << "]\n"
    << "  firmware: thrower\n"
    << "stages: {make: " << make << ", bootloader: thrower, build_pre: thrower, build: thrower, "
    << "build_post: thrower, unpause: thrower, wait: thrower}\n"
    << "params:\n"
    << "  thrower: {at: " << at << ", what: " << what << ", calls_file: " << (dir.path() / "calls").string() << "}\n"
    << "domain:\n  name: t\n  type: hvm\n  memory: 16M\n  timeouts: {build: 200ms}\n";
  return dir.write("t.yaml", y.str()).string();
}

// What the thrower's exception says: its own type's message, or the
// framework's description of an int.
std::string thrown(const std::string& at, const std::string& what) {
  return what == "int" ? "non-standard exception of type 'int'" : "thrower: " + at + " failed on purpose";
}

const std::vector<std::string> kKinds = {"own", "int"};

}  // namespace

// Entry points the loader calls while preparing a file: `validate` and `run`
// both stop there with one line and exit 1.
BOOST_DATA_TEST_CASE(a_throw_while_loading_is_one_line_naming_plugin_and_operation,
                     data::make(std::vector<std::string>{"create_platform", "create_firmware", "resolve",
                                                         "create_stage", "factory", "stage_slots"}) *
                         data::make(kKinds),
                     at, what) {
  test::TempDir dir;
  // The factory and stage_slots see no params: the plugin reads the environment.
  const bool env_only = at == "factory" || at == "stage_slots";
  const std::string file = thrower_pipeline(dir, env_only ? "none" : at, what);
  const std::string env = env_only ? "HVMTOOL_THROWER_AT=" + at + " HVMTOOL_THROWER_WHAT=" + what : "";
  const std::string where = at == "create_platform" || at == "factory"   ? "1:11"
                            : at == "create_firmware" || at == "resolve" ? "4:13"
                                                                         : "5:16";
  const std::string line =
      "hvmtool: " + file + ":" + where + ": plugin 'thrower': " + at + ": " + thrown(at, what) + "\n";
  for (const char* command : {"validate", "run -F"}) {
    BOOST_TEST_CONTEXT(command) {
      auto r = run_hvmtool(dir, std::string(command) + " " + file, env);
      BOOST_TEST(r.exit_code == 1, r.err);
      BOOST_TEST(r.err == line);
      BOOST_TEST(r.out == "");
    }
  }
}

// check_available runs only when the domains are about to be created.
BOOST_DATA_TEST_CASE(a_platform_that_throws_from_check_available_stops_run_with_one_line, data::make(kKinds), what) {
  test::TempDir dir;
  const std::string file = thrower_pipeline(dir, "check_available", what);
  BOOST_TEST(run_hvmtool(dir, "validate " + file).exit_code == 0);
  auto r = run_hvmtool(dir, "run -F " + file);
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.err == "hvmtool: " + file +
                          ":1:11: plugin 'thrower': check_available: " + thrown("check_available", what) + "\n");
  BOOST_TEST(test::slurp(dir.path() / "calls").find("create_domain") == std::string::npos);
}

// At run time a stage's failure, however it is raised, is the domain's one
// line and exit 2, and the domain is rolled back.
BOOST_DATA_TEST_CASE(a_stage_that_throws_at_run_time_fails_the_domain_with_one_line,
                     data::make(std::vector<std::string>{"async_run", "completion", "worker"}) * data::make(kKinds), at,
                     what) {
  test::TempDir dir;
  auto r = run_hvmtool(dir, "run -F --log-dir " + dir.path().string() + " " + thrower_pipeline(dir, at, what));
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err == "hvmtool: t: stage build (thrower) failed: " + thrown(at, what) + "\n");
  const std::string calls = test::slurp(dir.path() / "calls");
  BOOST_TEST(calls.find("destroy 1\n") != std::string::npos, calls);
  BOOST_TEST(calls.find("unpause") == std::string::npos, calls);
}

// Issue 10: every stage failure was printed twice (the runner's log line, then
// run's summary). Once now, for a failure and for a timeout.
BOOST_AUTO_TEST_CASE(a_stage_failure_and_a_timeout_are_each_printed_once) {
  test::TempDir dir;
  const std::string common = "platform: testplatform\nplugins: {search_path: [" + test::test_plugin_dir().string() +
                             "]}\nstages: {bootloader: teststage, build: teststage}\n";
  auto failed = run_hvmtool(
      dir,
      "run -F --log-dir " + dir.path().string() + " " +
          dir.write("f.yaml",
                    common + "params: {teststage: {behaviour: fail, fail_slot: build}}\ndomain: {name: f, type: pvh}\n")
              .string());
  BOOST_TEST(failed.exit_code == 2);
  BOOST_TEST(failed.err == "hvmtool: f: stage build (teststage) failed: teststage: failed on purpose\n");
  auto slow =
      run_hvmtool(dir, "run -F --log-dir " + dir.path().string() + " " +
                           dir.write("s.yaml", common + "params: {teststage: {behaviour: hang, fail_slot: build}}\n"
                                                        "domain: {name: s, type: pvh, timeouts: {build: 100ms}}\n")
                               .string());
  BOOST_TEST(slow.exit_code == 2);
  BOOST_TEST(slow.err == "hvmtool: s: stage build (teststage) timed out after 100ms\n");
}

// The platform's exception crosses another plugin (core's make stage) before
// it reaches the runner.
BOOST_DATA_TEST_CASE(a_platform_exception_through_another_plugins_stage_is_one_line, data::make(kKinds), what) {
  test::TempDir dir;
  auto r = run_hvmtool(
      dir, "run -F --log-dir " + dir.path().string() + " " + thrower_pipeline(dir, "create_domain", what, "core"));
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err == "hvmtool: t: stage make (core) failed: " + thrown("create_domain", what) + "\n");
}

// A throwing cancel() is a warning; the outcome is still the timeout.
BOOST_DATA_TEST_CASE(a_stage_whose_cancel_throws_still_times_out_cleanly, data::make(kKinds), what) {
  test::TempDir dir;
  auto r = run_hvmtool(dir, "run -F --log-dir " + dir.path().string() + " " + thrower_pipeline(dir, "cancel", what));
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err == "hvmtool: warning: [t] stage build (thrower): cancel: " + thrown("cancel", what) +
                          "\nhvmtool: t: stage build (thrower) timed out after 200ms\n");
  BOOST_TEST(test::slurp(dir.path() / "calls").find("destroy 1\n") != std::string::npos);
}

// An exception out of a handler the io_context runs for a plugin cancels the
// run, with the reason in the domain's line.
BOOST_DATA_TEST_CASE(a_throwing_handler_cancels_the_run_instead_of_the_process, data::make(kKinds), what) {
  test::TempDir dir;
  auto r = run_hvmtool(dir, "run -F --log-dir " + dir.path().string() + " " + thrower_pipeline(dir, "handler", what));
  const std::string reason = "a handler on the io_context threw: " + thrown("handler", what);
  BOOST_TEST(r.exit_code == 130, r.err);
  BOOST_TEST(r.err == "hvmtool: info: [t] cancelling: " + reason + "\nhvmtool: t: cancelled: " + reason + "\n");
  BOOST_TEST(test::slurp(dir.path() / "calls").find("destroy 1\n") != std::string::npos);
}

BOOST_DATA_TEST_CASE(list_and_destroy_report_a_throwing_platform_in_one_line,
                     data::make(std::vector<std::string>{"list_domains", "destroy_domain"}) * data::make(kKinds), at,
                     what) {
  test::TempDir dir;
  const std::string env = "HVMTOOL_PLUGIN_PATH=" + test::test_plugin_dir().string() + " HVMTOOL_THROWER_AT=" + at +
                          " HVMTOOL_THROWER_WHAT=" + what;
  auto r = run_hvmtool(dir, at == "list_domains" ? "list --platform thrower" : "destroy x --platform thrower", env);
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.err == "hvmtool: plugin 'thrower': " + at + ": " + thrown(at, what) + "\n");
  BOOST_TEST(r.out == "");
}

BOOST_AUTO_TEST_CASE(plugins_lists_a_plugin_whose_factory_throws_with_its_error) {
  test::TempDir dir;
  auto r = run_hvmtool(dir, "plugins",
                       "HVMTOOL_PLUGIN_PATH=" + test::test_plugin_dir().string() +
                           " HVMTOOL_THROWER_AT=factory HVMTOOL_THROWER_WHAT=int");
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(
      r.out.find((test::test_plugin_dir() / "hvmtool-thrower.so").string() +
                 "\n    error: plugin 'thrower': factory: non-standard exception of type 'int'\n") != std::string::npos,
      r.out);
}

// The crashes issue 10 reported, with the real plugins: the firmware
// plugin's ImageError (an hvmtool type, but with the plugin's copy of its
// vtable) and the kvm platform's PlatformError.
namespace {

std::string firmware_pipeline(const test::TempDir& dir, const fs::path& firmware) {
  return dir
      .write("fw.yaml", "platform: testplatform\nplugins: {search_path: [" + test::test_plugin_dir().string() +
                            "]}\ndomain:\n  name: fw\n  type: hvm\n  firmware: " + firmware.string() + "\n")
      .string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_missing_empty_or_non_elf_firmware_file_is_one_line_and_exit_1) {
  test::TempDir dir;
  const fs::path missing = dir.path() / "missing.elf";
  const fs::path empty = dir.write("empty.elf", "");
  const fs::path text = dir.write("text.elf", std::string(4096, 'x'));
  const std::vector<std::pair<fs::path, std::string>> cases = {
      {missing, missing.string() + ": firmware: No such file or directory"},
      {empty, empty.string() + ": offset 0x0: firmware is empty"},
      {text, text.string() + ": offset 0x0: not an ELF file (bad magic)"},
  };
  for (const auto& [file, reason] : cases) {
    BOOST_TEST_CONTEXT(file.filename()) {
      const std::string yaml = firmware_pipeline(dir, file);
      // The firmware plugin is the default one: the domain section is named.
      const std::string line = "hvmtool: " + yaml + ":4:3: plugin 'firmware': resolve: " + reason + "\n";
      for (const char* command : {"validate", "run -F"}) {
        auto r = run_hvmtool(dir, std::string(command) + " " + yaml);
        BOOST_TEST(r.exit_code == 1, command);
        BOOST_TEST(r.err == line, command);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_missing_kvm_device_is_one_line_and_exit_1) {
  test::TempDir dir;
  const fs::path device = dir.path() / "no-kvm";
  const std::string yaml =
      dir.write("kvm.yaml", "platform: kvm\nparams:\n  kvm: {device: " + device.string() +
                                ", registry_dir: " + dir.path().string() + "}\ndomain: {name: k, type: pvh}\n")
          .string();
  BOOST_TEST(run_hvmtool(dir, "validate " + yaml).exit_code == 0);  // validate does not probe the host
  auto r = run_hvmtool(dir, "run -F " + yaml);
  BOOST_TEST(r.exit_code == 1, r.err);
  const std::string prefix = "hvmtool: " + yaml + ":1:11: plugin 'kvm': check_available: kvm: " + device.string();
  BOOST_TEST(r.err.starts_with(prefix), r.err);
  BOOST_TEST(r.err.find('\n') == r.err.size() - 1, r.err);  // one line
}

// Issue 10's second crash: a worker job that outlives its stage (timed out,
// or cancelled by SIGTERM) posts a completion compiled into the plugin; it
// is still queued when the run ends, and must be destroyed before the
// plugin is unloaded. The job blocks past the 5 s grace period, so the run
// is rolled back and over while it still runs.
namespace {

std::string blocking_pipeline(const test::TempDir& dir, const std::string& build_timeout) {
  return dir
      .write("blk.yaml", "platform: testplatform\nplugins: {search_path: [" + test::test_plugin_dir().string() +
                             "]}\nstages: {bootloader: teststage, build: teststage}\nparams:\n"
                             "  testplatform: {calls_file: " +
                             (dir.path() / "calls").string() + ", event: none}\n" +
                             "  teststage: {behaviour: block, block_ms: 7000, fail_slot: build, marker: " +
                             (dir.path() / "marker").string() +
                             "}\ndomain: {name: blk, type: pvh, timeouts: {build: " + build_timeout + "}}\n")
      .string();
}

const std::string kAbandoned =
    "hvmtool: warning: [blk] stage build did not finish within 5s of being cancelled; rolling back anyway\n"
    "hvmtool: warning: [blk] a background job of an abandoned stage is still running; the domain is destroyed when "
    "it ends\n";

}  // namespace

BOOST_AUTO_TEST_CASE(a_stage_abandoned_after_its_timeout_exits_2_not_a_signal) {
  test::TempDir dir;
  auto r = run_hvmtool(dir, "run -F --log-dir " + dir.path().string() + " " + blocking_pipeline(dir, "200ms"));
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err == kAbandoned + "hvmtool: blk: stage build (teststage) timed out after 200ms\n");
  // The domain outlived the rollback only until the job ended.
  BOOST_TEST(test::slurp(dir.path() / "calls").find("destroy 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigterm_during_a_blocking_job_exits_130_not_a_signal) {
  test::TempDir dir;
  const std::string file = blocking_pipeline(dir, "60s");
  const fs::path marker = dir.path() / "marker";
  // SIGTERM once the build stage has started its job.
  const fs::path err = dir.path() / "stderr";
  auto r =
      test::run_command("{ " + (test::build_dir() / "hvmtool").string() + " run -F --log-dir " + dir.path().string() +
                        " " + file + " 2>" + err.string() + " & pid=$!; for i in $(seq 100); do grep -qx build " +
                        marker.string() + " 2>/dev/null && break; sleep 0.1; done; kill -TERM $pid; wait $pid; }");
  r.out = test::slurp(err);
  BOOST_TEST(r.exit_code == 130, r.out);
  BOOST_TEST(r.out == "hvmtool: info: [blk] cancelling: terminated (SIGTERM)\n" + kAbandoned +
                          "hvmtool: blk: cancelled: terminated (SIGTERM)\n");
  BOOST_TEST(test::slurp(dir.path() / "calls").find("destroy 1\n") != std::string::npos);
}
