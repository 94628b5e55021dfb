#include "hvmtool_platforms/live_domains.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "hvmtool/error.hpp"

namespace hvmtool::platforms {

namespace {

std::mutex g_live_mu;
std::map<std::pair<std::string, DomainId>, std::weak_ptr<LiveDomain>> g_live;

}  // namespace

void add_live_domain(const std::filesystem::path& registry_dir, DomainId id, std::weak_ptr<LiveDomain> domain) {
  std::lock_guard lk(g_live_mu);
  g_live[{registry_dir.string(), id}] = std::move(domain);
}

void forget_live_domain(const std::filesystem::path& registry_dir, DomainId id, const LiveDomain* self) noexcept {
  std::lock_guard lk(g_live_mu);
  auto it = g_live.find({registry_dir.string(), id});
  if (it == g_live.end()) return;
  // Called from the domain's destructor too, when its weak_ptr has expired.
  if (it->second.expired() || it->second.lock().get() == self) g_live.erase(it);
}

std::shared_ptr<LiveDomain> find_live_domain(const std::filesystem::path& registry_dir, DomainId id) {
  std::lock_guard lk(g_live_mu);
  auto it = g_live.find({registry_dir.string(), id});
  return it == g_live.end() ? nullptr : it->second.lock();
}

void destroy_registered_domain(Registry& reg, std::string_view name_or_id, std::chrono::milliseconds timeout) {
  const std::string& kind = reg.kind();
  auto e = reg.find(name_or_id);
  if (!e)
    throw PlatformError(kind + ": no domain named or numbered '" + std::string(name_or_id) + "' in " +
                        reg.dir().string());
  const std::string what = "domain '" + e->name + "' (id " + std::to_string(e->id) + ")";

  if (e->pid == ::getpid()) {
    if (auto d = find_live_domain(reg.dir(), e->id))
      d->destroy_on_request("hvmtool destroy");
    else
      reg.remove(e->id);  // an entry of ours without a domain behind it
    return;
  }

  if (::kill(e->pid, SIGTERM) < 0) {
    if (errno == ESRCH) {
      reg.reclaim_if_stale(e->id);
      return;
    }
    throw PlatformError(kind + ": cannot signal pid " + std::to_string(e->pid) + " holding " + what + ": " +
                        std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now_entry = reg.read(e->id);
    if (!now_entry || now_entry->pid != e->pid) {
      reg.reclaim_if_stale(e->id);
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw PlatformError(kind + ": pid " + std::to_string(e->pid) + " was sent SIGTERM but still holds " + what +
                          " after " + std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace hvmtool::platforms
