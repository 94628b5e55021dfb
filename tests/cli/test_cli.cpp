#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/test_env.hpp"

using namespace hvmtool;
namespace fs = std::filesystem;

namespace {

std::string hvmtool_bin() { return (test::build_dir() / "hvmtool").string(); }

// A pipeline on the recording test platform, with the test stage plugin as
// bootloader and builder and the core plugin for everything else.
std::string pipeline(const test::TempDir& dir, const std::string& name, const std::string& platform_params,
                     const std::string& teststage_params, const std::string& domain_extra = "") {
  std::ostringstream y;
  y << "platform: testplatform\n"
    << "plugins:\n  search_path: [" << test::test_plugin_dir().string() << "]\n"
    << "stages:\n  bootloader: teststage\n  build: teststage\n"
    << "params:\n  testplatform: {calls_file: " << (dir.path() / (name + ".calls")).string()
    << (platform_params.empty() ? "" : ", " + platform_params) << "}\n"
    << "  teststage: {marker: " << (dir.path() / (name + ".marker")).string()
    << (teststage_params.empty() ? "" : ", " + teststage_params) << "}\n"
    << "domain:\n  name: " << name << "\n  type: pvh\n  memory: 64M\n"
    << domain_extra;
  return dir.write(name + ".yaml", y.str()).string();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

test::CommandResult run_hvmtool(const std::string& args) { return test::run_command(hvmtool_bin() + " " + args); }

}  // namespace

BOOST_AUTO_TEST_CASE(version_and_help) {
  auto v = run_hvmtool("--version");
  BOOST_TEST(v.exit_code == 0);
  BOOST_TEST(v.out == "hvmtool 0.1.0 (plugin API 4)\n");
  auto h = run_hvmtool("--help");
  BOOST_TEST(h.exit_code == 0);
  BOOST_TEST(h.out.find("validate FILE...") != std::string::npos);
  auto bad = run_hvmtool("frobnicate");
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.out == "hvmtool: unknown command 'frobnicate' (try hvmtool --help)\n");
}

BOOST_AUTO_TEST_CASE(run_to_poweroff_exits_0_with_timings_and_json) {
  test::TempDir dir;
  auto file = pipeline(dir, "vm1", "", "", "  logfile: " + (dir.path() / "vm1.console").string() + "\n");
  auto r = run_hvmtool("run -F --json --timings " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(
      r.out.find("{\"domains\":[{\"name\":\"vm1\",\"outcome\":\"poweroff\",\"exit_code\":0") != std::string::npos,
      r.out);
  for (const char* stage : {"make", "bootloader", "build_pre", "build", "build_post", "unpause", "wait"})
    BOOST_TEST(r.out.find("{\"stage\":\"" + std::string(stage) + "\"") != std::string::npos, stage);
  BOOST_TEST(r.out.find("teardown") != std::string::npos);  // the --timings table
  const std::string calls = read_file(dir.path() / "vm1.calls");
  BOOST_TEST(calls.find("create_domain vm1\n") < calls.find("unpause 1\n"));
  BOOST_TEST(calls.find("unpause 1\n") < calls.find("destroy 1\n"));
  BOOST_TEST(read_file(dir.path() / "vm1.marker") == "bootloader\nbuild\nundo build\nundo bootloader\n");
}

// The firmware is resolved once per file, when it is loaded (so `validate`
// checks it), and every domain's builder gets that resolution: a file of N
// domains does not check the same firmware files N more times.
BOOST_AUTO_TEST_CASE(firmware_is_resolved_once_per_file_and_handed_to_every_builder) {
  test::TempDir dir;
  const fs::path marker = dir.path() / "fw.marker";
  std::ostringstream y;
  y << "platform: testplatform\n"
    << "plugins:\n  search_path: [" << test::test_plugin_dir().string() << "]\n  firmware: teststage\n"
    << "stages:\n  bootloader: teststage\n  build: teststage\n"
    << "params:\n  testplatform: {calls_file: " << (dir.path() / "fw.calls").string() << "}\n"
    << "  teststage: {marker: " << marker.string() << "}\n"
    << "domain:\n  name: fw\n  type: hvm\n  memory: 64M\n"
    << "count: 3\n";
  const std::string file = dir.write("fw.yaml", y.str()).string();
  auto r = run_hvmtool("run -F " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  const std::string m = read_file(marker);
  auto count = [&](const std::string& line) {
    std::size_t n = 0;
    for (std::size_t at = m.find(line); at != std::string::npos; at = m.find(line, at + 1)) ++n;
    return n;
  };
  BOOST_TEST(count("resolve ") == 1u, m);
  BOOST_TEST(count("build firmware /teststage/default\n") == 3u, m);

  // `validate` resolves it too: that is where a missing firmware file shows.
  auto v = run_hvmtool("validate " + file);
  BOOST_TEST(v.exit_code == 0, v.out);
  BOOST_TEST(read_file(marker).substr(m.size()) == "resolve fw\n");
}

BOOST_AUTO_TEST_CASE(guest_console_goes_to_the_log_file_and_with_c_to_the_terminal) {
  test::TempDir dir;
  auto file =
      pipeline(dir, "con", "console: 'hello console'", "", "  logfile: " + (dir.path() / "con.log").string() + "\n");
  auto quiet = run_hvmtool("run -F " + file);
  BOOST_TEST(quiet.exit_code == 0, quiet.out);
  BOOST_TEST(quiet.out.find("hello console") == std::string::npos);
  BOOST_TEST(read_file(dir.path() / "con.log") == "hello console");
  auto attached = run_hvmtool("run -F -c " + file);
  BOOST_TEST(attached.out.find("hello console") != std::string::npos);
  // The earlier log was rotated like xl's, not overwritten.
  BOOST_TEST(read_file(dir.path() / "con.log.1") == "hello console");
}

BOOST_AUTO_TEST_CASE(a_console_log_that_cannot_be_opened_fails_only_its_domain) {
  test::TempDir dir;
  const fs::path not_a_dir = dir.write("plain-file", "x");
  auto good = pipeline(dir, "good", "console: 'hi'", "");
  auto bad = pipeline(dir, "bad", "console: 'hi'", "", "  logfile: " + (not_a_dir / "bad.log").string() + "\n");
  auto r = run_hvmtool("run -F --json --log-dir " + dir.path().string() + " " + good + " " + bad);
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(r.out.find("hvmtool: bad: " + (not_a_dir / "bad.log").string() +
                        ": cannot open console log: Not a directory\n") != std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("{\"name\":\"good\",\"outcome\":\"poweroff\"") != std::string::npos, r.out);
  BOOST_TEST(read_file(dir.path() / "guest-good.log") == "hi");
  // The failed domain was rolled back like a failed stage.
  BOOST_TEST(read_file(dir.path() / "bad.calls").find("destroy 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_silent_guest_leaves_no_console_log) {
  test::TempDir dir;
  auto file = pipeline(dir, "quiet", "", "");
  auto r = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(read_file(dir.path() / "quiet.calls").find("destroy 1\n") != std::string::npos);
  BOOST_TEST(!fs::exists(dir.path() / "guest-quiet.log"));
}

BOOST_AUTO_TEST_CASE(run_raises_the_soft_fd_limit_to_the_hard_limit) {
  test::TempDir dir;
  auto file = pipeline(dir, "limits", "event: none", "");
  auto r = test::run_command(
      "( ulimit -Sn 100; echo hard $(ulimit -Hn); " + hvmtool_bin() + " run -F --log-dir " + dir.path().string() + " " +
      file + " & pid=$!; sleep 1; grep 'Max open files' /proc/$pid/limits; kill -TERM $pid; wait $pid )");
  BOOST_TEST(r.exit_code == 130, r.out);
  const auto hard_at = r.out.find("hard ");
  BOOST_REQUIRE(hard_at != std::string::npos);
  const std::string hard = r.out.substr(hard_at + 5, r.out.find('\n', hard_at) - hard_at - 5);
  BOOST_TEST(hard != "100");
  const auto line_at = r.out.find("Max open files");
  BOOST_REQUIRE(line_at != std::string::npos);
  std::istringstream line(r.out.substr(line_at + 14));
  std::string soft, hard_seen;
  line >> soft >> hard_seen;
  BOOST_TEST(soft == hard, r.out);
  BOOST_TEST(hard_seen == hard, r.out);
}

BOOST_AUTO_TEST_CASE(a_failing_stage_exits_2_and_leaves_no_domain) {
  test::TempDir dir;
  auto file = pipeline(dir, "bad", "", "behaviour: fail, fail_slot: build");
  auto r = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(
      r.out.find("hvmtool: bad: stage build (teststage) failed: teststage: failed on purpose") != std::string::npos,
      r.out);
  const std::string calls = read_file(dir.path() / "bad.calls");
  BOOST_TEST(calls.find("destroy 1\n") != std::string::npos);
  BOOST_TEST(calls.find("unpause") == std::string::npos);
  BOOST_TEST(calls.find("store /local/domain/1") == std::string::npos, calls);
  BOOST_TEST(read_file(dir.path() / "bad.marker") == "bootloader\nbuild\nundo build\nundo bootloader\n");
}

BOOST_AUTO_TEST_CASE(a_timed_out_stage_exits_2) {
  test::TempDir dir;
  auto file = pipeline(dir, "slow", "", "behaviour: hang, fail_slot: build", "  timeouts: {build: 200ms}\n");
  auto r = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(r.out.find("stage build (teststage) timed out after 200ms") != std::string::npos, r.out);
  BOOST_TEST(read_file(dir.path() / "slow.calls").find("destroy 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(guest_fates_map_to_exit_codes) {
  test::TempDir dir;
  auto crash = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + pipeline(dir, "c", "event: crash", ""));
  BOOST_TEST(crash.exit_code == 3, crash.out);
  auto reboot = run_hvmtool("run -F --log-dir " + dir.path().string() + " " +
                            pipeline(dir, "r", "event: reboot", "", "  on_reboot: destroy\n"));
  BOOST_TEST(reboot.exit_code == 4, reboot.out);
  auto loop = run_hvmtool("run -F --json --log-dir " + dir.path().string() + " " +
                          pipeline(dir, "l", "event: reboot", "", "  on_reboot: restart\n  restart_limit: 2\n"));
  BOOST_TEST(loop.exit_code == 4, loop.out);
  BOOST_TEST(loop.out.find("\"outcome\":\"restart-loop\"") != std::string::npos, loop.out);
  BOOST_TEST(loop.out.find("\"attempts\":3") != std::string::npos, loop.out);
}

BOOST_AUTO_TEST_CASE(sigterm_cancels_the_run_and_rolls_back) {
  test::TempDir dir;
  auto file = pipeline(dir, "forever", "event: none", "");
  auto r = test::run_command("( " + hvmtool_bin() + " run -F --log-dir " + dir.path().string() + " " + file +
                             " & pid=$!; sleep 1; kill -TERM $pid; wait $pid )");
  BOOST_TEST(r.exit_code == 130, r.out);
  BOOST_TEST(r.out.find("cancelled: terminated (SIGTERM)") != std::string::npos, r.out);
  BOOST_TEST(read_file(dir.path() / "forever.calls").find("destroy 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(count_and_several_files_run_concurrently) {
  test::TempDir dir;
  auto a = pipeline(dir, "many", "", "", "count: 3\n");
  auto b = pipeline(dir, "other", "", "");
  auto r = run_hvmtool("run -F --json --log-dir " + dir.path().string() + " " + a + " " + b);
  BOOST_TEST(r.exit_code == 0, r.out);
  for (const char* name : {"many-0", "many-1", "many-2", "other"})
    BOOST_TEST(r.out.find("\"name\":\"" + std::string(name) + "\"") != std::string::npos, name);
}

BOOST_AUTO_TEST_CASE(count_runs_hundreds_of_domains_in_one_file) {
  test::TempDir dir;
  auto file = pipeline(dir, "lots", "", "", "count: 300\n");
  auto r = run_hvmtool("run -F --json --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("{\"name\":\"lots-299\",\"outcome\":\"poweroff\"") != std::string::npos, r.out);
  BOOST_TEST(read_file(dir.path() / "lots.calls").find("destroy 300\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(max_parallel_creates_the_next_domain_once_a_guest_runs) {
  test::TempDir dir;
  auto file = pipeline(dir, "one", "event: none", "", "count: 3\n");
  auto r = test::run_command("( " + hvmtool_bin() + " run -F --max-parallel 1 --log-dir " + dir.path().string() + " " +
                             file + " & pid=$!; sleep 1; kill -TERM $pid; wait $pid )");
  BOOST_TEST(r.exit_code == 130, r.out);
  const std::string calls = read_file(dir.path() / "one.calls");
  BOOST_TEST(calls.find("create_domain one-0\n") < calls.find("unpause 1\n"), calls);
  BOOST_TEST(calls.find("unpause 1\n") < calls.find("create_domain one-1\n"), calls);
  BOOST_TEST(calls.find("unpause 2\n") < calls.find("create_domain one-2\n"), calls);
  BOOST_TEST(calls.find("unpause 3\n") != std::string::npos, calls);
}

BOOST_AUTO_TEST_CASE(by_default_the_first_guest_runs_before_the_last_domain_is_created) {
  test::TempDir dir;
  auto file = pipeline(dir, "big", "", "", "count: 200\n");
  auto r = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  const std::string calls = read_file(dir.path() / "big.calls");
  BOOST_TEST(calls.find("unpause 1\n") < calls.find("create_domain big-199\n"), calls);
}

BOOST_AUTO_TEST_CASE(a_cancel_ends_the_domains_still_waiting_for_admission) {
  test::TempDir dir;
  auto file = pipeline(dir, "wait", "", "behaviour: hang, fail_slot: build", "count: 4\n");
  auto r = test::run_command("( " + hvmtool_bin() + " run -F --json --max-parallel 2 --log-dir " + dir.path().string() +
                             " " + file + " & pid=$!; sleep 1; kill -TERM $pid; wait $pid )");
  BOOST_TEST(r.exit_code == 130, r.out);
  // One summary line for the two that never started, not one line each;
  // the two admitted ones report their own cancel.
  BOOST_TEST(r.out.find("hvmtool: 2 domains cancelled before start: terminated (SIGTERM)\n") != std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("wait-2: cancelled before start") == std::string::npos, r.out);
  BOOST_TEST(r.out.find("wait-3: cancelled before start") == std::string::npos, r.out);
  BOOST_TEST(r.out.find("hvmtool: wait-0: cancelled: terminated (SIGTERM)") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("{\"name\":\"wait-2\",\"outcome\":\"cancelled\"") != std::string::npos, r.out);
  const std::string calls = read_file(dir.path() / "wait.calls");
  BOOST_TEST(calls.find("create_domain wait-1\n") != std::string::npos, calls);
  BOOST_TEST(calls.find("create_domain wait-2\n") == std::string::npos, calls);
  BOOST_TEST(calls.find("destroy 2\n") != std::string::npos, calls);  // the admitted ones rolled back
  auto bad = run_hvmtool("run -F --max-parallel 0 " + file);
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.out == "hvmtool: --max-parallel must be at least 1\n");
}

BOOST_AUTO_TEST_CASE(files_with_the_same_platform_parameters_share_one_platform) {
  // The recording platform writes its call log when it is destroyed: one
  // instance serving both files logs both domains, with ids 1 and 2.
  test::TempDir dir;
  const std::string calls = (dir.path() / "shared.calls").string();
  auto file = [&](const std::string& name) {
    return dir
        .write(name + ".yaml", "platform: testplatform\nplugins: {search_path: [" + test::test_plugin_dir().string() +
                                   "]}\nstages: {bootloader: teststage, build: teststage}\n"
                                   "params: {testplatform: {calls_file: " +
                                   calls + "}}\ndomain: {name: " + name + ", type: pvh, memory: 64M}\n")
        .string();
  };
  auto r = run_hvmtool("run -F --log-dir " + dir.path().string() + " " + file("first") + " " + file("second"));
  BOOST_TEST(r.exit_code == 0, r.out);
  const std::string log = read_file(calls);
  BOOST_TEST(log.find("create_domain first\n") != std::string::npos, log);
  BOOST_TEST(log.find("create_domain second\n") != std::string::npos, log);
  BOOST_TEST(log.find("destroy 2\n") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(validate_reports_ok_and_errors_with_file_line_column) {
  test::TempDir dir;
  auto good = pipeline(dir, "good", "", "");
  auto ok = run_hvmtool("validate " + good);
  BOOST_TEST(ok.exit_code == 0, ok.out);
  BOOST_TEST(ok.out.find(good + ": ok (1 domain(s); platform testplatform") != std::string::npos, ok.out);
  // Nothing ran: the recording platform made no domain.
  BOOST_TEST(read_file(dir.path() / "good.calls").find("create_domain") == std::string::npos);

  auto broken = dir.write("broken.yaml", "domain:\n  name: x\n  memory: 12Q\n");
  auto bad = run_hvmtool("validate " + broken.string());
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.out.starts_with("hvmtool: " + broken.string() + ":3:11: field 'domain.memory': "), bad.out);

  auto unknown_plugin =
      dir.write("np.yaml", "platform: testplatform\nplugins: {search_path: [" + test::test_plugin_dir().string() +
                               "]}\nstages: {build: nosuchplugin}\ndomain: {name: x, type: pvh}\n");
  auto np = run_hvmtool("validate " + unknown_plugin.string());
  BOOST_TEST(np.exit_code == 1);
  BOOST_TEST(np.out.starts_with("hvmtool: " + unknown_plugin.string() + ":3:17: plugin 'nosuchplugin' not found"),
             np.out);
}

namespace {

// `hvmtool validate` of an hvm domain on the recording test platform.
std::pair<test::CommandResult, std::string> validate_hvm(const test::TempDir& dir, const std::string& name,
                                                         const std::string& stages, const std::string& fields) {
  std::ostringstream y;
  y << "platform: testplatform\n"
    << "plugins: {search_path: [" << test::test_plugin_dir().string() << "]}\n"
    << "stages: {" << stages << "}\n"
    << "params:\n  testplatform: {calls_file: " << (dir.path() / (name + ".calls")).string() << "}\n"
    << "domain:\n  name: " << name << "\n  type: hvm\n"
    << fields;
  const std::string file = dir.write(name + ".yaml", y.str()).string();
  return {run_hvmtool("validate " + file), file};
}

}  // namespace

// The names `firmware:` and `bios:` accept are the firmware plugin's: it
// refuses one it does not know when the file is loaded, worded as the
// loader's own errors (file, line, column, field, a did-you-mean).
BOOST_AUTO_TEST_CASE(validate_reports_firmware_names_the_firmware_plugin_does_not_know) {
  test::TempDir dir;
  auto validate = [&](const std::string& name, const std::string& fields) {
    return validate_hvm(dir, name, "bootloader: teststage", fields);
  };

  const std::string kBiosWhat = "expected seabios, ovmf or a path (containing '/'), got ";
  auto [bios, bios_file] = validate("bios", "  bios: seabio\n");
  BOOST_TEST(bios.exit_code == 1);
  BOOST_TEST(bios.out == "hvmtool: " + bios_file + ":9:9: field 'domain.bios': " + kBiosWhat +
                             "\"seabio\" (did you mean 'seabios'?)\n",
             bios.out);
  auto [uefi, uefi_file] = validate("uefi", "  bios: uefi\n");
  BOOST_TEST(uefi.out == "hvmtool: " + uefi_file + ":9:9: field 'domain.bios': " + kBiosWhat + "\"uefi\"\n", uefi.out);
  auto [fw, fw_file] = validate("fw", "  firmware: hvmloadr\n");
  BOOST_TEST(fw.exit_code == 1);
  BOOST_TEST(fw.out == "hvmtool: " + fw_file +
                           ":9:13: field 'domain.firmware': expected hvmloader or a path (containing '/'), got "
                           "\"hvmloadr\" (did you mean 'hvmloader'?)\n",
             fw.out);
  // The default loader, found where the build put it.
  auto [good, good_file] = validate("good", "");
  BOOST_TEST(good.exit_code == 0, good.out);
}

// Disk formats are the words of the stages that read disks: the grub
// bootloader (the disk it boots from) and build_hvm (a boot sector when
// there is nothing else to boot) refuse one no disk reader knows, at load.
BOOST_AUTO_TEST_CASE(validate_reports_disk_formats_the_stages_reading_the_disk_do_not_know) {
  test::TempDir dir;
  auto validate = [&](const std::string& name, const std::string& stages, const std::string& disks) {
    return validate_hvm(dir, name, stages, "  disks:\n" + disks);
  };

  const std::string qcow2 = "expected raw (the disk formats hvmtool reads), got \"qcow2\"\n";
  auto [grub, grub_file] = validate("grub", "bootloader: grub", "    - \"format=qcow2, target=a.img\"\n");
  BOOST_TEST(grub.exit_code == 1);
  BOOST_TEST(grub.out == "hvmtool: " + grub_file + ":10:7: field 'domain.disks[0].format': " + qcow2, grub.out);
  // grub reads the disk it boots from (the first, unless params.grub.disk
  // names another), not the others.
  auto [second, second_file] = validate("second", "bootloader: grub",
                                        "    - \"format=raw, target=a.img\"\n    - \"format=qcow2, target=b.img\"\n");
  BOOST_TEST(second.exit_code == 0, second_file + ": " + second.out);
  auto [hvm, hvm_file] =
      validate("hvm", "bootloader: none, build: build_hvm", "    - \"format=qcow2, target=a.img\"\n");
  BOOST_TEST(hvm.exit_code == 1);
  BOOST_TEST(hvm.out == "hvmtool: " + hvm_file + ":10:7: field 'domain.disks[0].format': " + qcow2, hvm.out);
  auto [raw, raw_file] = validate("raw", "bootloader: none, build: build_hvm", "    - \"format=raw, target=a.img\"\n");
  BOOST_TEST(raw.exit_code == 0, raw.out);
}

namespace {

// config/ as shipped, beside a `build` link to this build tree, so the
// files' relative paths (../build/...) resolve wherever the tree was built.
struct ShippedConfigs {
  test::TempDir dir;
  ShippedConfigs() {
    fs::create_directories(dir.path() / "config");
    for (const auto& entry : fs::directory_iterator(test::source_dir() / "config"))
      if (entry.path().extension() == ".yaml")
        fs::copy_file(entry.path(), dir.path() / "config" / entry.path().filename());
    fs::create_directory_symlink(test::build_dir(), dir.path() / "build");
  }
  std::string file(const std::string& name) const { return (dir.path() / "config" / name).string(); }
};

boost::test_tools::assertion_result kvm_present(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(fs::exists("/dev/kvm"));
  r.message() << "/dev/kvm not present: this test boots a real domain on kvm";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_shipped_pipeline_validates) {
  ShippedConfigs configs;
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(configs.dir.path() / "config")) {
    auto r = run_hvmtool("validate " + entry.path().string());
    BOOST_TEST(r.exit_code == 0, entry.path().filename().string() + ": " + r.out);
    ++checked;
  }
  BOOST_TEST(checked >= 3u);
}

BOOST_AUTO_TEST_CASE(kvm_hello_boots_prints_and_powers_off, *boost::unit_test::precondition(kvm_present)) {
  ShippedConfigs configs;
  auto r = run_hvmtool("run -F -c --log-dir " + configs.dir.path().string() + " " + configs.file("kvm-hello.yaml"));
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("hello from flat32, ebx=0x") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("guest poweroff (port 0x604 SLP_EN)") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(without_F_run_returns_once_the_domain_runs_and_a_background_process_keeps_it) {
  test::TempDir dir;
  auto file = pipeline(dir, "bg", "event: none", "");
  auto r = run_hvmtool("run --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 0, r.out);
  auto at = r.out.find("(pid ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  const int pid = std::stoi(r.out.substr(at + 5));
  // The background process holds the domain until it is told to stop.
  BOOST_TEST(::kill(pid, 0) == 0);
  BOOST_TEST(!fs::exists(dir.path() / "bg.calls"));
  BOOST_TEST(::kill(pid, SIGTERM) == 0);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) ::usleep(50000);
  BOOST_TEST(::kill(pid, 0) != 0);
  const std::string calls = read_file(dir.path() / "bg.calls");
  BOOST_TEST(calls.find("unpause 1\n") < calls.find("destroy 1\n"), calls);
  // Its own messages went to its log in the log directory.
  BOOST_TEST(
      read_file(dir.path() / ("hvmtool-" + std::to_string(pid) + ".log")).find("cancelled: terminated (SIGTERM)") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_F_a_failing_run_reports_its_error_and_status) {
  test::TempDir dir;
  auto file = pipeline(dir, "bgfail", "", "behaviour: fail, fail_slot: build");
  auto r = run_hvmtool("run --log-dir " + dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(r.out.find("stage build (teststage) failed") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(list_store_and_destroy_reach_a_domain_held_by_another_process,
                     *boost::unit_test::precondition(kvm_present)) {
  ShippedConfigs configs;
  // SeaBIOS with no disk to boot stays up: a long-running guest.
  std::string yaml = read_file(configs.file("hvm-seabios.yaml"));
  const std::string name = "cli-list-" + std::to_string(::getpid());
  yaml.replace(yaml.find("name: hvm-seabios"), std::string("name: hvm-seabios").size(), "name: " + name);
  std::ofstream(configs.file("long.yaml")) << yaml;
  auto started = run_hvmtool("run --log-dir " + configs.dir.path().string() + " " + configs.file("long.yaml"));
  BOOST_REQUIRE_MESSAGE(started.exit_code == 0, started.out);

  auto list = run_hvmtool("list");
  BOOST_TEST(list.out.find(name) != std::string::npos, list.out);
  auto target = run_hvmtool("store read " + name + " memory/target");
  BOOST_TEST(target.exit_code == 0, target.out);
  BOOST_TEST(target.out == "131072\n");
  auto tree = run_hvmtool("store ls " + name);
  BOOST_TEST(tree.out.find("name = \"" + name + "\"") != std::string::npos, tree.out);
  BOOST_TEST(tree.out.find(" static-max = \"131072\"") != std::string::npos, tree.out);

  auto destroyed = run_hvmtool("destroy " + name);
  BOOST_TEST(destroyed.exit_code == 0, destroyed.out);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = run_hvmtool("list").out.find(name) == std::string::npos;
    if (!gone) ::usleep(50000);
  }
  BOOST_TEST(gone);
  auto missing = run_hvmtool("store ls " + name);
  BOOST_TEST(missing.exit_code == 1);
  BOOST_TEST(missing.out == "hvmtool: no live domain named '" + name + "' (hvmtool list shows them)\n");
}

namespace {

// config/hvm-hvmloader.yaml with the test kernel told how to end, a fresh
// name, and extra domain fields.
std::string hvmloader_pipeline(const ShippedConfigs& configs, const std::string& name, const std::string& action,
                               const std::string& extra) {
  std::string yaml = read_file(configs.file("hvm-hvmloader.yaml"));
  auto replace_line = [&](const std::string& starts, const std::string& with) {
    auto at = yaml.find(starts);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, starts);
    yaml.replace(at, yaml.find('\n', at) - at, with);
  };
  replace_line("  name: hvm-hvmloader", "  name: " + name);
  replace_line("  cmdline:", "  cmdline: \"testkernel.action=" + action + "\"");
  replace_line("  on_crash: destroy", extra);
  const std::string file = configs.file(name + ".yaml");
  std::ofstream(file) << yaml;
  return file;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_rebooting_guest_is_restarted_until_the_loop_guard,
                     *boost::unit_test::precondition(kvm_present)) {
  ShippedConfigs configs;
  const std::string name = "cli-reboot-" + std::to_string(::getpid());
  auto file = hvmloader_pipeline(configs, name, "reboot", "  on_reboot: restart\n  restart_limit: 1");
  auto r = run_hvmtool("run -F --json --log-dir " + configs.dir.path().string() + " " + file);
  BOOST_TEST(r.exit_code == 4, r.out);
  BOOST_TEST(r.out.find("\"outcome\":\"restart-loop\"") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("\"attempts\":2") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("guest reboot (port 0xcf9 reset)") != std::string::npos, r.out);
  // The guest really ran twice: its second boot's console went to the log,
  // the first boot's to the rotated one.
  const std::string log = read_file(configs.dir.path() / ("guest-" + name + ".log"));
  BOOST_TEST(log.find("testkernel: rebooting") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(a_crashed_guest_is_preserved_paused_until_destroyed,
                     *boost::unit_test::precondition(kvm_present)) {
  ShippedConfigs configs;
  const std::string name = "cli-crash-" + std::to_string(::getpid());
  auto file = hvmloader_pipeline(configs, name, "crash", "  on_crash: preserve");
  auto started = run_hvmtool("run --log-dir " + configs.dir.path().string() + " " + file);
  BOOST_REQUIRE_MESSAGE(started.exit_code == 0, started.out);
  // The crash happens after the detached run returned; wait for it.
  bool preserved = false;
  for (int i = 0; i < 200 && !preserved; ++i) {
    for (const auto& entry : fs::directory_iterator(configs.dir.path()))
      if (entry.path().filename().string().starts_with("hvmtool-") &&
          read_file(entry.path()).find("domain preserved (paused)") != std::string::npos)
        preserved = true;
    if (!preserved) ::usleep(100000);
  }
  BOOST_REQUIRE(preserved);
  auto list = run_hvmtool("list");
  BOOST_TEST(list.out.find(name) != std::string::npos, list.out);
  BOOST_TEST(run_hvmtool("destroy " + name).exit_code == 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = run_hvmtool("list").out.find(name) == std::string::npos;
    if (!gone) ::usleep(50000);
  }
  BOOST_TEST(gone);
}

namespace {

boost::test_tools::assertion_result hardware_virtualisation(boost::unit_test::test_unit_id) {
  const bool hw = fs::exists("/sys/module/kvm_intel") || fs::exists("/sys/module/kvm_amd");
  boost::test_tools::assertion_result r(hw && fs::exists("/dev/kvm"));
  r.message() << "needs kvm_intel or kvm_amd: a stock Linux kernel does not get past its decompressor on "
              << (fs::exists("/sys/module/kvm_pvm") ? "kvm_pvm (software nested virtualisation)" : "this host");
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(debian_linux_boots_to_its_initramfs_through_hvmloader,
                     *boost::unit_test::precondition(hardware_virtualisation)) {
  const fs::path cache = test::source_dir() / "guests" / "cache";
  if (!fs::exists(cache / "vmlinuz") || !fs::exists(cache / "initramfs.cpio.gz")) {
    auto fetch = test::run_command("bash " + (test::source_dir() / "scripts/guest/fetch-debian-kernel.sh").string() +
                                   " && bash " + (test::source_dir() / "scripts/guest/build-initramfs.sh").string());
    BOOST_REQUIRE_MESSAGE(fetch.exit_code == 0, fetch.out);
  }
  auto r = run_hvmtool("run -F -c --log-dir " + cache.string() + " " +
                       (test::source_dir() / "config" / "hvm-linux.yaml").string());
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("HVMTOOL-INIT-MARKER") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(an_hvm_domain_boots_its_disk_boot_sector_through_hvmloader,
                     *boost::unit_test::precondition(kvm_present)) {
  ShippedConfigs configs;
  auto r =
      run_hvmtool("run -F -c --log-dir " + configs.dir.path().string() + " " + configs.file("hvm-bootsector.yaml"));
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("Invoking boot sector") < r.out.find("bootsector: hello from 0x7c00, dl=0x80"), r.out);

  // A disk shorter than a sector is refused before any memory is built.
  std::string yaml = read_file(configs.file("hvm-bootsector.yaml"));
  const std::string target = "../build/tests/guests/bootsector";
  yaml.replace(yaml.find(target), target.size(), "short.img");
  std::ofstream(configs.dir.path() / "config" / "short.img") << "only 20 bytes long..";
  std::ofstream(configs.file("short.yaml")) << yaml;
  auto bad = run_hvmtool("run -F --log-dir " + configs.dir.path().string() + " " + configs.file("short.yaml"));
  BOOST_TEST(bad.exit_code == 2, bad.out);
  BOOST_TEST(bad.out.find("short.img: offset 0x0: the disk is 20 bytes, shorter than one 512-byte boot sector") !=
                 std::string::npos,
             bad.out);
}
