// The `grub` bootloader plugin: config parsers on their own, then the stage
// (loaded from hvmtool-grub.so) on disks that scripts/make-test-disk.sh
// builds at test time: MBR, GPT and whole-disk filesystems through grub.cfg,
// extlinux.conf and menu.lst; entry selection; byte-identical extraction;
// the scratch folder's life; and a table of hostile disks, each with its
// exact error text and no folder left behind.
#define BOOST_TEST_MODULE bootloader
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <csignal>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "boot_extract.hpp"
#include "boot_menu.hpp"
#include "hvmtool_common/guest_text.hpp"
#include "partition_table.hpp"
#include "plugin/plugin_loader.hpp"
#include "support/recording_platform.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using hvmtool::test::slurp;

namespace {

// Every line the stage logs, with its level.
class RecordingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view m) override {
    std::lock_guard l(mu_);
    lines_.emplace_back(level, std::string(m));
  }
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> at(LogLevel level) const {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    for (const auto& [lv, m] : lines_)
      if (lv == level) out.push_back(m);
    return out;
  }
  bool any_raw_control() const {
    std::lock_guard l(mu_);
    for (const auto& line : lines_)
      for (unsigned char c : line.second)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

void spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 23);
  }
  return s;
}

// An independent CRC-32 (bitwise) to forge and check GPT fields.
std::uint32_t crc(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}
std::uint32_t get32(const std::string& s, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}
void put32(std::string& s, std::size_t at, std::uint32_t v) { std::memcpy(s.data() + at, &v, 4); }
void put64(std::string& s, std::size_t at, std::uint64_t v) { std::memcpy(s.data() + at, &v, 8); }
std::string hex8(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

// Recomputes the GPT's entry-array and header CRCs after an edit.
void fix_gpt_crcs(std::string& disk) {
  const std::uint32_t count = get32(disk, 512 + 80), size = get32(disk, 512 + 84);
  put32(disk, 512 + 88, crc(disk.substr(1024, std::size_t(count) * size)));
  put32(disk, 512 + 16, 0);
  put32(disk, 512 + 16, crc(disk.substr(512, get32(disk, 512 + 12))));
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Files for the disks, built once per test run.
struct World {
  test::TempDir dir;
  fs::path kernel, initrd;
  std::string kernel_bytes = pattern(300 * 1024 + 17, 1);
  std::string initrd_bytes = pattern(100 * 1024 + 3, 2);
  World() {
    kernel = dir.write("vmlinuz", kernel_bytes);
    initrd = dir.write("initrd.img", initrd_bytes);
  }
  // Runs scripts/make-test-disk.sh; `extra` are more options.
  fs::path disk(const std::string& name, const std::string& options, const std::string& extra = "") {
    const fs::path out = dir.path() / name;
    auto r = test::run_command("bash " + (test::source_dir() / "scripts" / "make-test-disk.sh").string() + " " +
                               out.string() + " " + options + " --kernel " + kernel.string() + " --initrd " +
                               initrd.string() + " --cmdline 'console=ttyS0 root=/dev/xvda1 ro' " + extra);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return out;
  }
  fs::path folder(const std::string& name) {
    fs::path p = dir.path() / name;
    fs::create_directories(p);
    return p;
  }
};

World& world() {
  static World w;
  return w;
}

// One run of the grub stage, as the runner would do it.
struct Run {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  std::shared_ptr<test::RecordingPlatform> platform =
      std::make_shared<test::RecordingPlatform>(io, std::make_shared<test::CallLog>());
  PluginLoader loader{{test::build_dir() / "plugins"}};
  RecordingLogger log;
  DomainConfig config;
  std::shared_ptr<Stage> stage;
  std::unique_ptr<StageContext> ctx;
  std::exception_ptr error;
  test::TempDir scratch_parent;

  Run(std::vector<fs::path> disks, std::vector<std::string> args = {}, std::map<std::string, std::string> params = {},
      std::string cmdline = {}) {
    config.name = "boot-test";
    config.cmdline = std::move(cmdline);
    const char* vdevs[] = {"xvda", "xvdb", "xvdc"};
    for (std::size_t i = 0; i < disks.size(); ++i) {
      DiskConfig d;
      d.target = disks[i];
      d.vdev = vdevs[i];
      d.readonly = true;
      config.disks.push_back(d);
    }
    config.bootloader_args = std::move(args);
    std::map<std::string, ParamValue> values{{"tmpdir", ParamValue{scratch_parent.path().string(), {}}}};
    for (auto& [k, v] : params) values[k] = ParamValue{v, {}};
    stage = loader.create_stage("grub", StageSlot::bootloader, PluginParams("grub", values));
    ctx = std::make_unique<StageContext>(config, *platform, nullptr, log, io, workers, ConsoleSink{});
  }
  ~Run() {
    if (stage) stage->undo(*ctx);
    workers.join();
  }

  // Starts the stage; `before` runs right after async_run returns.
  void go(const std::function<void()>& before = {}) {
    bool finished = false;
    auto guard = boost::asio::make_work_guard(io);
    try {
      stage->async_run(*ctx, [&](std::exception_ptr e) {
        error = e;
        finished = true;
      });
    } catch (...) {
      error = std::current_exception();
      finished = true;
    }
    if (before) before();
    while (!finished && io.run_one_for(60s)) {
    }
    BOOST_REQUIRE(finished);
  }
  std::string message() const {
    if (!error) return "(no error)";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  std::size_t leftovers() const { return files_in(scratch_parent.path()); }
};

}  // namespace

// ---------------------------------------------------------------------------
// Parsers

BOOST_AUTO_TEST_SUITE(parsers)

// The shape of Debian 12's generated grub.cfg, trimmed.
const char* const kDebianGrubCfg = R"GRUB(#
# DO NOT EDIT THIS FILE
#
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi

if [ x"${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi

export menuentry_id_option

function load_video {
  if [ x$feature_all_video_module = xy ]; then
    insmod all_video
  else
    insmod efi_gop
  fi
}

set timeout=5
### BEGIN /etc/grub.d/10_linux ###
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-7f1c' {
	load_video
	insmod gzio
	if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
	insmod part_msdos
	insmod ext2
	set root='hd0,msdos1'
	echo	'Loading Linux 6.1.0-13-amd64 ...'
	linux	/boot/vmlinuz-6.1.0-13-amd64 root=UUID=7f1c ro  quiet
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-6.1.0-13-amd64
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-7f1c' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-13-amd64-advanced-7f1c' {
		linux	/boot/vmlinuz-6.1.0-13-amd64 root=UUID=7f1c ro  quiet
		initrd	/boot/initrd.img-6.1.0-13-amd64
	}
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode)' --class debian $menuentry_id_option 'gnulinux-6.1.0-13-amd64-recovery-7f1c' {
		linux	(hd0,msdos1)/boot/vmlinuz-6.1.0-13-amd64 root=UUID=7f1c ro single "dyndbg=file x.c +p"
		initrd	/boot/intel-ucode.img /boot/initrd.img-6.1.0-13-amd64
	}
}
if [ "$grub_platform" = "efi" ]; then
	menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {
		fwsetup
	}
fi
)GRUB";

BOOST_AUTO_TEST_CASE(debian_grub_cfg) {
  using namespace hvmtool::grub;
  BootMenu m = parse_grub_cfg(kDebianGrubCfg);
  BOOST_TEST(m.default_entry == "0");
  BOOST_REQUIRE(m.entries.size() == 3u);
  BOOST_TEST(m.entries[0].title == "Debian GNU/Linux");
  BOOST_TEST(m.entries[0].kernel == "/boot/vmlinuz-6.1.0-13-amd64");
  BOOST_TEST(m.entries[0].cmdline == "root=UUID=7f1c ro quiet");
  BOOST_TEST((m.entries[0].initrds == std::vector<std::string>{"/boot/initrd.img-6.1.0-13-amd64"}));
  BOOST_TEST(m.entries[1].submenu);
  BOOST_REQUIRE(m.entries[1].children.size() == 2u);
  const BootEntry& rec = m.entries[1].children[1];
  BOOST_TEST(rec.kernel == "/boot/vmlinuz-6.1.0-13-amd64");                      // "(hd0,msdos1)" removed
  BOOST_TEST(rec.cmdline == "root=UUID=7f1c ro single \"dyndbg=file x.c +p\"");  // as grub writes it
  BOOST_TEST(rec.initrds.size() == 2u);
  BOOST_TEST(m.entries[2].kernel.empty());

  BOOST_TEST(select_entry(m, {}).entry == &m.entries[0]);
  auto s = select_entry(m, {"entry=1>1"});
  BOOST_TEST(s.entry == &rec);
  BOOST_TEST(s.label == "entry 1>1 'Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode)'");
  BOOST_TEST(select_entry(m, {"entry=1"}).entry == &m.entries[1].children[0]);  // a submenu: its first entry
  BOOST_TEST(select_entry(m, {"entry=Debian GNU/Linux"}).entry == &m.entries[0]);
  BOOST_TEST(select_entry(m, {"--entry=gnulinux-6.1.0-13-amd64-recovery-7f1c"}).entry == &rec);
  BOOST_CHECK_EXCEPTION(select_entry(m, {"entry=2"}), Error, [](const Error& e) {
    return std::string(e.what()) == "grub.cfg entry 2 'UEFI Firmware Settings' (line 58) boots no Linux kernel";
  });
}

BOOST_AUTO_TEST_CASE(grub_cfg_default_by_title_and_variables) {
  using namespace hvmtool::grub;
  BootMenu m = parse_grub_cfg(
      "set kver=6.1\nset default='Second'\nmenuentry First { linux /a }\n"
      "menuentry \"Second\" {\n linux /boot/vmlinuz-${kver} console=$con x=\"a b\" q=\\'\\\"\\\\; initrd "
      "/i-$kver\n}\n");
  auto s = select_entry(m, {});
  BOOST_TEST(s.entry->kernel == "/boot/vmlinuz-6.1");
  BOOST_TEST(s.entry->cmdline == "console= \"x=a b\" q=\\'\\\"\\\\");  // $con is unset: nothing
  BOOST_TEST(s.entry->initrds.front() == "/i-6.1");
  BOOST_TEST(s.note.empty());
  // A default that names nothing falls back to the first entry, with a note.
  BootMenu bad = parse_grub_cfg("set default=7\nmenuentry A { linux /a }\n");
  auto b = select_entry(bad, {});
  BOOST_TEST(b.entry->kernel == "/a");
  BOOST_TEST(b.note == "default '7' matches no entry; booting the first, entry 0 'A'");
}

BOOST_AUTO_TEST_CASE(grubenv_saved_entry) {
  using namespace hvmtool::grub;
  const auto env =
      parse_grubenv("# GRUB Environment Block\nsaved_entry=adv>rec\nbad name=x\nnext_entry=\n" + std::string(900, '#'));
  BOOST_TEST(env.size() == 2u);
  BOOST_TEST(env.at("saved_entry") == "adv>rec");
  const std::string cfg =
      "if [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\nelse\n set default=\"${saved_entry}\"\nfi\n"
      "menuentry A --id a { linux /a }\nsubmenu Adv --id adv {\n menuentry N --id norm { linux /n }\n"
      " menuentry R --id rec { linux /r }\n}\n";
  BOOST_TEST(select_entry(parse_grub_cfg(cfg, env), {}).entry->kernel == "/r");
  BOOST_TEST(select_entry(parse_grub_cfg(cfg), {}).entry->kernel == "/a");  // no grubenv: the first
}

BOOST_AUTO_TEST_CASE(malformed_grub_cfg) {
  using namespace hvmtool::grub;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"menuentry 'x {\n linux /a\n}\n", "line 1: unterminated single quote"},
      {"menuentry \"x {\n", "line 1: unterminated double quote"},
      {"menuentry 'x' {\n linux /a\n", "line 1: menuentry 'x': '{' is never closed"},
      {"menuentry 'x'\n", "line 1: menuentry without a '{' block"},
      {"\n\n}\n", "line 3: '}' without a matching '{'"},
      {"menuentry { linux /a }\n", "line 1: menuentry without a title"},
      {"menuentry a {\n linux\n}\n", "line 2: linux without a kernel path"},
      {"menuentry a {\n linux (hd0/x\n}\n", "line 2: unterminated device name in '(hd0/x'"},
      {"submenu a {\n", "line 1: '{' is never closed"},
      {"linux ${x\n", "line 1: unterminated ${"},
  };
  for (const auto& [text, expected] : cases) {
    std::string got = "(parsed)";
    try {
      parse_grub_cfg(text);
    } catch (const MenuError& e) {
      got = e.what();
    }
    BOOST_TEST(got == expected, text);
  }
  std::string deep;
  for (int i = 0; i < 9; ++i) deep += "submenu s" + std::to_string(i) + " {\n";
  BOOST_CHECK_EXCEPTION(parse_grub_cfg(deep), MenuError, [](const MenuError& e) {
    return std::string(e.what()) == "line 9: submenus nested more than 8 deep";
  });
}

// 1 MiB of the worst the grub.cfg parser meets (many variables, many
// entries that each set one) parses in well under a second, and an entry's
// assignments do not leak into the next one.
BOOST_AUTO_TEST_CASE(large_grub_cfg_parses_quickly) {
  using namespace hvmtool::grub;
  std::string text;
  for (int i = 0; text.size() < 400 * 1024; ++i) text += "set v" + std::to_string(i) + "=x\n";
  int entries = 0;
  while (text.size() < (1 << 20) - 64) {
    text += "menuentry e {\n set v1=y\n linux /k$v1\n}\n";
    ++entries;
  }
  const auto t0 = std::chrono::steady_clock::now();
  BootMenu m = parse_grub_cfg(text);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST(m.entries.size() == std::size_t(entries));
  BOOST_TEST(m.entries.back().kernel == "/ky");
  BOOST_TEST(ms.count() < 2000);
  BootMenu scoped = parse_grub_cfg("set a=1\nmenuentry x {\n set a=2\n linux /$a\n}\nmenuentry y {\n linux /$a\n}\n");
  BOOST_TEST(scoped.entries[0].kernel == "/2");
  BOOST_TEST(scoped.entries[1].kernel == "/1");
}

// Random text from the parsers' own vocabulary: each parser returns a menu
// or throws MenuError, and selecting from what it returned throws at most
// hvmtool::Error.
BOOST_AUTO_TEST_CASE(random_configs_parse_or_fail_cleanly) {
  using namespace hvmtool::grub;
  const std::vector<std::string> vocab = {
      "menuentry", "submenu",  "function", "{",     "}",      "'",       "\"", "\\",  "$",       "${",     "$x",
      "set",       "default=", "=",        "linux", "initrd", "(hd0,1)", "(",  ")",   "/boot/k", "..",     "--id",
      "--class",   ";",        "\n",       " ",     "\t",     "#",       "if", "fi",  "LABEL",   "KERNEL", "APPEND",
      "INITRD",    "DEFAULT",  "MENU",     "title", "kernel", "module",  "0",  "1>0", ",",       "-"};
  std::uint32_t x = 12345;
  std::size_t parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + round % 60;
    for (int i = 0; i < n; ++i) {
      x = x * 1103515245u + 12345u;
      text += vocab[(x >> 8) % vocab.size()];
      if ((x >> 4) % 3 == 0) text += " ";
    }
    const std::vector<std::function<BootMenu(std::string_view)>> parsers = {
        [](std::string_view t) { return parse_grub_cfg(t); }, parse_extlinux_conf, parse_menu_lst};
    for (const auto& parse : parsers) {
      try {
        BootMenu m = parse(text);
        ++parsed;
        try {
          select_entry(m, {});
          select_entry(m, {"entry=0>0"});
        } catch (const Error&) {
        }
      } catch (const MenuError&) {
      } catch (const std::exception& e) {
        BOOST_FAIL("unexpected " << e.what() << " for: " << text);
      }
    }
  }
  BOOST_TEST(parsed > 0u);
}

BOOST_AUTO_TEST_CASE(extlinux_conf) {
  using namespace hvmtool::grub;
  BootMenu m = parse_extlinux_conf(
      "# c\nUI menu.c32\nDEFAULT linux\nAPPEND console=ttyS0\nTIMEOUT 30\n"
      "LABEL menu\n  KERNEL menu.c32\n"
      "label linux\n  menu label ^Linux\n  linux ../vmlinuz\n  initrd /a.img,/b.img\n"
      "LABEL rescue\n  MENU LABEL Rescue\n  KERNEL /vmlinuz\n  APPEND initrd=/r.img single\n  MENU DEFAULT\n"
      "LABEL bare\n  LINUX /vmlinuz\n  APPEND -\n");
  BOOST_TEST(m.relative_to_config);
  BOOST_REQUIRE(m.entries.size() == 4u);
  BOOST_TEST(m.entries[0].kernel.empty());
  BOOST_TEST(m.entries[1].title == "Linux");
  BOOST_TEST(m.entries[1].kernel == "../vmlinuz");
  BOOST_TEST(m.entries[1].cmdline == "console=ttyS0");  // the global APPEND
  BOOST_TEST(m.entries[1].initrds.size() == 2u);
  BOOST_TEST((m.entries[2].initrds == std::vector<std::string>{"/r.img"}));
  BOOST_TEST(m.entries[3].cmdline == "");
  // MENU DEFAULT wins over DEFAULT.
  BOOST_TEST(select_entry(m, {}).entry->title == "Rescue");
  BOOST_TEST(select_entry(m, {"entry=linux"}).entry->title == "Linux");  // by label
  BOOST_CHECK_EXCEPTION(parse_extlinux_conf("LABEL a\n  INITRD ,\n"), MenuError,
                        [](const MenuError& e) { return std::string(e.what()) == "line 2: INITRD without a file"; });
}

BOOST_AUTO_TEST_CASE(menu_lst) {
  using namespace hvmtool::grub;
  BootMenu m = parse_menu_lst(
      "default=1\ntimeout 5\ntitle Xen\n root (hd0,0)\n kernel /xen.gz\n module /vmlinuz\n"
      "title Debian\n root (hd0,0)\n kernel (hd0,0)/boot/vmlinuz root=/dev/xvda1 ro\n initrd /boot/initrd.img\n"
      "title Windows\n chainloader +1\n");
  BOOST_REQUIRE(m.entries.size() == 3u);
  BOOST_TEST(m.entries[0].kernel.empty());  // multiboot (Xen) is not a Linux entry
  auto s = select_entry(m, {});
  BOOST_TEST(s.entry->kernel == "/boot/vmlinuz");
  BOOST_TEST(s.entry->cmdline == "root=/dev/xvda1 ro");
  BOOST_TEST(s.label == "entry 1 'Debian'");
  BOOST_CHECK_EXCEPTION(parse_menu_lst("default x\n"), MenuError, [](const MenuError& e) {
    return std::string(e.what()) == "line 1: default 'x' is not an entry number";
  });
}

BOOST_AUTO_TEST_CASE(bootloader_args) {
  using namespace hvmtool::grub;
  BootMenu m = parse_menu_lst("title A\n kernel /a\ntitle B\n kernel /b\n");
  auto message = [&](std::vector<std::string> args) {
    try {
      select_entry(m, args);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(selected)");
  };
  BOOST_TEST(message({"entry=1", "kernel=/x", "quiet"}) ==
             "domain.bootloader_args: unknown arguments 'kernel=/x', 'quiet' (the grub bootloader knows entry=N and "
             "entry=TITLE)");
  BOOST_TEST(message({"entry="}) ==
             "domain.bootloader_args: unknown argument 'entry=' (the grub bootloader knows entry=N and entry=TITLE)");
  BOOST_TEST(message({"entry=2"}) ==
             "domain.bootloader_args: entry=2: no such entry in menu.lst (entries: 0 'A', 1 'B')");
  BOOST_TEST(message({"entry=C"}) ==
             "domain.bootloader_args: entry=C: no such entry in menu.lst (entries: 0 'A', 1 'B')");
  BOOST_TEST(select_entry(m, {"entry=B"}).entry->kernel == "/b");
}

// What the reader does not follow is a warning with its line; Debian's own
// preamble (if/else, functions, load_env, export) is not.
BOOST_AUTO_TEST_CASE(unfollowed_script_features_are_warnings) {
  using namespace hvmtool::grub;
  BOOST_TEST(parse_grub_cfg(kDebianGrubCfg).warnings.empty());
  const BootMenu m = parse_grub_cfg(
      "set timeout=5\nsource /boot/grub/custom.cfg\nmenuentry 'A' {\n  linux /vmlinuz\n  . /x.cfg\n}\n"
      "for k in a b; do echo $k; done\nconfigfile /etc/other.cfg\nblscfg\neval \"menuentry x { }\"\n");
  const std::vector<std::pair<int, std::string>> want = {
      {2, "'source' is not followed: the entries and settings of '/boot/grub/custom.cfg' are not read"},
      {5, "'.' is not followed: the entries and settings of '/x.cfg' are not read"},
      {7, "'for' loops are read once, as if their body ran one time"},
      {8, "'configfile' is not followed: the entries and settings of '/etc/other.cfg' are not read"},
      {9, "'blscfg' is not followed: Boot Loader Specification entries (/boot/loader/entries) are not read"},
      {10, "'eval' is not run: what it would define is not seen"},
  };
  BOOST_REQUIRE_EQUAL(m.warnings.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST(m.warnings[i].line == want[i].first);
    BOOST_TEST(m.warnings[i].text == want[i].second);
  }
  BOOST_TEST(m.warnings[0].file == "/boot/grub/custom.cfg");
  const BootMenu x = parse_extlinux_conf("INCLUDE common.cfg\nLABEL a\n LINUX /k\nMENU INCLUDE more.cfg\n");
  BOOST_REQUIRE_EQUAL(x.warnings.size(), 2u);
  BOOST_TEST(x.warnings[0].line == 1);
  BOOST_TEST(x.warnings[0].text == "'INCLUDE common.cfg' is not followed: its entries are not read");
  BOOST_TEST(x.warnings[1].text == "'MENU INCLUDE more.cfg' is not followed");
  const BootMenu l = parse_menu_lst("title A\n kernel /k\nconfigfile /boot/grub/menu2.lst\n");
  BOOST_REQUIRE_EQUAL(l.warnings.size(), 1u);
  BOOST_TEST(l.warnings[0].line == 3);
  BOOST_TEST(l.warnings[0].text == "'configfile /boot/grub/menu2.lst' is not followed: its entries are not read");
}

// A default that names no entry still boots the first (as GRUB does), and
// says so with the line that set it.
BOOST_AUTO_TEST_CASE(a_default_that_matches_nothing_is_noted_with_its_line) {
  using namespace hvmtool::grub;
  const BootMenu m = parse_grub_cfg("set timeout=1\nset default=5\nmenuentry 'A' {\n linux /k\n}\n");
  BOOST_TEST(m.default_line == 2);
  const Selection s = select_entry(m, {});
  BOOST_TEST(s.entry->kernel == "/k");
  BOOST_TEST(s.note == "default '5' matches no entry; booting the first, entry 0 'A'");
  BOOST_TEST(select_entry(parse_grub_cfg("set default=0\nmenuentry 'A' {\n linux /k\n}\n"), {}).note.empty());
}

// guest_text: the one rule for guest bytes in messages.
BOOST_AUTO_TEST_CASE(guest_bytes_are_escaped) {
  using hvmtool::common::guest_quote;
  using hvmtool::common::guest_text;
  BOOST_TEST(guest_text("plain /boot/vmlinuz-6.1 a=b") == "plain /boot/vmlinuz-6.1 a=b");
  BOOST_TEST(guest_text(std::string("a\x1b[2Jb\0c\x7f\\d\n\t\r", 14)) == "a\\x1b[2Jb\\x00c\\x7f\\\\d\\n\\t\\r");
  BOOST_TEST(guest_text("D\xc3\xa9"
                        "bian \xe2\x9c\x93") ==
             "D\xc3\xa9"
             "bian \xe2\x9c\x93");  // well-formed UTF-8 stays
  BOOST_TEST(guest_text("\xc2\x9b"
                        "31m") == "\\u{009b}31m");  // C1 CSI
  BOOST_TEST(guest_text("abc\xe2\x80\xae"
                        "txt.exe") == "abc\\u{202e}txt.exe");  // bidi override
  BOOST_TEST(guest_text("\xff\xc0\xaf\xed\xa0\x80\xe2\x9c") == "\\xff\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x9c");
  BOOST_TEST(guest_text(std::string(2000, 'x')) == std::string(1024, 'x') + "...[+976 bytes]");
  BOOST_TEST(guest_quote("it's") == "'it\\'s'");
}

// An ESC sequence and a NUL in a title reach the error line escaped, and the
// text after the NUL (the reason) is still there.
BOOST_AUTO_TEST_CASE(guest_titles_in_errors_are_escaped) {
  using namespace hvmtool::grub;
  const std::string title("a\x1b[2Jb\0c", 8);
  const BootMenu m = parse_grub_cfg("menuentry '" + title + "' {\n linux /k\n}\n");
  BOOST_REQUIRE_EQUAL(m.entries.size(), 1u);
  BOOST_TEST(m.entries[0].title == title);
  try {
    select_entry(m, {"entry=9"});
    BOOST_FAIL("entry=9 was found");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "domain.bootloader_args: entry=9: no such entry in grub.cfg (entries: 0 'a\\x1b[2Jb\\x00c')");
  }
  try {
    parse_grub_cfg("menuentry '" + title + "' {\n linux /k\n");
    BOOST_FAIL("an unclosed entry parsed");
  } catch (const MenuError& e) {
    BOOST_TEST(std::string(e.what()) == "line 1: menuentry 'a\\x1b[2Jb\\x00c': '{' is never closed");
  }
}

BOOST_AUTO_TEST_CASE(crc32_check_value) {
  const char* s = "123456789";
  BOOST_TEST(hvmtool::grub::crc32(reinterpret_cast<const std::uint8_t*>(s), 9) == 0xCBF43926u);
  BOOST_TEST(crc("123456789") == 0xCBF43926u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The stage on generated disks

BOOST_AUTO_TEST_SUITE(disks)

BOOST_AUTO_TEST_CASE(finds_the_kernel_on_every_table_and_layout) {
  for (const char* table : {"--mbr", "--gpt", "--no-table"}) {
    for (const char* layout : {"grub", "extlinux", "menulst"}) {
      const std::string what = std::string(table) + " " + layout;
      BOOST_TEST_CONTEXT(what) {
        fs::path disk =
            world().disk(std::string("ok") + table + layout + ".img", std::string(table) + " --layout " + layout);
        Run run({disk});
        run.go();
        BOOST_REQUIRE_MESSAGE(!run.error, run.message());
        const BootPayload& b = run.ctx->boot;
        BOOST_TEST(b.cmdline == "console=ttyS0 root=/dev/xvda1 ro");
        BOOST_TEST(slurp(b.kernel) == world().kernel_bytes);
        BOOST_TEST(slurp(b.ramdisk) == world().initrd_bytes);
        BOOST_TEST(b.kernel.parent_path() == b.scratch_dir);
        BOOST_TEST(b.scratch_dir.parent_path() == run.scratch_parent.path());
        struct stat st {};
        BOOST_REQUIRE(::stat(b.scratch_dir.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0700u);
        BOOST_TEST(b.scratch_dir.filename().string().starts_with("hvmtool-grub-" + std::to_string(::getpid()) +
                                                                 "-boot-test-"));
        const fs::path scratch = b.scratch_dir;
        run.stage->undo(*run.ctx);
        BOOST_TEST(!fs::exists(scratch));
        BOOST_TEST(run.leftovers() == 0u);
        BOOST_TEST(run.ctx->boot.scratch_dir.empty());
        run.stage->undo(*run.ctx);  // idempotent
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(entry_by_number_and_title_and_extra_cmdline) {
  fs::path disk = world().disk("entries.img", "--gpt --layout grub");
  for (std::string arg : {"entry=1", "entry=hvmtool test kernel (rescue)", "entry=hvmtool-1"}) {
    Run run({disk}, {arg});
    run.go();
    BOOST_REQUIRE_MESSAGE(!run.error, run.message());
    BOOST_TEST(run.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro single", arg);
  }
  Run extra({disk}, {"entry=0"}, {}, "quiet hvmtool=extra");
  extra.go();
  BOOST_TEST(extra.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro quiet hvmtool=extra");
  fs::path ext = world().disk("entries-ext.img", "--mbr --layout extlinux");
  Run rescue({ext}, {"entry=rescue"});
  rescue.go();
  BOOST_TEST(rescue.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro single");
}

BOOST_AUTO_TEST_CASE(disk_and_partition_params) {
  fs::path junk = world().dir.write("junk.img", std::string(4096, 'x'));
  fs::path disk = world().disk("second.img", "--mbr");
  Run by_vdev({junk, disk}, {}, {{"disk", "xvdb"}, {"partition", "1"}});
  by_vdev.go();
  BOOST_REQUIRE_MESSAGE(!by_vdev.error, by_vdev.message());
  BOOST_TEST(slurp(by_vdev.ctx->boot.kernel) == world().kernel_bytes);

  Run no_vdev({disk}, {}, {{"disk", "xvdq"}});
  no_vdev.go();
  BOOST_TEST(no_vdev.message() == "params.grub.disk: no disk with vdev 'xvdq' (disks: xvda)");
  Run no_part({disk}, {}, {{"partition", "3"}});
  no_part.go();
  BOOST_TEST(no_part.message() == disk.string() + ": partition 3 not found (partitions: 1 (type 0x83))");
  Run no_disks({});
  no_disks.go();
  BOOST_TEST(no_disks.message() == "domain.disks is empty: the grub bootloader reads the kernel from a disk");
  Run bad_args({disk}, {"entry=0", "verbose"});
  bad_args.go();
  BOOST_TEST(bad_args.message() ==
             "domain.bootloader_args: unknown argument 'verbose' (the grub bootloader knows entry=N and entry=TITLE)");
  Run missing({world().dir.path() / "nope.img"});
  missing.go();
  BOOST_TEST(missing.message() ==
             (world().dir.path() / "nope.img").string() + ": cannot open disk image: No such file or directory");
  for (Run* r : {&no_vdev, &no_part, &no_disks, &bad_args, &missing}) BOOST_TEST(r->leftovers() == 0u);
}

BOOST_AUTO_TEST_CASE(params_are_checked_at_load) {
  PluginLoader loader{{test::build_dir() / "plugins"}};
  auto message = [&](std::map<std::string, std::string> params) {
    std::map<std::string, ParamValue> values;
    for (auto& [k, v] : params) values[k] = ParamValue{v, {"p.yaml", 3, 5}};
    try {
      loader.create_stage("grub", StageSlot::bootloader, PluginParams("grub", values));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  BOOST_TEST(message({}) == "(created)");
  BOOST_TEST(message({{"partition", "0"}}).find("field 'params.grub.partition'") != std::string::npos);
  BOOST_TEST(message({{"max_kernel_size", "12Q"}}).find("field 'params.grub.max_kernel_size'") != std::string::npos);
  BOOST_TEST(message({{"dsik", "xvda"}}).find("did you mean 'disk'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cancelled_or_undone_early_leaves_nothing) {
  fs::path disk = world().disk("cancel.img", "--mbr");
  Run cancelled({disk});
  cancelled.ctx->cancelled->store(true);
  cancelled.go();
  BOOST_TEST(cancelled.message() == "grub bootloader cancelled");
  BOOST_TEST(cancelled.leftovers() == 0u);

  // undo() while the job may still be running: the completion reports a
  // cancellation and the folder is gone either way.
  Run undone({disk});
  undone.go([&] { undone.stage->undo(*undone.ctx); });
  undone.workers.join();
  BOOST_TEST(undone.message() == "grub bootloader cancelled");
  BOOST_TEST(undone.leftovers() == 0u);
  BOOST_TEST(undone.ctx->boot.scratch_dir.empty());
}

// /grub/grub.cfg and /extlinux.conf (a separate /boot partition's places),
// and a config written for a separate /boot (/vmlinuz-…) on a root
// filesystem that has the files in /boot.
BOOST_AUTO_TEST_CASE(config_locations_and_the_boot_prefix) {
  struct Case {
    std::string name;
    std::map<std::string, std::string> files;
    std::string debugfs;
    std::string cmdline;
  };
  const std::vector<Case> cases = {
      {"sepboot-grub",
       {{"grub/grub.cfg", "menuentry 'a' {\n linux /boot/vmlinuz-hvmtool a=1\n initrd /boot/initrd.img-hvmtool\n}\n"}},
       "rm /boot/grub/grub.cfg\n",
       "a=1"},
      {"root-extlinux",
       {{"extlinux.conf",
         "DEFAULT b\nLABEL b\n KERNEL boot/vmlinuz-hvmtool\n INITRD boot/initrd.img-hvmtool\n APPEND b=2\n"}},
       "rm /boot/grub/grub.cfg\n",
       "b=2"},
      {"boot-prefix",
       {{"boot/grub/grub.cfg",
         "menuentry 'c' {\n linux /vmlinuz-hvmtool c=3\n initrd (hd0,1)/initrd.img-hvmtool\n}\n"}},
       "",
       "c=3"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      fs::path root = world().folder(c.name + ".root");
      for (const auto& [path, content] : c.files) {
        fs::create_directories((root / path).parent_path());
        spit(root / path, content);
      }
      std::string extra = "--root " + root.string();
      if (!c.debugfs.empty()) extra += " --debugfs " + world().dir.write(c.name + ".debugfs", c.debugfs).string();
      Run run({world().disk(c.name + ".img", "--mbr", extra)});
      run.go();
      BOOST_REQUIRE_MESSAGE(!run.error, run.message());
      BOOST_TEST(run.ctx->boot.cmdline == c.cmdline);
      BOOST_TEST(slurp(run.ctx->boot.kernel) == world().kernel_bytes);
      BOOST_TEST(slurp(run.ctx->boot.ramdisk) == world().initrd_bytes);
    }
  }
}

// GRUB_DEFAULT=saved: /boot/grub/grubenv's saved_entry picks the entry.
BOOST_AUTO_TEST_CASE(grubenv_on_the_disk) {
  fs::path root = world().folder("grubenv.root");
  fs::create_directories(root / "boot" / "grub");
  spit(root / "boot" / "grub" / "grub.cfg",
       "set default=\"${saved_entry}\"\n"
       "menuentry 'one' --id x0 {\n linux /boot/vmlinuz-hvmtool n=0\n}\n"
       "menuentry 'two' --id x1 {\n linux /boot/vmlinuz-hvmtool n=1\n}\n");
  spit(root / "boot" / "grub" / "grubenv", "# GRUB Environment Block\nsaved_entry=x1\n" + std::string(990, '#'));
  Run run({world().disk("grubenv.img", "--gpt", "--root " + root.string())});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  BOOST_TEST(run.ctx->boot.cmdline == "n=1");
  BOOST_TEST(run.ctx->boot.ramdisk.empty());
}

// An MBR with a FAT-typed primary, then an extended partition holding two
// logical ones (5: the ext4 filesystem, 6: empty): the first Linux partition
// is 5; `partition: 1` is not ext4; an EBR that links to itself is a loop.
BOOST_AUTO_TEST_CASE(logical_partitions) {
  const fs::path fsimg = world().disk("logical-fs.img", "--no-table --layout grub");
  const std::uint64_t fs_sectors = fs::file_size(fsimg) / 512;
  const fs::path disk = world().dir.path() / "logical.img";
  const std::uint64_t ext_sectors = fs_sectors + 6144;
  fs::remove(disk);
  spit(disk, "");
  fs::resize_file(disk, (4096 + ext_sectors + 2048) * 512);
  const std::string script =
      "label: dos\nstart=2048, size=2048, type=c\nstart=4096, size=" + std::to_string(ext_sectors) +
      ", type=5\nstart=6144, size=" + std::to_string(fs_sectors) +
      ", type=83\nstart=" + std::to_string(6144 + fs_sectors + 2048) + ", size=2048, type=83\n";
  auto r = test::run_command("printf '" + script + "' | sfdisk --quiet --no-reread --no-tell-kernel " + disk.string() +
                             " && dd if=" + fsimg.string() + " of=" + disk.string() +
                             " bs=512 seek=6144 conv=notrunc status=none");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);

  fs::copy_file(disk, world().dir.path() / "logical.img.orig", fs::copy_options::overwrite_existing);
  Run logical({disk});
  logical.go();
  BOOST_REQUIRE_MESSAGE(!logical.error, logical.message());
  BOOST_TEST(slurp(logical.ctx->boot.kernel) == world().kernel_bytes);
  Run fat({disk}, {}, {{"partition", "1"}});
  fat.go();
  BOOST_TEST(fat.message() == disk.string() +
                                  ": MBR partition 1 at byte 1048576: not a readable ext2/3/4 filesystem: Bad magic "
                                  "number in super-block");
  Run six({disk}, {}, {{"partition", "6"}});
  six.go();
  BOOST_TEST(six.message().starts_with(disk.string() + ": MBR partition 6 at byte "));

  // The second EBR (where the first one's link points) links to itself.
  std::string bytes = slurp(disk);
  const std::uint64_t ebr2 = 4096 + get32(bytes, 4096 * 512 + 446 + 16 + 8);
  bytes[ebr2 * 512 + 446 + 16 + 4] = 0x05;
  put32(bytes, ebr2 * 512 + 446 + 16 + 8, static_cast<std::uint32_t>(ebr2 - 4096));
  spit(disk, bytes);
  Run loop({disk});
  loop.go();
  BOOST_TEST(loop.message() == disk.string() + ": extended boot record at byte " + std::to_string(ebr2 * 512) +
                                   " links to itself (a loop)");
  BOOST_TEST(loop.leftovers() == 0u);

  // The first EBR links to itself: a link of an extended type with start 0
  // (links count from the extended partition's start), once read as the end.
  const std::string good = slurp(disk);
  bytes = good;
  bytes[4096 * 512 + 446 + 16 + 4] = 0x05;
  put32(bytes, 4096 * 512 + 446 + 16 + 8, 0);
  spit(disk, bytes);
  Run first({disk});
  first.go();
  BOOST_TEST(first.message() == disk.string() + ": extended boot record at byte " + std::to_string(4096 * 512) +
                                    " links to itself (a loop)");

  // Logical partition 5 grown over logical partition 6.
  bytes = slurp(world().dir.path() / "logical.img.orig");
  put32(bytes, 4096 * 512 + 446 + 12, static_cast<std::uint32_t>(fs_sectors + 4096));
  spit(disk, bytes);
  const std::uint64_t ebr6 = 4096 + get32(bytes, 4096 * 512 + 446 + 16 + 8);
  const std::uint64_t start6 = ebr6 + get32(bytes, ebr6 * 512 + 446 + 8);
  Run grown({disk});
  grown.go();
  BOOST_TEST(grown.message() == disk.string() + ": MBR logical partition 6 (entry at byte " +
                                    std::to_string(ebr6 * 512 + 446) + "): sectors " + std::to_string(start6) + ".." +
                                    std::to_string(start6 + 2047) + " overlap MBR logical partition 5 (entry at byte " +
                                    std::to_string(4096 * 512 + 446) + ", sectors 6144.." +
                                    std::to_string(6144 + fs_sectors + 4096 - 1) + ")");

  // Primary partition 1 grown into the extended partition.
  bytes = slurp(world().dir.path() / "logical.img.orig");
  put32(bytes, 446 + 12, 3000);
  spit(disk, bytes);
  Run into({disk});
  into.go();
  BOOST_TEST(into.message() == disk.string() + ": MBR partition 2 (entry at byte 462): sectors 4096.." +
                                   std::to_string(4096 + ext_sectors - 1) +
                                   " overlap MBR partition 1 (entry at byte 446, sectors 2048..5047)");
  BOOST_TEST(into.leftovers() == 0u);
}

// Random damage to the filesystem's metadata (superblock, group
// descriptors, bitmaps, inode table, directories: the first 256 KiB of the
// partition): every run ends in success or an hvmtool::Error, never a crash,
// and leaves no folder behind. Fixed seeds, so a failure reproduces.
BOOST_AUTO_TEST_CASE(damaged_filesystems_fail_cleanly) {
  const fs::path good = world().disk("damage-src.img", "--mbr --layout grub");
  const std::string original = slurp(good);
  const fs::path disk = world().dir.path() / "damaged.img";
  spit(disk, original);
  constexpr std::size_t kAt = 1 << 20, kSpan = 256 * 1024;
  std::size_t failed = 0, booted = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::string region = original.substr(kAt, kSpan);
    std::uint32_t x = seed * 2654435761u;
    const unsigned flips = 1 + seed % 16;
    const std::size_t span = seed % 2 ? 64 * 1024 : kSpan;  // odd seeds: the first 64 KiB only
    for (unsigned i = 0; i < flips; ++i) {
      x = x * 1103515245u + 12345u;
      const std::size_t at = 1024 + (x >> 8) % (span - 1024);
      x = x * 1103515245u + 12345u;
      region[at] = static_cast<char>(region[at] ^ (1u << (x >> 29)));
    }
    {
      std::fstream f(disk, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(kAt);
      f.write(region.data(), static_cast<std::streamsize>(region.size()));
    }
    Run run({disk});
    run.go();
    run.workers.join();
    if (run.error) {
      ++failed;
      bool is_error = false;
      try {
        std::rethrow_exception(run.error);
      } catch (const Error&) {
        is_error = true;
      } catch (...) {
      }
      BOOST_TEST(is_error, "seed " << seed << ": " << run.message());
    } else {
      ++booted;
    }
    BOOST_TEST(run.leftovers() == (run.error ? 0u : 1u), "seed " << seed);
  }
  BOOST_TEST_MESSAGE("damaged filesystems: " << booted << " still booted, " << failed << " refused");
}

// On a disk: the warnings are logged at warning level with file:line (a
// `source` of a file that is not there is not worth one), the fallback from
// a default that names nothing too, and a title with an ESC sequence and a
// NUL reaches every log line escaped.
BOOST_AUTO_TEST_CASE(warnings_and_guest_bytes_in_the_log) {
  const std::string title("evil\x1b[31m\0x", 11);
  const std::string cfg =
      "set default=7\nsource ${config_directory}/custom.cfg\nsource /boot/grub/missing.cfg\n"
      "menuentry '" +
      title + "' {\n  linux /boot/vmlinuz-hvmtool\n}\n";
  const fs::path disk = [&] {
    fs::path root = world().folder("warn.root");
    fs::create_directories(root / "boot/grub");
    spit(root / "boot/grub/grub.cfg", cfg);
    spit(root / "boot/grub/custom.cfg", "menuentry 'custom' {\n linux /k\n}\n");
    return world().disk("warn.img", "--mbr", "--root " + root.string());
  }();
  Run run({disk});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  const std::string where = "grub: " + disk.string() + ": MBR partition 1 at byte 1048576: /boot/grub/grub.cfg:";
  const std::vector<std::string> warnings = run.log.at(LogLevel::warn);
  BOOST_REQUIRE_EQUAL(warnings.size(), 2u);
  BOOST_TEST(warnings[0] == where +
                                "2: 'source' is not followed: the entries and settings of "
                                "'/boot/grub/custom.cfg' are not read");
  BOOST_TEST(warnings[1] ==
             where + "1: default '7' matches no entry; booting the first, entry 0 'evil\\x1b[31m\\x00x'");
  const std::vector<std::string> info = run.log.at(LogLevel::info);
  BOOST_REQUIRE(!info.empty());
  BOOST_TEST(info.back().find("/boot/grub/grub.cfg entry 0 'evil\\x1b[31m\\x00x': kernel /boot/vmlinuz-hvmtool") !=
             std::string::npos);
  BOOST_TEST(!run.log.any_raw_control());
}

// A run killed with SIGKILL never runs undo(): its folder stays. The folder
// names carry the pid, and the next run removes those whose process is gone
// -- only those: a live process's folder, this process's own, and anything
// else in the parent stay.
BOOST_AUTO_TEST_CASE(scratch_folders_of_killed_runs_are_swept) {
  const fs::path disk = world().disk("sweep.img", "--mbr --layout grub");
  const test::TempDir scratch;
  const fs::path parent = scratch.path();
  const pid_t child = ::fork();  // before any thread of this test starts
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const fs::path dir = grub::make_scratch_dir(parent, "killed");
    std::ofstream(dir / "kernel") << "half a kernel";
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFSIGNALED(status));
  BOOST_REQUIRE_EQUAL(files_in(parent), 1u);
  const fs::path killed = fs::directory_iterator(parent)->path();
  BOOST_TEST(killed.filename().string().starts_with("hvmtool-grub-" + std::to_string(child) + "-killed-"));
  const fs::path live = parent / "hvmtool-grub-1-other-aaaaaa";
  const fs::path own = parent / ("hvmtool-grub-" + std::to_string(::getpid()) + "-other-bbbbbb");
  const fs::path odd = parent / "hvmtool-grub-x1-other-cccccc";
  for (const fs::path& p : {live, own, odd}) fs::create_directory(p);

  Run run({disk}, {}, {{"tmpdir", parent.string()}});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  BOOST_TEST(!fs::exists(killed));
  BOOST_TEST(fs::exists(live));
  BOOST_TEST(fs::exists(own));
  BOOST_TEST(fs::exists(odd));
  BOOST_TEST(run.ctx->boot.scratch_dir.filename().string().starts_with("hvmtool-grub-" + std::to_string(::getpid()) +
                                                                       "-boot-test-"));
  const auto info = run.log.at(LogLevel::info);
  BOOST_TEST(std::count(info.begin(), info.end(),
                        "grub: removed 1 scratch folder(s) of processes that no longer run from " + parent.string()) ==
             1);
  for (const fs::path& p : {live, own, odd}) fs::remove(p);
}

// undo() while the files are being copied (a 48 MiB initrd): the copy
// stops, the completion reports a cancellation, and no folder survives.
BOOST_AUTO_TEST_CASE(undo_during_the_copy) {
  const fs::path big = world().dir.write("big-initrd", pattern(48 << 20, 5));
  const fs::path disk = world().dir.path() / "big.img";
  auto r = test::run_command("bash " + (test::source_dir() / "scripts" / "make-test-disk.sh").string() + " " +
                             disk.string() + " --kernel " + world().kernel.string() + " --initrd " + big.string());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  Run run({disk});
  bool saw_folder = false;
  run.go([&] {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (run.leftovers() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    saw_folder = run.leftovers() == 1;
    run.stage->undo(*run.ctx);
  });
  run.workers.join();
  BOOST_TEST(saw_folder);
  BOOST_TEST(run.message() == "grub bootloader cancelled");
  BOOST_TEST(run.leftovers() == 0u);
  BOOST_TEST(run.ctx->boot.scratch_dir.empty());
}

// ---------------------------------------------------------------------------
// Hostile disks: each gives one exact message and leaves no folder behind.

namespace {

struct Hostile {
  std::string name;
  std::function<fs::path()> make;
  std::function<std::string(const fs::path&)> expected;
  std::map<std::string, std::string> params{};
};

const std::string kPart = ": MBR partition 1 at byte 1048576: ";

// A disk whose filesystem also holds the files under `files` (path -> content;
// content "->target" makes a symlink).
fs::path disk_with(const std::string& name, const std::map<std::string, std::string>& files,
                   const std::string& options = "--mbr", const std::string& debugfs = "") {
  fs::path root = world().folder(name + ".root");
  for (const auto& [path, content] : files) {
    fs::path p = root / path;
    fs::create_directories(p.parent_path());
    if (content.starts_with("->"))
      fs::create_symlink(content.substr(2), p);
    else
      spit(p, content);
  }
  std::string extra = "--root " + root.string();
  if (!debugfs.empty()) extra += " --debugfs " + world().dir.write(name + ".debugfs", debugfs).string();
  return world().disk(name + ".img", options, extra);
}

std::string grub_linux(const std::string& kernel, const std::string& initrd = "") {
  std::string s = "menuentry 'evil' {\n  linux " + kernel + " console=ttyS0\n";
  if (!initrd.empty()) s += "  initrd " + initrd + "\n";
  return s + "}\n";
}

// Edits the bytes of a generated disk.
fs::path edited(const std::string& name, const std::string& options, const std::function<void(std::string&)>& edit) {
  fs::path p = world().disk(name + ".img", options);
  std::string bytes = slurp(p);
  edit(bytes);
  spit(p, bytes);
  return p;
}

std::string disk_bytes_text(const fs::path& p) { return std::to_string(fs::file_size(p)); }

const std::vector<Hostile>& hostile_disks() {
  static const std::vector<Hostile> cases = {
      {"traversal",
       [] {
         return disk_with("traversal", {{"boot/grub/grub.cfg", grub_linux("/../../etc/passwd")}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/../../etc/passwd': the path escapes the filesystem's root";
       }},
      {"relative traversal (extlinux)",
       [] {
         return disk_with("traversal2",
                          {{"boot/extlinux/extlinux.conf", "DEFAULT x\nLABEL x\n LINUX ../../../etc/passwd\n"}},
                          "--mbr --layout extlinux");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '../../../etc/passwd': the path escapes the filesystem's root";
       }},
      {"symlink out of the root",
       [] {
         return disk_with("symlink-out", {{"boot/grub/grub.cfg", grub_linux("/boot/evil")},
                                          {"boot/evil", "->../../../../etc/shadow"}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/evil': the path escapes the filesystem's root";
       }},
      {"absolute symlink stays inside",
       [] {
         return disk_with("symlink-abs",
                          {{"boot/grub/grub.cfg", grub_linux("/boot/evil")}, {"boot/evil", "->/etc/passwd"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/evil': not found"; }},
      {"missing kernel",
       [] {
         return disk_with("missing", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-nope")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/vmlinuz-nope': not found"; }},
      {"missing initrd",
       [] {
         return disk_with("missing-initrd",
                          {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool", "/boot/initrd-nope")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "initrd '/boot/initrd-nope': not found"; }},
      {"symlink loop",
       [] {
         return disk_with("loop", {{"boot/grub/grub.cfg", grub_linux("/boot/loop1")},
                                   {"boot/loop1", "->loop2"},
                                   {"boot/loop2", "->/boot/loop1"}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/loop1': symlink loop (more than 8 symlinks)";
       }},
      {"directory as kernel",
       [] {
         return disk_with("dir", {{"boot/grub/grub.cfg", grub_linux("/boot/grub")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/grub': is a directory"; }},
      {"device as kernel",
       [] {
         return disk_with("device", {{"boot/grub/grub.cfg", grub_linux("/boot/mem")}}, "--mbr",
                          "cd /boot\nmknod mem c 1 1\n");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/mem': not a regular file (a device, FIFO or socket)";
       }},
      {"FIFO as initrd",
       [] {
         return disk_with("fifo", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool", "/boot/fifo")}}, "--mbr",
                          "cd /boot\nmknod fifo p\n");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "initrd '/boot/fifo': not a regular file (a device, FIFO or socket)";
       }},
      {"file as a directory",
       [] {
         return disk_with("notdir", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool/x")}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/vmlinuz-hvmtool/x': /boot/vmlinuz-hvmtool is not a directory";
       }},
      {"huge config",
       [] {
         return disk_with(
             "huge", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool") + std::string((1 << 20) + 1, '#')}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "config '/boot/grub/grub.cfg' is " +
                std::to_string((1 << 20) + 1 + grub_linux("/boot/vmlinuz-hvmtool").size()) +
                " bytes, more than the limit of 1048576";
       }},
      {"config is a directory",
       [] { return disk_with("cfgdir", {}, "--mbr", "rm /boot/grub/grub.cfg\nmkdir /boot/grub/grub.cfg\n"); },
       [](const fs::path& d) { return d.string() + kPart + "config '/boot/grub/grub.cfg' is not a regular file"; }},
      {"malformed config",
       [] {
         return disk_with("malformed", {{"boot/grub/grub.cfg", "set default=0\nmenuentry 'evil {\n"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "/boot/grub/grub.cfg: line 2: unterminated single quote"; }},
      {"no boot entry",
       [] {
         return disk_with("noentry", {{"boot/grub/grub.cfg", "set timeout=5\n"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "/boot/grub/grub.cfg: grub.cfg has no boot entries"; }},
      {"no config", [] { return disk_with("nocfg", {}, "--mbr", "rm /boot/grub/grub.cfg\n"); },
       [](const fs::path& d) {
         return d.string() + kPart +
                "no boot config found (looked for /boot/grub/grub.cfg, /grub/grub.cfg, /boot/extlinux/extlinux.conf, "
                "/extlinux.conf, /boot/grub/menu.lst, /grub/menu.lst)";
       }},
      {"kernel larger than max_kernel_size",
       [] { return world().disk("bigkernel.img", "--mbr"); },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/vmlinuz-hvmtool' is " +
                std::to_string(world().kernel_bytes.size()) + " bytes, more than max_kernel_size (65536)";
       },
       {{"max_kernel_size", "64K"}}},
      {"truncated disk",
       [] {
         fs::path p = world().disk("truncated.img", "--mbr");
         fs::resize_file(p, 3 << 20);
         return p;
       },
       [](const fs::path& d) {
         const std::uint64_t sectors = (fs::file_size(world().dir.path() / "ok--mbrgrub.img") - (2 << 20)) / 512;
         return d.string() + ": MBR partition 1 (entry at byte 446): sectors 2048.." +
                std::to_string(2048 + sectors - 1) + " (bytes 1048576.." + std::to_string((2048 + sectors) * 512) +
                ") extend beyond the end of the disk (3145728 bytes)";
       }},
      {"truncated whole-disk filesystem",
       [] {
         fs::path p = world().disk("truncated-fs.img", "--no-table");
         fs::resize_file(p, 4 << 20);
         return p;
       },
       [](const fs::path& d) {
         return d.string() + ": whole-disk filesystem: the filesystem's " +
                std::to_string(fs::file_size(world().dir.path() / "ok--no-tablegrub.img")) +
                " bytes do not fit in its 4194304-byte partition (truncated image?)";
       }},
      {"superblock claims 2^32 more blocks",
       [] {
         return edited("huge-sb", "--mbr", [](std::string& b) {
           const std::size_t sb = (1 << 20) + 1024;
           put32(b, sb + 0x60, get32(b, sb + 0x60) | 0x80);  // 64bit
           put32(b, sb + 0x150, 1);                          // s_blocks_count_hi
         });
       },
       [](const fs::path& d) {
         const std::string b = slurp(d);
         const std::size_t sb = (1 << 20) + 1024;
         const std::uint64_t bytes = ((1ull << 32) | get32(b, sb + 4)) * (1024ull << get32(b, sb + 24));
         return d.string() + kPart + "the filesystem's " + std::to_string(bytes) + " bytes do not fit in its " +
                std::to_string(fs::file_size(d) - (2 << 20)) + "-byte partition (truncated image?)";
       }},
      {"truncated to less than a sector", [] { return world().dir.write("tiny.img", std::string(100, '\0')); },
       [](const fs::path& d) { return d.string() + ": truncated: 100 bytes, smaller than one 512-byte sector"; }},
      {"not a disk", [] { return world().dir.write("garbage.img", pattern(8192, 9)); },
       [](const fs::path& d) {
         return d.string() +
                ": no partition table (no 0x55AA signature at byte 510) and no ext2/3/4 filesystem (no magic at byte "
                "1080)";
       }},
      {"MBR partition beyond the disk end",
       [] { return edited("mbr-beyond", "--mbr", [](std::string& b) { put32(b, 446 + 12, 0x00FFFFFF); }); },
       [](const fs::path& d) {
         return d.string() + ": MBR partition 1 (entry at byte 446): sectors 2048.." +
                std::to_string(2048 + 0xFFFFFF - 1) + " (bytes 1048576.." + std::to_string((2048ull + 0xFFFFFF) * 512) +
                ") extend beyond the end of the disk (" + disk_bytes_text(d) + " bytes)";
       }},
      {"GPT header CRC mismatch",
       [] { return edited("gpt-hcrc", "--gpt", [](std::string& b) { b[512 + 56] ^= 0x01; }); },
       [](const fs::path& d) {
         std::string b = slurp(d);
         const std::uint32_t stored = get32(b, 512 + 16);
         put32(b, 512 + 16, 0);
         return d.string() + ": GPT header CRC mismatch at byte 512: stored " + hex8(stored) + ", computed " +
                hex8(crc(b.substr(512, 92)));
       }},
      {"GPT entry array CRC mismatch",
       [] { return edited("gpt-acrc", "--gpt", [](std::string& b) { b[1024 + 56] ^= 0x20; }); },
       [](const fs::path& d) {
         std::string b = slurp(d);
         return d.string() + ": GPT partition entry array CRC mismatch at byte 1024: stored " +
                hex8(get32(b, 512 + 88)) + ", computed " + hex8(crc(b.substr(1024, 128 * 128)));
       }},
      {"GPT partition beyond the disk end",
       [] {
         return edited("gpt-beyond", "--gpt", [](std::string& b) {
           put64(b, 1024 + 40, 1ull << 40);
           fix_gpt_crcs(b);
         });
       },
       [](const fs::path& d) {
         return d.string() + ": GPT partition 1 (entry at byte 1024): sectors 2048.." + std::to_string(1ull << 40) +
                " (bytes 1048576.." + std::to_string(((1ull << 40) + 1) * 512) +
                ") extend beyond the end of the disk (" + disk_bytes_text(d) + " bytes)";
       }},
      {"GPT entry array beyond the disk end",
       [] {
         return edited("gpt-array", "--gpt", [](std::string& b) {
           put32(b, 512 + 80, 8192);  // 8192 entries x 128 bytes = 1 MiB, from 2 KiB before the end
           put64(b, 512 + 72, fs::file_size(world().dir.path() / "ok--gptgrub.img") / 512 - 4);
           put32(b, 512 + 16, 0);
           put32(b, 512 + 16, crc(b.substr(512, 92)));
         });
       },
       [](const fs::path& d) {
         const std::uint64_t at = (fs::file_size(d) / 512 - 4) * 512;
         return d.string() + ": truncated: GPT partition entry array (1048576 bytes at byte " + std::to_string(at) +
                ") ends beyond the image's " + disk_bytes_text(d) + " bytes";
       }},
      {"overlapping MBR partitions",
       [] {
         return edited("mbr-overlap", "--mbr", [](std::string& b) {
           b[462 + 4] = static_cast<char>(0x83);
           put32(b, 462 + 8, 4096);
           put32(b, 462 + 12, 2048);
         });
       },
       [](const fs::path& d) {
         const std::uint32_t sectors = get32(slurp(d), 446 + 12);
         return d.string() +
                ": MBR partition 2 (entry at byte 462): sectors 4096..6143 overlap MBR partition 1 (entry at byte 446, "
                "sectors 2048.." +
                std::to_string(2048 + sectors - 1) + ")";
       }},
      {"overlapping GPT partitions",
       [] {
         return edited("gpt-overlap", "--gpt", [](std::string& b) {
           std::memcpy(b.data() + 1024 + 128, b.data() + 1024, 128);
           b[1024 + 128 + 16] ^= 0x01;  // another unique GUID
           put64(b, 1024 + 128 + 32, 2056);
           put64(b, 1024 + 128 + 40, 2148);
           fix_gpt_crcs(b);
         });
       },
       [](const fs::path& d) {
         const std::string b = slurp(d);
         std::uint64_t last;
         std::memcpy(&last, b.data() + 1024 + 40, 8);
         return d.string() +
                ": GPT partition 2 (entry at byte 1152): sectors 2056..2148 overlap GPT partition 1 (entry at byte "
                "1024, sectors 2048.." +
                std::to_string(last) + ")";
       }},
      {"terminal escapes in a kernel path",
       [] {
         return disk_with("escapes", {{"boot/grub/grub.cfg", grub_linux(std::string("/boot/\x1b[31mvmlinuz"))}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/\\x1b[31mvmlinuz': not found"; }},
      {"not an ext filesystem",
       [] { return edited("notext", "--mbr", [](std::string& b) { std::memset(b.data() + (1 << 20), 0, 4096); }); },
       [](const fs::path& d) {
         return d.string() + kPart + "not a readable ext2/3/4 filesystem: Bad magic number in super-block";
       }},
  };
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_disks_give_exact_errors_and_leave_nothing) {
  // The good disks some expectations measure.
  world().disk("ok--mbrgrub.img", "--mbr --layout grub");
  world().disk("ok--gptgrub.img", "--gpt --layout grub");
  world().disk("ok--no-tablegrub.img", "--no-table --layout grub");
  for (const Hostile& h : hostile_disks()) {
    BOOST_TEST_CONTEXT(h.name) {
      const fs::path disk = h.make();
      Run run({disk}, {}, h.params);
      run.go();
      BOOST_TEST(run.message() == h.expected(disk));
      BOOST_TEST(run.ctx->boot.scratch_dir.empty());
      BOOST_TEST(run.ctx->boot.kernel.empty());
      run.workers.join();
      BOOST_TEST(run.leftovers() == 0u);
      // The error is an ImageError, except for what is not about the disk's content.
      BOOST_REQUIRE(run.error);
      bool image_error = false;
      try {
        std::rethrow_exception(run.error);
      } catch (const ImageError&) {
        image_error = true;
      } catch (...) {
      }
      BOOST_TEST(image_error);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
