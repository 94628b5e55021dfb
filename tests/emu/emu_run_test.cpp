// The shipped pipelines on emu, through the CLI as the README runs them
// (`hvmtool run -F -c --timings`), forced onto emu (`platform: emu`): hvmloader into the
// test kernel (the README's main command), the kvm-hello guest, the direct
// and PVH test kernels, the boot sector, and SeaBIOS up to its boot attempt.

#define BOOST_TEST_MODULE emu_run
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "support/test_env.hpp"

using namespace hvmtool;
namespace fs = std::filesystem;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// config/NAME.yaml as shipped, on emu, with its ../build/ paths pointing into
// this build tree, written to `dir`. `kvm_only`: a pipeline that names kvm
// because emu cannot run it (its line is changed to emu).
fs::path emu_config(const test::TempDir& dir, const std::string& name, bool kvm_only = false) {
  std::string yaml = test::slurp(test::source_dir() / "config" / (name + ".yaml"));
  if (kvm_only) {
    yaml = test::replace(yaml, "\nplatform: kvm\n", "\nplatform: emu\n");
  } else {
    // The shipped files leave the platform to the automatic choice, which
    // takes kvm where /dev/kvm exists: these cases are about emu.
    BOOST_REQUIRE_MESSAGE(yaml.find("\nplatform:") == std::string::npos, name + ".yaml names a platform");
    yaml = "platform: emu\n" + yaml;
  }
  yaml = replace_all(yaml, "../build/", test::build_dir().string() + "/");
  return dir.write(name + ".yaml", yaml);
}

// `exec_it`: the shell replaces itself with hvmtool (so that a signal reaches it).
std::string command(const test::TempDir& dir, const fs::path& yaml, bool exec_it = false) {
  // A private registry and log directory: domain names are host-wide.
  return "HVMTOOL_EMU_REGISTRY=" + (dir.path() / "registry").string() + " HVMTOOL_LOG_DIR=" + dir.path().string() +
         (exec_it ? " exec " : " ") + (test::build_dir() / "hvmtool").string() + " run -F -c --timings " +
         yaml.string();
}

struct Boot {
  int exit_code;
  std::string out;
};

Boot boot(const std::string& name, bool kvm_only = false) {
  test::TempDir dir;
  const auto r = test::run_command(command(dir, emu_config(dir, name, kvm_only)));
  BOOST_TEST_MESSAGE(name << " on emu (exit " << r.exit_code << "):\n" << r.out);
  return {r.exit_code, r.out};
}

bool has(const std::string& out, const std::string& s) { return out.find(s) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(readme_main_command_hvmloader_into_the_test_kernel) {
  const Boot b = boot("hvm-hvmloader");
  BOOST_TEST(b.exit_code == 0);
  BOOST_TEST(has(b.out, "HVM Loader"));
  BOOST_TEST(has(b.out, "Detected hvmtool emu"));  // the CPUID leaves name the platform
  BOOST_TEST(has(b.out, "Invoking Linux kernel"));
  BOOST_TEST(has(b.out, "testkernel: entry=32bit esi=0x00030000"));
  BOOST_TEST(has(b.out, "testkernel: cmdline \"console=ttyS0 hvmtool=hvm-hvmloader\""));
  BOOST_TEST(has(b.out, "testkernel: done"));
  BOOST_TEST(has(b.out, "domain hvm-hvmloader: poweroff (guest poweroff (port 0x604 SLP_EN))"));
}

BOOST_AUTO_TEST_CASE(kvm_hello) {
  const Boot b = boot("kvm-hello");
  BOOST_TEST(b.exit_code == 0);
  BOOST_TEST(has(b.out, "hello from flat32, ebx=0x00006000"));
}

BOOST_AUTO_TEST_CASE(direct_and_pvh_test_kernels) {
  const Boot direct = boot("direct-testkernel");
  BOOST_TEST(direct.exit_code == 0);
  BOOST_TEST(has(direct.out, "testkernel: entry=64bit rsi=0x0000000000007000"));
  BOOST_TEST(has(direct.out, "testkernel: cmdline \"console=ttyS0 hvmtool=direct-testkernel\""));
  BOOST_TEST(has(direct.out, "testkernel: done"));
  const Boot pvh = boot("pvh-testkernel");
  BOOST_TEST(pvh.exit_code == 0);
  BOOST_TEST(has(pvh.out, "pvhkernel: entry=pvh ebx=0x00006000 cr0=0x00000011"));
  BOOST_TEST(has(pvh.out, "pvhkernel: done"));
}

BOOST_AUTO_TEST_CASE(boot_sector_through_hvmloader) {
  const Boot b = boot("hvm-bootsector");
  BOOST_TEST(b.exit_code == 0);
  BOOST_TEST(has(b.out, "Invoking boot sector"));
  BOOST_TEST(has(b.out, "bootsector: hello from 0x7c00, dl=0x80"));
}

BOOST_AUTO_TEST_CASE(ovmf_is_refused_with_the_reason) {
  // Out of scope on emu (long mode from 32-bit code): a crash that says why.
  const Boot b = boot("hvm-ovmf", true);
  BOOST_TEST(b.exit_code == 3);
  BOOST_TEST(has(b.out, "Invoking OVMF"));
  BOOST_TEST(has(b.out, "domain hvm-ovmf: crash (guest crash (long mode needs a 64-bit entry on emu ("));
}

BOOST_AUTO_TEST_CASE(list_store_and_destroy_from_another_process) {
  // `hvmtool run` without -F leaves the domain to a background process;
  // list, store and destroy reach it through the emu registry.
  test::TempDir dir;
  const std::string env =
      "HVMTOOL_EMU_REGISTRY=" + (dir.path() / "registry").string() + " HVMTOOL_LOG_DIR=" + dir.path().string() + " ";
  const std::string hvmtool = env + (test::build_dir() / "hvmtool").string();
  const auto run = test::run_command(hvmtool + " run " + emu_config(dir, "hvm-seabios").string());
  BOOST_TEST_MESSAGE(run.out);
  BOOST_REQUIRE(run.exit_code == 0);
  // Without --platform, the commands look at every installed platform.
  const auto list = test::run_command(hvmtool + " list");
  BOOST_TEST(list.exit_code == 0);
  BOOST_TEST(has(list.out, "Platform"));
  BOOST_TEST(has(list.out, "hvm-seabios"));
  BOOST_TEST(has(list.out, "running   emu"));
  BOOST_TEST(has(test::run_command(hvmtool + " list --platform emu").out, "hvm-seabios"));
  const auto store = test::run_command(hvmtool + " store read hvm-seabios name");
  BOOST_TEST(store.exit_code == 0);
  BOOST_TEST(has(store.out, "hvm-seabios"));
  const auto nowhere = test::run_command(hvmtool + " destroy no-such-domain");
  BOOST_TEST(nowhere.exit_code == 1);
  BOOST_TEST(has(nowhere.out, "no live domain named 'no-such-domain'"));
  const auto destroy = test::run_command(hvmtool + " destroy hvm-seabios");
  BOOST_TEST(destroy.exit_code == 0);
  BOOST_TEST(!has(test::run_command(hvmtool + " list --platform emu").out, "hvm-seabios"));
}

BOOST_AUTO_TEST_CASE(seabios_reaches_its_boot_attempt) {
  // SeaBIOS then waits 60 s to retry: the run is ended (SIGTERM, which
  // hvmtool answers by destroying the domain) once the line is there.
  test::TempDir dir;
  const std::string cmd = command(dir, emu_config(dir, "hvm-seabios"), true) + " 2>&1";
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buf[4096];
  while (!has(out, "No bootable device.") && std::chrono::steady_clock::now() < deadline) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fds[0], &set);
    timeval tv{1, 0};
    if (::select(fds[0] + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(pid, SIGTERM);
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST_MESSAGE("hvm-seabios on emu:\n" << out);
  BOOST_TEST(has(out, "SeaBIOS (version"));
  BOOST_TEST(has(out, "RamSize: 0x07ff0000 [cmos]"));
  BOOST_TEST(has(out, "Booting from Hard Disk..."));
  BOOST_TEST(has(out, "No bootable device."));
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 130);  // cancelled by SIGTERM, rolled back
}
