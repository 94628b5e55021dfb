// The grub bootloader in a real pipeline, on each of kvm and emu the machine
// has (ctest runs this suite once per platform): `hvmtool run` of the
// shipped config/disk-boot.yaml (with this test's disk) boots the test kernel
// that the stage extracted from a generated ext4 disk through hvmloader; the
// kernel reports the command line from grub.cfg and the checksum of the
// initrd put on the disk. Also: GPT + extlinux.conf with bootloader_args, and
// a hostile disk failing the run cleanly.
#define BOOST_TEST_MODULE bootloader_boot
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <regex>

#include "support/platform_suite_main.hpp"
#include "support/test_env.hpp"

namespace fs = std::filesystem;
using namespace hvmtool;

using hvmtool::test::replace;
using hvmtool::test::slurp;

namespace {

struct Boot {
  test::TempDir tmp;
  fs::path scratch_parent = tmp.path() / "scratch";
  std::string initrd;
  std::uint32_t sum = 0;

  Boot() {
    fs::create_directory(scratch_parent);
    for (int i = 0; i < 150000; ++i) initrd.push_back(static_cast<char>((i * 7 + (i >> 8)) & 0xff));
    for (unsigned char c : initrd) sum += c;
  }

  fs::path disk(const std::string& options, const std::string& cmdline) {
    const fs::path out = tmp.path() / "disk.img";
    auto r = test::run_command("bash " + (test::source_dir() / "scripts" / "make-test-disk.sh").string() + " " +
                               out.string() + " " + options + " --kernel " + TEST_BZIMAGE + " --initrd " +
                               tmp.write("initrd.img", initrd).string() + " --cmdline '" + cmdline + "'");
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return out;
  }

  // config/disk-boot.yaml as shipped, with this test's disk, name, log and args.
  test::CommandResult run(const fs::path& disk, const std::string& args, const fs::path& log) {
    std::string yaml = test::on_test_platform(slurp(test::source_dir() / "config" / "disk-boot.yaml"));
    yaml = replace(yaml, "target=../build/tests/disk-boot.img", "target=" + disk.string());
    yaml = replace(yaml, "name: disk-boot",
                   "name: disk-boot-test-" + std::to_string(::getpid()) + "\n  logfile: " + log.string());
    yaml = replace(yaml, "bootloader_args: [\"entry=0\"]", "bootloader_args: [" + args + "]");
    return test::run_command("TMPDIR=" + scratch_parent.string() + " " + (test::build_dir() / "hvmtool").string() +
                             " run --timings " + tmp.write("disk-boot.yaml", yaml).string());
  }

  std::size_t leftovers() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(scratch_parent)) ++n;
    return n;
  }
};

void check_report(const std::string& con, const std::string& cmdline, const Boot& b) {
  BOOST_TEST(con.find("HVM Loader (hvmtool ") == 0u);
  BOOST_TEST(con.find("testkernel: cmdline \"" + cmdline + "\"") != std::string::npos);
  std::smatch got;
  BOOST_REQUIRE(std::regex_search(
      con, got, std::regex(R"(testkernel: initrd addr=0x([0-9a-f]+) size=0x([0-9a-f]+) sum=0x([0-9a-f]+))")));
  BOOST_TEST(std::stoull(got[2], nullptr, 16) == b.initrd.size());
  BOOST_TEST(std::stoull(got[3], nullptr, 16) == b.sum);
  BOOST_TEST(con.find("testkernel: done") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_config_boots_the_kernel_from_grub_cfg) {
  Boot b;
  const std::string cmdline = "console=ttyS0 hvmtool=disk-boot from=grub.cfg";
  const fs::path disk = b.disk("--mbr --layout grub", cmdline);
  const fs::path log = b.tmp.path() / "console.log";
  auto r = b.run(disk, "\"entry=0\"", log);
  std::cout << r.out;
  const std::string con = slurp(log);
  std::cout << con;
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(std::regex_search(r.out, std::regex(R"(\n  bootloader grub +[0-9.]+ ms  ok\n)")));
  BOOST_TEST(r.out.find("grub: " + disk.string() +
                        ": MBR partition 1 at byte 1048576: /boot/grub/grub.cfg entry 0 "
                        "'hvmtool test kernel': kernel /boot/vmlinuz-hvmtool (" +
                        std::to_string(fs::file_size(TEST_BZIMAGE)) + " bytes), initrd /boot/initrd.img-hvmtool (" +
                        std::to_string(b.initrd.size()) + " bytes), cmdline \"" + cmdline + "\"") != std::string::npos);
  check_report(con, cmdline, b);
  BOOST_TEST(b.leftovers() == 0u);  // removed when the domain was destroyed
}

BOOST_AUTO_TEST_CASE(gpt_extlinux_with_bootloader_args) {
  Boot b;
  const fs::path disk = b.disk("--gpt --layout extlinux", "console=ttyS0 hvmtool=extlinux");
  const fs::path log = b.tmp.path() / "console.log";
  auto r = b.run(disk, "\"entry=rescue\"", log);
  std::cout << r.out;
  const std::string con = slurp(log);
  BOOST_TEST(r.exit_code == 0);
  check_report(con, "console=ttyS0 hvmtool=extlinux single", b);
  BOOST_TEST(b.leftovers() == 0u);
}

BOOST_AUTO_TEST_CASE(hostile_disk_fails_the_run_and_leaves_nothing) {
  Boot b;
  const fs::path disk = b.disk("--gpt --layout grub", "console=ttyS0");
  {
    std::fstream f(disk, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(512 + 56);
    f.put('\x5a');  // the disk GUID, under the header CRC
  }
  const fs::path log = b.tmp.path() / "console.log";
  auto r = b.run(disk, "\"entry=0\"", log);
  std::cout << r.out;
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.find("stage bootloader (grub) failed: " + disk.string() +
                        ": GPT header CRC mismatch at byte 512: "
                        "stored 0x") != std::string::npos);
  BOOST_TEST(r.out.find("  bootloader grub") != std::string::npos);
  BOOST_TEST(r.out.find("  build ") == std::string::npos);
  BOOST_TEST(b.leftovers() == 0u);
}

int main(int argc, char* argv[]) {
  return hvmtool::test::platform_suite_main(argc, argv, {HVMLOADER_PATH, TEST_BZIMAGE});
}
