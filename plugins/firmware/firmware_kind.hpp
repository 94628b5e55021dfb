#pragma once

// One kind of firmware image the plugin knows by name (hvmloader's
// bios_configs, as a table): the word a domain section uses for it, where
// the distribution installs it, and how its file is checked and loaded.
// Adding a kind is one file in kinds/ and one line in firmware_kinds.cpp.

#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include <hvmtool/firmware.hpp>

namespace hvmtool::firmware {

// Which domain field names the kind.
enum class FirmwareField {
  firmware,  // the loader the vCPU starts in
  bios,      // an image the loader hands control to
};

struct FirmwareKind {
  std::string_view name;  // e.g. "seabios"
  FirmwareField field;
  // Where the image is when the domain gives the name rather than a path.
  std::filesystem::path (*installed_path)();
  // Checks the file (ImageError naming it, the offset and the reason) and
  // says how the builder places it.
  FirmwareImage (*image_from)(const std::filesystem::path& file);
  // Whether a file the user named by path is of this kind, from its first
  // bytes; null for the kind a path is taken to be when no other claims it.
  bool (*recognises)(std::span<const std::byte> head) = nullptr;
};

// Every kind, in the order a path is offered to them.
const std::vector<const FirmwareKind*>& firmware_kinds();

}  // namespace hvmtool::firmware
