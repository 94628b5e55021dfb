#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "config/pipeline_config.hpp"
#include "test_util.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;

std::optional<std::chrono::milliseconds> timeout(const DomainConfig& d, StageSlot s) { return d.timeouts[index_of(s)]; }

const char* const kFull = R"(platform: xen
count: 1
plugins:
  search_path: [./plugins, /opt/vendor/hvmtool]
  firmware: vendor-fw
stages:
  make: core
  bootloader: pygrub
  build_pre: core
  build: build_hvm
  build_post: core2
  unpause: core
  wait: waiter
params:
  build_hvm: {entry: direct, hugepages: on}
  xen:
    xenstore: /run/xenstored
domain:
  name: hello.world_1-a
  type: hvm
  memory: 768M
  maxmem: 2G
  vcpus: 2
  maxvcpus: 8
  firmware: ../fw/hvmloader
  bios: ovmf
  kernel: ../guests/vmlinuz
  ramdisk: initrd.img
  cmdline: "console=ttyS0 root=/dev/xvda1"
  disks:
    - "format=raw, vdev=xvda, access=ro, target=disk.img"
    - /images/data.img
    - "access=w, target=with,comma=sign.img"
  bootloader_args: ["entry=1", "-q"]
  logfile: logs/hello.log
  on_poweroff: preserve
  on_reboot: destroy
  on_crash: restart
  mmio_hole: 1G
  restart_limit: 3
  restart_window: 2m
  timeouts: {make: 10s, bootloader: 1h, build: 2m, wait: 0, unpause: 250ms}
)";

}  // namespace

BOOST_AUTO_TEST_CASE(every_field) {
  PipelineConfig c = load_pipeline_text(kFull, "/etc/hvm/full.yaml");
  BOOST_TEST(c.file == fs::path("/etc/hvm/full.yaml"));
  BOOST_TEST(c.platform.plugin == "xen");
  BOOST_TEST(c.platform.where.file == "/etc/hvm/full.yaml");
  BOOST_TEST(c.platform.where.line == 1);
  BOOST_TEST(c.platform.where.column == 11);
  BOOST_TEST(c.count == 1u);
  BOOST_TEST(c.search_path.size() == 2u);
  BOOST_TEST(c.search_path[0] == fs::path("/etc/hvm/plugins"));
  BOOST_TEST(c.search_path[1] == fs::path("/opt/vendor/hvmtool"));
  BOOST_TEST(c.firmware.plugin == "vendor-fw");
  BOOST_TEST(c.firmware.where.line == 5);

  const char* expected_stages[] = {"core", "pygrub", "core", "build_hvm", "core2", "core", "waiter"};
  for (StageSlot s : kStageOrder) {
    BOOST_TEST_CONTEXT(to_string(s)) {
      BOOST_TEST(c.stage(s).plugin == expected_stages[index_of(s)]);
      BOOST_TEST(c.stage(s).where.line == 7 + static_cast<int>(index_of(s)));
    }
  }
  BOOST_TEST(c.stage(StageSlot::build_post).where.column == 15);

  BOOST_TEST(c.params.size() == 2u);
  const PluginParams& bh = c.params_for("build_hvm");
  BOOST_TEST(bh.plugin() == "build_hvm");
  BOOST_TEST(bh.get_string("entry", "") == "direct");
  BOOST_TEST(bh.get_bool("hugepages", false) == true);
  BOOST_TEST(bh.values().at("entry").where.line == 15);
  BOOST_TEST(bh.values().at("entry").where.column == 22);
  BOOST_TEST(c.params_for("xen").get_string("xenstore", "") == "/run/xenstored");
  BOOST_TEST(c.params_for("xen").values().at("xenstore").where.line == 17);

  const DomainConfig& d = c.domain;
  BOOST_TEST(d.where.line == 19);
  BOOST_TEST(d.where.column == 3);
  BOOST_TEST(d.name == "hello.world_1-a");
  BOOST_TEST(d.type == DomainType::hvm);
  BOOST_TEST(d.memory == 768 * MiB);
  BOOST_TEST(d.maxmem == 2 * GiB);
  BOOST_TEST(d.effective_maxmem() == 2 * GiB);
  BOOST_TEST(d.vcpus == 2u);
  BOOST_TEST(d.maxvcpus == 8u);
  BOOST_TEST(d.firmware == "/etc/fw/hvmloader");
  BOOST_TEST(d.bios == "ovmf");
  BOOST_TEST(d.kernel == fs::path("/etc/guests/vmlinuz"));
  BOOST_TEST(d.ramdisk == fs::path("/etc/hvm/initrd.img"));
  BOOST_TEST(d.cmdline == "console=ttyS0 root=/dev/xvda1");

  BOOST_TEST_REQUIRE(d.disks.size() == 3u);
  BOOST_TEST(d.disks[0].target == fs::path("/etc/hvm/disk.img"));
  BOOST_TEST(d.disks[0].format == "raw");
  BOOST_TEST(d.disks[0].vdev == "xvda");
  BOOST_TEST(d.disks[0].readonly == true);
  BOOST_TEST(d.disks[0].where.line == 31);
  BOOST_TEST(d.disks[0].where.column == 7);
  BOOST_TEST(d.disks[1].target == fs::path("/images/data.img"));
  BOOST_TEST(d.disks[1].vdev == "xvdb");  // unnamed disks are named by position
  BOOST_TEST(d.disks[1].readonly == false);
  BOOST_TEST(d.disks[1].where.line == 32);
  BOOST_TEST(d.disks[2].target == fs::path("/etc/hvm/with,comma=sign.img"));  // target= takes the rest
  BOOST_TEST(d.disks[2].vdev == "xvdc");
  BOOST_TEST(d.disks[2].readonly == false);

  BOOST_TEST((d.bootloader_args == std::vector<std::string>{"entry=1", "-q"}));
  BOOST_TEST(d.logfile == fs::path("/etc/hvm/logs/hello.log"));
  BOOST_TEST(d.on_poweroff == ShutdownAction::preserve);
  BOOST_TEST(d.on_reboot == ShutdownAction::destroy);
  BOOST_TEST(d.on_crash == ShutdownAction::restart);
  BOOST_TEST(d.mmio_hole == 1 * GiB);
  BOOST_TEST(d.restart_limit == 3u);
  BOOST_TEST(d.restart_window.count() == 120);

  BOOST_TEST(timeout(d, StageSlot::make).value().count() == 10'000);
  BOOST_TEST(timeout(d, StageSlot::bootloader).value().count() == 3'600'000);
  BOOST_TEST(!timeout(d, StageSlot::build_pre).has_value());
  BOOST_TEST(timeout(d, StageSlot::build).value().count() == 120'000);
  BOOST_TEST(!timeout(d, StageSlot::build_post).has_value());
  BOOST_TEST(timeout(d, StageSlot::unpause).value().count() == 250);
  BOOST_TEST(timeout(d, StageSlot::wait).value().count() == 0);  // 0 = no timeout
}

BOOST_AUTO_TEST_CASE(defaults) {
  PipelineConfig c = load_pipeline_text("domain:\n  name: x\n", "/d/p.yaml");
  BOOST_TEST(c.platform.plugin == "auto");
  BOOST_TEST(c.platform.where.line == 0);
  BOOST_TEST(c.firmware.plugin == "firmware");
  BOOST_TEST(c.search_path.empty());
  BOOST_TEST(c.count == 1u);
  BOOST_TEST(c.params.empty());
  const char* expected_stages[] = {"core", "none", "core", "build_hvm", "core", "core", "core"};
  for (StageSlot s : kStageOrder) {
    BOOST_TEST(c.stage(s).plugin == expected_stages[index_of(s)]);
    BOOST_TEST(c.stage(s).where.line == 0);
  }
  const DomainConfig& d = c.domain;
  BOOST_TEST(d.where.line == 2);
  BOOST_TEST(d.where.column == 3);
  BOOST_TEST(d.type == DomainType::hvm);
  BOOST_TEST(d.memory == 128 * MiB);
  BOOST_TEST(d.maxmem == 0u);
  BOOST_TEST(d.effective_maxmem() == 128 * MiB);
  BOOST_TEST(d.vcpus == 1u);
  BOOST_TEST(d.maxvcpus == 0u);
  BOOST_TEST(d.effective_maxvcpus() == 1u);
  BOOST_TEST(d.firmware == "");  // the firmware plugin's default (hvmloader)
  BOOST_TEST(d.bios == "");
  BOOST_TEST(d.kernel.empty());
  BOOST_TEST(d.ramdisk.empty());
  BOOST_TEST(d.cmdline == "");
  BOOST_TEST(d.disks.empty());
  BOOST_TEST(d.bootloader_args.empty());
  BOOST_TEST(d.logfile.empty());
  BOOST_TEST(d.on_poweroff == ShutdownAction::destroy);
  BOOST_TEST(d.on_reboot == ShutdownAction::restart);
  BOOST_TEST(d.on_crash == ShutdownAction::destroy);
  BOOST_TEST(d.mmio_hole == 256 * MiB);
  BOOST_TEST(d.restart_limit == 10u);
  BOOST_TEST(d.restart_window.count() == 60);
  for (StageSlot s : kStageOrder) BOOST_TEST(!d.timeouts[index_of(s)].has_value());
}

BOOST_AUTO_TEST_CASE(pv_and_pvh_defaults) {
  for (const char* type : {"pv", "pvh"}) {
    BOOST_TEST_CONTEXT(type) {
      PipelineConfig c = load_pipeline_text(std::string("domain: {name: x, type: ") + type + "}\n", "p.yaml");
      BOOST_TEST(c.stage(StageSlot::build).plugin == (type == std::string("pv") ? "build_xen_pv" : "build_pv"));
      BOOST_TEST(c.domain.firmware == "");  // hvmloader is an hvm thing
      BOOST_TEST(std::string(to_string(c.domain.type)) == type);
    }
  }
}

BOOST_AUTO_TEST_CASE(default_stage_plugins) {
  BOOST_TEST(default_stage_plugin(StageSlot::make, DomainType::hvm) == "core");
  BOOST_TEST(default_stage_plugin(StageSlot::bootloader, DomainType::pv) == "none");
  BOOST_TEST(default_stage_plugin(StageSlot::build_pre, DomainType::hvm) == "core");
  BOOST_TEST(default_stage_plugin(StageSlot::build, DomainType::hvm) == "build_hvm");
  BOOST_TEST(default_stage_plugin(StageSlot::build, DomainType::pv) == "build_xen_pv");
  BOOST_TEST(default_stage_plugin(StageSlot::build, DomainType::pvh) == "build_pv");
  BOOST_TEST(default_stage_plugin(StageSlot::build_post, DomainType::hvm) == "core");
  BOOST_TEST(default_stage_plugin(StageSlot::unpause, DomainType::hvm) == "core");
  BOOST_TEST(default_stage_plugin(StageSlot::wait, DomainType::hvm) == "core");
}

// xl.cfg reads memory, maxmem and mmio_hole without a unit as MiB.
BOOST_AUTO_TEST_CASE(bare_numbers_are_mib_like_xl) {
  PipelineConfig c = load_pipeline_text("domain: {name: x, memory: 512, maxmem: 1024, mmio_hole: 768}\n", "p.yaml");
  BOOST_TEST(c.domain.memory == 512 * MiB);
  BOOST_TEST(c.domain.maxmem == 1 * GiB);
  BOOST_TEST(c.domain.mmio_hole == 768 * MiB);
}

BOOST_AUTO_TEST_CASE(size_units_any_case) {
  PipelineConfig c = load_pipeline_text("domain: {name: x, memory: 1g, maxmem: 2048MiB}\n", "p.yaml");
  BOOST_TEST(c.domain.memory == 1 * GiB);
  BOOST_TEST(c.domain.maxmem == 2 * GiB);
}

BOOST_AUTO_TEST_CASE(limits_are_inclusive) {
  PipelineConfig lo = load_pipeline_text(
      "domain: {name: x, memory: 2M, vcpus: 1, mmio_hole: 256M, restart_limit: 0, restart_window: 1s}\n", "p.yaml");
  BOOST_TEST(lo.domain.memory == 2 * MiB);
  BOOST_TEST(lo.domain.restart_limit == 0u);
  BOOST_TEST(lo.domain.restart_window.count() == 1);
  PipelineConfig hi = load_pipeline_text(
      "count: 1000000\ndomain: {name: x, memory: 1T, maxmem: 1T, vcpus: 128, maxvcpus: 128, mmio_hole: 3G,"
      " restart_limit: 1000, restart_window: 24h}\n",
      "p.yaml");
  BOOST_TEST(hi.count == 1000000u);
  BOOST_TEST(hi.domain.memory == 1ull << 40);
  BOOST_TEST(hi.domain.vcpus == 128u);
  BOOST_TEST(hi.domain.maxvcpus == 128u);
  BOOST_TEST(hi.domain.mmio_hole == 3 * GiB);
  BOOST_TEST(hi.domain.restart_limit == 1000u);
  BOOST_TEST(hi.domain.restart_window.count() == 86400);
  // 62 characters + "-9" is exactly the 64 allowed.
  std::string name(62, 'n');
  PipelineConfig named = load_pipeline_text("count: 10\ndomain: {name: " + name + "}\n", "p.yaml");
  BOOST_TEST(named.domains().back().name == name + "-9");
}

BOOST_AUTO_TEST_CASE(count_expands_names_and_logfiles) {
  PipelineConfig c = load_pipeline_text(
      "count: 3\ndomain:\n  name: web\n  logfile: /var/log/web.log\n  disks: [\"access=ro, target=/i.img\"]\n",
      "p.yaml");
  std::vector<DomainConfig> ds = c.domains();
  BOOST_TEST_REQUIRE(ds.size() == 3u);
  for (unsigned i = 0; i < 3; ++i) {
    BOOST_TEST(ds[i].name == "web-" + std::to_string(i));
    BOOST_TEST(ds[i].logfile == fs::path("/var/log/web-" + std::to_string(i) + ".log"));
    BOOST_TEST(ds[i].disks.size() == 1u);
    BOOST_TEST(ds[i].where.line == 3);
  }
  PipelineConfig one = load_pipeline_text("domain: {name: solo, logfile: /l/solo.log}\n", "p.yaml");
  BOOST_TEST(one.domains().size() == 1u);
  BOOST_TEST(one.domains()[0].name == "solo");
  BOOST_TEST(one.domains()[0].logfile == fs::path("/l/solo.log"));
}

BOOST_AUTO_TEST_CASE(relative_paths_follow_the_file_not_the_cwd) {
  const char* yaml =
      "plugins: {search_path: [plug, ../shared/plug, /abs]}\n"
      "domain:\n  name: x\n  kernel: k/../vmlinuz\n  ramdisk: ./initrd\n  bios: bios/OVMF.fd\n"
      "  disks: [d.img, \"target=../d2.img\"]\n  logfile: /abs/log\n";
  PipelineConfig c = load_pipeline_text(yaml, "/srv/vm/a/p.yaml");
  BOOST_TEST(c.search_path[0] == fs::path("/srv/vm/a/plug"));
  BOOST_TEST(c.search_path[1] == fs::path("/srv/vm/shared/plug"));
  BOOST_TEST(c.search_path[2] == fs::path("/abs"));
  BOOST_TEST(c.domain.kernel == fs::path("/srv/vm/a/vmlinuz"));
  BOOST_TEST(c.domain.ramdisk == fs::path("/srv/vm/a/initrd"));
  BOOST_TEST(c.domain.bios == "/srv/vm/a/bios/OVMF.fd");
  BOOST_TEST(c.domain.disks[0].target == fs::path("/srv/vm/a/d.img"));
  BOOST_TEST(c.domain.disks[1].target == fs::path("/srv/vm/d2.img"));
  BOOST_TEST(c.domain.logfile == fs::path("/abs/log"));

  // A relative file name is resolved against the cwd once, at load.
  PipelineConfig rel = load_pipeline_text("domain: {name: x, kernel: vmlinuz}\n", "sub/p.yaml");
  BOOST_TEST(rel.domain.kernel == (fs::current_path() / "sub/vmlinuz").lexically_normal());
  BOOST_TEST(rel.file == fs::path("sub/p.yaml"));
  BOOST_TEST(rel.domain.where.file == "sub/p.yaml");
}

BOOST_AUTO_TEST_CASE(disk_spec_forms) {
  PipelineConfig c = load_pipeline_text(
      "domain:\n  name: x\n  disks:\n"
      "    - \" target = /a.img \"\n"
      "    - \"vdev=hda, format=raw, access=r, target=/b.img\"\n"
      "    - \"access=rw,vdev=sdb,target=/c.img\"\n"
      "    - \"vdev=xvdb, target=/d.img\"\n"
      "    - /e.img\n",
      "p.yaml");
  const auto& ds = c.domain.disks;
  BOOST_TEST_REQUIRE(ds.size() == 5u);
  BOOST_TEST(ds[0].target == fs::path("/a.img"));
  BOOST_TEST(ds[0].vdev == "xvda");
  BOOST_TEST(ds[1].vdev == "hda");
  BOOST_TEST(ds[1].readonly == true);
  BOOST_TEST(ds[2].vdev == "sdb");
  BOOST_TEST(ds[2].readonly == false);
  BOOST_TEST(ds[3].vdev == "xvdb");
  // Unnamed disks take the first names nobody asked for.
  BOOST_TEST(ds[4].vdev == "xvdc");
}

BOOST_AUTO_TEST_CASE(params_for_a_plugin_without_params) {
  PipelineConfig c = load_pipeline_text("domain: {name: x}\n", "p.yaml");
  const PluginParams& p = c.params_for("core");
  BOOST_TEST(p.plugin() == "core");
  BOOST_TEST(p.values().empty());
  BOOST_TEST(p.get_uint("n", 7) == 7u);
  BOOST_TEST(&c.params_for("core") == &p);  // stable while the caller holds it
  // A config built in code (tests, the runner) has the same fallback.
  PipelineConfig empty;
  BOOST_TEST(empty.params_for("kvm").plugin() == "kvm");
}

BOOST_AUTO_TEST_CASE(example_full_yaml_loads) {
  const fs::path file = fs::path(HVMTOOL_CONFIG_EXAMPLES) / "example-full.yaml";
  PipelineConfig c = load_pipeline_file(file);
  BOOST_TEST(c.file == file);
  BOOST_TEST(c.count == 2u);
  BOOST_TEST(c.domain.name == "example-full");
  BOOST_TEST(c.domain.disks.size() == 2u);
  BOOST_TEST(c.domains()[1].name == "example-full-1");
  for (StageSlot s : kStageOrder) BOOST_TEST(c.stage(s).where.line > 0);  // every stage named
  for (StageSlot s : kStageOrder) BOOST_TEST(c.domain.timeouts[index_of(s)].has_value());
}

BOOST_AUTO_TEST_CASE(every_file_in_config_dir_loads) {
  // The lead's runnable examples live beside example-full.yaml; all must load.
  for (const auto& entry : fs::directory_iterator(HVMTOOL_CONFIG_EXAMPLES)) {
    if (entry.path().extension() != ".yaml") continue;
    BOOST_TEST_CONTEXT(entry.path()) { BOOST_CHECK_NO_THROW(load_pipeline_file(entry.path())); }
  }
}
