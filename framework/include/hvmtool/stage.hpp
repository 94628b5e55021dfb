#pragma once

#include <exception>
#include <functional>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>

#include "hvmtool/stage_context.hpp"
#include "hvmtool/stage_slot.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// Called exactly once when a stage finishes: with nullptr on success, with the
// exception on failure. Must be called on the io_context (see run_blocking).
using Completion = std::function<void(std::exception_ptr)>;

// One step of domain creation. The runner calls async_run; the stage calls
// `done` when finished. If the run fails, times out or is cancelled, the
// runner calls cancel() on the stage still running, then undo() on every
// stage that was started, in reverse order, then destroys the domain.
class HVMTOOL_API Stage {
 public:
  virtual ~Stage() = default;

  virtual std::string_view name() const = 0;

  // Called once per domain section when the pipeline file is loaded (so
  // `hvmtool validate` reports it), before anything runs: check the domain
  // fields whose words this stage owns (the disk formats it reads, the boot
  // kinds it builds) against what it and `platform` can do, and throw
  // ConfigError naming the field (fail_field, field_check.hpp). Parameters
  // are checked in create_stage instead. Default: nothing to check.
  virtual void check_domain(const DomainConfig& /*domain*/, const PlatformFeatures& /*platform*/) const {}

  // Start the step. May throw instead of calling `done` with an error.
  virtual void async_run(StageContext& ctx, Completion done) = 0;

  // Ask a running async_run to finish soon (it still calls `done`, with
  // CancelledError). Default: nothing to interrupt.
  virtual void cancel(StageContext& /*ctx*/) {}

  // Release what async_run created. Called for a stage that completed, failed
  // or timed out, so it must cope with partial work; idempotent; never throws.
  virtual void undo(StageContext& /*ctx*/) noexcept {}
};

// Runs blocking `work()` on the worker pool and delivers its outcome to
// `done` on the io_context: the way stages populate memory or read disks
// without stalling other domains' stages.
template <typename Work>
void run_blocking(StageContext& ctx, Work work, Completion done) {
  ctx.jobs_in_flight->fetch_add(1);
  boost::asio::post(
      ctx.workers, [&io = ctx.io, jobs = ctx.jobs_in_flight, work = std::move(work), done = std::move(done)]() mutable {
        std::exception_ptr error;
        try {
          work();
        } catch (...) {
          error = std::current_exception();
        }
        jobs->fetch_sub(1);
        boost::asio::post(io, [done = std::move(done), error]() mutable { done(error); });
      });
}

}  // namespace hvmtool
