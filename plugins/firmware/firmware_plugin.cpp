// libxl__domain_firmware: turns `domain.firmware` / `domain.bios` into checked
// files and tells the HVM builder how to place each of them.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

#include <boost/dll/runtime_symbol_info.hpp>

#include <hvmtool/hvmtool.hpp>

#include <hvmtool/guest_abi.h>
#include <hvmtool_common/elf_placement.hpp>
#include <hvmtool_common/image_file.hpp>

#include "uefi_image.hpp"

namespace hvmtool::firmware {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kLoaderMax = 16ull << 20;  // an ELF loader file
// A legacy BIOS module is copied to end at 1 MiB, inside 0xC0000-0xFFFFF
// (hvmloader/include/hvmtool/guest_abi.h); a UEFI flash image (up to
// kUefiImageMax) is copied to end at 4 GiB instead.
constexpr std::uint64_t kBiosModuleMax = HVMTOOL_ABI_BIOS_MAX_SIZE;
static_assert(HVMTOOL_ABI_BIOS_END - HVMTOOL_ABI_BIOS_MAX_SIZE >= HVMTOOL_ABI_LEGACY_ROM_START);
constexpr const char* kSeabiosPath = "/usr/share/seabios/bios.bin";
constexpr const char* kOvmfPath = "/usr/share/ovmf/OVMF.fd";

std::vector<std::byte> read_head(const fs::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::byte> head(n);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

std::uint64_t check_file(const fs::path& p, const std::string& what, std::uint64_t max) {
  std::error_code ec;
  fs::file_status st = fs::status(p, ec);
  if (ec || !fs::exists(st)) throw ImageError(p.string() + ": " + what + ": " + std::strerror(ENOENT));
  if (!fs::is_regular_file(st)) throw ImageError(p.string() + ": " + what + ": not a regular file");
  std::uint64_t size = fs::file_size(p, ec);
  if (ec) throw ImageError(p.string() + ": " + what + ": " + ec.message());
  if (size == 0) throw ImageError(p.string() + ": offset 0x0: " + what + " is empty");
  if (max && size > max)
    throw ImageError(p.string() + ": offset " + common::hex(max) + ": " + what + " is " + common::hex(size) +
                     " bytes, more than the " + common::hex(max) + " allowed");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ImageError(p.string() + ": " + what + ": cannot open: " + std::strerror(errno));
  return size;
}

// The whole image is read and checked as build_hvm will (a loader is small:
// hvmloader is ~30 KiB), so that a foreign or broken file fails at load.
void check_loader_elf(const fs::path& p) {
  check_file(p, "firmware", kLoaderMax);
  common::parse_i386_exec(common::read_image(p, "firmware", {kLoaderMax, {}}), p.string(), common::kLoaderElfLimits);
}

// A UEFI flash image is small enough to check whole, and checked once here
// so that a truncated or foreign file fails before a domain exists.
void check_uefi_file(const fs::path& p) {
  const std::uint64_t size = check_file(p, "bios", kUefiImageMax);
  check_uefi_image(read_head(p, size), p.string());
}

fs::path find_hvmloader() {
  std::vector<fs::path> tried;
  auto candidate = [&](const fs::path& p) {
    tried.push_back(p);
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  };
  if (const char* dir = std::getenv("HVMTOOL_FIRMWARE_DIR"); dir && *dir)
    if (fs::path p = fs::path(dir) / "hvmloader"; candidate(p)) return p;
  fs::path here = boost::dll::this_line_location().parent_path().string();
  for (const char* rel : {"../hvmloader/hvmloader", "../../../share/hvmtool/firmware/hvmloader"})
    if (fs::path p = (here / rel).lexically_normal(); candidate(p)) return p;
  if (fs::path p = fs::path(HVMTOOL_FIRMWARE_INSTALL_DIR) / "hvmloader"; candidate(p)) return p;
  std::string where;
  for (const auto& t : tried) where += (where.empty() ? "" : ", ") + t.string();
  throw ImageError("hvmloader: not found (looked in " + where + "; set HVMTOOL_FIRMWARE_DIR)");
}

class Provider final : public FirmwareProvider {
 public:
  FirmwareSet resolve(const DomainConfig& d) const override {
    FirmwareSet set;
    set.loader.name = "hvmloader";
    set.loader.rule = LoadRule::elf_at_link_address;
    set.loader.max_size = kLoaderMax;
    set.loader.path = d.firmware.empty() || d.firmware == "hvmloader" ? find_hvmloader() : fs::path(d.firmware);
    check_loader_elf(set.loader.path);

    if (!d.bios.empty()) {
      FirmwareImage bios;
      bios.name = HVMTOOL_ABI_MODULE_FIRMWARE;
      bios.rule = LoadRule::module;
      bios.max_size = kBiosModuleMax;
      if (d.bios == "seabios") {
        bios.path = kSeabiosPath;
      } else if (d.bios == "ovmf") {
        bios.path = kOvmfPath;
      } else {
        bios.path = d.bios;
      }
      // A path may name either kind; the image says which (OVMF_CODE.fd and
      // friends start with a firmware volume header, legacy BIOSes do not).
      if (d.bios == "ovmf" || (d.bios != "seabios" && looks_like_uefi_image(read_head(bios.path, 0x40)))) {
        bios.rule = LoadRule::module_flash_window;
        bios.max_size = kUefiImageMax;
        check_uefi_file(bios.path);
      } else {
        check_file(bios.path, "bios", bios.max_size);
      }
      set.modules.push_back(std::move(bios));
    }
    return set;
  }
};

class FirmwarePlugin final : public Plugin {
 public:
  std::string_view name() const override { return "firmware"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "resolves domain.firmware (hvmloader) and domain.bios (seabios, ovmf, path)";
  }
  bool provides_firmware() const override { return true; }
  std::unique_ptr<FirmwareProvider> create_firmware(const PluginParams& params) override {
    params.require_known({});
    return std::make_unique<Provider>();
  }
};

}  // namespace
}  // namespace hvmtool::firmware

HVMTOOL_PLUGIN(hvmtool::firmware::FirmwarePlugin)
