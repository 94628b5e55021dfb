// build_hvm on a real platform (each of kvm and emu the machine has: ctest
// runs this suite once per platform): hvmloader boots the test kernel
// (through `hvmtool run` and the shipped config; and moving a large initrd
// and kernel), hands off to SeaBIOS and to
// OVMF, and
// stops with a crash on a corrupted hvm_info table.
#define BOOST_TEST_MODULE build_hvm_boot
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>

#include <unistd.h>

#include "plugin/plugin_loader.hpp"
#include "runner/domain_run.hpp"
#include "support/platform_suite_main.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using hvmtool::test::NullLogger;
using hvmtool::test::replace;
using hvmtool::test::slurp;

namespace {

std::uint64_t num(const std::string& s) { return std::stoull(s, nullptr, 16); }

// SeaBIOS's SMP count and KVM's own emulation limits (OVMF) are kvm's
// behaviour; emu's SeaBIOS run is in tests/emu (emu_run_test), and OVMF is
// outside emu's scope (platforms/emu/README.md).
boost::test_tools::assertion_result on_kvm(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(test::test_platform() == "kvm");
  r.message() << "this case checks kvm's behaviour; this run is on " << test::test_platform();
  return r;
}

test::CommandResult hvmtool_run(const fs::path& yaml) {
  return test::run_command((test::build_dir() / "hvmtool").string() + " run --timings " + yaml.string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_config_boots_hvmloader_into_the_test_kernel) {
  test::TempDir tmp;
  // A ramdisk the kernel checksums.
  std::string rd;
  for (int i = 0; i < 100000; ++i) rd.push_back(static_cast<char>((i * 131 + (i >> 9)) & 0xff));
  const fs::path ramdisk = tmp.write("initrd.img", rd);
  std::uint32_t sum = 0;
  for (unsigned char ch : rd) sum += ch;
  const fs::path log = tmp.path() / "console.log";

  // config/hvm-hvmloader.yaml as shipped, but with this build tree's kernel
  // (the file names ../build/...), a ramdisk and a log file.
  std::string yaml = test::on_test_platform(slurp(test::source_dir() / "config" / "hvm-hvmloader.yaml"));
  const std::string cmdline = "console=ttyS0 hvmtool=hvm-hvmloader";
  BOOST_REQUIRE(yaml.find("cmdline: \"" + cmdline + "\"") != std::string::npos);
  yaml = replace(
      yaml, "kernel: ../build/tests/guests/testkernel.bzImage",
      std::string("kernel: ") + TEST_BZIMAGE + "\n  ramdisk: " + ramdisk.string() + "\n  logfile: " + log.string());
  // Domain names are host-wide on kvm: one of our own, so that a concurrent
  // run of the shipped file (or of this test) does not collide.
  yaml = replace(yaml, "name: hvm-hvmloader", "name: hvm-hvmloader-test-" + std::to_string(::getpid()));
  test::CommandResult r = hvmtool_run(tmp.write("hvm.yaml", yaml));
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.find("build      build_hvm") != std::string::npos);

  BOOST_TEST(con.find("HVM Loader (hvmtool ") == 0u);
  BOOST_TEST(con.find("hvm_start_info at 0x00006000 (2 modules)") != std::string::npos);
  // hvmloader's E820 dump = what the kernel got in its zero page.
  std::regex loader_e820(R"( \[(\d+)\]: ([0-9a-f]{8}):([0-9a-f]{8}) - ([0-9a-f]{8}):([0-9a-f]{8}): (RAM|RESERVED))");
  std::regex kernel_e820(R"(testkernel: e820 (\d+) 0x([0-9a-f]{16}) 0x([0-9a-f]{16}) (\d+))");
  std::vector<std::tuple<std::uint64_t, std::uint64_t, int>> dumped, received;
  for (std::sregex_iterator it(con.begin(), con.end(), loader_e820), end; it != end; ++it) {
    const auto& m = *it;
    std::uint64_t a = num(m[2]) << 32 | num(m[3]), b = num(m[4]) << 32 | num(m[5]);
    dumped.emplace_back(a, b - a, m[6] == "RAM" ? 1 : 2);
  }
  for (std::sregex_iterator it(con.begin(), con.end(), kernel_e820), end; it != end; ++it)
    received.emplace_back(num((*it)[2]), num((*it)[3]), std::stoi((*it)[4]));
  BOOST_TEST(dumped.size() >= 4u);
  BOOST_TEST((dumped == received));
  // 128 MiB: RAM to 0xA0000, then from 1 MiB to low end minus hvmloader's 64 KiB table block.
  BOOST_TEST((std::get<0>(dumped.at(0)) == 0 && std::get<1>(dumped.at(0)) == 0xA0000));
  BOOST_TEST(con.find(" 00000000:feff0000 - 00000001:00000000: RESERVED") != std::string::npos);

  BOOST_TEST(con.find("testkernel: cmdline \"" + cmdline + "\"") != std::string::npos);
  std::smatch inv, got;
  BOOST_REQUIRE(
      std::regex_search(con, inv, std::regex(R"(Invoking Linux kernel .* initrd 0x([0-9a-f]+) size 0x([0-9a-f]+)\))")));
  BOOST_REQUIRE(std::regex_search(
      con, got, std::regex(R"(testkernel: initrd addr=0x([0-9a-f]+) size=0x([0-9a-f]+) sum=0x([0-9a-f]+))")));
  BOOST_TEST(num(got[1]) == num(inv[1]));
  BOOST_TEST(num(got[1]) != 0u);
  BOOST_TEST(num(got[2]) == rd.size());
  BOOST_TEST(num(inv[2]) == rd.size());
  BOOST_TEST(num(got[3]) == sum);
  BOOST_TEST(con.find("Invoking Linux") < con.find("testkernel: entry"));
  BOOST_TEST(con.find("testkernel: done") != std::string::npos);
}

// Bulk moves (hvmloader/paging.S): in a 3 GiB domain build_hvm puts the
// modules near 3 GiB, so hvmloader moves a 4 MiB initrd below the test
// kernel's initrd_addr_max (2 GiB), and moves a kernel with 2 MiB appended to
// 1 MiB (memmove above hvmloader's image, the trampoline below); the test
// kernel sums both. With paging off on kvm_pvm this took ~40 s; now well
// under one.
BOOST_AUTO_TEST_CASE(hvmloader_moves_a_large_initrd_and_kernel) {
  test::TempDir tmp;
  auto fill = [](std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed, sum = 0;
    for (auto& c : s) {
      x = x * 1103515245u + 12345u;
      c = static_cast<char>(x >> 16);
      sum += static_cast<unsigned char>(c);
    }
    return std::make_pair(s, sum);
  };
  const auto [rd, rd_sum] = fill(4 << 20, 1);
  const auto [extra, extra_sum] = fill(2 << 20, 2);
  std::string kernel = slurp(TEST_BZIMAGE);
  BOOST_REQUIRE(kernel.size() > 0x400);
  const std::size_t setup = (static_cast<unsigned char>(kernel[0x1f1]) + 1) * 512;
  kernel += extra;
  const std::uint32_t syssize = static_cast<std::uint32_t>((kernel.size() - setup + 15) / 16);
  std::memcpy(kernel.data() + 0x1f4, &syssize, 4);
  // init_size covers the padded protected-mode part, as a real kernel's
  // covers its image (build_hvm refuses one that does not).
  const std::uint32_t init_size = static_cast<std::uint32_t>((kernel.size() - setup + 0xFFF) & ~0xFFFull);
  std::memcpy(kernel.data() + 0x260, &init_size, 4);
  const fs::path log = tmp.path() / "console.log";
  const std::string yaml = "platform: " + test::test_platform() +
                           "\nstages: {build: build_hvm}\nparams: {build_hvm: {entry: direct}}\n"
                           "domain:\n  name: hvm-bulk-test-" +
                           std::to_string(::getpid()) +
                           "\n  type: hvm\n  memory: 3G\n  vcpus: 1\n  firmware: hvmloader\n  kernel: " +
                           tmp.write("big.bzImage", kernel).string() +
                           "\n  ramdisk: " + tmp.write("initrd.img", rd).string() + "\n  logfile: " + log.string() +
                           "\n  cmdline: \"console=ttyS0\"\n  on_poweroff: destroy\n  on_crash: destroy\n"
                           "  timeouts: {build: 60s, wait: 120s}\n";
  test::CommandResult r = hvmtool_run(tmp.write("bulk.yaml", yaml));
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;
  BOOST_TEST(r.exit_code == 0);
  std::smatch loaded, got, app;
  BOOST_REQUIRE(std::regex_search(con, loaded, std::regex(R"(module "ramdisk" at 0x([0-9a-f]+))")));
  BOOST_REQUIRE(std::regex_search(
      con, got, std::regex(R"(testkernel: initrd addr=0x([0-9a-f]+) size=0x([0-9a-f]+) sum=0x([0-9a-f]+))")));
  BOOST_TEST(num(loaded[1]) >= 0x80000000u);
  BOOST_TEST(num(got[1]) < 0x80000000u);
  BOOST_TEST(num(got[2]) == rd.size());
  BOOST_TEST(num(got[3]) == rd_sum);
  BOOST_REQUIRE(std::regex_search(
      con, app, std::regex(R"(testkernel: appended addr=0x([0-9a-f]+) size=0x([0-9a-f]+) sum=0x([0-9a-f]+))")));
  BOOST_TEST(num(app[2]) == extra.size());
  BOOST_TEST(num(app[3]) == extra_sum);
  BOOST_TEST(con.find("in 64-bit bulk copy") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(hvmloader_hands_off_to_seabios, *boost::unit_test::precondition(on_kvm)) {
  if (!fs::exists("/usr/share/seabios/bios.bin")) {
    std::cout << "SKIP (case): /usr/share/seabios/bios.bin not installed" << std::endl;
    return;
  }
  test::TempDir tmp;
  const fs::path log = tmp.path() / "console.log";
  // As config/hvm-seabios.yaml, with a shorter wait: SeaBIOS finds no disk
  // and keeps trying, so the run ends by the wait timeout.
  std::string yaml = test::on_test_platform(slurp(test::source_dir() / "config" / "hvm-seabios.yaml"));
  BOOST_REQUIRE(yaml.find("bios: seabios") != std::string::npos);
  // Long enough for a loaded 2-core CI machine, where kvm_pvm guests slow down ~20x.
  yaml = replace(yaml, "wait: 60s", "wait: 25s");
  yaml = replace(yaml, "bios: seabios", "bios: seabios\n  logfile: " + log.string());
  // Three vCPUs: SeaBIOS counts the CPUs that answer its INIT-SIPI-SIPI.
  BOOST_REQUIRE(yaml.find("vcpus: 1") != std::string::npos);
  yaml = replace(yaml, "vcpus: 1", "vcpus: 3");
  yaml = replace(yaml, "name: hvm-seabios", "name: hvm-seabios-test-" + std::to_string(::getpid()));
  test::CommandResult r = hvmtool_run(tmp.write("seabios.yaml", yaml));
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;
  const auto invoking = con.find("Invoking SeaBIOS ...");
  const auto banner = con.find("SeaBIOS (version ");
  BOOST_TEST(con.find("HVM Loader") == 0u);
  BOOST_TEST(con.find("module \"firmware\" at ") != std::string::npos);
  BOOST_REQUIRE(invoking != std::string::npos);
  BOOST_REQUIRE(banner != std::string::npos);
  BOOST_TEST(invoking < banner);
  BOOST_TEST(con.find("hvm_info: invalid") == std::string::npos);
  // SeaBIOS keeps logging once port 0x402 reads back 0xE9, and sizes RAM
  // from the CMOS bytes hvmloader wrote: the end of hvmloader's E820 RAM
  // below the ACPI/SMBIOS block.
  std::smatch ram_end, ram_size;
  BOOST_REQUIRE(
      std::regex_search(con, ram_end, std::regex(R"( \[02\]: 00000000:00100000 - 00000000:([0-9a-f]{8}): RAM)")));
  BOOST_REQUIRE(std::regex_search(con, ram_size, std::regex(R"(RamSize: 0x([0-9a-f]{8}) \[cmos\])")));
  BOOST_TEST(num(ram_size[1]) == num(ram_end[1]));
  BOOST_TEST(con.find("Running on KVM") > banner);
  // The APs woke up and ran SeaBIOS's trampoline; the maximum is the CPU
  // count the kvm platform keeps in CMOS byte 0x5F.
  BOOST_TEST(con.find("Found 3 cpu(s) max supported 3 cpu(s)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hvmloader_hands_off_to_ovmf, *boost::unit_test::precondition(on_kvm)) {
  if (!fs::exists("/usr/share/ovmf/OVMF.fd")) {
    std::cout << "SKIP (case): /usr/share/ovmf/OVMF.fd not installed" << std::endl;
    return;
  }
  test::TempDir tmp;
  const fs::path log = tmp.path() / "console.log";
  std::string yaml = slurp(test::source_dir() / "config" / "hvm-ovmf.yaml");
  BOOST_REQUIRE(yaml.find("bios: ovmf") != std::string::npos);
  yaml = replace(yaml, "bios: ovmf", "bios: ovmf\n  logfile: " + log.string());
  yaml = replace(yaml, "name: hvm-ovmf", "name: hvm-ovmf-test-" + std::to_string(::getpid()));
  // -v: the kvm platform logs the guest's first unhandled port accesses.
  test::CommandResult r = test::run_command((test::build_dir() / "hvmtool").string() + " run -v --timings " +
                                            tmp.write("ovmf.yaml", yaml).string());
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;

  BOOST_TEST(con.find("HVM Loader") == 0u);
  BOOST_TEST(con.find("module \"firmware\" at ") != std::string::npos);
  BOOST_TEST(con.find("size 0x200000") != std::string::npos);
  // OVMF's reset-vector copy owns 0xF0000-0xFFFFF; the RSDP sits where Xen's
  // OVMF scans for it (0xEA020 up).
  BOOST_TEST(con.find(" [01]: 00000000:000f0000 - 00000000:00100000: RESERVED") != std::string::npos);
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(con, m, std::regex("ACPI RSDP at 0x([0-9a-f]{8})")));
  BOOST_TEST(num(m[1]) >= 0xEA020u);
  BOOST_TEST(num(m[1]) < 0xF0000u);
  BOOST_TEST(con.find("Loaded OVMF image at 0xffe00000-0x100000000 (reset vector copy at 0xf0000)") !=
             std::string::npos);
  BOOST_REQUIRE(con.find("Invoking OVMF ...") != std::string::npos);
  BOOST_TEST(r.out.find("flash window at 0xffe00000") != std::string::npos);

  // Only OVMF's code touches the PCI configuration ports: hvmloader never
  // does. This is OVMF reading the host bridge's vendor/device ID.
  BOOST_TEST(r.out.find("unhandled port write 0xcf8 size 4 value 0x80000000") != std::string::npos);
  if (r.exit_code == 3) {
    // kvm_pvm: KVM's emulator gives up inside OVMF. It must be in OVMF's own
    // code (in the flash window) and already in 64-bit mode (EFER.LMA), so
    // the reset vector, its GDT in the 0xF0000 copy and the mode switches
    // all worked.
    std::smatch c;
    BOOST_REQUIRE(std::regex_search(r.out, c, std::regex("at CS:RIP [0-9a-f]{4}:([0-9a-f]+) .*EFER ([0-9a-f]+)\\)")));
    BOOST_TEST(num(c[1]) >= 0xFFE00000u);
    BOOST_TEST(num(c[1]) < 0x100000000u);
    BOOST_TEST((num(c[2]) & 0x400) != 0u);
  } else {
    // With VT-x/AMD-V OVMF runs on until it finds no host bridge and stops.
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.out.find("wait") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(legacy_jmp_entry_reaches_hvmloader_without_start_info) {
  test::TempDir tmp;
  const fs::path log = tmp.path() / "console.log";
  const std::string yaml = "platform: " + test::test_platform() +
                           "\nparams:\n  build_hvm: {entry: legacy-jmp}\ndomain:\n  name: hvm-legacy-" +
                           std::to_string(::getpid()) + "\n  type: hvm\n  memory: 64M\n  logfile: " + log.string() +
                           "\n  timeouts: {wait: 20s}\n";
  test::CommandResult r = hvmtool_run(tmp.write("legacy.yaml", yaml));
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;
  BOOST_TEST(con.find("HVM Loader") == 0u);
  BOOST_TEST(con.find("WARNING: no hvm_start_info (EBX=0x00000000, legacy entry?): continuing without modules") !=
             std::string::npos);
  // No modules without a start info: hvmloader says so and powers off.
  BOOST_TEST(con.find("nothing to boot, powering off") != std::string::npos);
  BOOST_TEST(r.exit_code == 0);
}

namespace {

// build_post that first flips one byte of the hvm_info table (test-only).
class CorruptHvmInfo final : public Stage {
 public:
  explicit CorruptHvmInfo(std::shared_ptr<Stage> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return "test.corrupt_hvm_info"; }
  void async_run(StageContext& ctx, Completion done) override {
    GuestMapping m = ctx.require_domain().map(0x9F800, 64);
    m.data()[20] ^= std::byte{0x5a};  // low_mem_pgend's low byte: the byte sum is no longer 0
    inner_->async_run(ctx, std::move(done));
  }
  void undo(StageContext& ctx) noexcept override { inner_->undo(ctx); }

 private:
  std::shared_ptr<Stage> inner_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(corrupted_hvm_info_stops_with_a_crash) {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{2};
  NullLogger log;
  PluginLoader loader{{test::build_dir() / "plugins"}};
  PluginParams none;
  PlatformContext pctx{io, log, none};
  ResolvedPipeline p;
  p.platform = loader.create_platform(test::test_platform(), pctx);
  p.platform->check_available();
  p.firmware = loader.create_firmware("firmware", none);
  for (StageSlot slot : kStageOrder) {
    std::string plugin = slot == StageSlot::bootloader ? "none" : slot == StageSlot::build ? "build_hvm" : "core";
    p.stages[index_of(slot)] = loader.create_stage(plugin, slot, none);
    p.plugin_names[index_of(slot)] = plugin;
  }
  p.stages[index_of(StageSlot::build_post)] =
      std::make_shared<CorruptHvmInfo>(p.stages[index_of(StageSlot::build_post)]);
  DomainConfig c;
  c.name = "hvm-corrupt-info-" + std::to_string(::getpid());
  c.memory = 64ull << 20;
  c.firmware = "hvmloader";
  c.timeouts[index_of(StageSlot::wait)] = 20s;  // the backstop; the guest must end long before
  std::mutex mu;
  std::string con;
  ConsoleSink sink = [&](ConsoleChannel, std::string_view b) {
    std::lock_guard l(mu);
    con += b;
  };
  std::optional<RunResult> result;
  const auto t0 = std::chrono::steady_clock::now();
  auto run = std::make_shared<DomainRun>(io, workers, c, std::move(p), log, sink);
  run->start([&](const RunResult& r) { result = r; });
  auto guard = boost::asio::make_work_guard(io);
  while (!result && io.run_one_for(30s)) {
  }
  guard.reset();
  workers.join();
  std::cout << con;
  BOOST_REQUIRE(result);
  BOOST_TEST(to_string(result->outcome) == "crash");
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count() < 15);
  std::lock_guard l(mu);
  BOOST_TEST(con.find("HVM Loader") == 0u);
  BOOST_TEST(con.find("hvm_info: invalid checksum") != std::string::npos);
  BOOST_TEST(con.find("E820 table:") == std::string::npos);
}

int main(int argc, char* argv[]) { return test::platform_suite_main(argc, argv, {HVMLOADER_PATH, TEST_BZIMAGE}); }
