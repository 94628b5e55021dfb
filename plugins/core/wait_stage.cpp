#include "stages.hpp"
#include "undo_step.hpp"

namespace hvmtool::core {

void WaitStage::async_run(StageContext& ctx, Completion done) {
  done_ = std::move(done);
  StageContext* context = &ctx;
  ctx.require_domain().set_event_handler([this, context](const DomainEvent& event) {
    if (event.kind != DomainEvent::Kind::shutdown) return;
    context->fate = event;
    complete(nullptr);
  });
}

void WaitStage::cancel(StageContext& /*ctx*/) { complete(std::make_exception_ptr(CancelledError("wait cancelled"))); }

void WaitStage::undo(StageContext& ctx) noexcept {
  if (ctx.domain) undo_step(ctx, "clearing the event handler", [&] { ctx.domain->set_event_handler({}); });
  done_ = nullptr;
}

void WaitStage::complete(std::exception_ptr error) {
  if (!done_) return;  // an event after cancellation, or a second event
  auto done = std::move(done_);
  done_ = nullptr;
  done(error);
}

}  // namespace hvmtool::core
