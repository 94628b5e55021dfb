#include <random>

#include "stages.hpp"
#include "store_layout.hpp"
#include "undo_step.hpp"

namespace hvmtool::core {

namespace {

// RFC 4122 version-4 UUID: the domain's handle, as xl generates one.
std::array<std::uint8_t, 16> random_uuid() {
  std::random_device rd;
  std::array<std::uint8_t, 16> u{};
  for (auto& b : u) b = static_cast<std::uint8_t>(rd());
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);
  return u;
}

}  // namespace

void MakeStage::async_run(StageContext& ctx, Completion done) {
  DomainCreateInfo info;
  info.name = ctx.config.name;
  info.type = ctx.config.type;
  info.uuid = random_uuid();
  info.max_vcpus = ctx.config.effective_maxvcpus();
  info.max_memory = ctx.config.effective_maxmem();
  info.console = ctx.console;
  ctx.domain = ctx.platform.create_domain(info);

  const DomainId domid = ctx.domain->id();
  const std::string uuid = uuid_string(info.uuid);
  ctx.state.uuid = info.uuid;
  ctx.platform.store().transact(
      [&](StoreTransaction& txn) { apply_writes(txn, make_entries(domid, info.name, uuid)); });
  ctx.log.debug("created domain " + std::to_string(domid) + " uuid " + uuid);
  done(nullptr);
}

void MakeStage::undo(StageContext& ctx) noexcept {
  if (!ctx.domain) return;
  undo_step(ctx, "removing store entries", [&] {
    ctx.platform.store().remove(domain_path(ctx.domain->id()));
    if (ctx.state.uuid) ctx.platform.store().remove(vm_path(uuid_string(*ctx.state.uuid)));
  });
  ctx.domain->destroy();
}

}  // namespace hvmtool::core
