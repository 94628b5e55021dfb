// hvmloader: the project's own loader (hvmloader/), entered at its ELF entry
// in 32-bit protected mode; the default `firmware` of an HVM domain.
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/dll/runtime_symbol_info.hpp>

#include <hvmtool/error.hpp>
#include <hvmtool_common/elf_placement.hpp>
#include <hvmtool_common/image_file.hpp>

#include "../firmware_kind.hpp"
#include "../image_checks.hpp"

namespace hvmtool::firmware {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kLoaderMax = 16ull << 20;

// The environment's choice, then the build tree's and an installed tree's
// copy beside the plugin, then the configured install prefix.
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

// The whole image is read and checked as build_hvm will (a loader is small:
// hvmloader is ~30 KiB), so that a foreign or broken file fails at load.
FirmwareImage loader_image(const fs::path& p) {
  check_file(p, "firmware", kLoaderMax);
  common::parse_i386_exec(common::read_image(p, "firmware", {kLoaderMax, {}}), p.string(), common::kLoaderElfLimits);
  return {"hvmloader", p, LoadRule::elf_at_link_address, kLoaderMax};
}

}  // namespace

extern const FirmwareKind kHvmloaderKind{"hvmloader", FirmwareField::firmware, find_hvmloader, loader_image};

}  // namespace hvmtool::firmware
