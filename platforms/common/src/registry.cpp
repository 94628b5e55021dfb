
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hvmtool/error.hpp"
#include "hvmtool_platforms/errno_error.hpp"
#include "hvmtool_platforms/registry.hpp"
#include "hvmtool_platforms/unique_fd.hpp"

namespace hvmtool::platforms {

namespace fs = std::filesystem;

namespace {

constexpr DomainId kFirstId = 1;
constexpr DomainId kLastId = 0x7FEF;  // below Xen's DOMID_FIRST_RESERVED

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool writable_dir(const fs::path& d) {
  std::error_code ec;
  fs::create_directories(d, ec);
  return !ec && fs::is_directory(d, ec) && ::access(d.c_str(), W_OK | X_OK) == 0;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to `p` through a temporary file and rename(), so a reader
// never sees half an entry.
void write_atomically(std::string_view kind, const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw_errno(kind, "cannot write " + tmp.string());
  const char* d = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), d, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      throw_errno(kind, "cannot write " + tmp.string(), err);
    }
    d += n;
    left -= static_cast<std::size_t>(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), p.c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(kind, "cannot rename " + tmp.string(), err);
  }
}

// What a name link points to (an id), or "" if there is none.
std::string link_target(const fs::path& link) {
  char buf[32];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 && static_cast<std::size_t>(n) < sizeof buf ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

class DirLock {
 public:
  DirLock(std::string_view kind, const fs::path& dir) {
    fs::path p = dir / ".lock";
    fd_.reset(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_) throw_errno(kind, "cannot open registry lock " + p.string());
    while (::flock(fd_.get(), LOCK_EX) < 0)
      if (errno != EINTR) throw_errno(kind, "cannot lock " + p.string());
  }
  // Closing the fd drops the flock.

 private:
  UniqueFd fd_;
};

void validate_name(const std::string& kind, const std::string& name) {
  if (name.empty()) throw PlatformError(kind + ": a domain needs a name");
  if (name.size() > 64)
    throw PlatformError(kind + ": domain name '" + name.substr(0, 64) + "...' is longer than 64 characters");
  for (unsigned char c : name)
    if (c <= 0x20 || c == '/' || c == 0x7F)
      throw PlatformError(kind + ": domain name '" + name + "' may not contain spaces, control characters or '/'");
  DomainId dummy;
  if (parse_number(std::string_view(name), dummy))
    throw PlatformError(kind + ": domain name '" + name + "' is a number, which would be taken for a domain id");
}

// HVMTOOL_KVM_REGISTRY for "kvm".
std::string env_name(std::string_view kind) {
  std::string n = "HVMTOOL_";
  for (char c : kind) n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n + "_REGISTRY";
}

}  // namespace

std::string format_entry(const RegistryEntry& e) {
  std::ostringstream s;
  s << "id=" << e.id << "\nname=" << e.name << "\npid=" << e.pid << "\npid_start=" << e.pid_start
    << "\nmemory=" << e.memory << "\nvcpus=" << e.vcpus << "\nstate=" << e.state << "\n";
  return s.str();
}

std::optional<RegistryEntry> parse_entry(std::string_view text) {
  RegistryEntry e;
  bool have_id = false, have_pid = false;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "id")
      have_id = parse_number(v, e.id);
    else if (k == "name")
      e.name = std::string(v);
    else if (k == "pid")
      have_pid = parse_number(v, e.pid);
    else if (k == "pid_start")
      parse_number(v, e.pid_start);
    else if (k == "memory")
      parse_number(v, e.memory);
    else if (k == "vcpus")
      parse_number(v, e.vcpus);
    else if (k == "state")
      e.state = std::string(v);
  }
  if (!have_id || !have_pid) return std::nullopt;
  return e;
}

fs::path Registry::default_dir(std::string_view kind) {
  if (const char* env = std::getenv(env_name(kind).c_str()); env && *env) return env;
  if (const char* root = std::getenv("HVMTOOL_REGISTRY_ROOT"); root && *root) return fs::path(root) / kind;
  const fs::path run = fs::path("/run/hvmtool") / kind;
  if (writable_dir(run)) return run;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return fs::path(xdg) / "hvmtool" / kind;
  return fs::path("/tmp") / ("hvmtool-" + std::to_string(::getuid())) / kind;
}

Registry::Registry(fs::path dir, std::string kind) : dir_(std::move(dir)), kind_(std::move(kind)) {
  if (!writable_dir(dir_))
    throw PlatformError(kind_ + ": domain registry " + dir_.string() + " cannot be created or written (set params." +
                        kind_ + ".registry_dir or " + env_name(kind_) + ")");
}

fs::path Registry::entry_path(DomainId id) const { return dir_ / (std::to_string(id) + ".domain"); }
fs::path Registry::store_path(DomainId id) const { return dir_ / (std::to_string(id) + ".store"); }
fs::path Registry::name_path(const std::string& name) const { return dir_ / (name + ".name"); }

std::uint64_t Registry::process_start_time(int pid) {
  std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
  auto rp = stat.rfind(')');
  if (rp == std::string::npos) return 0;
  std::istringstream in(stat.substr(rp + 2));
  std::string field;
  // Fields after "(comm)" start at field 3 (state); starttime is field 22.
  for (int i = 3; i <= 22 && (in >> field); ++i)
    if (i == 22) {
      std::uint64_t v = 0;
      return parse_number(std::string_view(field), v) ? v : 0;
    }
  return 0;
}

bool Registry::process_alive(int pid, std::uint64_t pid_start) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) < 0 && errno == ESRCH) return false;
  if (pid_start != 0) {
    std::uint64_t now = process_start_time(pid);
    if (now != 0 && now != pid_start) return false;  // the pid was reused
  }
  return true;
}

std::optional<RegistryEntry> Registry::read_file(const fs::path& p) const { return parse_entry(read_all(p)); }

std::vector<RegistryEntry> Registry::scan_locked() {
  std::vector<RegistryEntry> out;
  std::error_code ec;
  for (const auto& de : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = de.path();
    if (p.extension() != ".domain") continue;
    DomainId id;
    if (!parse_number(p.stem().string(), id)) continue;
    auto e = read_file(p);
    if (!e || e->id != id) continue;  // being written, or not ours
    if (!process_alive(e->pid, e->pid_start)) {
      remove_locked(*e);
      continue;
    }
    out.push_back(std::move(*e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

DomainId Registry::allocate(const std::string& name, std::uint64_t memory, unsigned vcpus) {
  validate_name(kind_, name);
  DirLock lock(kind_, dir_);
  // The name's index link, not a scan of every entry: a create costs the
  // same with ten thousand live domains as with none.
  if (auto e = name_holder_locked(name))
    throw PlatformError(kind_ + ": a domain named '" + name + "' already exists (id " + std::to_string(e->id) +
                        ", pid " + std::to_string(e->pid) + ")");
  DomainId next = kFirstId;
  {
    std::string t = read_all(dir_ / ".next-id");
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    DomainId v;
    if (parse_number(std::string_view(t), v) && v >= kFirstId && v <= kLastId) next = v;
  }
  RegistryEntry e;
  e.name = name;
  e.pid = ::getpid();
  e.pid_start = process_start_time(e.pid);
  e.memory = memory;
  e.vcpus = vcpus;
  e.state = "paused";  // a new domain is paused, as on Xen
  for (DomainId tries = 0; tries <= kLastId - kFirstId; ++tries) {
    DomainId id = next;
    next = next >= kLastId ? kFirstId : next + 1;
    fs::path p = entry_path(id);
    UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) {
      if (errno == EEXIST) continue;
      throw_errno(kind_, "cannot create registry entry " + p.string());
    }
    e.id = id;
    std::string text = format_entry(e);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      int err = errno;
      ::unlink(p.c_str());
      throw_errno(kind_, "cannot write registry entry " + p.string(), err);
    }
    if (::symlink(std::to_string(id).c_str(), name_path(name).c_str()) < 0) {
      int err = errno;
      ::unlink(p.c_str());
      throw_errno(kind_, "cannot create registry name link " + name_path(name).string(), err);
    }
    try {
      write_atomically(kind_, dir_ / ".next-id", std::to_string(next) + "\n");
    } catch (...) {
      // The rover is a nicety; the O_EXCL entry is what makes the id ours.
    }
    return id;
  }
  throw PlatformError(kind_ + ": no free domain id in " + dir_.string());
}

void Registry::update(DomainId id, std::string_view state, std::uint64_t memory, unsigned vcpus) noexcept {
  try {
    auto e = read_file(entry_path(id));
    if (!e || e->pid != ::getpid()) return;
    e->state = std::string(state);
    e->memory = memory;
    e->vcpus = vcpus;
    write_atomically(kind_, entry_path(id), format_entry(*e));
  } catch (...) {
  }
}

void Registry::remove(DomainId id) noexcept {
  try {
    DirLock lock(kind_, dir_);  // an allocate() of the same name must not see half of it
    if (auto e = read_file(entry_path(id)); e && e->id == id) {
      remove_locked(*e);
      return;
    }
  } catch (...) {
  }
  ::unlink(store_path(id).c_str());
  ::unlink(entry_path(id).c_str());
}

void Registry::remove_locked(const RegistryEntry& e) noexcept {
  // The name link goes only if it is still this entry's: the name may have
  // been taken again since (by an allocate that found this entry stale).
  const fs::path link = name_path(e.name);
  if (link_target(link) == std::to_string(e.id)) ::unlink(link.c_str());
  ::unlink(store_path(e.id).c_str());
  ::unlink(entry_path(e.id).c_str());
}

std::optional<RegistryEntry> Registry::name_holder_locked(const std::string& name) {
  const fs::path link = name_path(name);
  const std::string target = link_target(link);
  if (target.empty()) return std::nullopt;
  DomainId id;
  if (parse_number(std::string_view(target), id)) {
    auto e = read_file(entry_path(id));
    if (e && e->id == id && e->name == name) {
      if (process_alive(e->pid, e->pid_start)) return e;
      remove_locked(*e);  // stale: its process is gone
      return std::nullopt;
    }
  }
  ::unlink(link.c_str());  // points at nothing of this name
  return std::nullopt;
}

std::vector<RegistryEntry> Registry::list() {
  DirLock lock(kind_, dir_);
  return scan_locked();
}

std::vector<DomainSummary> Registry::summaries() {
  std::vector<DomainSummary> out;
  for (const auto& e : list()) {
    DomainSummary s;
    s.id = e.id;
    s.name = e.name;
    s.memory = e.memory;
    s.vcpus = e.vcpus;
    s.state = e.state;
    s.owner_pid = e.pid;
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<RegistryEntry> Registry::read(DomainId id) {
  auto e = read_file(entry_path(id));
  if (!e || e->id != id || !process_alive(e->pid, e->pid_start)) return std::nullopt;
  return e;
}

bool Registry::reclaim_if_stale(DomainId id) {
  DirLock lock(kind_, dir_);
  auto e = read_file(entry_path(id));
  if (!e) return false;
  if (process_alive(e->pid, e->pid_start)) return false;
  remove_locked(*e);
  return true;
}

std::optional<RegistryEntry> Registry::find(std::string_view name_or_id) {
  auto live = list();
  DomainId id;
  if (parse_number(name_or_id, id)) {
    for (auto& e : live)
      if (e.id == id) return e;
    return std::nullopt;
  }
  for (auto& e : live)
    if (e.name == name_or_id) return e;
  return std::nullopt;
}

}  // namespace hvmtool::platforms
