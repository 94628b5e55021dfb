#include "store_layout.hpp"

#include <cstdio>

namespace hvmtool::core {

std::string domain_path(DomainId domid) { return "/local/domain/" + std::to_string(domid); }

std::string vm_path(const std::string& uuid) { return "/vm/" + uuid; }

std::string uuid_string(const std::array<std::uint8_t, 16>& u) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return buf;
}

std::vector<StoreWrite> make_entries(DomainId domid, const std::string& name, const std::string& uuid) {
  const std::string dom = domain_path(domid);
  const std::vector<StorePermission> read_only{{0, 'n'}, {domid, 'r'}};
  const std::vector<StorePermission> guest_writes{{domid, 'n'}};
  std::vector<StoreWrite> w;
  w.push_back({dom, "", read_only});
  w.push_back({vm_path(uuid), "", read_only});
  w.push_back({dom + "/vm", vm_path(uuid), {}});
  w.push_back({dom + "/name", name, {}});
  w.push_back({dom + "/domid", std::to_string(domid), {}});
  for (const char* sub : {"cpu", "memory", "device", "control"}) w.push_back({dom + "/" + sub, "", read_only});
  // The guest writes its own feature flags and data; it owns these.
  for (const char* sub : {"data", "drivers", "feature", "attr", "error"})
    w.push_back({dom + "/" + sub, "", guest_writes});
  // The guest answers shutdown requests and says which it supports
  // (Linux's xen:manage writes feature-poweroff at boot), as under libxl.
  for (const char* node : {"shutdown", "feature-poweroff", "feature-reboot", "feature-suspend", "sysrq"})
    w.push_back({dom + "/control/" + node, "", guest_writes});
  w.push_back({vm_path(uuid) + "/name", name, {}});
  w.push_back({vm_path(uuid) + "/uuid", uuid, {}});
  return w;
}

std::vector<StoreWrite> build_post_entries(DomainId domid, const DomainConfig& config, const SharedRing& store,
                                           const SharedRing& console) {
  const std::string dom = domain_path(domid);
  std::vector<StoreWrite> w;
  w.push_back({dom + "/memory/static-max", std::to_string(config.effective_maxmem() >> 10), {}});
  w.push_back({dom + "/memory/target", std::to_string(config.memory >> 10), {}});
  for (unsigned i = 0; i < config.effective_maxvcpus(); ++i)
    w.push_back({dom + "/cpu/" + std::to_string(i) + "/availability", i < config.vcpus ? "online" : "offline", {}});
  if (store.frame) w.push_back({dom + "/store/ring-ref", std::to_string(*store.frame), {}});
  if (store.port) w.push_back({dom + "/store/port", std::to_string(*store.port), {}});
  if (console.frame) w.push_back({dom + "/console/ring-ref", std::to_string(*console.frame), {}});
  if (console.port) w.push_back({dom + "/console/port", std::to_string(*console.port), {}});
  w.push_back({dom + "/console/limit", "1048576", {}});
  w.push_back({dom + "/console/type", "xenconsoled", {}});
  w.push_back({dom + "/console/output", "pty", {}});
  w.push_back({dom + "/platform/acpi", config.type == DomainType::hvm ? "1" : "0", {}});
  w.push_back({dom + "/image/type", std::string(to_string(config.type)), {}});
  return w;
}

void apply_writes(StoreTransaction& txn, const std::vector<StoreWrite>& writes) {
  for (const auto& entry : writes) {
    txn.write(entry.path, entry.value);
    if (!entry.perms.empty()) txn.set_permissions(entry.path, entry.perms);
  }
}

}  // namespace hvmtool::core
