// The grub plugin's table of boot-menu formats: every format is listed, in
// the order the stage searches the guest's filesystem, and the config found
// at each path is read by its own format's parser (on a generated disk).
#include "grub_test_support.hpp"
#include "menu_format.hpp"

using namespace hvmtool;
using namespace hvmtool::grub_test;
namespace fs = std::filesystem;

namespace {

// The formats and paths, in search order, written out here rather than read
// from the table, so that a format or path dropped from it fails the tests.
const std::vector<std::pair<std::string, std::string>> kSearchOrder = {
    {"grub.cfg", "/boot/grub/grub.cfg"},
    {"grub.cfg", "/grub/grub.cfg"},
    {"extlinux.conf", "/boot/extlinux/extlinux.conf"},
    {"extlinux.conf", "/extlinux.conf"},
    {"menu.lst", "/boot/grub/menu.lst"},
    {"menu.lst", "/grub/menu.lst"},
};

std::string joined(const std::vector<std::pair<std::string, std::string>>& list) {
  std::string s;
  for (const auto& [format, path] : list) s += (s.empty() ? "" : ", ") + format + " " + path;
  return s;
}

// A one-entry config in FORMAT's syntax that boots KERNEL with ARGS; each
// is a menu without a bootable entry (or an error) in the other formats.
std::string config_in(const std::string& format, const std::string& kernel, const std::string& args) {
  if (format == "grub.cfg") return "menuentry 'x' {\n  linux " + kernel + " " + args + "\n}\n";
  if (format == "extlinux.conf") return "DEFAULT x\nLABEL x\n  LINUX " + kernel + "\n  APPEND " + args + "\n";
  if (format == "menu.lst") return "default 0\ntitle x\n  kernel " + kernel + " " + args + "\n";
  BOOST_FAIL("no test config for format " << format);
  return {};
}

// What FORMAT's parser makes of TEXT: "KERNEL ARGS" of the entry it would
// boot, or "(nothing)" when it finds none or refuses the file.
std::string boots(const grub::MenuFormat& format, const std::string& path, const std::string& text,
                  std::vector<std::string>* asked_for = nullptr) {
  const grub::MenuSource source{path, text, [&](const std::string& p, std::uint64_t) -> std::optional<std::string> {
                                  if (asked_for) asked_for->push_back(p);
                                  return std::nullopt;
                                }};
  try {
    const grub::BootMenu menu = format.read(source);
    BOOST_TEST(menu.format == format.name);
    const grub::Selection s = grub::select_entry(menu, {});
    return s.entry->kernel + " " + s.entry->cmdline;
  } catch (const grub::MenuError&) {
    return "(nothing)";
  } catch (const Error&) {
    return "(nothing)";
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(menu_formats)

BOOST_AUTO_TEST_CASE(the_table_lists_every_format_in_search_order) {
  std::vector<std::pair<std::string, std::string>> listed;
  for (const grub::MenuFormat* f : grub::menu_formats())
    for (std::string_view p : f->paths) listed.emplace_back(f->name, p);
  BOOST_TEST(joined(listed) == joined(kSearchOrder));

  std::vector<std::string> paths;
  for (const auto& entry : kSearchOrder) paths.push_back(entry.second);
  const std::vector<std::string> candidates = grub::config_candidates();
  BOOST_TEST(candidates == paths, boost::test_tools::per_element());
}

// Each format's parser reads its own syntax and finds nothing in the
// others': a config is only booted through the format whose path it was at.
BOOST_AUTO_TEST_CASE(each_format_reads_its_own_syntax_only) {
  for (const grub::MenuFormat* f : grub::menu_formats()) {
    BOOST_TEST_CONTEXT(f->name) {
      const std::string path(f->paths.front());
      for (const grub::MenuFormat* other : grub::menu_formats()) {
        const std::string text = config_in(std::string(other->name), "/boot/vmlinuz-t", "k=1");
        BOOST_TEST(boots(*f, path, text) == (other == f ? "/boot/vmlinuz-t k=1" : "(nothing)"),
                   "the text of " << other->name);
      }
    }
  }
}

// grub.cfg's entry reads grubenv beside the config it was found at, and sets
// $prefix to that folder, as GRUB does before it runs the file.
BOOST_AUTO_TEST_CASE(grub_cfg_reads_beside_the_config_it_was_found_at) {
  const grub::MenuFormat* grub_cfg = nullptr;
  for (const grub::MenuFormat* f : grub::menu_formats())
    if (f->name == "grub.cfg") grub_cfg = f;
  BOOST_REQUIRE(grub_cfg);
  std::vector<std::string> asked;
  BOOST_TEST(boots(*grub_cfg, "/grub/grub.cfg", config_in("grub.cfg", "$prefix/vmlinuz", "p=1"), &asked) ==
             "/grub/vmlinuz p=1");
  BOOST_TEST(asked == std::vector<std::string>{"/grub/grubenv"}, boost::test_tools::per_element());
}

// On a disk holding a config at one path and at every path after it, the
// stage boots the one at that path, read by that path's format.
BOOST_AUTO_TEST_CASE(the_stage_searches_the_disk_in_table_order) {
  for (std::size_t i = 0; i < kSearchOrder.size(); ++i) {
    const std::string& wanted = kSearchOrder[i].second;
    BOOST_TEST_CONTEXT(wanted) {
      const std::string name = "search" + std::to_string(i);
      const fs::path root = world().folder(name + ".root");
      for (std::size_t j = i; j < kSearchOrder.size(); ++j) {
        const auto& [format, path] = kSearchOrder[j];
        const fs::path file = root / path.substr(1);
        fs::create_directories(file.parent_path());
        spit(file, config_in(format, "/boot/vmlinuz-hvmtool", "found=" + path));
      }
      // The disk's own layout writes /boot/grub/grub.cfg, the first path.
      std::string extra = "--root " + root.string();
      if (i > 0) extra += " --debugfs " + world().dir.write(name + ".debugfs", "rm /boot/grub/grub.cfg\n").string();
      Run run({world().disk(name + ".img", "--mbr", extra)});
      run.go();
      BOOST_REQUIRE_MESSAGE(!run.error, run.message());
      BOOST_TEST(run.ctx->boot.cmdline == "found=" + wanted);
      BOOST_TEST(slurp(run.ctx->boot.kernel) == world().kernel_bytes);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
