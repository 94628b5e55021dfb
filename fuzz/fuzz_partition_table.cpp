// The bootloader's partition table reader: MBR (with an extended
// partition's chain of EBRs), GPT (protective MBR, header and entry array
// CRCs), or a whole-disk filesystem, then the choice of the boot partition.
#include <cstddef>
#include <cstdint>

#include "hvmtool_common/disk_format.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "memfd_disk.hpp"
#include "partition_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hvmtool::fuzz::MemfdDisk file;
  try {
    const auto opened = hvmtool::common::open_disk(file.put(data, size), "raw");
    const hvmtool::common::DiskImage& disk = *opened;
    const hvmtool::grub::PartitionTable table = hvmtool::grub::read_partition_table(disk);
    for (const auto& p : table.partitions) (void)hvmtool::grub::describe(table, p);
    (void)hvmtool::grub::choose_partition(disk, table, std::nullopt);
    if (!table.partitions.empty()) (void)hvmtool::grub::choose_partition(disk, table, table.partitions.back().number);
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
  return 0;
}
