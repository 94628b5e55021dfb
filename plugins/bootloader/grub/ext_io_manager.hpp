#pragma once

#include <cstdint>
#include <string>

#include "hvmtool_common/disk_image.hpp"

struct struct_ext2_filsys;

namespace hvmtool::grub {

// The part of a disk one filesystem lives in, as libext2fs reads it: its
// channel reads the DiskImage at `offset`, and a block outside [0, size)
// -- a superblock, descriptor or extent pointing past the partition -- is
// refused without being read. The refusal (or the disk's own read error)
// is kept here, with the byte offset, for the message the caller makes.
struct ExtDiskRange {
  const common::DiskImage& disk;
  std::uint64_t offset = 0;  // the partition's first byte on the disk
  std::uint64_t size = 0;    // the partition's bytes
  std::string error;         // the last read refused or failed: "block N (LEN bytes at byte OFFSET) ..."
  long error_code = 0;       // what the channel returned to libext2fs for it
};

// ext2fs_open2 on `range`, read-only (`flags` must not ask for writing),
// through hvmtool's io_manager instead of a path. `range` must outlive the
// filesystem: the channel reads through it. Returns libext2fs's errcode_t.
long open_ext2fs(ExtDiskRange& range, int flags, struct_ext2_filsys** fs);

// The channel's own account of `code` when the channel returned it ("" when
// libext2fs failed for a reason of its own).
std::string ext_io_error(const ExtDiskRange& range, long code);

}  // namespace hvmtool::grub
