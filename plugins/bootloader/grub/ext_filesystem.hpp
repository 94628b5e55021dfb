#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ext_io_manager.hpp"
#include "hvmtool_common/disk_image.hpp"
#include "partition_table.hpp"

struct struct_ext2_filsys;

namespace hvmtool::grub {

// One ext2/3/4 filesystem inside a disk image, opened read-only with
// libext2fs reading through the DiskImage, bounded by the partition
// (ext_io_manager.hpp); `disk` must outlive it. Paths are resolved here, inside
// the filesystem only: `..` never climbs above its root, symlinks are
// followed (absolute ones from the filesystem's root) at most
// kMaxSymlinks times. Errors are ImageError "WHERE: ..." where WHERE names
// the disk and the partition.
class ExtFilesystem {
 public:
  static constexpr int kMaxSymlinks = 8;

  ExtFilesystem(const DiskImage& disk, const Partition& partition, std::string where);
  ~ExtFilesystem();
  ExtFilesystem(const ExtFilesystem&) = delete;
  ExtFilesystem& operator=(const ExtFilesystem&) = delete;

  struct File {
    std::uint32_t ino = 0;
    std::uint64_t size = 0;
    std::string path;  // the resolved path, symlinks followed
  };

  enum class Kind { missing, file, directory, other };

  // What `path` (absolute, or relative to the directory `base`) names.
  // Throws for a symlink loop, a path that escapes the root, or a corrupt
  // filesystem; a missing component is Kind::missing.
  Kind kind(std::string_view what, std::string_view path, std::string_view base = "/");

  // `path` as a regular file. `what` ("kernel", "initrd", "config") goes into
  // the messages: "WHERE: kernel '/boot/x': not found".
  File regular_file(std::string_view what, std::string_view path, std::string_view base = "/");

  // The whole file, which must be at most `limit` bytes.
  std::string read_all(std::string_view what, const File& file, std::uint64_t limit);

  // Streams the file to `sink` in chunks; asks `cancelled()` between chunks
  // and throws CancelledError when it says so.
  void copy(const File& file, const std::function<void(const char*, std::size_t)>& sink,
            const std::function<bool()>& cancelled);

  const std::string& where() const { return where_; }
  [[noreturn]] void fail(const std::string& message) const;

 private:
  struct Resolved;
  std::optional<Resolved> resolve(std::string_view what, std::string_view path, std::string_view base);
  std::string read_link(std::string_view what, const std::string& shown, std::uint32_t ino);
  // Why libext2fs failed: the channel's refusal naming the byte, or
  // libext2fs's own text.
  std::string reason(long code) const;

  ExtDiskRange range_;
  struct_ext2_filsys* fs_ = nullptr;
  std::string where_;
};

// The text of a libext2fs/com_err error code, without touching com_err's
// global table list.
std::string ext2_error_text(long code);

}  // namespace hvmtool::grub
