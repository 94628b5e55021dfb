#include "ext_filesystem.hpp"

#include <cstring>
#include <deque>
#include <vector>

#include <ext2fs/ext2fs.h>

#include <hvmtool/error.hpp>

#include "hvmtool_common/guest_text.hpp"

namespace hvmtool::grub {

namespace {

constexpr std::size_t kMaxLinkTarget = 4095;
constexpr std::size_t kChunk = 1 << 20;

std::string str(std::uint64_t v) { return std::to_string(v); }

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    if (end > i) parts.emplace_back(path.substr(i, end - i));
    i = end + 1;
  }
  return parts;
}

// Paths and names come from the guest's config and directories.
std::string squote(std::string_view s) { return common::guest_quote(s); }

}  // namespace

std::string ext2_error_text(long code) {
  const long base = et_ext2_error_table.base;
  if (code >= base && code < base + et_ext2_error_table.n_msgs) return et_ext2_error_table.msgs[code - base];
  if (code > 0 && code < 4096) return std::strerror(static_cast<int>(code));
  return "error code " + std::to_string(code);
}

struct ExtFilesystem::Resolved {
  ext2_ino_t ino = 0;
  ext2_inode inode{};
  std::string path;
};

ExtFilesystem::ExtFilesystem(const DiskImage& disk, const Partition& partition, std::string where)
    : range_{disk, partition.offset, partition.size, {}, 0}, where_(std::move(where)) {
  // The superblock's size first, before libext2fs sizes its tables by it:
  // a filesystem larger than its partition is refused here.
  if (partition.size >= 2048) {
    const auto sb = disk.read(partition.offset + 1024, 1024, "ext2/3/4 superblock");
    auto le32 = [&](std::size_t at) {
      return std::uint32_t(sb[at]) | std::uint32_t(sb[at + 1]) << 8 | std::uint32_t(sb[at + 2]) << 16 |
             std::uint32_t(sb[at + 3]) << 24;
    };
    const std::uint32_t log_block = le32(24);
    if (sb[56] == 0x53 && sb[57] == 0xEF && log_block <= 6) {
      const std::uint64_t block_size = 1024ull << log_block;
      std::uint64_t blocks = le32(4);
      if (le32(0x60) & EXT4_FEATURE_INCOMPAT_64BIT) blocks |= std::uint64_t(le32(0x150)) << 32;
      if (blocks > partition.size / block_size)
        fail("the filesystem's " +
             (blocks > (UINT64_MAX / block_size) ? str(blocks) + " blocks" : str(blocks * block_size) + " bytes") +
             " do not fit in its " + str(partition.size) + "-byte partition (truncated image?)");
    }
  }
  ext2_filsys fs = nullptr;
  const errcode_t err = open_ext2fs(range_, EXT2_FLAG_64BITS, &fs);
  if (err) {
    if (fs) ext2fs_free(fs);
    fail("not a readable ext2/3/4 filesystem: " + reason(err));
  }
  fs_ = fs;
  const std::uint64_t fs_bytes = ext2fs_blocks_count(fs->super) * std::uint64_t(fs->blocksize);
  if (fs_bytes > partition.size) {
    ext2fs_close_free(&fs);
    fs_ = nullptr;
    fail("the filesystem's " + str(fs_bytes) + " bytes do not fit in its " + str(partition.size) +
         "-byte partition (truncated image?)");
  }
}

ExtFilesystem::~ExtFilesystem() {
  if (fs_) {
    ext2_filsys fs = fs_;
    ext2fs_close_free(&fs);
  }
}

void ExtFilesystem::fail(const std::string& message) const { throw ImageError(where_ + ": " + message); }

std::string ExtFilesystem::reason(long code) const {
  std::string channel = ext_io_error(range_, code);
  return channel.empty() ? ext2_error_text(code) : channel;
}

std::string ExtFilesystem::read_link(std::string_view what, const std::string& shown, std::uint32_t ino) {
  ext2_inode inode{};
  if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
    fail(std::string(what) + " " + squote(shown) + ": cannot read inode " + str(ino) + ": " + reason(e));
  const std::uint64_t size = EXT2_I_SIZE(&inode);
  if (size == 0) fail(std::string(what) + " " + squote(shown) + ": empty symlink");
  if (size > kMaxLinkTarget)
    fail(std::string(what) + " " + squote(shown) + ": symlink target of " + str(size) + " bytes is too long");
  std::string target;
  if (ext2fs_is_fast_symlink(&inode)) {
    target.assign(reinterpret_cast<const char*>(inode.i_block), static_cast<std::size_t>(size));
  } else if (inode.i_flags & EXT4_INLINE_DATA_FL) {
    std::vector<char> buf(fs_->blocksize + sizeof inode.i_block);
    size_t got = 0;
    std::size_t inline_size = 0;
    if (errcode_t e = ext2fs_inline_data_size(fs_, ino, &inline_size))
      fail(std::string(what) + " " + squote(shown) + ": cannot read symlink: " + reason(e));
    if (inline_size > buf.size()) fail(std::string(what) + " " + squote(shown) + ": corrupt inline symlink");
    if (errcode_t e = ext2fs_inline_data_get(fs_, ino, &inode, buf.data(), &got))
      fail(std::string(what) + " " + squote(shown) + ": cannot read symlink: " + reason(e));
    target.assign(buf.data(), std::min<std::size_t>(got, static_cast<std::size_t>(size)));
  } else {
    File f{ino, size, shown};
    copy(
        f, [&](const char* p, std::size_t n) { target.append(p, n); }, [] { return false; });
  }
  target.resize(std::strlen(target.c_str()));  // a NUL ends it, as the kernel reads it
  if (target.empty()) fail(std::string(what) + " " + squote(shown) + ": empty symlink");
  return target;
}

std::optional<ExtFilesystem::Resolved> ExtFilesystem::resolve(std::string_view what, std::string_view path,
                                                              std::string_view base) {
  // `stack` is the chain of directories below the root we are in.
  std::vector<std::pair<std::string, ext2_ino_t>> stack;
  std::deque<std::string> todo;
  const std::string shown(path);
  auto push_front = [&](std::string_view p) {
    auto parts = split_path(p);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  };
  push_front(path);
  if (path.empty() || path.front() != '/') push_front(base);
  auto here = [&] {
    std::string s;
    for (const auto& [name, ino] : stack) s += "/" + name;
    return s.empty() ? std::string("/") : s;
  };
  int links = 0;
  Resolved r;
  r.ino = EXT2_ROOT_INO;
  while (!todo.empty()) {
    const std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (stack.empty()) fail(std::string(what) + " " + squote(shown) + ": the path escapes the filesystem's root");
      stack.pop_back();
      continue;
    }
    if (name.size() > EXT2_NAME_LEN) fail(std::string(what) + " " + squote(shown) + ": a path component is too long");
    const ext2_ino_t dir = stack.empty() ? EXT2_ROOT_INO : stack.back().second;
    ext2_ino_t ino = 0;
    const errcode_t e = ext2fs_lookup(fs_, dir, name.data(), static_cast<int>(name.size()), nullptr, &ino);
    if (e == EXT2_ET_FILE_NOT_FOUND) return std::nullopt;
    if (e)
      fail(std::string(what) + " " + squote(shown) + ": cannot look up " + squote(name) + " in " +
           common::guest_text(here()) + ": " + reason(e));
    ext2_inode inode{};
    if (errcode_t re = ext2fs_read_inode(fs_, ino, &inode))
      fail(std::string(what) + " " + squote(shown) + ": cannot read inode " + str(ino) + ": " + reason(re));
    if (LINUX_S_ISLNK(inode.i_mode)) {
      if (++links > kMaxSymlinks)
        fail(std::string(what) + " " + squote(shown) + ": symlink loop (more than " + str(kMaxSymlinks) + " symlinks)");
      const std::string target = read_link(what, shown, ino);
      push_front(target);
      if (target.front() == '/') stack.clear();
      continue;
    }
    if (todo.empty()) {
      r.ino = ino;
      r.inode = inode;
      r.path = here() + (stack.empty() ? "" : "/") + name;
      return r;
    }
    if (!LINUX_S_ISDIR(inode.i_mode))
      fail(std::string(what) + " " + squote(shown) + ": " +
           common::guest_text(here() + (stack.empty() ? "" : "/") + name) + " is not a directory");
    stack.emplace_back(name, ino);
  }
  // The path ended on a directory ("/", "a/..").
  r.ino = stack.empty() ? EXT2_ROOT_INO : stack.back().second;
  if (errcode_t re = ext2fs_read_inode(fs_, r.ino, &r.inode))
    fail(std::string(what) + " " + squote(shown) + ": cannot read inode " + str(r.ino) + ": " + reason(re));
  r.path = here();
  return r;
}

ExtFilesystem::Kind ExtFilesystem::kind(std::string_view what, std::string_view path, std::string_view base) {
  auto r = resolve(what, path, base);
  if (!r) return Kind::missing;
  if (LINUX_S_ISREG(r->inode.i_mode)) return Kind::file;
  if (LINUX_S_ISDIR(r->inode.i_mode)) return Kind::directory;
  return Kind::other;
}

ExtFilesystem::File ExtFilesystem::regular_file(std::string_view what, std::string_view path, std::string_view base) {
  const std::string prefix = std::string(what) + " " + squote(path);
  auto r = resolve(what, path, base);
  if (!r) fail(prefix + ": not found");
  const auto mode = r->inode.i_mode;
  if (LINUX_S_ISDIR(mode)) fail(prefix + ": is a directory");
  if (!LINUX_S_ISREG(mode)) fail(prefix + ": not a regular file (a device, FIFO or socket)");
  return File{r->ino, EXT2_I_SIZE(&r->inode), r->path};
}

std::string ExtFilesystem::read_all(std::string_view what, const File& file, std::uint64_t limit) {
  if (file.size > limit)
    fail(std::string(what) + " " + squote(file.path) + " is " + str(file.size) + " bytes, more than the limit of " +
         str(limit));
  std::string data;
  data.reserve(static_cast<std::size_t>(file.size));
  copy(
      file, [&](const char* p, std::size_t n) { data.append(p, n); }, [] { return false; });
  return data;
}

void ExtFilesystem::copy(const File& file, const std::function<void(const char*, std::size_t)>& sink,
                         const std::function<bool()>& cancelled) {
  ext2_file_t f = nullptr;
  if (errcode_t e = ext2fs_file_open(fs_, file.ino, 0, &f)) fail(squote(file.path) + ": cannot open: " + reason(e));
  struct Closer {
    ext2_file_t f;
    ~Closer() { ext2fs_file_close(f); }
  } closer{f};
  std::vector<char> buf(std::min<std::uint64_t>(kChunk, std::max<std::uint64_t>(file.size, 1)));
  std::uint64_t left = file.size;
  while (left > 0) {
    if (cancelled()) throw CancelledError("grub bootloader cancelled");
    const unsigned want = static_cast<unsigned>(std::min<std::uint64_t>(left, buf.size()));
    unsigned got = 0;
    if (errcode_t e = ext2fs_file_read(f, buf.data(), want, &got))
      fail(squote(file.path) + ": read error at file offset " + str(file.size - left) + ": " + reason(e));
    if (got == 0) fail(squote(file.path) + ": short read at file offset " + str(file.size - left));
    sink(buf.data(), got);
    left -= got;
  }
}

}  // namespace hvmtool::grub
