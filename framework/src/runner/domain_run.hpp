#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hvmtool/config.hpp"
#include "hvmtool/stage_context.hpp"
#include "runner/resolved_pipeline.hpp"
#include "runner/run_result.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// One domain's life: the seven stages chained on the io_context, the
// timeout of each, rollback on failure, and the on_poweroff/on_reboot/
// on_crash action once the guest ends (the runner's counterpart of libxl's
// domcreate_* callback chain and xl's domain_wait_event loop).
class HVMTOOL_API DomainRun : public std::enable_shared_from_this<DomainRun> {
 public:
  using Finished = std::function<void(const RunResult&)>;

  DomainRun(boost::asio::io_context& io, boost::asio::thread_pool& workers, DomainConfig config,
            ResolvedPipeline pipeline, Logger& log, ConsoleSink console);
  ~DomainRun();

  void start(Finished on_finished);
  // Called once, the first time the guest is unpaused (the point at which
  // `xl create` returns); a detached `hvmtool run` hands over there.
  void on_running(std::function<void()> callback) { on_running_ = std::move(callback); }
  // Cancels the run: the running stage is asked to stop, then everything is
  // rolled back. A preserved domain is destroyed. Idempotent.
  void cancel(const std::string& reason);
  // Ends the run as failed for a reason outside its stages (its console log
  // could not be opened): rolled back like a failed stage. Idempotent.
  void fail(const std::string& message);

  const RunResult& result() const { return result_; }
  const std::string& name() const { return config_.name; }
  bool finished() const { return phase_ == Phase::finished; }

  // How long a stage that was told to stop gets to call its completion.
  static constexpr std::chrono::seconds kCancelGrace{5};

 private:
  enum class Phase { idle, running, stopping, preserved, finished };

  void begin_attempt();
  void start_stage(std::size_t index);
  void stage_completed(unsigned attempt, std::size_t index, std::exception_ptr error);
  void stage_timed_out(unsigned attempt, std::size_t index);
  void end_early(RunOutcome outcome, const std::string& message, const char* status);
  void stop_running_stage(RunOutcome outcome, const std::string& message, const char* status);
  void guest_ended();
  bool restart_allowed();
  void unwind();
  void finish(RunOutcome outcome, const std::string& message);
  void record_stage(std::size_t index, const char* status);
  std::chrono::milliseconds timeout_for(std::size_t index) const;

  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  DomainConfig config_;
  ResolvedPipeline pipeline_;
  Logger& log_;
  ConsoleSink console_;
  Finished on_finished_;
  std::function<void()> on_running_;

  Phase phase_ = Phase::idle;
  unsigned attempt_ = 0;
  std::unique_ptr<StageContext> ctx_;
  std::size_t current_ = 0;       // index of the running stage
  std::size_t started_ = 0;       // stages started in this attempt
  bool current_resolved_ = true;  // the running stage's completion or timeout was handled
  std::chrono::steady_clock::time_point stage_started_at_;
  boost::asio::steady_timer stage_timer_;
  boost::asio::steady_timer grace_timer_;
  std::optional<std::pair<RunOutcome, std::string>> pending_failure_;
  std::deque<std::chrono::steady_clock::time_point> restarts_;
  RunResult result_;
};

}  // namespace hvmtool
