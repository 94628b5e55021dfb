// UEFI flash images (OVMF): the firmware plugin tells them from legacy BIOS
// images and rejects broken ones with exact messages; build_hvm backs the
// flash window below 4 GiB, raises max memory by it first and hands the
// image to hvmloader as the `firmware` module.
#define BOOST_TEST_MODULE uefi_firmware
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <xen/arch-x86/hvm/start_info.h>

#include <cstring>
#include <functional>
#include <iostream>

#include "build_fixture.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::test::build_hvm;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDebianOvmf = "/usr/share/ovmf/OVMF.fd";

template <typename T>
void put(std::string& img, std::size_t off, T v) {
  std::memcpy(img.data() + off, &v, sizeof v);
}

void fix_checksum(std::string& img, std::size_t header_len = 0x48) {
  put<std::uint16_t>(img, 0x32, 0);
  std::uint16_t sum = 0;
  for (std::size_t off = 0; off < header_len; off += 2) {
    std::uint16_t w;
    std::memcpy(&w, img.data() + off, 2);
    sum = static_cast<std::uint16_t>(sum + w);
  }
  put<std::uint16_t>(img, 0x32, static_cast<std::uint16_t>(-sum));
}

// A flash image the way the PI spec lays out a firmware volume header:
// one volume over the whole file, 4 KiB blocks, a patterned body.
std::string flash_image(std::size_t size) {
  std::string img(size, '\0');
  for (std::size_t i = 0x48; i < size; ++i) img[i] = static_cast<char>((i * 13 + i / 4096) & 0xff);
  put<std::uint64_t>(img, 0x20, size);                                     // FvLength
  std::memcpy(img.data() + 0x28, "_FVH", 4);                               // Signature
  put<std::uint32_t>(img, 0x2C, 0x0004FEFF);                               // Attributes
  put<std::uint16_t>(img, 0x30, 0x48);                                     // HeaderLength
  img[0x37] = 2;                                                           // Revision
  put<std::uint32_t>(img, 0x38, static_cast<std::uint32_t>(size / 4096));  // BlockMap[0]
  put<std::uint32_t>(img, 0x3C, 4096);
  put<std::uint64_t>(img, 0x40, 0);  // terminator
  fix_checksum(img);
  return img;
}

struct BadImage {
  const char* name;
  std::function<std::string()> make;
  std::string reason;  // after "FILE: "
};

std::vector<BadImage> bad_images() {
  return {
      {"too small", [] { return flash_image(0x8000); },
       "offset 0x8000: a UEFI flash image is at least 0x10000 bytes, this one is 0x8000"},
      {"too big", [] { return flash_image(0x801000); },
       "offset 0x800000: bios is 0x801000 bytes, more than the 0x800000 allowed"},
      {"odd size",
       [] {
         std::string i = flash_image(0x20000);
         i.resize(0x20200);
         return i;
       },
       "offset 0x20200: UEFI flash image size 0x20200 is not a multiple of 4 KiB"},
      {"header length",
       [] {
         std::string i = flash_image(0x20000);
         put<std::uint16_t>(i, 0x30, 0x10);
         fix_checksum(i);
         return i;
       },
       "offset 0x30: firmware volume header length 0x10 is not valid"},
      {"volume longer than file",
       [] {
         std::string i = flash_image(0x20000);
         put<std::uint64_t>(i, 0x20, 0x40000);
         fix_checksum(i);
         return i;
       },
       "offset 0x20: firmware volume length 0x40000 is outside [header, file size 0x20000]"},
      {"revision",
       [] {
         std::string i = flash_image(0x20000);
         i[0x37] = 1;
         fix_checksum(i);
         return i;
       },
       "offset 0x37: firmware volume revision 1, expected 2"},
      {"checksum",
       [] {
         std::string i = flash_image(0x20000);
         i[0x2C] ^= 0x10;
         return i;
       },
       "offset 0x0: firmware volume header checksum fails: its 16-bit words sum to 0xfff0, not 0"},
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(firmware_plugin_resolves_uefi_images) {
  PluginLoader loader{{test::build_dir() / "plugins"}};
  auto fw = loader.create_firmware("firmware", PluginParams{});
  test::TempDir tmp;
  DomainConfig c = domain(128ull << 20);

  // A path is a UEFI image if it starts with a firmware volume header, and
  // then may be far bigger than a legacy BIOS's 256 KiB.
  c.bios = tmp.write("CODE.fd", flash_image(0x1E0000)).string();
  FirmwareSet set = fw->resolve(c);
  BOOST_REQUIRE_EQUAL(set.modules.size(), 1u);
  BOOST_TEST(set.modules[0].name == "firmware");
  BOOST_TEST((set.modules[0].rule == LoadRule::module_flash_window));
  BOOST_TEST(set.modules[0].max_size == 0x800000u);

  if (fs::exists(kDebianOvmf)) {
    c.bios = "ovmf";
    set = fw->resolve(c);
    BOOST_REQUIRE_EQUAL(set.modules.size(), 1u);
    BOOST_TEST(set.modules[0].path == kDebianOvmf);
    BOOST_TEST((set.modules[0].rule == LoadRule::module_flash_window));
  }

  for (const BadImage& bad : bad_images()) {
    BOOST_TEST_CONTEXT(bad.name) {
      c.bios = tmp.write("bad.fd", bad.make()).string();
      BOOST_CHECK_EXCEPTION(fw->resolve(c), ImageError, [&](const ImageError& e) {
        BOOST_TEST(e.what() == c.bios + ": " + bad.reason);
        return true;
      });
    }
  }
}

BOOST_AUTO_TEST_CASE(builder_backs_the_flash_window_below_4g) {
  test::TempDir tmp;
  const std::string image = flash_image(0x1E0000);  // 1.875 MiB, like OVMF_CODE.fd
  DomainConfig c = domain(128ull << 20);
  c.bios = tmp.write("CODE.fd", image).string();
  Build b(c);
  b.rethrow();

  // The window is whole MiBs ending at 4 GiB, populated and zeroed for
  // hvmloader to copy into; nothing below it in the MMIO hole is.
  constexpr std::uint64_t kWindow = k4G - 0x200000;
  BOOST_TEST((b.ctx->state.flash_window == GuestRange{0xffe00000, 0x200000}));
  for (std::uint64_t gpfn = kWindow >> 12; gpfn < k4G >> 12; ++gpfn)
    if (!b.dom().populated(gpfn)) BOOST_FAIL("flash window page " << hex(gpfn) << " not populated");
  BOOST_TEST(!b.dom().populated((kWindow >> 12) - 1));
  BOOST_TEST(b.mem(kWindow, 0x200000) == std::string(0x200000, '\0'));

  // Max memory grew by the window before anything was populated.
  const long grow = b.calls->index_of("set_max_memory " + std::to_string((128ull << 20) + 0x200000));
  BOOST_TEST(grow >= 0);
  BOOST_TEST(grow < b.calls->index_of("populate_physmap"));
  BOOST_TEST(b.dom().populate_stats().pages_4k == b.ctx->state.memory->ram.pages_4k + 16 + 0x200);

  // The image itself goes to hvmloader as an ordinary module in low RAM.
  const hvm_start_info si = b.read<hvm_start_info>(b.ctx->state.start_info.value());
  BOOST_REQUIRE_EQUAL(si.nr_modules, 1u);
  const hvm_modlist_entry e = b.read<hvm_modlist_entry>(si.modlist_paddr);
  BOOST_TEST(b.cstr(e.cmdline_paddr) == "firmware");
  BOOST_TEST(e.size == image.size());
  BOOST_TEST(e.paddr + e.size <= (128ull << 20));
  BOOST_TEST((b.mem(e.paddr, e.size) == image));
}

int main(int argc, char* argv[]) {
  if (!fs::exists(HVMLOADER_PATH)) {
    std::cout << "SKIP: " << HVMLOADER_PATH << " not built (HVMTOOL_BUILD_FIRMWARE off?)" << std::endl;
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
