#include "stages.hpp"

namespace hvmtool::core {

void UnpauseStage::async_run(StageContext& ctx, Completion done) {
  ctx.require_domain().unpause();
  done(nullptr);
}

}  // namespace hvmtool::core
