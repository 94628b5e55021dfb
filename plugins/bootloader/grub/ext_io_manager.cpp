#include "ext_io_manager.hpp"

#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>

#include <ext2fs/ext2fs.h>

#include <hvmtool/error.hpp>

namespace hvmtool::grub {

namespace {

std::string str(std::uint64_t v) { return std::to_string(v); }

// libext2fs's open() is given only a name (ext2fs_open2 copies it, cut at
// any '?', and passes it on), so the range travels by name: a key into this
// table, registered for the length of one ext2fs_open2 call. A key and not
// a pointer printed into the name, so a name that is not registered -- a
// stale one, or any other -- is refused instead of dereferenced. The mutex
// is what lets several domains' bootloaders open filesystems at once on the
// worker pool; the channel then holds the range itself and needs no lock.
class RangeRegistry {
 public:
  std::string add(ExtDiskRange& range) {
    const std::lock_guard lock(mutex_);
    std::string name = "hvmtool-disk-range-" + str(++last_);
    ranges_.emplace(name, &range);
    return name;
  }
  void remove(const std::string& name) noexcept {
    const std::lock_guard lock(mutex_);
    ranges_.erase(name);
  }
  ExtDiskRange* find(const char* name) {
    const std::lock_guard lock(mutex_);
    const auto it = ranges_.find(name);
    return it == ranges_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, ExtDiskRange*> ranges_;
  std::uint64_t last_ = 0;
};

RangeRegistry& registry() {
  static RangeRegistry r;
  return r;
}

ExtDiskRange& range_of(io_channel channel) { return *static_cast<ExtDiskRange*>(channel->private_data); }

// Kept for the caller's message; the buffer is zeroed so that a caller that
// carries on regardless sees no stale bytes.
errcode_t refused(ExtDiskRange& r, std::string message, void* data, std::uint64_t bytes) noexcept {
  std::memset(data, 0, static_cast<std::size_t>(bytes));
  try {
    r.error = std::move(message);
  } catch (...) {
    r.error.clear();
  }
  r.error_code = EXT2_ET_SHORT_READ;
  return EXT2_ET_SHORT_READ;
}

errcode_t range_read_blk64(io_channel channel, unsigned long long block, int count, void* data) noexcept {
  if (channel->magic != EXT2_ET_MAGIC_IO_CHANNEL) return EXT2_ET_MAGIC_IO_CHANNEL;
  ExtDiskRange& r = range_of(channel);
  // A negative count is a length in bytes, a positive one in blocks.
  const auto block_size = static_cast<std::uint64_t>(channel->block_size);
  const std::uint64_t bytes =
      count < 0 ? std::uint64_t(-static_cast<std::int64_t>(count)) : std::uint64_t(count) * block_size;
  if (bytes == 0) return 0;
  try {
    if (block > r.size / block_size || bytes > r.size - block * block_size) {
      const bool fits = block <= (std::numeric_limits<std::uint64_t>::max() - r.offset) / block_size;
      return refused(r,
                     "block " + str(block) + " (" + str(bytes) + " bytes at byte " +
                         (fits ? str(r.offset + block * block_size) : "offset " + str(block) + "*" + str(block_size)) +
                         ") lies beyond the partition's end (bytes " + str(r.offset) + ".." + str(r.offset + r.size) +
                         ")",
                     data, bytes);
    }
    r.disk.read_into(r.offset + block * block_size, {static_cast<std::uint8_t*>(data), static_cast<std::size_t>(bytes)},
                     "filesystem block");
    return 0;
  } catch (const Error& e) {
    return refused(r, e.what(), data, bytes);
  } catch (const std::bad_alloc&) {
    std::memset(data, 0, static_cast<std::size_t>(bytes));
    return EXT2_ET_NO_MEMORY;
  }
}

errcode_t range_read_blk(io_channel channel, unsigned long block, int count, void* data) noexcept {
  return range_read_blk64(channel, block, count, data);
}

// Read-only: the guest's disk is never written, whatever libext2fs tries.
errcode_t range_write_blk64(io_channel, unsigned long long, int, const void*) noexcept { return EXT2_ET_RO_FILSYS; }
errcode_t range_write_blk(io_channel, unsigned long, int, const void*) noexcept { return EXT2_ET_RO_FILSYS; }
errcode_t range_write_byte(io_channel, unsigned long, int, const void*) noexcept { return EXT2_ET_RO_FILSYS; }

errcode_t range_set_blksize(io_channel channel, int block_size) noexcept {
  if (channel->magic != EXT2_ET_MAGIC_IO_CHANNEL) return EXT2_ET_MAGIC_IO_CHANNEL;
  if (block_size <= 0) return EXT2_ET_INVALID_ARGUMENT;
  channel->block_size = block_size;
  return 0;
}

errcode_t range_flush(io_channel) noexcept { return 0; }  // nothing is buffered

// The range is fixed at open: no "offset=" or other option changes it.
errcode_t range_set_option(io_channel, const char*, const char*) noexcept { return EXT2_ET_INVALID_ARGUMENT; }

errcode_t range_close(io_channel channel) noexcept {
  if (channel->magic != EXT2_ET_MAGIC_IO_CHANNEL) return EXT2_ET_MAGIC_IO_CHANNEL;
  if (--channel->refcount > 0) return 0;
  delete[] channel->name;
  delete channel;
  return 0;
}

errcode_t range_open(const char* name, int flags, io_channel* channel) noexcept;

struct_io_manager range_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "hvmtool disk range",
    .open = range_open,
    .close = range_close,
    .set_blksize = range_set_blksize,
    .read_blk = range_read_blk,
    .write_blk = range_write_blk,
    .flush = range_flush,
    .write_byte = range_write_byte,
    .set_option = range_set_option,
    .get_stats = nullptr,
    .read_blk64 = range_read_blk64,
    .write_blk64 = range_write_blk64,
    .discard = nullptr,          // EXT2_ET_UNIMPLEMENTED from libext2fs
    .cache_readahead = nullptr,  // EXT2_ET_OP_NOT_SUPPORTED, which readers ignore
    .zeroout = nullptr,
    .reserved = {},
};

errcode_t range_open(const char* name, int flags, io_channel* channel) noexcept {
  if (flags & IO_FLAG_RW) return EXT2_ET_RO_FILSYS;
  if (!name) return EXT2_ET_BAD_DEVICE_NAME;
  try {
    ExtDiskRange* range = registry().find(name);
    if (!range) return EXT2_ET_BAD_DEVICE_NAME;
    auto* io = new struct_io_channel{};
    const std::size_t len = std::strlen(name);
    io->name = new (std::nothrow) char[len + 1];
    if (!io->name) {
      delete io;
      return EXT2_ET_NO_MEMORY;
    }
    std::memcpy(io->name, name, len + 1);
    io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    io->manager = &range_manager;
    io->block_size = 1024;  // libext2fs's default until it sets the filesystem's
    io->refcount = 1;
    io->private_data = range;
    *channel = io;
    return 0;
  } catch (const std::bad_alloc&) {
    return EXT2_ET_NO_MEMORY;
  }
}

}  // namespace

long open_ext2fs(ExtDiskRange& range, int flags, struct_ext2_filsys** fs) {
  if (flags & EXT2_FLAG_RW) return EXT2_ET_RO_FILSYS;
  struct Registration {
    std::string name;
    explicit Registration(ExtDiskRange& r) : name(registry().add(r)) {}
    ~Registration() { registry().remove(name); }
  } registration(range);
  return ext2fs_open2(registration.name.c_str(), nullptr, flags, 0, 0, &range_manager, fs);
}

std::string ext_io_error(const ExtDiskRange& range, long code) {
  return code != 0 && code == range.error_code ? range.error : std::string();
}

}  // namespace hvmtool::grub
