#include "runner/domain_run.hpp"

#include <boost/asio/post.hpp>

#include "hvmtool/error.hpp"
#include "plugin/plugin_boundary.hpp"

namespace hvmtool {

namespace {

// `error` is framework-owned (the completion copied it): safe to read after
// the plugin that raised it is gone.
std::string describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (...) {
    return copy_current_exception().message;
  }
}

bool is_cancellation(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

}  // namespace

DomainRun::DomainRun(boost::asio::io_context& io, boost::asio::thread_pool& workers, DomainConfig config,
                     ResolvedPipeline pipeline, Logger& log, ConsoleSink console)
    : io_(io),
      workers_(workers),
      config_(std::move(config)),
      pipeline_(std::move(pipeline)),
      log_(log),
      console_(std::move(console)),
      stage_timer_(io),
      grace_timer_(io) {
  result_.domain = config_.name;
}

DomainRun::~DomainRun() {
  // Normally unwound already; this is the backstop for an io_context that
  // was stopped mid-run (the Domain's own destructor then destroys it).
  if (ctx_ && ctx_->domain) ctx_->domain->destroy();
}

void DomainRun::start(Finished on_finished) {
  on_finished_ = std::move(on_finished);
  begin_attempt();
}

void DomainRun::begin_attempt() {
  ++attempt_;
  result_.attempts = attempt_;
  result_.timings.clear();
  ctx_ = std::make_unique<StageContext>(config_, *pipeline_.platform, pipeline_.firmware.get(), log_, io_, workers_,
                                        console_);
  ctx_->firmware_images = pipeline_.firmware_images;
  started_ = 0;
  pending_failure_.reset();
  phase_ = Phase::running;
  // Posted, not called, so start() returns before the first stage runs and
  // several domains interleave on the one io_context.
  boost::asio::post(io_, [self = shared_from_this(), attempt = attempt_] {
    if (self->attempt_ == attempt && self->phase_ == Phase::running) self->start_stage(0);
  });
}

std::chrono::milliseconds DomainRun::timeout_for(std::size_t index) const {
  if (const auto& t = config_.timeouts[index]) return *t;
  return default_stage_timeout(kStageOrder[index]);
}

void DomainRun::start_stage(std::size_t index) {
  current_ = index;
  started_ = index + 1;
  current_resolved_ = false;
  stage_started_at_ = std::chrono::steady_clock::now();
  const StageSlot slot = kStageOrder[index];
  log_.debug("stage " + std::string(to_string(slot)) + " (" + pipeline_.plugin_names[index] + ") starting");

  if (auto timeout = timeout_for(index); timeout.count() > 0) {
    stage_timer_.expires_after(timeout);
    stage_timer_.async_wait([self = shared_from_this(), attempt = attempt_, index](boost::system::error_code ec) {
      if (!ec) self->stage_timed_out(attempt, index);
    });
  }

  // The completion always comes back through the io_context: a plugin may
  // call it from a worker thread, or from inside async_run itself.
  // The completion holds the run weakly: a stage that never calls it (and
  // was abandoned after the grace period) must not keep the run alive
  // through a stage -> completion -> run cycle.
  // The error is copied into a framework-owned exception at once, while
  // the plugin that raised it is certainly loaded (it is calling us): the
  // copy is what travels through the io_context and into the result.
  auto called = std::make_shared<std::atomic<bool>>(false);
  Completion done = [weak = weak_from_this(), &io = io_, attempt = attempt_, index, called](std::exception_ptr error) {
    if (called->exchange(true)) return;  // a second call is a plugin bug; the first one counted
    error = own_error(error);
    boost::asio::post(io, [weak, attempt, index, error] {
      if (auto self = weak.lock()) self->stage_completed(attempt, index, error);
    });
  };
  try {
    pipeline_.stages[index]->async_run(*ctx_, done);
  } catch (...) {
    done(std::current_exception());  // copied by `done` inside this handler
  }
}

void DomainRun::record_stage(std::size_t index, const char* status) {
  StageTiming t;
  t.slot = kStageOrder[index];
  t.plugin = pipeline_.plugin_names[index];
  t.elapsed = std::chrono::steady_clock::now() - stage_started_at_;
  t.status = status;
  result_.timings.push_back(std::move(t));
}

void DomainRun::stage_completed(unsigned attempt, std::size_t index, std::exception_ptr error) {
  if (attempt != attempt_ || index != current_ || current_resolved_) return;  // a late completion
  current_resolved_ = true;
  stage_timer_.cancel();
  const std::string stage_name(to_string(kStageOrder[index]));

  if (phase_ == Phase::stopping) {
    // The stage answered the cancel/timeout: now it is safe to roll back.
    grace_timer_.cancel();
    unwind();
    finish(pending_failure_->first, pending_failure_->second);
    return;
  }
  if (phase_ != Phase::running) return;

  if (error) {
    const bool cancelled = is_cancellation(error);
    record_stage(index, cancelled ? "cancelled" : "failed");
    // Not logged here: the command prints each domain's outcome once.
    const std::string message =
        "stage " + stage_name + " (" + pipeline_.plugin_names[index] + ") failed: " + describe(error);
    unwind();
    finish(cancelled ? RunOutcome::cancelled : RunOutcome::failed, message);
    return;
  }
  record_stage(index, "ok");
  if (kStageOrder[index] == StageSlot::unpause && on_running_) std::exchange(on_running_, nullptr)();
  if (index + 1 < kStageOrder.size()) {
    start_stage(index + 1);
  } else {
    guest_ended();
  }
}

void DomainRun::stage_timed_out(unsigned attempt, std::size_t index) {
  if (attempt != attempt_ || index != current_ || current_resolved_ || phase_ != Phase::running) return;
  const std::string message = "stage " + std::string(to_string(kStageOrder[index])) + " (" +
                              pipeline_.plugin_names[index] + ") timed out after " + seconds_text(timeout_for(index));
  stop_running_stage(RunOutcome::timed_out, message, "timeout");
}

void DomainRun::stop_running_stage(RunOutcome outcome, const std::string& message, const char* status) {
  phase_ = Phase::stopping;
  pending_failure_ = {outcome, message};
  record_stage(current_, status);
  ctx_->cancelled->store(true);
  stage_timer_.cancel();
  try {
    pipeline_.stages[current_]->cancel(*ctx_);
  } catch (...) {
    log_.warn("stage " + std::string(to_string(kStageOrder[current_])) + " (" + pipeline_.plugin_names[current_] +
              "): cancel: " + copy_current_exception().message);
  }
  // A stage that ignores cancellation must not pin the domain for ever.
  grace_timer_.expires_after(kCancelGrace);
  grace_timer_.async_wait([self = shared_from_this(), attempt = attempt_](boost::system::error_code ec) {
    if (ec || self->attempt_ != attempt || self->phase_ != Phase::stopping) return;
    self->log_.warn("stage " + std::string(to_string(kStageOrder[self->current_])) + " did not finish within " +
                    std::to_string(kCancelGrace.count()) + "s of being cancelled; rolling back anyway");
    self->current_resolved_ = true;
    self->unwind();
    self->finish(self->pending_failure_->first, self->pending_failure_->second);
  });
}

void DomainRun::cancel(const std::string& reason) {
  switch (phase_) {
    case Phase::running:
      log_.info("cancelling: " + reason);
      end_early(RunOutcome::cancelled, "cancelled: " + reason, "cancelled");
      break;
    case Phase::preserved:
      log_.info("destroying preserved domain: " + reason);
      unwind();
      finish(result_.outcome, result_.message);
      break;
    case Phase::idle:
      phase_ = Phase::finished;
      result_.outcome = RunOutcome::cancelled;
      result_.message = "cancelled before start: " + reason;
      break;
    case Phase::stopping:
    case Phase::finished:
      break;
  }
}

void DomainRun::fail(const std::string& message) {
  if (phase_ == Phase::running) end_early(RunOutcome::failed, message, "failed");
}

void DomainRun::end_early(RunOutcome outcome, const std::string& message, const char* status) {
  if (current_resolved_) {  // between attempts: no stage runs yet, none to wait for
    unwind();
    finish(outcome, message);
    return;
  }
  stop_running_stage(outcome, message, status);
}

void DomainRun::guest_ended() {
  if (!ctx_->fate) {
    unwind();
    finish(RunOutcome::completed, "pipeline completed");
    return;
  }
  const DomainEvent fate = *ctx_->fate;
  ShutdownAction action = config_.on_poweroff;
  RunOutcome outcome = RunOutcome::poweroff;
  if (fate.reason == ShutdownReason::reboot) {
    action = config_.on_reboot;
    outcome = RunOutcome::reboot;
  } else if (fate.reason == ShutdownReason::crash) {
    action = config_.on_crash;
    outcome = RunOutcome::crash;
  }
  std::string message = "guest " + std::string(to_string(fate.reason));
  if (!fate.detail.empty()) message += " (" + fate.detail + ")";
  log_.info(message + "; action " + std::string(to_string(action)));

  switch (action) {
    case ShutdownAction::destroy:
      unwind();
      finish(outcome, message);
      return;
    case ShutdownAction::restart:
      unwind();
      if (!restart_allowed()) {
        finish(RunOutcome::restart_loop, message + "; restarted " + std::to_string(restarts_.size()) +
                                             " times within " + std::to_string(config_.restart_window.count()) +
                                             "s, giving up");
        return;
      }
      log_.info("restarting (attempt " + std::to_string(attempt_ + 1) + ")");
      begin_attempt();
      return;
    case ShutdownAction::preserve:
      // Kept paused for inspection until cancelled (`hvmtool destroy`).
      try {
        ctx_->require_domain().pause();
      } catch (...) {
        log_.warn("plugin '" + pipeline_.platform_plugin + "': pause: " + copy_current_exception().message);
      }
      phase_ = Phase::preserved;
      result_.outcome = outcome;
      result_.message = message + "; preserved";
      log_.info("domain preserved (paused); `hvmtool destroy " + config_.name + "` ends it");
      return;
  }
}

bool DomainRun::restart_allowed() {
  const auto now = std::chrono::steady_clock::now();
  while (!restarts_.empty() && now - restarts_.front() > config_.restart_window) restarts_.pop_front();
  if (restarts_.size() >= config_.restart_limit) return false;
  restarts_.push_back(now);
  return true;
}

void DomainRun::unwind() {
  const auto began = std::chrono::steady_clock::now();
  for (std::size_t i = started_; i-- > 0;) pipeline_.stages[i]->undo(*ctx_);
  if (ctx_->domain && ctx_->jobs_in_flight->load() > 0) {
    // A stage was abandoned with its worker job still writing guest memory:
    // destroying now would free memory under it. The domain is destroyed
    // when this run is deleted, which the session does after joining the
    // worker pool.
    log_.warn("a background job of an abandoned stage is still running; the domain is destroyed when it ends");
  } else if (ctx_->domain) {
    ctx_->domain->destroy();
    ctx_->domain.reset();
  }
  result_.teardown = std::chrono::steady_clock::now() - began;
}

void DomainRun::finish(RunOutcome outcome, const std::string& message) {
  phase_ = Phase::finished;
  stage_timer_.cancel();
  grace_timer_.cancel();
  result_.outcome = outcome;
  result_.message = message;
  if (on_finished_) {
    auto callback = std::move(on_finished_);
    callback(result_);
  }
}

}  // namespace hvmtool
