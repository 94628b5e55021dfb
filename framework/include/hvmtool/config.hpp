#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hvmtool/params.hpp"
#include "hvmtool/stage_slot.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

enum class DomainType { hvm, pv, pvh };

// What happens when the guest powers off, reboots or crashes (xl.cfg's on_*).
enum class ShutdownAction { destroy, restart, preserve };

struct DiskConfig {
  std::filesystem::path target;  // the image file
  std::string format = "raw";    // checked by the stages that read the disk (Stage::check_domain)
  std::string vdev;              // guest device name, e.g. xvda / hda
  bool readonly = false;
  SourceLocation where;
};

// The domain part of a pipeline file, parsed and validated once at load.
// Field names follow xl.cfg where xl.cfg has the field.
struct HVMTOOL_API DomainConfig {
  std::string name;
  DomainType type = DomainType::hvm;
  std::uint64_t memory = 128ull << 20;  // bytes
  std::uint64_t maxmem = 0;             // bytes; 0 = same as memory
  unsigned vcpus = 1;
  unsigned maxvcpus = 0;  // 0 = same as vcpus
  // A name the firmware plugin knows, or an absolute path (the loader
  // resolves a value with a '/' against the file's folder); empty = the
  // firmware plugin's default. The loader does not know the names: the
  // firmware plugin checks them when the file is loaded (firmware.hpp).
  std::string firmware;  // the loader the vCPU starts in (e.g. hvmloader)
  std::string bios;      // a BIOS or UEFI image it hands control to (e.g. seabios); empty = none
  std::filesystem::path kernel;
  std::filesystem::path ramdisk;
  std::string cmdline;
  std::vector<DiskConfig> disks;
  std::vector<std::string> bootloader_args;
  std::filesystem::path logfile;  // guest console log; empty = default location
  ShutdownAction on_poweroff = ShutdownAction::destroy;
  ShutdownAction on_reboot = ShutdownAction::restart;
  ShutdownAction on_crash = ShutdownAction::destroy;
  std::uint64_t mmio_hole = 256ull << 20;  // bytes below 4 GiB kept free of RAM (xl.cfg mmio_hole)
  // Per-stage timeout; nullopt = the runner's default for that stage, zero = none.
  std::array<std::optional<std::chrono::milliseconds>, kStageOrder.size()> timeouts{};
  unsigned restart_limit = 10;  // restarts within restart_window before the loop guard stops it
  std::chrono::seconds restart_window{60};

  // Where the file defined this domain (for messages raised after load),
  // and its `firmware` and `bios` values (for the firmware plugin's).
  SourceLocation where;
  SourceLocation firmware_where;
  SourceLocation bios_where;

  std::uint64_t effective_maxmem() const { return maxmem ? maxmem : memory; }
  unsigned effective_maxvcpus() const { return maxvcpus ? maxvcpus : vcpus; }
};

HVMTOOL_API std::string_view to_string(DomainType t);
HVMTOOL_API std::string_view to_string(ShutdownAction a);

}  // namespace hvmtool
