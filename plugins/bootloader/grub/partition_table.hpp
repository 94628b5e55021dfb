#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hvmtool_common/disk_image.hpp"

namespace hvmtool::grub {

using common::DiskImage;

inline constexpr std::uint64_t kSectorSize = 512;

enum class TableKind { none, mbr, gpt };

struct Partition {
  unsigned number = 0;         // as Linux numbers them: 1..4 primary, 5.. logical, 1..N GPT; 0 = whole disk
  std::uint64_t offset = 0;    // bytes from the start of the disk
  std::uint64_t size = 0;      // bytes
  bool bootable = false;       // MBR active flag (0x80) / GPT attribute bit 2 (legacy BIOS bootable)
  bool linux_fs = false;       // MBR type 0x83 / GPT Linux filesystem, root (x86-64) or XBOOTLDR type
  std::string type;            // "0x83", or the GPT type GUID
  std::uint64_t entry_at = 0;  // byte offset of its table entry
};

struct PartitionTable {
  TableKind kind = TableKind::none;
  std::vector<Partition> partitions;  // for `none`, one entry: the whole disk
};

// Reads the MBR (with an extended partition's chain of EBRs) or the GPT
// (protective MBR, header at LBA 1; the header's and the entry array's
// CRC32 are verified). A disk without an MBR signature whose byte 1080 holds
// the ext2/3/4 magic is a whole-disk filesystem. Every partition must lie
// inside the image, and no two may overlap (the extended container counts
// among the primary ones; its logical partitions lie inside it). Errors are
// ImageError naming the disk and the byte offset.
PartitionTable read_partition_table(const DiskImage& disk);

// `wanted` (param `partition: N`) if given; else the first bootable Linux
// partition, the first Linux partition, the first bootable one.
const Partition& choose_partition(const DiskImage& disk, const PartitionTable& table, std::optional<unsigned> wanted);

// "MBR partition 1 at byte 1048576", "GPT partition 2 at byte ...", "whole-disk filesystem".
std::string describe(const PartitionTable& table, const Partition& p);

// CRC-32 (IEEE 802.3, reflected, as GPT uses it).
std::uint32_t crc32(const std::uint8_t* data, std::size_t length);

}  // namespace hvmtool::grub
