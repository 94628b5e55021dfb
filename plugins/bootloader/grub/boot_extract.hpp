#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hvmtool/config.hpp>
#include <hvmtool/log.hpp>

#include "menu_format.hpp"  // config_candidates(): the config files looked for, in order

namespace hvmtool::grub {

// The plugin's parameters (params: {grub: {...}}), read at load time.
struct Settings {
  std::string disk;                   // vdev of the disk to boot from; empty = the first disk
  std::optional<unsigned> partition;  // partition number; empty = the boot partition
  std::uint64_t max_kernel_size = 256ull << 20;
  std::uint64_t max_initrd_size = 1ull << 30;
  std::filesystem::path tmpdir;  // parent of the scratch folder; empty = $TMPDIR or /run/hvmtool
};

inline constexpr std::uint64_t kMaxConfigSize = 1 << 20;

// What was found and where it was put.
struct Extracted {
  std::filesystem::path kernel;
  std::filesystem::path ramdisk;  // empty: the entry has no initrd
  std::string cmdline;
  std::string summary;                // one line for the log (guest bytes escaped)
  std::vector<std::string> warnings;  // "CONFIG:LINE: what is not followed" (guest bytes escaped)
};

// mkdtemp (0700) PARENT/hvmtool-grub-PID-DOMAIN-XXXXXX; throws Error. The
// pid says whose it is: a folder whose process died without removing it
// (SIGKILL) is swept by the next run's sweep_stale_scratch().
std::filesystem::path make_scratch_dir(const std::filesystem::path& parent, const std::string& domain);

// Removes PARENT/hvmtool-grub-PID-* folders of this user whose process PID
// no longer exists; returns how many. Never throws; what it cannot remove
// stays.
std::size_t sweep_stale_scratch(const std::filesystem::path& parent) noexcept;

// Where scratch folders go: settings.tmpdir, else $TMPDIR, else /run/hvmtool
// (created 0700 if missing), else /tmp.
std::filesystem::path scratch_parent(const Settings& settings);

// Removes a scratch folder and what is in it; never throws.
void remove_scratch(const std::filesystem::path& dir) noexcept;

// The whole job, blocking: choose the disk, partition, config and entry,
// then copy the kernel and initrd(s) into the folder `make_scratch()` returns
// (called only once the files are known to be good). Throws hvmtool::Error
// (ImageError for what is wrong on the disk, CancelledError when `cancelled()`
// is set between files).
Extracted extract_boot_files(const std::vector<DiskConfig>& disks, const std::vector<std::string>& bootloader_args,
                             const std::string& extra_cmdline, const Settings& settings,
                             const std::function<bool()>& cancelled,
                             const std::function<std::filesystem::path()>& make_scratch);

}  // namespace hvmtool::grub
