// Debian's kernel through the PVH entry (config/pvh-linux.yaml): the ELF
// vmlinux must reach its own "Linux version 6.1" banner on ttyS0
// (earlyprintk) and print the command line it was given. On kvm_pvm that is
// about as far as a stock kernel gets; once both are there the test cancels
// the run (SIGTERM: rolled back, exit 130) instead of waiting for the wait
// timeout. Where kvm_intel or kvm_amd is
// loaded, the same kernel (PVH, and the bzImage through the 64-bit protocol)
// boots to the initramfs, whose /init prints HVMTOOL-INIT-MARKER and powers
// off: exit 0.
// The kernel comes from the fixture test build_pv_fetch_debian_kernel
// (scripts/guest/fetch-debian-kernel.sh, build-initramfs.sh); without it
// (no network or apt) this test is skipped.
#define BOOST_TEST_MODULE pvh_linux
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_env.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using hvmtool::test::replace;
using hvmtool::test::slurp;

namespace {

const fs::path kCache = GUEST_CACHE_DIR;

bool module_loaded(const char* m) { return fs::exists(fs::path("/sys/module") / m); }

struct Boot {
  int exit_code = -1;
  std::string output;                // hvmtool's stdout+stderr, with the console (-c)
  std::optional<double> seen_after;  // seconds from start to `until`
  double seconds = 0;
  bool killed = false;  // did not end by itself (see the backstops in boot())
};

// Runs `hvmtool run -c --timings FILE`, streaming its output, and notes when
// `until` appears; once a whole line starting with `stop_at` follows (if
// given), sends SIGTERM (hvmtool cancels and rolls back). Returns when
// hvmtool exits.
Boot boot(const fs::path& file, int wait_seconds, const std::string& until, const std::string& stop_at = {}) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const std::string hvmtool = (hvmtool::test::build_dir() / "hvmtool").string();
  const auto t0 = Clock::now();
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(hvmtool.c_str(), hvmtool.c_str(), "run", "-c", "--timings", file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[1]);
  Boot b;
  bool signalled = false;
  // Backstops, so that a hung hvmtool ends this test with its output rather
  // than running into ctest's (or the kvm tier's) timeout with nothing shown:
  // the wait timeout plus a minute in all, and half a minute after SIGTERM.
  const auto give_up = t0 + std::chrono::seconds(wait_seconds + 60);
  std::optional<Clock::time_point> signalled_at;
  char buf[4096];
  for (;;) {
    const auto now = Clock::now();
    if (!b.killed && (now > give_up || (signalled_at && now - *signalled_at > std::chrono::seconds(30)))) {
      ::kill(pid, SIGKILL);
      b.killed = true;
      std::cout << file.filename().string() << ": hvmtool killed: "
                << (signalled_at ? "still running 30 s after SIGTERM" : "still running after the wait timeout")
                << std::endl;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 1000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // Streamed as it comes, so a suite killed from outside still shows how
    // far the guest got.
    std::cout.write(buf, n).flush();
    b.output.append(buf, static_cast<std::size_t>(n));
    if (!b.seen_after && b.output.find(until) != std::string::npos)
      b.seen_after = std::chrono::duration<double>(Clock::now() - t0).count();
    if (b.seen_after && !stop_at.empty() && !signalled) {
      const auto at = b.output.find(stop_at);
      if (at != std::string::npos && b.output.find('\n', at) != std::string::npos) {
        ::kill(pid, SIGTERM);
        signalled = true;
        signalled_at = Clock::now();
      }
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  b.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  b.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "\n"
            << file.filename().string() << ": exit " << b.exit_code << " after " << b.seconds << " s; '" << until
            << "' " << (b.seen_after ? "after " + std::to_string(*b.seen_after) + " s" : "not seen") << std::endl;
  return b;
}

// config/pvh-linux.yaml with the cache's files, our own domain name, and the
// given wait timeout.
fs::path pvh_linux_yaml(const hvmtool::test::TempDir& tmp, const std::string& suffix, const std::string& wait,
                        const std::string& extra_cmdline, bool bzimage) {
  std::string yaml = slurp(hvmtool::test::source_dir() / "config" / "pvh-linux.yaml");
  yaml = replace(yaml, "kernel: ../guests/cache/vmlinux",
                 "kernel: " + (kCache / (bzimage ? "vmlinuz" : "vmlinux")).string());
  yaml = replace(yaml, "ramdisk: ../guests/cache/initramfs.cpio.gz",
                 "ramdisk: " + (kCache / "initramfs.cpio.gz").string());
  yaml = replace(yaml, "name: pvh-linux", "name: pvh-linux-" + suffix + "-" + std::to_string(::getpid()));
  yaml = replace(yaml, "wait: 120s", "wait: " + wait);
  yaml = replace(yaml, "hvmtool.action=poweroff", "hvmtool.action=poweroff" + extra_cmdline);
  if (bzimage) yaml = replace(yaml, "platform: kvm\n", "platform: kvm\nparams:\n  build_pv: {entry: linux64}\n");
  return tmp.write("pvh-linux-" + suffix + ".yaml", yaml);
}

}  // namespace

BOOST_AUTO_TEST_CASE(debian_kernel_reaches_its_banner_through_the_pvh_entry) {
  hvmtool::test::TempDir tmp;
  // The wait timeout is the backstop: the banner takes about 10 s on an idle
  // kvm_pvm host, a minute or more on a loaded one (ends at the command line).
  Boot b = boot(pvh_linux_yaml(tmp, "banner", "300s", "", false), 300, "Linux version 6.1", "Command line: ");
  BOOST_TEST(!b.killed);
  BOOST_TEST(b.output.find("build_pv: " + (kCache / "vmlinux").string() + " (PVH ELF)") != std::string::npos);
  BOOST_REQUIRE(b.seen_after.has_value());
  // The whole command line, up to the line end (the 8250 console writes CR LF).
  const std::string cmdline = "Command line: console=ttyS0 earlyprintk=ttyS0 hvmtool.action=poweroff";
  const auto at = b.output.find(cmdline);
  BOOST_REQUIRE(at != std::string::npos);
  BOOST_TEST((b.output[at + cmdline.size()] == '\r' || b.output[at + cmdline.size()] == '\n'));
  // Cancelled after the banner (130); or the guest ended first: powered off
  // (0, real hardware virtualisation), crashed (3), rebooted (4), or the
  // wait timed out (2).
  BOOST_TEST((b.exit_code == 130 || b.exit_code == 0 || b.exit_code == 2 || b.exit_code == 3 || b.exit_code == 4));
}

BOOST_AUTO_TEST_CASE(debian_kernel_boots_to_the_initramfs_marker) {
  if (!module_loaded("kvm_intel") && !module_loaded("kvm_amd")) {
    std::cout << "SKIP (case): boot to init needs kvm_intel or kvm_amd; this host's kvm is "
              << (module_loaded("kvm_pvm") ? "kvm_pvm (software nested virtualisation), where a stock kernel stops in "
                                             "early boot"
                                           : "neither")
              << std::endl;
    return;
  }
  if (!fs::exists(kCache / "initramfs.cpio.gz")) {
    std::cout << "SKIP (case): no " << (kCache / "initramfs.cpio.gz") << " (scripts/guest/build-initramfs.sh)"
              << std::endl;
    return;
  }
  hvmtool::test::TempDir tmp;
  for (bool bzimage : {false, true}) {
    BOOST_TEST_CONTEXT((bzimage ? "bzImage, 64-bit entry" : "vmlinux, PVH entry")) {
      Boot b = boot(pvh_linux_yaml(tmp, bzimage ? "bz" : "pvh", "120s", "", bzimage), 120, "HVMTOOL-INIT-MARKER");
      BOOST_TEST(!b.killed);
      BOOST_TEST(b.seen_after.has_value());
      BOOST_TEST(b.output.find("hvmtool-init: action=poweroff") != std::string::npos);
      BOOST_TEST(b.exit_code == 0);
    }
  }
}

int main(int argc, char* argv[]) {
  if (!fs::exists("/dev/kvm")) {
    std::cout << "SKIP: /dev/kvm not present: the Linux smoke test needs a KVM host" << std::endl;
    return 77;
  }
  if (!fs::exists(kCache / "vmlinux")) {
    std::cout << "SKIP: Debian's kernel is not in " << kCache
              << ": the fixture build_pv_fetch_debian_kernel (scripts/guest/fetch-debian-kernel.sh) could not fetch it"
              << std::endl;
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
