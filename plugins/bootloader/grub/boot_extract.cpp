#include "boot_extract.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <hvmtool/error.hpp>

#include "boot_menu.hpp"
#include "hvmtool_common/disk_format.hpp"
#include "ext_filesystem.hpp"
#include "hvmtool_common/guest_text.hpp"
#include "menu_format.hpp"
#include "partition_table.hpp"

namespace hvmtool::grub {

namespace fs = std::filesystem;

namespace {

std::string str(std::uint64_t v) { return std::to_string(v); }
using common::guest_quote;
using common::guest_text;

constexpr std::string_view kScratchPrefix = "hvmtool-grub-";

void check_cancelled(const std::function<bool()>& cancelled) {
  if (cancelled()) throw CancelledError("grub bootloader cancelled");
}

const DiskConfig& choose_disk(const std::vector<DiskConfig>& disks, const Settings& settings) {
  if (disks.empty()) throw Error("domain.disks is empty: the grub bootloader reads the kernel from a disk");
  if (settings.disk.empty()) return disks.front();
  std::string names;
  for (const auto& d : disks) {
    if (d.vdev == settings.disk) return d;
    names += (names.empty() ? "" : ", ") + d.vdev;
  }
  throw Error("params.grub.disk: no disk with vdev " + guest_quote(settings.disk) + " (disks: " + names + ")");
}

// The first config file in the formats' search order, and its format.
struct FoundConfig {
  const MenuFormat* format = nullptr;
  std::string path;
};

FoundConfig find_config(ExtFilesystem& efs) {
  for (const MenuFormat* format : menu_formats())
    for (std::string_view p : format->paths) {
      const std::string path(p);
      const auto kind = efs.kind("config", path);
      if (kind == ExtFilesystem::Kind::missing) continue;
      if (kind != ExtFilesystem::Kind::file) efs.fail("config " + guest_quote(path) + " is not a regular file");
      return {format, path};
    }
  std::string list;
  for (const std::string& c : config_candidates()) list += (list.empty() ? "" : ", ") + c;
  efs.fail("no boot config found (looked for " + list + ")");
}

// A file a format reads beside its config (grubenv): missing, odd or
// unreadable (a loop, a bad block) is no file.
std::optional<std::string> read_optional(ExtFilesystem& efs, const std::string& path, std::uint64_t max_size) {
  try {
    const std::string what = fs::path(path).filename().string();
    if (efs.kind(what, path) != ExtFilesystem::Kind::file) return std::nullopt;
    const auto file = efs.regular_file(what, path);
    if (file.size > max_size) return std::nullopt;
    return efs.read_all(what, file, max_size);
  } catch (const ImageError&) {
    return std::nullopt;
  }
}

// A path from the config, inside the filesystem. A separate /boot partition's
// config names /vmlinuz where the root filesystem has /boot/vmlinuz, and the
// other way round: if the path as written does not exist, the other form is
// tried.
ExtFilesystem::File boot_file(ExtFilesystem& efs, std::string_view what, const std::string& path,
                              const std::string& base, const std::string& config_path) {
  if (efs.kind(what, path, base) == ExtFilesystem::Kind::missing && path.starts_with("/")) {
    std::string alt;
    if (config_path.starts_with("/boot/") && !path.starts_with("/boot/"))
      alt = "/boot" + path;
    else if (!config_path.starts_with("/boot/") && path.starts_with("/boot/"))
      alt = path.substr(5);
    if (!alt.empty() && efs.kind(what, alt) != ExtFilesystem::Kind::missing) return efs.regular_file(what, alt);
  }
  return efs.regular_file(what, path, base);
}

// Whether a file a config would also read (`source`, INCLUDE...) is there:
// Debian's grub.cfg sources custom.cfg only if it exists, so a warning about
// a missing one is noise. Unknown (no name, a device, an odd path): true.
bool names_a_file(ExtFilesystem& efs, const std::string& file, const std::string& base) {
  if (file.empty()) return true;
  try {
    return efs.kind("config", strip_device(file, 0), base) != ExtFilesystem::Kind::missing;
  } catch (const std::exception&) {
    return true;
  }
}

void write_all(int fd, const fs::path& file, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw Error(file.string() + ": cannot write: " + std::strerror(errno));
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

class OutFile {
 public:
  explicit OutFile(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error(path_.string() + ": cannot create: " + std::strerror(errno));
  }
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const char* p, std::size_t n) {
    write_all(fd_, path_, p, n);
    written_ += n;
  }
  void close() {
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) throw Error(path_.string() + ": cannot write: " + std::strerror(errno));
  }
  std::uint64_t written() const { return written_; }

 private:
  fs::path path_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
};

}  // namespace

fs::path scratch_parent(const Settings& settings) {
  if (!settings.tmpdir.empty()) return settings.tmpdir;
  if (const char* t = std::getenv("TMPDIR"); t && *t) return t;
  const fs::path run = "/run/hvmtool";
  if (::mkdir(run.c_str(), 0700) == 0 || errno == EEXIST)
    if (::access(run.c_str(), W_OK | X_OK) == 0) return run;
  return "/tmp";
}

fs::path make_scratch_dir(const fs::path& parent, const std::string& domain) {
  std::string pattern =
      (parent / (std::string(kScratchPrefix) + std::to_string(::getpid()) + "-" + domain + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw Error("cannot create a scratch folder in " + parent.string() + ": " + std::strerror(errno));
  return pattern;
}

std::size_t sweep_stale_scratch(const fs::path& parent) noexcept {
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kScratchPrefix)) continue;
    // hvmtool-grub-PID-...: a pid of digits only, then '-'.
    const std::size_t digits_at = kScratchPrefix.size(), dash = name.find('-', digits_at);
    if (dash == std::string::npos || dash == digits_at || dash - digits_at > 9) continue;
    if (name.find_first_not_of("0123456789", digits_at) != dash) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name.substr(digits_at, dash - digits_at)));
    // Ours (same uid), a real folder (not a symlink to elsewhere), and its
    // process gone (ESRCH: EPERM means someone else's live process).
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code rm;
    if (fs::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

void remove_scratch(const fs::path& dir) noexcept {
  if (dir.empty()) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

Extracted extract_boot_files(const std::vector<DiskConfig>& disks, const std::vector<std::string>& bootloader_args,
                             const std::string& extra_cmdline, const Settings& settings,
                             const std::function<bool()>& cancelled, const std::function<fs::path()>& make_scratch) {
  // Arguments first: a typo is reported before any disk is opened.
  entry_selector(bootloader_args);
  check_cancelled(cancelled);
  const DiskConfig& dc = choose_disk(disks, settings);
  const std::unique_ptr<DiskImage> opened = common::open_disk(dc.target, dc.format);
  const DiskImage& disk = *opened;
  const PartitionTable table = read_partition_table(disk);
  const Partition& part = choose_partition(disk, table, settings.partition);
  const std::string where = disk.path().string() + ": " + describe(table, part);
  ExtFilesystem efs(disk, part, where);
  check_cancelled(cancelled);

  const FoundConfig found = find_config(efs);
  const std::string& config_path = found.path;
  const auto config_file = efs.regular_file("config", config_path);
  const std::string text = efs.read_all("config", config_file, kMaxConfigSize);
  check_cancelled(cancelled);

  BootMenu menu;
  try {
    const MenuSource source{config_path, text, [&](const std::string& path, std::uint64_t max_size) {
                              return read_optional(efs, path, max_size);
                            }};
    menu = found.format->read(source);
  } catch (const MenuError& e) {
    efs.fail(config_path + ": " + e.what());
  }
  Selection sel;
  try {
    sel = select_entry(menu, bootloader_args);
  } catch (const Error& e) {
    efs.fail(config_path + ": " + e.what());
  }
  const BootEntry& entry = *sel.entry;
  const std::string config_dir = fs::path(config_path).parent_path().string();
  const std::string base = menu.relative_to_config ? config_dir : "/";

  const auto kernel = boot_file(efs, "kernel", entry.kernel, base, config_path);
  if (kernel.size == 0) efs.fail("kernel " + guest_quote(kernel.path) + " is empty");
  if (kernel.size > settings.max_kernel_size)
    efs.fail("kernel " + guest_quote(kernel.path) + " is " + str(kernel.size) + " bytes, more than max_kernel_size (" +
             str(settings.max_kernel_size) + ")");
  std::vector<ExtFilesystem::File> initrds;
  std::uint64_t initrd_bytes = 0;
  for (const std::string& path : entry.initrds) {
    initrds.push_back(boot_file(efs, "initrd", path, base, config_path));
    initrd_bytes += initrds.back().size;
    if (initrd_bytes > settings.max_initrd_size)
      efs.fail("initrd " + guest_quote(initrds.back().path) + ": the initrd adds up to " + str(initrd_bytes) +
               " bytes, more than max_initrd_size (" + str(settings.max_initrd_size) + ")");
  }
  check_cancelled(cancelled);

  const fs::path scratch = make_scratch();
  Extracted out;
  out.kernel = scratch / "kernel";
  {
    OutFile f(out.kernel);
    efs.copy(
        kernel, [&](const char* p, std::size_t n) { f.write(p, n); }, cancelled);
    f.close();
  }
  if (!initrds.empty()) {
    out.ramdisk = scratch / "initrd";
    OutFile f(out.ramdisk);
    for (const auto& file : initrds) {
      check_cancelled(cancelled);
      efs.copy(
          file, [&](const char* p, std::size_t n) { f.write(p, n); }, cancelled);
    }
    f.close();
  }
  out.cmdline = entry.cmdline;
  if (!extra_cmdline.empty()) out.cmdline += (out.cmdline.empty() ? "" : " ") + extra_cmdline;

  out.summary = where + ": " + config_path + " " + sel.label + ": kernel " + guest_text(kernel.path) + " (" +
                str(kernel.size) + " bytes)";
  for (const auto& f : initrds) out.summary += ", initrd " + guest_text(f.path) + " (" + str(f.size) + " bytes)";
  out.summary += ", cmdline \"" + guest_text(out.cmdline, 4096) + "\"";
  for (const MenuWarning& w : menu.warnings)
    if (names_a_file(efs, w.file, menu.relative_to_config ? config_dir : "/"))
      out.warnings.push_back(where + ": " + config_path + ":" + std::to_string(w.line) + ": " + w.text);
  if (!sel.note.empty())
    out.warnings.push_back(where + ": " + config_path + ":" + std::to_string(menu.default_line) + ": " + sel.note);
  return out;
}

}  // namespace hvmtool::grub
