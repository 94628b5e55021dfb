#include "stages.hpp"
#include "store_layout.hpp"

namespace hvmtool::core {

void BuildPostStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  const DomainId domid = domain.id();
  // The builder left the rings' frames, and the ports when it chose them;
  // an unset port is the platform's to supply (introduce_domain gets 0).
  const BuildState& state = ctx.state;
  const auto writes = build_post_entries(domid, ctx.config, state.store, state.console);
  ctx.platform.store().transact([&](StoreTransaction& txn) { apply_writes(txn, writes); });
  ctx.platform.store().introduce_domain(domid, state.store.frame.value_or(0), state.store.port.value_or(0));
  done(nullptr);
}

}  // namespace hvmtool::core
