// build_pv's image-loader table: each entry mode finds its own loader (the
// one that reads its kind of image and records its entry protocol), an
// unknown mode is refused naming the known ones, and the plugin's `entry`
// parameter offers exactly the table's modes.
#define BOOST_TEST_MODULE build_pv_image_loaders
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "build_pv_stage.hpp"
#include "hvmtool_common/image_file.hpp"
#include "layout.hpp"
#include "loader_table.hpp"
#include "plugin/plugin_loader.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::build_pv;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// The loader of `mode` parsing `kernel` on a 16 MiB domain: "(no error)"
// or the refusal.
std::string parse_with(std::string_view mode, const std::string& kernel) {
  const Layout layout = compute_layout(16ull << 20, 0);
  std::unique_ptr<ImageLoader> loader = find_loader(mode).make();
  return message_of([&] {
    const common::ImageFile file(kernel, "kernel", loader->needs(layout).kernel_cap);
    loader->parse(file, {layout, kernel, 0}, [] {});
  });
}

std::string create_stage_with_entry(const std::string& entry) {
  PluginLoader plugins{{test::build_dir() / "plugins"}};
  std::map<std::string, ParamValue> values{{"entry", ParamValue{entry, {"t.yaml", 3, 13}}}};
  return message_of([&] { plugins.create_stage("build_pv", StageSlot::build, PluginParams("build_pv", values)); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_entry_mode_finds_its_loader) {
  std::set<std::string_view> modes;
  for (const LoaderKind& k : kImageLoaders) {
    BOOST_TEST(modes.insert(k.mode).second, "entry mode " << k.mode << " listed twice");
    BOOST_TEST(&find_loader(k.mode) == &k);
    BOOST_TEST(k.make() != nullptr);
  }
  BOOST_TEST(modes == (std::set<std::string_view>{"linux64", "pvh"}));

  // Each records its own protocol and boot information.
  BuildState linux64, pvh;
  find_loader("linux64").make()->record(linux64, 0x7000);
  find_loader("pvh").make()->record(pvh, 0x6000);
  BOOST_TEST((linux64.entry_kind == EntryKind::linux64));
  BOOST_TEST(linux64.zero_page.value_or(0) == 0x7000u);
  BOOST_TEST(linux64.page_tables.value_or(0) == kPml4Addr);
  BOOST_TEST(!linux64.start_info);
  BOOST_TEST((pvh.entry_kind == EntryKind::hvm_start_info));
  BOOST_TEST(pvh.start_info.value_or(0) == 0x6000u);
  BOOST_TEST(!pvh.zero_page);
  BOOST_TEST(!pvh.page_tables);

  // What each needs from a 16 MiB layout: the bzImage is held to the RAM
  // from 1 MiB, the PVH ELF to the kernel limit; only PVH takes ACPI tables.
  const Layout layout = compute_layout(16ull << 20, 0);
  const LoaderNeeds l = find_loader("linux64").make()->needs(layout);
  const LoaderNeeds p = find_loader("pvh").make()->needs(layout);
  BOOST_TEST(l.kernel_cap.max == (15ull << 20));
  BOOST_TEST(l.kernel_cap.why == "the 0xf00000 bytes of RAM from 1 MiB");
  BOOST_TEST(!l.acpi_tables);
  BOOST_TEST(p.kernel_cap.max == kMaxKernelBytes);
  BOOST_TEST(p.acpi_tables);
}

BOOST_AUTO_TEST_CASE(each_loader_reads_its_own_kind_of_image) {
  BOOST_TEST(parse_with("linux64", TEST_BZIMAGE) == "(no error)");
  BOOST_TEST(parse_with("pvh", TEST_PVHKERNEL) == "(no error)");
  BOOST_TEST(parse_with("pvh", TEST_BZIMAGE) ==
             std::string(TEST_BZIMAGE) + ": offset 0x0: not an ELF file (bad magic)");
  // An ELF has no setup header: the bzImage parser refuses it at boot_flag.
  const std::string refusal = parse_with("linux64", TEST_PVHKERNEL);
  BOOST_TEST(refusal.rfind(std::string(TEST_PVHKERNEL) + ": offset 0x1fe: ", 0) == 0, refusal);
}

BOOST_AUTO_TEST_CASE(an_unknown_entry_mode_is_refused) {
  BOOST_TEST(message_of([] { find_loader("multiboot2"); }) ==
             "build_pv: no image loader for entry mode 'multiboot2' (known: linux64, pvh)");
  BOOST_TEST(message_of([] { find_loader(""); }) ==
             "build_pv: no image loader for entry mode '' (known: linux64, pvh)");
  // The pipeline file's `entry` offers auto and the table's modes.
  BOOST_TEST(create_stage_with_entry("pvh") == "(no error)");
  BOOST_TEST(create_stage_with_entry("linux64") == "(no error)");
  BOOST_TEST(create_stage_with_entry("auto") == "(no error)");
  BOOST_TEST(create_stage_with_entry("multiboot2") ==
             "t.yaml:3:13: field 'params.build_pv.entry': expected auto, linux64 or pvh, got \"multiboot2\"");
}
