// build_pv on a real platform (each of kvm and emu the machine has: ctest
// runs this suite once per platform), through `hvmtool run` and the shipped
// configs: the bzImage test kernel entered in long mode (64-bit boot
// protocol) and the PVH test kernel entered in 32-bit mode with
// hvm_start_info; each reports what it received, which must be what the
// builder placed (its log line), and powers off (exit status 0).
#define BOOST_TEST_MODULE build_pv_boot
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <regex>

#include <unistd.h>

#include "support/platform_suite_main.hpp"
#include "support/test_env.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using hvmtool::test::CommandResult;

using hvmtool::test::replace;
using hvmtool::test::slurp;

namespace {

std::uint64_t num(const std::string& s) { return std::stoull(s, nullptr, 16); }

std::string hex(std::uint64_t v, int width) {
  char b[32];
  std::snprintf(b, sizeof b, "%0*llx", width, static_cast<unsigned long long>(v));
  return b;
}

struct Ramdisk {
  std::string bytes;
  std::uint32_t sum = 0;
  explicit Ramdisk(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>((i * 151 + (i >> 8)) & 0xff));
    for (unsigned char ch : bytes) sum += ch;
  }
};

// The shipped config with this build tree's kernel, a ramdisk, a log file
// and a domain name of our own (names are host-wide), on the suite's platform.
struct Run {
  CommandResult result;
  std::string console;
  double seconds = 0;
};

Run run_shipped(const std::string& config, const std::string& name, const std::string& kernel_line,
                const std::string& ramdisk_line, const fs::path& kernel, const fs::path& ramdisk,
                const hvmtool::test::TempDir& tmp) {
  std::string yaml = hvmtool::test::on_test_platform(slurp(hvmtool::test::source_dir() / "config" / config));
  yaml = replace(yaml, kernel_line, "kernel: " + kernel.string());
  const fs::path log = tmp.path() / "console.log";
  yaml = replace(yaml, ramdisk_line, "ramdisk: " + ramdisk.string() + "\n  logfile: " + log.string());
  yaml = replace(yaml, "name: " + name, "name: " + name + "-test-" + std::to_string(::getpid()));
  const fs::path file = tmp.write(config, yaml);
  Run r;
  const auto t0 = std::chrono::steady_clock::now();
  r.result =
      hvmtool::test::run_command((hvmtool::test::build_dir() / "hvmtool").string() + " run --timings " + file.string());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.console = slurp(log);
  std::cout << r.result.out << r.console << config << ": " << r.seconds << " s" << std::endl;
  return r;
}

// "build_pv: ... ramdisk at 0xADDR+0xSIZE" from hvmtool's log.
std::pair<std::uint64_t, std::uint64_t> placed_ramdisk(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(build_pv: .* ramdisk at 0x([0-9a-f]+)\+0x([0-9a-f]+))")))
    throw std::runtime_error("no build_pv log line with the ramdisk");
  return {num(m[1]), num(m[2])};
}

}  // namespace

BOOST_AUTO_TEST_CASE(bzimage_test_kernel_boots_through_the_64bit_protocol) {
  hvmtool::test::TempDir tmp;
  // From 16 KiB the 64-bit test kernel sums its initrd at CPL 3 and comes
  // back through an exception gate; emu delivers no exception in long mode
  // (platforms/emu/README.md), so its run stays below that size.
  Ramdisk rd(hvmtool::test::test_platform() == "emu" ? 12000 : 100000);
  const fs::path ramdisk = tmp.write("initrd.img", rd.bytes);
  Run r = run_shipped("direct-testkernel.yaml", "direct-testkernel", "kernel: ../build/tests/guests/testkernel.bzImage",
                      "ramdisk: ../build/tests/guests/testkernel.bzImage", TEST_BZIMAGE, ramdisk, tmp);
  BOOST_TEST(r.result.exit_code == 0);
  BOOST_TEST(r.result.out.find("build      build_pv") != std::string::npos);
  const std::string& con = r.console;
  BOOST_TEST(con.find("testkernel: entry=64bit rsi=0x0000000000007000\n") == 0u);
  BOOST_TEST(con.find("testkernel: warning") == std::string::npos);
  BOOST_TEST(con.find("testkernel: e820 0 0x0000000000000000 0x00000000000a0000 1\n") != std::string::npos);
  BOOST_TEST(con.find("testkernel: e820 1 0x0000000000100000 0x0000000007f00000 1\n") != std::string::npos);
  BOOST_TEST(con.find("testkernel: e820 2") == std::string::npos);
  BOOST_TEST(con.find("testkernel: cmdline \"console=ttyS0 hvmtool=direct-testkernel\"") != std::string::npos);
  // The ramdisk where the builder says it put it: top of the 128 MiB, page aligned.
  const auto [addr, size] = placed_ramdisk(r.result.out);
  BOOST_TEST(addr == (((128ull << 20) - rd.bytes.size()) & ~0xfffull));
  BOOST_TEST(size == rd.bytes.size());
  BOOST_TEST(con.find("testkernel: initrd addr=0x" + hex(addr, 8) + " size=0x" + hex(size, 1) + " sum=0x" +
                      hex(rd.sum, 8)) != std::string::npos);
  BOOST_TEST(con.find("testkernel: done") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(pvh_test_kernel_boots_through_the_pvh_entry) {
  hvmtool::test::TempDir tmp;
  Ramdisk rd(54321);
  const fs::path ramdisk = tmp.write("initrd.img", rd.bytes);
  Run r = run_shipped("pvh-testkernel.yaml", "pvh-testkernel", "kernel: ../build/tests/guests/pvhkernel.elf",
                      "ramdisk: ../build/tests/guests/pvhkernel.elf", TEST_PVHKERNEL, ramdisk, tmp);
  BOOST_TEST(r.result.exit_code == 0);
  BOOST_TEST(r.result.out.find("build      build_pv") != std::string::npos);
  const std::string& con = r.console;
  // Flat 32-bit, paging off (CR0 = PE|ET), EBX = the start info page.
  BOOST_TEST(con.find("pvhkernel: entry=pvh ebx=0x00006000 cr0=0x00000011\n") == 0u);
  BOOST_TEST(con.find("pvhkernel: magic=0x336ec578 version=1 flags=0x0\n") != std::string::npos);
  BOOST_TEST(con.find("pvhkernel: cmdline \"console=ttyS0 hvmtool=pvh-testkernel\"") != std::string::npos);
  BOOST_TEST(con.find("pvhkernel: memmap 0 0x0000000000000000 0x00000000000a0000 1\n") != std::string::npos);
  BOOST_TEST(con.find("pvhkernel: memmap 1 0x0000000000100000 0x0000000007f00000 1\n") != std::string::npos);
  BOOST_TEST(con.find("pvhkernel: memmap 2") == std::string::npos);
  const auto [addr, size] = placed_ramdisk(r.result.out);
  BOOST_TEST(size == rd.bytes.size());
  BOOST_TEST(con.find("pvhkernel: module 0 addr=0x" + hex(addr, 8) + " size=0x" + hex(size, 1) + " sum=0x" +
                      hex(rd.sum, 8) + "\n") != std::string::npos);
  BOOST_TEST(con.find("pvhkernel: module 1") == std::string::npos);
  BOOST_TEST(con.find("pvhkernel: done") != std::string::npos);
}

int main(int argc, char* argv[]) {
  return hvmtool::test::platform_suite_main(argc, argv, {TEST_BZIMAGE, TEST_PVHKERNEL});
}

// The bench's live guest ("domain k created while k-1 are live"):
// with pvhkernel.idle the PVH test kernel stays up without powering off, so
// only the wait stage's timeout ends it.
BOOST_AUTO_TEST_CASE(pvh_test_kernel_with_idle_stays_live_until_the_wait_timeout) {
  hvmtool::test::TempDir tmp;
  const fs::path log = tmp.path() / "console.log";
  const fs::path file = tmp.write(
      "idle.yaml", hvmtool::test::on_test_platform("domain:\n  name: idle-test-" + std::to_string(::getpid()) +
                                                   "\n  type: pvh\n  memory: 16M\n  kernel: " TEST_PVHKERNEL
                                                   "\n  cmdline: pvhkernel.idle\n  logfile: " +
                                                   log.string() + "\n  timeouts: {wait: 2s}\n"));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      hvmtool::test::run_command((hvmtool::test::build_dir() / "hvmtool").string() + " run -F " + file.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(r.out.find("stage wait (core) timed out after 2s") != std::string::npos, r.out);
  BOOST_TEST(seconds >= 2.0);
  const std::string console = slurp(log);
  BOOST_TEST(console.find("pvhkernel: cmdline \"pvhkernel.idle\"\n") != std::string::npos, console);
  const std::string tail = "pvhkernel: done\npvhkernel: idle\n";  // and nothing after it
  BOOST_TEST(console.size() >= tail.size());
  BOOST_TEST(console.substr(console.size() - std::min(console.size(), tail.size())) == tail, console);
}
