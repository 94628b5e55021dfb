// xl.cfg files as input: libxlutil reads them, the translation maps them to
// a pipeline, errors name FILE:LINE and the key, and `hvmtool convert`
// round-trips. (test_xl_cfg_boot.cpp boots one.)
#define BOOST_TEST_MODULE xl_cfg
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "config/pipeline_config.hpp"
#include "config/test_util.hpp"  // prints DomainType and ShutdownAction
#include "hvmtool/error.hpp"
#include "support/test_env.hpp"
#include "xl_keys.hpp"

namespace fs = std::filesystem;
using namespace hvmtool;

namespace {

const fs::path kData = HVMTOOL_XLCFG_TEST_DATA;

// Loads with the working directory set to `cwd` (xl's base for relative paths).
PipelineConfig load_in(const fs::path& file, const fs::path& cwd = "/tmp") {
  const fs::path before = fs::current_path();
  fs::current_path(cwd);
  try {
    PipelineConfig c = load_config_file(file);
    fs::current_path(before);
    return c;
  } catch (...) {
    fs::current_path(before);
    throw;
  }
}

std::string error_of(const std::string& text) {
  test::TempDir dir;
  const fs::path f = dir.write("guest.cfg", text);
  try {
    load_in(f, dir.path());
  } catch (const ConfigError& e) {
    return std::string(e.what()).substr(dir.path().string().size() + 1);  // from "guest.cfg:"
  }
  return "(no error)";
}

std::string disk_line(const DiskConfig& d) {
  return d.format + " " + d.vdev + " " + (d.readonly ? "ro " : "rw ") + d.target.string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(scanner_finds_each_assignment_and_its_line) {
  const auto keys = xl::scan_keys(
      "# comment name = \"no\"\n"
      "name = \"a#b = c\"  # trailing\n"
      "disk = [ 'x,y',\n"
      "         'z' ]; vcpus = 2\n"
      "\n"
      "extra += \" quiet\"\n");
  std::vector<std::string> got;
  for (const auto& k : keys) got.push_back(k.key + "@" + std::to_string(k.line));
  const std::vector<std::string> want = {"name@2", "disk@3", "vcpus@4", "extra@6"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pv_guest_maps_as_xl_reads_it) {
  test::TempDir cwd;
  const PipelineConfig c = load_in(kData / "pv-guest.cfg", cwd.path());
  const DomainConfig& d = c.domain;
  BOOST_TEST(d.name == "pv-guest");
  BOOST_TEST(d.type == DomainType::pv);  // xl's default type on x86
  BOOST_TEST(d.memory == 512ull << 20);
  BOOST_TEST(d.maxmem == 1024ull << 20);
  BOOST_TEST(d.vcpus == 2u);
  BOOST_TEST(d.maxvcpus == 4u);
  BOOST_TEST(d.kernel == fs::path("/boot/vmlinuz-guest"));
  BOOST_TEST(d.ramdisk == cwd.path() / "initrd.img");
  BOOST_TEST(d.cmdline == "root=/dev/xvda1 ro console=hvc0");
  BOOST_REQUIRE(d.disks.size() == 2u);
  BOOST_TEST(disk_line(d.disks[0]) == "raw xvda rw /dev/vg/guest-root");
  BOOST_TEST(disk_line(d.disks[1]) == "raw xvdb ro /srv/images/data.img");
  BOOST_TEST(d.on_reboot == ShutdownAction::destroy);
  BOOST_TEST(d.on_crash == ShutdownAction::preserve);
  BOOST_TEST(c.stage(StageSlot::build).plugin == "build_xen_pv");  // libxenguest builds classic PV
  BOOST_TEST(c.stage(StageSlot::bootloader).plugin == "none");
  BOOST_TEST(c.warnings.empty());
}

BOOST_AUTO_TEST_CASE(hvm_guest_reports_every_key_it_does_not_honour) {
  const PipelineConfig c = load_in(kData / "hvm-guest.cfg");
  const DomainConfig& d = c.domain;
  BOOST_TEST(d.type == DomainType::hvm);  // from the deprecated builder = "hvm"
  BOOST_TEST(d.firmware == "");           // the firmware plugin's default, hvmloader
  BOOST_TEST(d.bios == "ovmf");           // firmware = "uefi"
  BOOST_TEST(d.memory == 2048ull << 20);
  BOOST_TEST(d.mmio_hole == 1024ull << 20);
  BOOST_REQUIRE(d.disks.size() == 1u);
  BOOST_TEST(disk_line(d.disks[0]) == "raw hda rw /srv/images/hvm.img");
  BOOST_TEST(c.stage(StageSlot::build).plugin == "build_hvm");
  const std::string file = (kData / "hvm-guest.cfg").string();
  const std::vector<std::string> want = {
      file + ":8: key 'vif': this device kind is not supported by hvmtool yet; ignored",
      file + ":9: key 'vnc': hvmtool runs no device model (QEMU); ignored",
      file + ":10: key 'vnclisten': hvmtool runs no device model (QEMU); ignored",
      file + ":12: key 'acpi': the platform sets this feature itself; ignored"};
  BOOST_TEST(c.warnings == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pvh_guest_cmdline_wins_over_root_as_in_xl) {
  const PipelineConfig c = load_in(kData / "pvh-guest.cfg");
  BOOST_TEST(c.domain.type == DomainType::pvh);
  BOOST_TEST(c.domain.cmdline == "console=hvc0 root=/dev/xvda1");
  BOOST_TEST(c.domain.on_poweroff == ShutdownAction::destroy);
  BOOST_REQUIRE(c.warnings.size() == 1u);
  BOOST_TEST(c.warnings[0] ==
             (kData / "pvh-guest.cfg").string() + ":7: key 'root': ignored in favour of cmdline (as xl does)");
}

BOOST_AUTO_TEST_CASE(pygrub_becomes_the_grub_stage) {
  const PipelineConfig c = load_in(kData / "pygrub-guest.cfg");
  BOOST_TEST(c.stage(StageSlot::bootloader).plugin == "grub");
  BOOST_TEST(c.stage(StageSlot::bootloader).where.line == 6);
  const std::vector<std::string> args = {"--entry=1", "-q"};
  BOOST_TEST(c.domain.bootloader_args == args, boost::test_tools::per_element());
  BOOST_REQUIRE(c.domain.disks.size() == 1u);
  BOOST_TEST(disk_line(c.domain.disks[0]) == "raw xvda ro /srv/images/guest.img");
  BOOST_TEST(c.domain.bios == "seabios");  // no kernel: xl's default BIOS
}

BOOST_AUTO_TEST_CASE(errors_name_the_line_and_key) {
  BOOST_TEST(error_of("name = \"g\"\nmemroy = 512\n") ==
             "guest.cfg:2: key 'memroy': not an xl.cfg key (did you mean 'memory'?)");
  BOOST_TEST(error_of("name = \"g\"\nmemory = 512 +\n") == "guest.cfg:2: config parsing error near `+': lexical error");
  BOOST_TEST(error_of("memory = 512\n") == "guest.cfg: key 'name' is missing (xl requires it)");
  BOOST_TEST(error_of("name = \"g\"\n\ntype = \"xen\"\n") ==
             "guest.cfg:3: key 'type': expected pv, pvh or hvm, got \"xen\"");
  BOOST_TEST(error_of("name = \"g\"\ntype = \"pv\"\nbuilder = \"hvm\"\n") ==
             "guest.cfg:3: key 'builder': contradicts type = \"pv\" (builder is deprecated: remove it)");
  BOOST_TEST(error_of("name = \"g\"\ntype = \"hvm\"\nbios = \"rombios\"\n") ==
             "guest.cfg:3: key 'bios': ROMBIOS is not supported (use seabios or ovmf)");
  BOOST_TEST(error_of("name = \"g\"\nbootloader = \"/usr/bin/pvgrub-loader\"\n") ==
             "guest.cfg:2: key 'bootloader': only pygrub is supported (hvmtool's grub plugin does its job), got "
             "\"/usr/bin/pvgrub-loader\"");
  BOOST_TEST(error_of("name = \"g\"\nmemory = [ 1 ]\n") ==
             "guest.cfg:2: key 'memory': expected a single value, got a list");
  // The domain rules are the YAML loader's, at the xl.cfg line.
  BOOST_TEST(error_of("name = \"g\"\ntype = \"pvh\"\n\nmemory = \"lots\"\n") ==
             "guest.cfg:4: field 'memory': expected a size like 128M or 2G, got \"lots\"");
  BOOST_TEST(error_of("name = \"bad name!\"\n") ==
             "guest.cfg:1: field 'name': expected a domain name (1 to 64 of A-Z a-z 0-9 _ . -, not all digits), got "
             "\"bad name!\"");
  BOOST_TEST(error_of("name = \"g\"\non_crash = \"rename-restart\"\n") ==
             "guest.cfg:2: field 'on_crash': expected destroy, restart or preserve, got \"rename-restart\"");
  BOOST_TEST(
      error_of("name = \"g\"\ndisk = [ 'vdev=xvda, devtype=cdrom, target=/x.iso' ]\n") ==
      "guest.cfg:2: key 'disk': CD-ROM drives are not supported yet: \"vdev=xvda, devtype=cdrom, target=/x.iso\"");
  BOOST_TEST(error_of("name = \"g\"\ntype = \"pvh\"\n") ==
             "guest.cfg: neither kernel nor bootloader is set (a pvh guest needs one, as in xl)");
  BOOST_TEST(error_of("name = \"g\"\ntype = \"hvm\"\nfirmware = \"/a\"\nfirmware_override = \"/b\"\n") ==
             "guest.cfg:4: key 'firmware_override': conflicts with firmware = \"/a\"");
  BOOST_TEST(error_of("name = \"g\"\ntype = \"pvh\"\nfirmware = \"pvgrub64\"\n") ==
             "guest.cfg:3: key 'firmware': pvgrub is not supported; give kernel (or bootloader = \"pygrub\")");
}

BOOST_AUTO_TEST_CASE(xl_disk_syntax_errors_come_from_libxlutil) {
  BOOST_TEST(error_of("name = \"g\"\n\ndisk = [ 'vdev=xvda, access=maybe, target=/x' ]\n") ==
             "guest.cfg:3: key 'disk': config parsing error in disk specification: unknown value for access: near "
             "`maybe' in `vdev=xvda, access=maybe, target=/x'");
  BOOST_TEST(error_of("name = \"g\"\ndisk = [ '/x,raw,xvda,rw,extra' ]\n") ==
             "guest.cfg:2: key 'disk': config parsing error in disk specification: too many positional parameters: "
             "near `extra' in `/x,raw,xvda,rw,extra'");
  // As in xl, target= takes the rest of the spec: commas and '=' belong to the path.
  test::TempDir dir;
  const PipelineConfig c =
      load_in(dir.write("g.cfg", "name = \"g\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda, target=/x,y=1' ]\n"), dir.path());
  BOOST_REQUIRE(c.domain.disks.size() == 1u);
  BOOST_TEST(c.domain.disks[0].target == fs::path("/x,y=1"));
}

BOOST_AUTO_TEST_CASE(convert_round_trips_to_the_same_domain) {
  for (const char* name : {"pv-guest.cfg", "hvm-guest.cfg", "pvh-guest.cfg", "pygrub-guest.cfg"}) {
    BOOST_TEST_CONTEXT(name) {
      test::TempDir cwd;
      const PipelineConfig xl = load_in(kData / name, cwd.path());
      const fs::path before = fs::current_path();
      fs::current_path(cwd.path());
      const std::string yaml = convert_xl_cfg_to_yaml(kData / name);
      fs::current_path(before);
      const PipelineConfig y = load_pipeline_text(yaml, "converted.yaml");
      const DomainConfig &a = xl.domain, &b = y.domain;
      BOOST_TEST(a.name == b.name);
      BOOST_TEST(a.type == b.type);
      BOOST_TEST(a.memory == b.memory);
      BOOST_TEST(a.maxmem == b.maxmem);
      BOOST_TEST(a.vcpus == b.vcpus);
      BOOST_TEST(a.maxvcpus == b.maxvcpus);
      BOOST_TEST(a.firmware == b.firmware);
      BOOST_TEST(a.bios == b.bios);
      BOOST_TEST(a.kernel == b.kernel);
      BOOST_TEST(a.ramdisk == b.ramdisk);
      BOOST_TEST(a.cmdline == b.cmdline);
      BOOST_TEST(a.bootloader_args == b.bootloader_args, boost::test_tools::per_element());
      BOOST_REQUIRE(a.disks.size() == b.disks.size());
      for (std::size_t i = 0; i < a.disks.size(); ++i) BOOST_TEST(disk_line(a.disks[i]) == disk_line(b.disks[i]));
      BOOST_TEST(a.on_poweroff == b.on_poweroff);
      BOOST_TEST(a.on_reboot == b.on_reboot);
      BOOST_TEST(a.on_crash == b.on_crash);
      BOOST_TEST(a.mmio_hole == b.mmio_hole);
      for (StageSlot s : kStageOrder) BOOST_TEST(xl.stage(s).plugin == y.stage(s).plugin);
      // What was not converted is said in the YAML, not lost.
      for (const std::string& w : xl.warnings) BOOST_TEST(yaml.find("# not converted: " + w) != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_pipeline_may_take_its_domain_from_an_xl_cfg) {
  test::TempDir dir;
  dir.write("guest.cfg", "name = \"from-xl\"\ntype = \"pvh\"\nmemory = 64\nkernel = \"/k\"\nvnc = 1\n");
  const fs::path y = dir.write("p.yaml", "stages: {build: build_pv}\ndomain: {xl_cfg: guest.cfg}\n");
  const PipelineConfig c = load_in(y, "/");
  BOOST_TEST(c.domain.name == "from-xl");
  BOOST_TEST(c.domain.memory == 64ull << 20);
  BOOST_TEST(c.stage(StageSlot::build).plugin == "build_pv");
  BOOST_REQUIRE(c.warnings.size() == 1u);
  BOOST_TEST(c.warnings[0].find("guest.cfg:5: key 'vnc'") != std::string::npos);

  const fs::path extra = dir.write("q.yaml", "domain: {xl_cfg: guest.cfg, memory: 1G}\n");
  try {
    load_in(extra, dir.path());
    BOOST_FAIL("a key beside xl_cfg was accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).find("q.yaml:1:") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("'domain.memory'") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(the_format_is_told_by_extension_or_first_statement) {
  test::TempDir dir;
  BOOST_TEST(is_xl_cfg_file(dir.write("a.cfg", "name: x\n")));
  BOOST_TEST(!is_xl_cfg_file(dir.write("a.yaml", "name = \"x\"\n")));
  BOOST_TEST(is_xl_cfg_file(dir.write("guest", "# xl\n\nname = \"x\"\n")));
  BOOST_TEST(!is_xl_cfg_file(dir.write("pipeline", "# yaml\ndomain: {name: x}\n")));
}
