#pragma once

#include <string>
#include <vector>

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::core {

struct StoreWrite {
  std::string path;
  std::string value;
  std::vector<StorePermission> perms;  // empty = inherit
};

std::string domain_path(DomainId domid);
std::string vm_path(const std::string& uuid);
std::string uuid_string(const std::array<std::uint8_t, 16>& uuid);

// What libxl__domain_make writes for a new domain: /local/domain/N with its
// standard subdirectories and /vm/UUID, with dom0 owning and the guest
// reading (or writing, for the directories the guest fills in).
std::vector<StoreWrite> make_entries(DomainId domid, const std::string& name, const std::string& uuid);

// What libxl__build_post writes once the guest's memory and vCPUs are known.
// Only the ring fields that are set are written.
std::vector<StoreWrite> build_post_entries(DomainId domid, const DomainConfig& config, const SharedRing& store,
                                           const SharedRing& console);

void apply_writes(StoreTransaction& txn, const std::vector<StoreWrite>& writes);

}  // namespace hvmtool::core
