// Xen's public headers expect the C fixed-width types in the global namespace.
#include <stdint.h>

#include <xen/xen.h>

#include <xen/hvm/params.h>

#include "stages.hpp"
#include "store_layout.hpp"

namespace hvmtool::core {

namespace {

std::string note(const StageContext& ctx, const std::string& key) {
  auto it = ctx.notes.find(key);
  return it == ctx.notes.end() ? std::string() : it->second;
}

}  // namespace

void BuildPostStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  const DomainId domid = domain.id();
  // Builders publish the store and console rings through these HVM params
  // (xc_hvm_build does); the event channel ports come from the platform.
  const std::uint64_t store_pfn = domain.hvm_param(HVM_PARAM_STORE_PFN);
  const std::uint64_t console_pfn = domain.hvm_param(HVM_PARAM_CONSOLE_PFN);
  const std::string store_port = note(ctx, "store.port");
  const std::string console_port = note(ctx, "console.port");
  const auto writes = build_post_entries(domid, ctx.config, store_pfn, store_port, console_pfn, console_port);
  ctx.platform.store().transact([&](StoreTransaction& txn) { apply_writes(txn, writes); });
  ctx.platform.store().introduce_domain(domid, store_pfn,
                                        store_port.empty() ? 0u : static_cast<std::uint32_t>(std::stoul(store_port)));
  done(nullptr);
}

}  // namespace hvmtool::core
