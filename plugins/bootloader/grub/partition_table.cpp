#include "partition_table.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

namespace hvmtool::grub {

namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
std::uint64_t le64(const std::uint8_t* p) { return std::uint64_t(le32(p)) | std::uint64_t(le32(p + 4)) << 32; }

std::string hex(std::uint64_t v, int width) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

std::string str(std::uint64_t v) { return std::to_string(v); }

constexpr std::uint64_t kExtMagicOffset = 1024 + 56;  // s_magic in the superblock
constexpr unsigned kMaxLogical = 128;
constexpr std::uint64_t kMaxGptArray = 1 << 20;

bool has_ext_magic(const DiskImage& disk) {
  if (disk.size() < kExtMagicOffset + 2) return false;
  auto m = disk.read(kExtMagicOffset, 2, "ext2/3/4 superblock magic");
  return m[0] == 0x53 && m[1] == 0xEF;
}

PartitionTable whole_disk(const DiskImage& disk) {
  PartitionTable t;
  t.kind = TableKind::none;
  Partition p;
  p.number = 0;
  p.offset = 0;
  p.size = disk.size();
  p.linux_fs = true;
  p.type = "whole disk";
  t.partitions.push_back(p);
  return t;
}

// A partition (start, count in sectors) must lie inside the disk.
void check_bounds(const DiskImage& disk, const std::string& which, std::uint64_t entry_at, std::uint64_t first,
                  std::uint64_t count) {
  if (count == 0) disk.fail(which + " (entry at byte " + str(entry_at) + ") has no sectors");
  if (first == 0)
    disk.fail(which + " (entry at byte " + str(entry_at) + ") starts at sector 0, over the partition table");
  const std::uint64_t sectors = disk.size() / kSectorSize;
  if (first >= sectors || count > sectors - first)
    disk.fail(which + " (entry at byte " + str(entry_at) + "): sectors " + str(first) + ".." + str(first + count - 1) +
              " (bytes " + str(first * kSectorSize) + ".." + str((first + count) * kSectorSize) +
              ") extend beyond the end of the disk (" + str(disk.size()) + " bytes)");
}

bool is_extended(std::uint8_t type) { return type == 0x05 || type == 0x0F || type == 0x85; }

std::string name_of(TableKind kind, const Partition& p) {
  if (kind == TableKind::gpt) return "GPT partition " + str(p.number);
  return (p.number > 4 ? "MBR logical partition " : "MBR partition ") + str(p.number);
}

std::string sectors_of(const Partition& p) {
  return str(p.offset / kSectorSize) + ".." + str((p.offset + p.size) / kSectorSize - 1);
}

// No two of `parts` share a sector. Sorted by start, two that overlap
// imply an overlapping neighbour pair, which is the one reported.
void check_no_overlap(const DiskImage& disk, TableKind kind, std::vector<Partition> parts) {
  std::sort(parts.begin(), parts.end(), [](const Partition& a, const Partition& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.entry_at < b.entry_at;
  });
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const Partition &a = parts[i - 1], &b = parts[i];
    if (b.offset >= a.offset + a.size) continue;
    const Partition &first = a.entry_at < b.entry_at ? a : b, &second = a.entry_at < b.entry_at ? b : a;
    disk.fail(name_of(kind, second) + " (entry at byte " + str(second.entry_at) + "): sectors " + sectors_of(second) +
              " overlap " + name_of(kind, first) + " (entry at byte " + str(first.entry_at) + ", sectors " +
              sectors_of(first) + ")");
  }
}

// The GUIDs in their on-disk byte order (first three fields little-endian).
using Guid = std::array<std::uint8_t, 16>;
constexpr Guid kLinuxData = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
                             0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};  // 0FC63DAF-8483-4772-8E79-3D69D8477DE4
constexpr Guid kLinuxRootX64 = {0xE3, 0xBC, 0x68, 0x4F, 0xCD, 0xE8, 0xB1, 0x4D, 0x96,
                                0xE7, 0xFB, 0xCA, 0xF9, 0x84, 0xB7, 0x09};  // 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
constexpr Guid kXbootldr = {0xFF, 0xC2, 0x13, 0xBC, 0xE6, 0x59, 0x62, 0x42,
                            0xA3, 0x52, 0xB2, 0x75, 0xFD, 0x6F, 0x71, 0x72};  // BC13C2FF-59E6-4262-A352-B275FD6F7172

std::string guid_text(const std::uint8_t* g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", le32(g),
                unsigned(g[4] | g[5] << 8), unsigned(g[6] | g[7] << 8), g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                g[15]);
  return buf;
}

PartitionTable read_gpt(const DiskImage& disk) {
  constexpr std::uint64_t at = kSectorSize;  // LBA 1
  auto h = disk.read(at, kSectorSize, "GPT header");
  if (std::memcmp(h.data(), "EFI PART", 8) != 0)
    disk.fail("protective MBR (type 0xee) but no GPT header signature \"EFI PART\" at byte " + str(at));
  const std::uint32_t header_size = le32(&h[12]);
  if (header_size < 92 || header_size > kSectorSize)
    disk.fail("GPT header size " + str(header_size) + " at byte " + str(at + 12) + " is out of range (92..512)");
  const std::uint32_t stored = le32(&h[16]);
  std::vector<std::uint8_t> copy(h.begin(), h.begin() + header_size);
  std::memset(&copy[16], 0, 4);
  const std::uint32_t computed = crc32(copy.data(), copy.size());
  if (stored != computed)
    disk.fail("GPT header CRC mismatch at byte " + str(at) + ": stored " + hex(stored, 8) + ", computed " +
              hex(computed, 8));
  if (le64(&h[24]) != 1)
    disk.fail("GPT header at byte " + str(at) + " says it is at LBA " + str(le64(&h[24])) + ", not 1");
  const std::uint64_t entries_lba = le64(&h[72]);
  const std::uint32_t count = le32(&h[80]);
  const std::uint32_t entry_size = le32(&h[84]);
  const std::uint32_t array_crc = le32(&h[88]);
  if (entry_size < 128 || entry_size % 128 != 0 || entry_size > 4096)
    disk.fail("GPT partition entry size " + str(entry_size) + " at byte " + str(at + 84) +
              " is invalid (128, 256, ... 4096)");
  if (std::uint64_t(count) * entry_size > kMaxGptArray)
    disk.fail("GPT partition entry array of " + str(count) + " x " + str(entry_size) + " bytes (header at byte " +
              str(at) + ") is larger than 1 MiB");
  if (entries_lba < 2 || entries_lba > disk.size() / kSectorSize)
    disk.fail("GPT partition entry array LBA " + str(entries_lba) + " (header byte " + str(at + 72) +
              ") is outside the disk (" + str(disk.size()) + " bytes)");
  const std::uint64_t array_at = entries_lba * kSectorSize;
  auto array = disk.read(array_at, std::size_t(count) * entry_size, "GPT partition entry array");
  const std::uint32_t array_computed = crc32(array.data(), array.size());
  if (array_crc != array_computed)
    disk.fail("GPT partition entry array CRC mismatch at byte " + str(array_at) + ": stored " + hex(array_crc, 8) +
              ", computed " + hex(array_computed, 8));

  PartitionTable t;
  t.kind = TableKind::gpt;
  static constexpr Guid kUnused{};
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint8_t* e = &array[std::size_t(i) * entry_size];
    if (std::memcmp(e, kUnused.data(), 16) == 0) continue;
    const std::uint64_t entry_at = array_at + std::uint64_t(i) * entry_size;
    const std::uint64_t first = le64(e + 32), last = le64(e + 40);
    Partition p;
    p.number = i + 1;
    const std::string which = "GPT partition " + str(p.number);
    if (last < first)
      disk.fail(which + " (entry at byte " + str(entry_at) + "): last sector " + str(last) + " is before its first " +
                str(first));
    check_bounds(disk, which, entry_at, first, last - first + 1);
    p.offset = first * kSectorSize;
    p.size = (last - first + 1) * kSectorSize;
    p.bootable = (le64(e + 48) & 4) != 0;
    p.linux_fs = std::memcmp(e, kLinuxData.data(), 16) == 0 || std::memcmp(e, kLinuxRootX64.data(), 16) == 0 ||
                 std::memcmp(e, kXbootldr.data(), 16) == 0;
    p.type = guid_text(e);
    p.entry_at = entry_at;
    t.partitions.push_back(p);
  }
  if (t.partitions.empty()) disk.fail("the GPT (header at byte " + str(at) + ") has no partitions");
  check_no_overlap(disk, t.kind, t.partitions);
  return t;
}

void read_logical(const DiskImage& disk, const Partition& extended, PartitionTable& t) {
  const std::uint64_t ext_start = extended.offset / kSectorSize;
  std::uint64_t ebr = ext_start;
  for (unsigned n = 0;; ++n) {
    if (n == kMaxLogical) disk.fail("more than " + str(kMaxLogical) + " logical partitions in the extended partition");
    const std::uint64_t ebr_at = ebr * kSectorSize;
    auto b = disk.read(ebr_at, kSectorSize, "extended boot record");
    if (b[510] != 0x55 || b[511] != 0xAA)
      disk.fail("extended boot record at byte " + str(ebr_at) + " has no 0x55AA signature");
    const std::uint8_t* e0 = &b[446];
    const std::uint8_t* e1 = &b[446 + 16];
    if (e0[4] != 0) {
      Partition p;
      p.number = 5 + n;
      const std::string which = "MBR logical partition " + str(p.number);
      const std::uint64_t first = ebr + le32(e0 + 8), sectors = le32(e0 + 12);
      check_bounds(disk, which, ebr_at + 446, first, sectors);
      if (first < extended.offset / kSectorSize || first + sectors > (extended.offset + extended.size) / kSectorSize)
        disk.fail(which + " (entry at byte " + str(ebr_at + 446) + ") lies outside its extended partition");
      p.offset = first * kSectorSize;
      p.size = sectors * kSectorSize;
      p.bootable = e0[0] == 0x80;
      p.linux_fs = e0[4] == 0x83;
      p.type = hex(e0[4], 2);
      p.entry_at = ebr_at + 446;
      t.partitions.push_back(p);
    }
    if (e1[4] == 0) return;
    // A link is relative to the extended partition's start, so 0 names the
    // first record: a link of an extended type there is a loop, anything
    // else with no start is an unused entry (the end of the chain).
    if (le32(e1 + 8) == 0 && !is_extended(e1[4])) return;
    const std::uint64_t next = ext_start + le32(e1 + 8);
    if (next == ebr) disk.fail("extended boot record at byte " + str(ebr_at) + " links to itself (a loop)");
    if (next < ebr)
      disk.fail("extended boot record at byte " + str(ebr_at) + " links back to byte " + str(next * kSectorSize) +
                " (a loop)");
    if (next >= (extended.offset + extended.size) / kSectorSize)
      disk.fail("extended boot record at byte " + str(ebr_at) + " links to byte " + str(next * kSectorSize) +
                ", outside its extended partition");
    ebr = next;
  }
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t length) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < length; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

PartitionTable read_partition_table(const DiskImage& disk) {
  if (disk.size() < kSectorSize)
    disk.fail("truncated: " + str(disk.size()) + " bytes, smaller than one 512-byte sector");
  auto mbr = disk.read(0, kSectorSize, "master boot record");
  if (mbr[510] != 0x55 || mbr[511] != 0xAA) {
    if (has_ext_magic(disk)) return whole_disk(disk);
    disk.fail(
        "no partition table (no 0x55AA signature at byte 510) and no ext2/3/4 filesystem (no magic at byte 1080)");
  }
  for (int i = 0; i < 4; ++i)
    if (mbr[446 + 16 * i + 4] == 0xEE) return read_gpt(disk);

  PartitionTable t;
  t.kind = TableKind::mbr;
  std::vector<Partition> extended;
  for (unsigned i = 0; i < 4; ++i) {
    const std::uint64_t entry_at = 446 + 16 * i;
    const std::uint8_t* e = &mbr[entry_at];
    if (e[4] == 0) continue;
    if (e[0] != 0x00 && e[0] != 0x80)
      disk.fail("MBR partition " + str(i + 1) + ": invalid status byte " + hex(e[0], 2) + " at byte " + str(entry_at));
    Partition p;
    p.number = i + 1;
    const std::uint64_t first = le32(e + 8), sectors = le32(e + 12);
    check_bounds(disk, "MBR partition " + str(p.number), entry_at, first, sectors);
    p.offset = first * kSectorSize;
    p.size = sectors * kSectorSize;
    p.bootable = e[0] == 0x80;
    p.linux_fs = e[4] == 0x83;
    p.type = hex(e[4], 2);
    p.entry_at = entry_at;
    if (is_extended(e[4]))
      extended.push_back(p);
    else
      t.partitions.push_back(p);
  }
  if (extended.size() > 1) disk.fail("the MBR has more than one extended partition");
  {
    std::vector<Partition> primary = t.partitions;
    primary.insert(primary.end(), extended.begin(), extended.end());
    check_no_overlap(disk, t.kind, primary);
  }
  if (!extended.empty()) {
    const std::size_t first_logical = t.partitions.size();
    read_logical(disk, extended.front(), t);
    check_no_overlap(disk, t.kind, std::vector<Partition>(t.partitions.begin() + first_logical, t.partitions.end()));
  }
  if (t.partitions.empty()) {
    if (has_ext_magic(disk)) return whole_disk(disk);
    disk.fail("the MBR (byte 446) lists no partitions");
  }
  return t;
}

const Partition& choose_partition(const DiskImage& disk, const PartitionTable& table, std::optional<unsigned> wanted) {
  const auto& parts = table.partitions;
  if (table.kind == TableKind::none) {
    if (wanted && *wanted != 0)
      disk.fail("partition " + str(*wanted) +
                " asked for, but the disk has no partition table (a whole-disk filesystem)");
    return parts.front();
  }
  auto listing = [&] {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", ") + str(p.number) + " (type " + p.type + ")";
    return s;
  };
  if (wanted) {
    for (const auto& p : parts)
      if (p.number == *wanted) return p;
    disk.fail("partition " + str(*wanted) + " not found (partitions: " + listing() + ")");
  }
  for (const auto& p : parts)
    if (p.bootable && p.linux_fs) return p;
  for (const auto& p : parts)
    if (p.linux_fs) return p;
  for (const auto& p : parts)
    if (p.bootable) return p;
  disk.fail("no bootable or Linux partition (partitions: " + listing() + ")");
}

std::string describe(const PartitionTable& table, const Partition& p) {
  switch (table.kind) {
    case TableKind::none:
      return "whole-disk filesystem";
    case TableKind::mbr:
      return "MBR partition " + str(p.number) + " at byte " + str(p.offset);
    case TableKind::gpt:
      return "GPT partition " + str(p.number) + " at byte " + str(p.offset);
  }
  return {};
}

}  // namespace hvmtool::grub
