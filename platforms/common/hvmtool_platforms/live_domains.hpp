#pragma once

// `hvmtool list` and `hvmtool destroy` for platforms whose domains live in
// the hvmtool process that made them (kvm, emu). The registry says which
// process holds a domain; this process's own domains are also in a
// process-wide table, so that destroying one of them needs no signal.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "hvmtool/domain.hpp"
#include "hvmtool_platforms/registry.hpp"

namespace hvmtool::platforms {

// A domain as the table knows it.
class LiveDomain {
 public:
  virtual ~LiveDomain() = default;
  // `hvmtool destroy` of a domain held by this process: destroy it, and tell
  // its event handler (a poweroff event "destroyed (WHY)", DomainEvent having
  // no "destroyed" kind).
  virtual void destroy_on_request(std::string_view why) noexcept = 0;
};

// The table, by registry directory and id. A domain adds itself once it has
// its id and forgets itself when destroyed (`self` guards against removing
// a successor that got the same id).
void add_live_domain(const std::filesystem::path& registry_dir, DomainId id, std::weak_ptr<LiveDomain> domain);
void forget_live_domain(const std::filesystem::path& registry_dir, DomainId id, const LiveDomain* self) noexcept;
std::shared_ptr<LiveDomain> find_live_domain(const std::filesystem::path& registry_dir, DomainId id);

// Platform::destroy_domain over a registry. A domain of this process is
// destroyed at once (an entry of ours with no domain behind it is removed);
// another process is sent SIGTERM (hvmtool cancels its runs, which destroys
// the domain) and waited for, up to `timeout`, until the entry is gone.
// Throws PlatformError ("KIND: no domain named or numbered 'X' in DIR", or
// the owner did not let go in time).
void destroy_registered_domain(Registry& registry, std::string_view name_or_id, std::chrono::milliseconds timeout);

}  // namespace hvmtool::platforms
