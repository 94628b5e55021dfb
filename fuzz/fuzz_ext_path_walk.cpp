// The ext2/3/4 path walk over an in-memory filesystem image (a whole-disk
// filesystem in a memfd, read by libext2fs through its DiskImage): the
// superblock size check, the config candidates, and paths with symlinks,
// "..", relative bases and the /boot fallback forms, each resolved and,
// when small, read -- what the grub stage does on a guest's disk.
#include <cstddef>
#include <cstdint>

#include "boot_extract.hpp"
#include "hvmtool_common/disk_format.hpp"
#include "ext_filesystem.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "memfd_disk.hpp"
#include "partition_table.hpp"

namespace {

constexpr std::uint64_t kReadLimit = 64 * 1024;

void walk(hvmtool::grub::ExtFilesystem& efs, std::string_view path, std::string_view base) {
  using Kind = hvmtool::grub::ExtFilesystem::Kind;
  try {
    if (efs.kind("file", path, base) != Kind::file) return;
    const auto f = efs.regular_file("file", path, base);
    if (f.size <= kReadLimit) (void)efs.read_all("file", f, kReadLimit);
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hvmtool::fuzz::MemfdDisk file;
  try {
    const auto opened = hvmtool::common::open_disk(file.put(data, size), "raw");
    const hvmtool::common::DiskImage& disk = *opened;
    hvmtool::grub::Partition whole;
    whole.size = disk.size();
    whole.linux_fs = true;
    hvmtool::grub::ExtFilesystem efs(disk, whole, "fuzz.img: whole-disk filesystem");
    for (const std::string& c : hvmtool::grub::config_candidates()) walk(efs, c, "/");
    for (const char* p :
         {"/boot/vmlinuz", "/boot/initrd.img", "/boot/link", "/vmlinuz", "/a/b/c/d/e", "/boot/../boot/./x"})
      walk(efs, p, "/");
    walk(efs, "vmlinuz", "/boot");
    walk(efs, "../../../x", "/boot/grub");
    walk(efs, "link", "/boot/extlinux");
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
  return 0;
}
