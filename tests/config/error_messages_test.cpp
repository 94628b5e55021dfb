// Every error the loader raises, with its exact one-line message. The
// messages are the user interface of a config file, so they are pinned
// here character for character, line and column included.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace hvmtool;
using hvmtool::test::file_error;
using hvmtool::test::load_error;

namespace {

struct Case {
  const char* yaml;
  const char* message;
};

// A valid `domain:` header; the body lines follow from line 3, column 3.
std::string dom(const std::string& body) { return "domain:\n  name: x\n" + body; }

const std::string kDomainKeys =
    "name, type, memory, maxmem, vcpus, maxvcpus, firmware, bios, kernel, ramdisk, cmdline, disks, "
    "bootloader_args, logfile, on_poweroff, on_reboot, on_crash, mmio_hole, restart_limit, "
    "restart_window, timeouts";
const std::string kPluginName = "a plugin name (lower-case letters, digits, '_' and '-')";
const std::string kDiskSpec = R"(a disk spec like "format=raw, vdev=xvda, access=rw, target=disk.img" or a path)";

void check(const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [yaml, message] : cases) {
    BOOST_TEST_CONTEXT("yaml:\n" << yaml) { BOOST_TEST(load_error(yaml) == message); }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(file_level) {
  check({
      {"", "t.yaml:1:1: the file is empty; expected a map with a 'domain' section"},
      {"# only a comment\n\n", "t.yaml:1:1: the file is empty; expected a map with a 'domain' section"},
      {"~\n", "t.yaml:1:1: the file is empty; expected a map with a 'domain' section"},
      {"- a\n- b\n", "t.yaml:1:1: expected a map at the top level, got a list"},
      {"hello\n", "t.yaml:1:1: expected a map at the top level, got a single value"},
      {"# leading comment\n- a\n", "t.yaml:2:1: expected a map at the top level, got a list"},
      {"domain: {name: a}\n---\ndomain: {name: b}\n", "t.yaml:3:1: a second YAML document; a pipeline file holds one"},
      {"? [a]\n: 1\n", "t.yaml:1:3: expected a plain key, got a list"},
  });
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_carry_yaml_cpp_position) {
  check({
      {"domain: [a, b\n", "t.yaml:2:1: invalid YAML: end of sequence flow not found"},
      {"domain:\n  name: x\n bad: 1\n", "t.yaml:3:2: invalid YAML: end of map not found"},
      {"domain: {name: x\n", "t.yaml:2:1: invalid YAML: end of map flow not found"},
      {"domain:\n  name: x: y\n", "t.yaml:2:10: invalid YAML: illegal map value"},
      {"domain: *nope\n", "t.yaml:1:9: invalid YAML: the referenced anchor is not defined"},
  });
}

BOOST_AUTO_TEST_CASE(top_level) {
  check({
      {"platform: kvm\n", "t.yaml:1:1: field 'domain': required at the top level but missing"},
      {"\n\nplatform: kvm\n", "t.yaml:3:1: field 'domain': required at the top level but missing"},
      {"domian: {name: x}\n", "t.yaml:1:1: field 'domian': unknown key (did you mean 'domain'?)"},
      {"domain: {name: x}\nfoo: 1\n",
       "t.yaml:2:1: field 'foo': unknown key; expected one of: platform, count, plugins, stages, params, domain"},
      {"name: x\n", "t.yaml:1:1: field 'name': unknown key (did you mean 'domain.name'?)"},
      {"domain: {name: x}\nparameters: {}\n", "t.yaml:2:1: field 'parameters': unknown key (did you mean 'params'?)"},
      {"domain: {name: a}\ndomain: {name: b}\n", "t.yaml:2:1: field 'domain': duplicate key (first given on line 1)"},
      {"domain: x\n", R"(t.yaml:1:9: field 'domain': expected a map, got "x")"},
      {"domain:\n", "t.yaml:1:1: field 'domain': expected a map, got an empty value"},
      {"domain: [a]\n", "t.yaml:1:9: field 'domain': expected a map, got a list"},
      {"platform: KVM\ndomain: {name: x}\n",
       "t.yaml:1:11: field 'platform': expected " + kPluginName + R"(, got "KVM")"},
      {"platform: ''\ndomain: {name: x}\n", "t.yaml:1:11: field 'platform': expected " + kPluginName + R"(, got "")"},
      {"platform: [kvm]\ndomain: {name: x}\n",
       "t.yaml:1:11: field 'platform': expected " + kPluginName + ", got a list"},
      {"count: 0\ndomain: {name: x}\n",
       R"(t.yaml:1:8: field 'count': expected a whole number from 1 to 1000000, got "0")"},
      {"count: 1000001\ndomain: {name: x}\n",
       R"(t.yaml:1:8: field 'count': expected a whole number from 1 to 1000000, got "1000001")"},
      {"count: two\ndomain: {name: x}\n",
       R"(t.yaml:1:8: field 'count': expected a whole number from 1 to 1000000, got "two")"},
      {"count: -1\ndomain: {name: x}\n",
       R"(t.yaml:1:8: field 'count': expected a whole number from 1 to 1000000, got "-1")"},
  });
}

BOOST_AUTO_TEST_CASE(plugins_section) {
  check({
      {"plugins: ./p\ndomain: {name: x}\n", R"(t.yaml:1:10: field 'plugins': expected a map, got "./p")"},
      {"plugins:\n  searchpath: [a]\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'plugins.searchpath': unknown key (did you mean 'search_path'?)"},
      {"plugins:\n  search_path: ./plugins\ndomain: {name: x}\n",
       R"(t.yaml:2:16: field 'plugins.search_path': expected a list of folders, got "./plugins")"},
      {"plugins:\n  search_path: [a, {b: c}]\ndomain: {name: x}\n",
       "t.yaml:2:20: field 'plugins.search_path[1]': expected a path, got a map"},
      {"plugins:\n  search_path: [a, '']\ndomain: {name: x}\n",
       R"(t.yaml:2:20: field 'plugins.search_path[1]': expected a path, got "")"},
      {"plugins:\n  firmware: Vendor FW\ndomain: {name: x}\n",
       "t.yaml:2:13: field 'plugins.firmware': expected " + kPluginName + R"(, got "Vendor FW")"},
  });
}

BOOST_AUTO_TEST_CASE(stages_section) {
  check({
      {"stages: [make]\ndomain: {name: x}\n",
       "t.yaml:1:9: field 'stages': expected a map of stage: plugin, got a list"},
      {"stages:\n  bulid: core\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'stages.bulid': unknown key (did you mean 'build'?)"},
      {"stages:\n  launch: core\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'stages.launch': unknown key; expected one of: make, bootloader, build_pre, build, "
       "build_post, unpause, wait"},
      {"stages:\n  build: Build HVM\ndomain: {name: x}\n",
       "t.yaml:2:10: field 'stages.build': expected " + kPluginName + R"(, got "Build HVM")"},
      {"stages:\n  build:\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'stages.build': expected " + kPluginName + ", got an empty value"},
      {"stages:\n  build: a\n  build: b\ndomain: {name: x}\n",
       "t.yaml:3:3: field 'stages.build': duplicate key (first given on line 2)"},
  });
}

BOOST_AUTO_TEST_CASE(params_section) {
  check({
      {"params: [a]\ndomain: {name: x}\n",
       "t.yaml:1:9: field 'params': expected a map of plugin: parameters, got a list"},
      {"params:\n  Build_HVM: {a: 1}\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'params.Build_HVM': expected " + kPluginName + R"(, got "Build_HVM")"},
      {"params:\n  build_hmv: {entry: direct}\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'params.build_hmv': no stage, platform or firmware uses plugin 'build_hmv' "
       "(did you mean 'build_hvm'?)"},
      {"params:\n  vendor: {a: 1}\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'params.vendor': no stage, platform or firmware uses plugin 'vendor'"},
      {"params:\n  build_hvm: direct\ndomain: {name: x}\n",
       R"(t.yaml:2:14: field 'params.build_hvm': expected a map of parameter: value, got "direct")"},
      {"params:\n  build_hvm:\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'params.build_hvm': expected a map of parameter: value, got an empty value"},
      {"params:\n  build_hvm: {entry: [a]}\ndomain: {name: x}\n",
       "t.yaml:2:22: field 'params.build_hvm.entry': expected a single value (string, number or true/false), got a "
       "list"},
      {"params:\n  build_hvm:\n    entry:\ndomain: {name: x}\n",
       "t.yaml:3:5: field 'params.build_hvm.entry': expected a single value (string, number or true/false), got an "
       "empty value"},
      {"params:\n  build_hvm: {entry: a, entry: b}\ndomain: {name: x}\n",
       "t.yaml:2:25: field 'params.build_hvm.entry': duplicate key (first given on line 2)"},
      // A plugin chosen only by default still counts as used.
      {"params:\n  build_pv: {a: 1}\ndomain: {name: x}\n",
       "t.yaml:2:3: field 'params.build_pv': no stage, platform or firmware uses plugin 'build_pv' "
       "(did you mean 'build_hvm'?)"},
  });
  BOOST_TEST(load_error("params:\n  build_pv: {a: 1}\ndomain: {name: x, type: pvh}\n") == "(no error)");
  BOOST_TEST(load_error("params:\n  firmware: {a: 1}\n  kvm: {b: 2}\n  none: {c: 3}\ndomain: {name: x}\n") ==
             "(no error)");
  // `platform: auto` (the default) may pick any candidate, so each takes params...
  BOOST_TEST(load_error("params:\n  kvm: {a: 1}\n  xen: {b: 2}\n  emu: {c: 3}\ndomain: {name: x}\n") == "(no error)");
  // ...but 'auto' is a choice, not a plugin, and a named platform excludes the others.
  BOOST_TEST(load_error("params:\n  auto: {a: 1}\ndomain: {name: x}\n") ==
             "t.yaml:2:3: field 'params.auto': no stage, platform or firmware uses plugin 'auto'");
  BOOST_TEST(load_error("platform: emu\nparams:\n  kvm: {a: 1}\ndomain: {name: x}\n") ==
             "t.yaml:3:3: field 'params.kvm': no stage, platform or firmware uses plugin 'kvm'");
}

BOOST_AUTO_TEST_CASE(domain_keys) {
  check({
      {"domain:\n  type: hvm\n", "t.yaml:2:3: field 'domain.name': required in 'domain' but missing"},
      {"domain: {type: hvm}\n", "t.yaml:1:9: field 'domain.name': required in 'domain' but missing"},
      {dom("  memroy: 1G\n"), "t.yaml:3:3: field 'domain.memroy': unknown key (did you mean 'memory'?)"},
      {dom("  Memory: 1G\n"), "t.yaml:3:3: field 'domain.Memory': unknown key (did you mean 'memory'?)"},
      {dom("  vcpu: 2\n"), "t.yaml:3:3: field 'domain.vcpu': unknown key (did you mean 'vcpus'?)"},
      {dom("  extra: quiet\n"), "t.yaml:3:3: field 'domain.extra': unknown key (did you mean 'cmdline'?)"},
      {dom("  append: quiet\n"), "t.yaml:3:3: field 'domain.append': unknown key (did you mean 'cmdline'?)"},
      {dom("  root: /dev/xvda1\n"), "t.yaml:3:3: field 'domain.root': unknown key (did you mean 'cmdline'?)"},
      {dom("  builder: hvm\n"), "t.yaml:3:3: field 'domain.builder': unknown key (did you mean 'type'?)"},
      {dom("  bootloader: pygrub\n"),
       "t.yaml:3:3: field 'domain.bootloader': unknown key (did you mean 'stages.bootloader'?)"},
      {dom("  colour: red\n"), "t.yaml:3:3: field 'domain.colour': unknown key; expected one of: " + kDomainKeys},
      {dom("  memory: 1G\n  memory: 2G\n"), "t.yaml:4:3: field 'domain.memory': duplicate key (first given on line 3)"},
      {dom("  ? [a]\n  : 1\n"), "t.yaml:3:5: field 'domain': expected a plain key, got a list"},
  });
}

BOOST_AUTO_TEST_CASE(domain_name_and_type) {
  const std::string name =
      "field 'domain.name': expected a domain name (1 to 64 of A-Z a-z 0-9 _ . -, not all digits), got ";
  check({
      {"domain: {name: 123}\n", "t.yaml:1:16: " + name + R"("123")"},
      {"domain:\n  name: \"a b\"\n", "t.yaml:2:9: " + name + R"("a b")"},
      {"domain:\n  name: ''\n", "t.yaml:2:9: " + name + R"("")"},
      {"domain:\n  name: ..\n", "t.yaml:2:9: " + name + R"("..")"},
      {"domain:\n  name: a/b\n", "t.yaml:2:9: " + name + R"("a/b")"},
      {"domain:\n  name: " + std::string(65, 'n') + "\n", "t.yaml:2:9: " + name + '"' + std::string(65, 'n') + '"'},
      {"domain:\n  name: [x]\n", "t.yaml:2:9: field 'domain.name': expected a domain name, got a list"},
      {"count: 10\ndomain:\n  name: " + std::string(63, 'n') + "\n",
       "t.yaml:3:9: field 'domain.name': \"" + std::string(63, 'n') +
           "-9\" would be longer than 64 characters (count is 10)"},
      {dom("  type: hmv\n"),
       R"(t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got "hmv" (did you mean 'hvm'?))"},
      {dom("  type: HVM\n"),
       R"(t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got "HVM" (did you mean 'hvm'?))"},
      {dom("  type: linux\n"), R"(t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got "linux")"},
      {dom("  type: [hvm]\n"), "t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got a list"},
  });
}

BOOST_AUTO_TEST_CASE(domain_memory_and_vcpus) {
  const std::string size = "expected a size like 128M or 2G, got ";
  check({
      {dom("  memory: 12Q\n"), "t.yaml:3:11: field 'domain.memory': " + size + R"("12Q")"},
      {dom("  memory: 1.5G\n"),
       "t.yaml:3:11: field 'domain.memory': " + size + R"("1.5G" (no fractions; write 1536M))"},
      {dom("  memory: -1G\n"), "t.yaml:3:11: field 'domain.memory': " + size + R"("-1G" (a size cannot be negative))"},
      {dom("  memory: 1M\n"), R"(t.yaml:3:11: field 'domain.memory': expected a size from 2M to 1T, got "1M")"},
      {dom("  memory: 2049G\n"), R"(t.yaml:3:11: field 'domain.memory': expected a size from 2M to 1T, got "2049G")"},
      {dom("  memory: 1\n"),
       R"(t.yaml:3:11: field 'domain.memory': expected a size from 2M to 1T, got "1" (a bare number means MiB))"},
      {dom("  memory: 0\n"),
       R"(t.yaml:3:11: field 'domain.memory': expected a size from 2M to 1T, got "0" (a bare number means MiB))"},
      {dom("  memory: 18014398509481984\n"),
       "t.yaml:3:11: field 'domain.memory': " + size + R"("18014398509481984" (too large))"},
      {dom("  memory: {size: 1G}\n"), "t.yaml:3:11: field 'domain.memory': " + size + "a map"},
      {dom("  memory:\n"), "t.yaml:3:3: field 'domain.memory': " + size + "an empty value"},
      {dom("  memory: ~\n"), "t.yaml:3:3: field 'domain.memory': " + size + "an empty value"},
      {dom("  memory: 256M\n  maxmem: 128M\n"),
       R"(t.yaml:4:11: field 'domain.maxmem': expected a size of at least memory (256M), got "128M")"},
      {dom("  maxmem: 64\n"),
       R"(t.yaml:3:11: field 'domain.maxmem': expected a size of at least memory (128M), got "64")"},
      {dom("  maxmem: 2T\n"), R"(t.yaml:3:11: field 'domain.maxmem': expected a size from 2M to 1T, got "2T")"},
      {dom("  vcpus: 0\n"), R"(t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got "0")"},
      {dom("  vcpus: 129\n"), R"(t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got "129")"},
      {dom("  vcpus: two\n"), R"(t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got "two")"},
      {dom("  vcpus: 1.0\n"), R"(t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got "1.0")"},
      {dom("  vcpus: 0x2\n"), R"(t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got "0x2")"},
      {dom("  vcpus: [1]\n"), "t.yaml:3:10: field 'domain.vcpus': expected a whole number from 1 to 128, got a list"},
      {dom("  vcpus: 4\n  maxvcpus: 2\n"),
       R"(t.yaml:4:13: field 'domain.maxvcpus': expected a whole number from vcpus (4) to 128, got "2")"},
      {dom("  maxvcpus: 200\n"),
       R"(t.yaml:3:13: field 'domain.maxvcpus': expected a whole number from 1 to 128, got "200")"},
  });
}

BOOST_AUTO_TEST_CASE(domain_boot_fields) {
  check({
      {dom("  type: pv\n  firmware: hvmloader\n"),
       "t.yaml:4:13: field 'domain.firmware': only allowed when type is hvm (this domain is pv)"},
      {dom("  type: pvh\n  bios: seabios\n"),
       "t.yaml:4:9: field 'domain.bios': only allowed when type is hvm (this domain is pvh)"},
      {dom("  type: pv\n  mmio_hole: 512M\n"),
       "t.yaml:4:14: field 'domain.mmio_hole': only allowed when type is hvm (this domain is pv)"},
      // Which names exist is the firmware plugin's to say (tests/cli: validate_reports_firmware_names_...).
      {dom("  firmware: ''\n"),
       R"(t.yaml:3:13: field 'domain.firmware': expected a firmware name or a path (containing '/'), got "")"},
      {dom("  bios: [seabios]\n"),
       R"(t.yaml:3:9: field 'domain.bios': expected a firmware name or a path (containing '/'), got a list)"},
      {dom("  kernel: ''\n"), R"(t.yaml:3:11: field 'domain.kernel': expected a path, got "")"},
      {dom("  kernel: [a, b]\n"), "t.yaml:3:11: field 'domain.kernel': expected a path, got a list"},
      {dom("  ramdisk:\n"), "t.yaml:3:3: field 'domain.ramdisk': expected a path, got an empty value"},
      {dom("  logfile: {a: b}\n"), "t.yaml:3:12: field 'domain.logfile': expected a path, got a map"},
      {dom("  cmdline: {a: b}\n"), "t.yaml:3:12: field 'domain.cmdline': expected a string, got a map"},
      {dom("  cmdline:\n"), "t.yaml:3:3: field 'domain.cmdline': expected a string, got an empty value"},
      {dom("  bootloader_args: entry=1\n"),
       R"(t.yaml:3:20: field 'domain.bootloader_args': expected a list of strings, got "entry=1")"},
      {dom("  bootloader_args: [a, [b]]\n"),
       "t.yaml:3:24: field 'domain.bootloader_args[1]': expected a string, got a list"},
  });
}

BOOST_AUTO_TEST_CASE(domain_disks) {
  check({
      {dom("  disks: disk.img\n"),
       R"(t.yaml:3:10: field 'domain.disks': expected a list of disk specs, got "disk.img")"},
      {dom("  disks:\n    - {target: x}\n"),
       "t.yaml:4:7: field 'domain.disks[0]': expected " + kDiskSpec + ", got a map"},
      {dom("  disks:\n    - ''\n"), "t.yaml:4:7: field 'domain.disks[0]': expected " + kDiskSpec + R"(, got "")"},
      {dom("  disks:\n    - a.img\n    - \"format=raw, vdev=xvdb\"\n"),
       "t.yaml:5:7: field 'domain.disks[1].target': required in 'domain.disks[1]' but missing"},
      {dom("  disks: [\"target=\"]\n"), R"(t.yaml:3:11: field 'domain.disks[0].target': expected a path, got "")"},
      {dom("  disks: [\"devtype=cdrom, target=x\"]\n"),
       "t.yaml:3:11: field 'domain.disks[0].devtype': unknown key; expected one of: format, vdev, access, target"},
      {dom("  disks: [\"acess=ro, target=x\"]\n"),
       "t.yaml:3:11: field 'domain.disks[0].acess': unknown key (did you mean 'access'?)"},
      // Which formats exist is for the stages that read disks to say (tests/cli).
      {dom("  disks: [\"format=QCOW2, target=x\"]\n"),
       R"(t.yaml:3:11: field 'domain.disks[0].format': expected a disk format name (lower-case letters and digits, like raw), got "QCOW2")"},
      {dom("  disks: [\"access=readonly, target=x\"]\n"),
       R"(t.yaml:3:11: field 'domain.disks[0].access': expected ro, r, rw or w, got "readonly")"},
      {dom("  disks: [\"vdev=XVDA, target=x\"]\n"),
       R"(t.yaml:3:11: field 'domain.disks[0].vdev': expected a device name like xvda, hda or sda, got "XVDA")"},
      {dom("  disks: [\"vdev=, target=x\"]\n"),
       R"(t.yaml:3:11: field 'domain.disks[0].vdev': expected a device name like xvda, hda or sda, got "")"},
      {dom("  disks: [\"raw, target=x\"]\n"),
       R"(t.yaml:3:11: field 'domain.disks[0]': expected KEY=VALUE items (format, vdev, access, target), got "raw")"},
      {dom("  disks: [\"format=raw, format=raw, target=x\"]\n"),
       "t.yaml:3:11: field 'domain.disks[0].format': given twice"},
      {dom("  disks:\n    - \"vdev=xvda, target=a\"\n    - \"vdev=xvda, target=b\"\n"),
       R"(t.yaml:5:7: field 'domain.disks[1].vdev': "xvda" is already used by domain.disks[0])"},
      {"count: 2\ndomain:\n  name: x\n  disks: [a.img]\n",
       "t.yaml:4:11: field 'domain.disks[0]': a writable disk cannot be shared by the 2 domains that count creates "
       "(add access=ro)"},
      {"count: 2\ndomain:\n  name: x\n  disks: [\"access=rw, target=a.img\"]\n",
       "t.yaml:4:11: field 'domain.disks[0]': a writable disk cannot be shared by the 2 domains that count creates "
       "(add access=ro)"},
  });
}

BOOST_AUTO_TEST_CASE(domain_lifecycle_fields) {
  const std::string window = "expected a duration in whole seconds from 1s to 24h, got ";
  const std::string dur = "expected a duration like 30s, 500ms, 2m or 0, got ";
  check({
      {dom("  on_crash: rename-restart\n"),
       R"(t.yaml:3:13: field 'domain.on_crash': expected destroy, restart or preserve, got "rename-restart")"},
      {dom("  on_reboot: restrat\n"),
       R"(t.yaml:3:14: field 'domain.on_reboot': expected destroy, restart or preserve, got "restrat" (did you mean 'restart'?))"},
      {dom("  on_poweroff: [destroy]\n"),
       "t.yaml:3:16: field 'domain.on_poweroff': expected destroy, restart or preserve, got a list"},
      {dom("  mmio_hole: 128M\n"),
       R"(t.yaml:3:14: field 'domain.mmio_hole': expected a size from 256M to 3G, got "128M")"},
      {dom("  mmio_hole: 4G\n"), R"(t.yaml:3:14: field 'domain.mmio_hole': expected a size from 256M to 3G, got "4G")"},
      {dom("  mmio_hole: 262145K\n"),
       R"(t.yaml:3:14: field 'domain.mmio_hole': expected a multiple of 1M, got "262145K")"},
      {dom("  restart_limit: 1001\n"),
       R"(t.yaml:3:18: field 'domain.restart_limit': expected a whole number from 0 to 1000, got "1001")"},
      {dom("  restart_window: 500ms\n"), "t.yaml:3:19: field 'domain.restart_window': " + window + R"("500ms")"},
      {dom("  restart_window: 1500ms\n"), "t.yaml:3:19: field 'domain.restart_window': " + window + R"("1500ms")"},
      {dom("  restart_window: 0\n"), "t.yaml:3:19: field 'domain.restart_window': " + window + R"("0")"},
      {dom("  restart_window: 25h\n"), "t.yaml:3:19: field 'domain.restart_window': " + window + R"("25h")"},
      {dom("  restart_window: 60\n"),
       "t.yaml:3:19: field 'domain.restart_window': " + dur + R"("60" (add a unit: ms, s, m or h))"},
      {dom("  timeouts: 10s\n"),
       R"(t.yaml:3:13: field 'domain.timeouts': expected a map of stage: duration, got "10s")"},
      {dom("  timeouts: {biuld: 1s}\n"),
       "t.yaml:3:14: field 'domain.timeouts.biuld': unknown key (did you mean 'build'?)"},
      {dom("  timeouts: {boot: 1s}\n"),
       "t.yaml:3:14: field 'domain.timeouts.boot': unknown key; expected one of: make, bootloader, build_pre, build, "
       "build_post, unpause, wait"},
      {dom("  timeouts: {make: 10}\n"),
       "t.yaml:3:20: field 'domain.timeouts.make': " + dur + R"("10" (add a unit: ms, s, m or h))"},
      {dom("  timeouts: {make: -1s}\n"),
       "t.yaml:3:20: field 'domain.timeouts.make': " + dur + R"("-1s" (a duration cannot be negative))"},
      {dom("  timeouts: {make: 1.5s}\n"),
       "t.yaml:3:20: field 'domain.timeouts.make': " + dur + R"("1.5s" (no fractions; use a smaller unit))"},
      {dom("  timeouts: {make: 10S}\n"), "t.yaml:3:20: field 'domain.timeouts.make': " + dur + R"("10S")"},
      {dom("  timeouts:\n    wait: 1s\n    wait: 2s\n"),
       "t.yaml:5:5: field 'domain.timeouts.wait': duplicate key (first given on line 4)"},
  });
}

// Values are quoted with control characters escaped, so what() stays one line.
BOOST_AUTO_TEST_CASE(messages_are_one_line) {
  std::string msg = load_error(dom("  type: |\n    hvm\n    pv\n"));
  BOOST_TEST(msg == R"(t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got "hvm\npv\n")");
  std::string long_value(200, 'v');
  msg = load_error(dom("  type: " + long_value + "\n"));
  BOOST_TEST(msg ==
             "t.yaml:3:9: field 'domain.type': expected hvm, pv or pvh, got \"" + std::string(80, 'v') + "...\"");
}

BOOST_AUTO_TEST_CASE(file_name_is_as_given) {
  BOOST_TEST(load_error("domain: {}\n", "../rel/dir/p.yaml") ==
             "../rel/dir/p.yaml:1:9: field 'domain.name': required in 'domain' but missing");
}

BOOST_AUTO_TEST_CASE(files_that_cannot_be_read) {
  BOOST_TEST(file_error("/nonexistent/p.yaml") == "/nonexistent/p.yaml: cannot open: No such file or directory");
  BOOST_TEST(file_error(HVMTOOL_CONFIG_TEST_DATA) ==
             std::string(HVMTOOL_CONFIG_TEST_DATA) + ": cannot read: Is a directory");
}

BOOST_AUTO_TEST_CASE(broken_files_in_data_dir) {
  const std::string dir = HVMTOOL_CONFIG_TEST_DATA;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty.yaml", ":1:1: the file is empty; expected a map with a 'domain' section"},
      {"syntax-error.yaml", ":7:8: invalid YAML: end of map flow not found"},
      {"bad-memory.yaml", R"(:6:11: field 'domain.memory': expected a size like 128M or 2G, got "12Q")"},
      {"unknown-key.yaml", ":8:3: field 'domain.memroy': unknown key (did you mean 'memory'?)"},
      {"duplicate-key.yaml", ":6:3: field 'domain.vcpus': duplicate key (first given on line 4)"},
      {"bad-disk.yaml", R"(:7:7: field 'domain.disks[1].access': expected ro, r, rw or w, got "readwrite")"},
      {"bad-stage.yaml", ":3:3: field 'stages.buid': unknown key (did you mean 'build'?)"},
      {"missing-name.yaml", ":4:3: field 'domain.name': required in 'domain' but missing"},
  };
  for (const auto& [name, message] : cases) {
    std::string path = dir + "/" + name;
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(file_error(path) == path + message); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
