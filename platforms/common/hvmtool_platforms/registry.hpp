#pragma once

// The host-wide registry of a platform's live domains (kvm, emu: those whose
// domains live inside the hvmtool process that made them): one directory per
// platform kind, one small text file per domain, so that another hvmtool
// process can list and destroy them.
//
//   <dir>/.lock          flock()ed around every allocation/reclaim
//   <dir>/.next-id       the id rover (ids are not reused right away, as on Xen)
//   <dir>/<id>.domain    key=value lines: id name pid pid_start memory vcpus state
//   <dir>/<id>.store     read-only text dump of /local/domain/<id> (embedded_store.hpp)
//   <dir>/<name>.name    symlink to "<id>": which entry holds the name, so
//                        allocate() checks one name, not every entry
//
// An entry whose pid is dead (or reused: pid_start, field 22 of
// /proc/PID/stat, differs) is stale and is removed by the next locked scan.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/domain.hpp"
#include "hvmtool/platform.hpp"

namespace hvmtool::platforms {

struct RegistryEntry {
  DomainId id = 0;
  std::string name;
  int pid = 0;
  std::uint64_t pid_start = 0;
  std::uint64_t memory = 0;
  unsigned vcpus = 0;
  std::string state;
};

class Registry {
 public:
  // The directory of platform `kind` ("kvm", "emu"), first match wins:
  //   $HVMTOOL_<KIND>_REGISTRY          (e.g. HVMTOOL_KVM_REGISTRY): that directory
  //   $HVMTOOL_REGISTRY_ROOT/<kind>     one root for every platform (tests, sites)
  //   /run/hvmtool/<kind>               when it can be created and written
  //   $XDG_RUNTIME_DIR/hvmtool/<kind>
  //   /tmp/hvmtool-UID/<kind>
  static std::filesystem::path default_dir(std::string_view kind);

  // Creates `dir`; throws PlatformError. `kind` names the platform in errors.
  Registry(std::filesystem::path dir, std::string kind);

  const std::string& kind() const { return kind_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path entry_path(DomainId id) const;
  std::filesystem::path store_path(DomainId id) const;
  std::filesystem::path name_path(const std::string& name) const;

  // Atomically picks a fresh id and writes the entry (pid = this process).
  // Throws PlatformError if `name` is invalid or held by a live domain.
  DomainId allocate(const std::string& name, std::uint64_t memory, unsigned vcpus);
  void update(DomainId id, std::string_view state, std::uint64_t memory, unsigned vcpus) noexcept;
  void remove(DomainId id) noexcept;  // the entry, its name link and the store snapshot

  // Live entries, sorted by id; stale ones are reclaimed on the way.
  std::vector<RegistryEntry> list();
  // The same, as Platform::list_domains() reports them.
  std::vector<DomainSummary> summaries();
  // By numeric id, else by name.
  std::optional<RegistryEntry> find(std::string_view name_or_id);
  // Re-reads one entry; nullopt when it is gone or stale.
  std::optional<RegistryEntry> read(DomainId id);
  // Removes the entry if its owner is dead. Returns true if it did.
  bool reclaim_if_stale(DomainId id);

  static bool process_alive(int pid, std::uint64_t pid_start);
  static std::uint64_t process_start_time(int pid);  // 0 if unknown

 private:
  std::vector<RegistryEntry> scan_locked();
  // The live entry holding `name`, if any; a stale holder is removed.
  std::optional<RegistryEntry> name_holder_locked(const std::string& name);
  void remove_locked(const RegistryEntry& e) noexcept;
  std::optional<RegistryEntry> read_file(const std::filesystem::path& p) const;

  std::filesystem::path dir_;
  std::string kind_;
};

std::string format_entry(const RegistryEntry& e);
std::optional<RegistryEntry> parse_entry(std::string_view text);

}  // namespace hvmtool::platforms
