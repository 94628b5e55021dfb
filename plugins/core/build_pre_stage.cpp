#include "stages.hpp"

namespace hvmtool::core {

void BuildPreStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  domain.set_max_vcpus(ctx.config.effective_maxvcpus());
  domain.set_max_memory(ctx.config.effective_maxmem());
  done(nullptr);
}

}  // namespace hvmtool::core
