#define BOOST_TEST_MODULE runner
#include <boost/test/unit_test.hpp>

#include <thread>

#include "runner/domain_run.hpp"
#include "support/test_env.hpp"
#include "support/recording_platform.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
using hvmtool::test::CallLog;
using hvmtool::test::RecordingPlatform;

using hvmtool::test::NullLogger;

namespace {

enum class Behaviour {
  ok,
  fail,
  throws,
  throws_int,  // not a std::exception
  hang,
  hang_ignoring_cancel,
  hang_cancel_throws,  // cancel() answers, then throws an int
  slow_worker,
  stuck_worker
};

// A stage that records run/undo/cancel in the shared call log, so the
// order of stage work and platform calls can be checked as one sequence.
class ScriptStage final : public Stage {
 public:
  ScriptStage(StageSlot slot, std::shared_ptr<CallLog> log, Behaviour b) : slot_(slot), log_(log), b_(b) {}
  std::string_view name() const override { return to_string(slot_); }
  void async_run(StageContext& ctx, Completion done) override {
    log_->add("run " + std::string(to_string(slot_)) + " " + ctx.config.name);
    if (slot_ == StageSlot::make) {
      DomainCreateInfo info;
      info.name = ctx.config.name;
      ctx.domain = ctx.platform.create_domain(info);
    }
    if (slot_ == StageSlot::unpause && ctx.domain) ctx.domain->unpause();
    switch (b_) {
      case Behaviour::ok:
        done(nullptr);
        return;
      case Behaviour::fail:
        done(std::make_exception_ptr(Error("deliberate failure")));
        return;
      case Behaviour::throws:
        throw Error("deliberate throw");
      case Behaviour::throws_int:
        throw 7;
      case Behaviour::hang:
      case Behaviour::hang_ignoring_cancel:
      case Behaviour::hang_cancel_throws:
        pending_ = std::move(done);
        return;
      case Behaviour::slow_worker:
        run_blocking(
            ctx, [] { std::this_thread::sleep_for(150ms); }, std::move(done));
        return;
      case Behaviour::stuck_worker:  // ignores cancellation for longer than the grace period
        run_blocking(
            ctx, [] { std::this_thread::sleep_for(DomainRun::kCancelGrace + 1s); }, std::move(done));
        return;
    }
  }
  void cancel(StageContext&) override {
    log_->add("cancel " + std::string(to_string(slot_)));
    if ((b_ == Behaviour::hang || b_ == Behaviour::hang_cancel_throws) && pending_)
      std::exchange(pending_, nullptr)(std::make_exception_ptr(CancelledError("cancelled")));
    if (b_ == Behaviour::hang_cancel_throws) throw 7;
  }
  void undo(StageContext& ctx) noexcept override {
    log_->add("undo " + std::string(to_string(slot_)) + " " + ctx.config.name);
  }

 private:
  StageSlot slot_;
  std::shared_ptr<CallLog> log_;
  Behaviour b_;
  Completion pending_;
};

// The core wait stage's contract, in-process: completes on the domain's event.
class EventWaitStage final : public Stage {
 public:
  explicit EventWaitStage(std::shared_ptr<CallLog> log) : log_(log) {}
  std::string_view name() const override { return "wait"; }
  void async_run(StageContext& ctx, Completion done) override {
    log_->add("run wait " + ctx.config.name);
    done_ = std::move(done);
    ctx.require_domain().set_event_handler([this, &ctx](const DomainEvent& e) {
      ctx.fate = e;
      if (done_) std::exchange(done_, nullptr)(nullptr);
    });
  }
  void cancel(StageContext&) override {
    if (done_) std::exchange(done_, nullptr)(std::make_exception_ptr(CancelledError("cancelled")));
  }
  void undo(StageContext& ctx) noexcept override {
    log_->add("undo wait " + ctx.config.name);
    if (ctx.domain) ctx.domain->set_event_handler({});
  }

 private:
  std::shared_ptr<CallLog> log_;
  Completion done_;
};

struct Fixture {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{2};
  std::shared_ptr<CallLog> calls = std::make_shared<CallLog>();
  std::shared_ptr<RecordingPlatform> platform;
  NullLogger log;
  std::vector<RunResult> results;
  std::vector<std::shared_ptr<DomainRun>> runs;

  explicit Fixture(test::RecordingOptions options = {}) {
    if (!options.event_on_unpause) options.event_on_unpause = ShutdownReason::poweroff;
    platform = std::make_shared<RecordingPlatform>(io, calls, options);
  }
  ~Fixture() { workers.join(); }

  ResolvedPipeline pipeline(std::map<StageSlot, Behaviour> behaviours = {}) {
    ResolvedPipeline p;
    p.platform = platform;
    for (StageSlot slot : kStageOrder) {
      auto b = behaviours.count(slot) ? behaviours[slot] : Behaviour::ok;
      if (slot == StageSlot::wait && !behaviours.count(slot))
        p.stages[index_of(slot)] = std::make_shared<EventWaitStage>(calls);
      else
        p.stages[index_of(slot)] = std::make_shared<ScriptStage>(slot, calls, b);
      p.plugin_names[index_of(slot)] = "script";
    }
    return p;
  }

  std::shared_ptr<DomainRun> start(DomainConfig config, ResolvedPipeline p) {
    auto run = std::make_shared<DomainRun>(io, workers, config, p, log, ConsoleSink{});
    runs.push_back(run);  // the owner keeps runs alive, as Session does
    run->start([this](const RunResult& r) { results.push_back(r); });
    return run;
  }

  void run_io(std::chrono::seconds limit = 20s) { io.run_for(limit); }
};

DomainConfig domain(std::string name) {
  DomainConfig c;
  c.name = std::move(name);
  return c;
}

std::vector<std::string> without_noise(const std::vector<std::string>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    if (!e.starts_with("populate") && !e.starts_with("set_")) out.push_back(e);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(stages_run_in_order_and_poweroff_tears_down_in_reverse) {
  Fixture f;
  auto run = f.start(domain("a"), f.pipeline());
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "poweroff");
  BOOST_TEST(f.results[0].timings.size() == 7u);
  const std::vector<std::string> expected{"run make a",   "create_domain a",  "run bootloader a",  "run build_pre a",
                                          "run build a",  "run build_post a", "run unpause a",     "unpause 1",
                                          "run wait a",   "undo wait a",      "undo unpause a",    "undo build_post a",
                                          "undo build a", "undo build_pre a", "undo bootloader a", "undo make a",
                                          "destroy 1"};
  BOOST_TEST(without_noise(f.calls->entries()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failing_stage_rolls_back_completed_stages_in_reverse_then_destroys) {
  Fixture f;
  f.start(domain("a"), f.pipeline({{StageSlot::build, Behaviour::fail}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "failed");
  BOOST_TEST(f.results[0].message == "stage build (script) failed: deliberate failure");
  const std::vector<std::string> expected{"run make a",  "create_domain a", "run bootloader a", "run build_pre a",
                                          "run build a", "undo build a",    "undo build_pre a", "undo bootloader a",
                                          "undo make a", "destroy 1"};
  BOOST_TEST(without_noise(f.calls->entries()) == expected, boost::test_tools::per_element());
  BOOST_TEST(exit_code_for(f.results[0].outcome) == 2);
}

BOOST_AUTO_TEST_CASE(exception_thrown_by_a_stage_rolls_back) {
  Fixture f;
  f.start(domain("a"), f.pipeline({{StageSlot::build_post, Behaviour::throws}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(f.results[0].message == "stage build_post (script) failed: deliberate throw");
  auto calls = f.calls->entries();
  BOOST_TEST(calls.back() == "destroy 1");
  BOOST_TEST(f.calls->index_of("undo make a") < f.calls->index_of("destroy 1"));
  BOOST_TEST(f.calls->index_of("undo build_post a") < f.calls->index_of("undo build a"));
  BOOST_TEST(!f.calls->contains("run unpause a"));
}

BOOST_AUTO_TEST_CASE(a_stage_throwing_a_non_standard_exception_fails_with_its_type_named) {
  Fixture f;
  f.start(domain("a"), f.pipeline({{StageSlot::build, Behaviour::throws_int}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "failed");
  BOOST_TEST(f.results[0].message == "stage build (script) failed: non-standard exception of type 'int'");
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(a_cancel_that_throws_does_not_escape_the_runner) {
  Fixture f;
  DomainConfig c = domain("a");
  c.timeouts[index_of(StageSlot::build)] = 50ms;
  f.start(c, f.pipeline({{StageSlot::build, Behaviour::hang_cancel_throws}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "timed-out");
  BOOST_TEST(f.calls->index_of("cancel build") < f.calls->index_of("undo build a"));
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(timeout_cancels_the_stage_then_rolls_back) {
  Fixture f;
  DomainConfig c = domain("a");
  c.timeouts[index_of(StageSlot::build)] = 100ms;
  auto began = std::chrono::steady_clock::now();
  f.start(c, f.pipeline({{StageSlot::build, Behaviour::hang}}));
  f.run_io();
  const bool prompt = std::chrono::steady_clock::now() - began < 3s;
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "timed-out");
  BOOST_TEST(f.results[0].message == "stage build (script) timed out after 100ms");
  BOOST_TEST(f.results[0].timings.back().status == "timeout");
  BOOST_TEST(prompt);  // the stage answered cancel: no grace period was needed
  BOOST_TEST(f.calls->index_of("cancel build") < f.calls->index_of("undo build a"));
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(stage_ignoring_cancellation_is_abandoned_after_the_grace_period) {
  Fixture f;
  DomainConfig c = domain("a");
  c.timeouts[index_of(StageSlot::build)] = 50ms;
  auto began = std::chrono::steady_clock::now();
  f.start(c, f.pipeline({{StageSlot::build, Behaviour::hang_ignoring_cancel}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "timed-out");
  const bool waited_for_grace = std::chrono::steady_clock::now() - began >= DomainRun::kCancelGrace;
  BOOST_TEST(waited_for_grace);
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(cancel_while_waiting_rolls_back_everything) {
  test::RecordingOptions quiet;
  Fixture f(quiet);
  f.platform->options().event_on_unpause.reset();  // the guest never ends by itself
  auto run = f.start(domain("a"), f.pipeline());
  boost::asio::steady_timer t(f.io, 100ms);
  t.async_wait([&](auto) { run->cancel("test"); });
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "cancelled");
  BOOST_TEST(exit_code_for(f.results[0].outcome) == 130);
  BOOST_TEST(f.calls->index_of("undo wait a") >= 0);
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(cancel_before_the_first_stage_ends_the_run_at_once) {
  Fixture f;
  auto run = f.start(domain("a"), f.pipeline());  // its first stage is posted, not started
  auto began = std::chrono::steady_clock::now();
  run->cancel("early");
  f.run_io();
  const bool prompt = std::chrono::steady_clock::now() - began < DomainRun::kCancelGrace;
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "cancelled");
  BOOST_TEST(f.results[0].message == "cancelled: early");
  BOOST_TEST(prompt);                      // no stage to wait for
  BOOST_TEST(f.calls->entries().empty());  // no stage ran, none was told to cancel
}

BOOST_AUTO_TEST_CASE(crash_and_reboot_map_to_their_actions) {
  {
    test::RecordingOptions o;
    o.event_on_unpause = ShutdownReason::crash;
    Fixture f(o);
    f.start(domain("a"), f.pipeline());
    f.run_io();
    BOOST_TEST(to_string(f.results.at(0).outcome) == "crash");
    BOOST_TEST(exit_code_for(f.results.at(0).outcome) == 3);
  }
  {
    test::RecordingOptions o;
    o.event_on_unpause = ShutdownReason::reboot;
    Fixture f(o);
    DomainConfig c = domain("a");
    c.on_reboot = ShutdownAction::destroy;
    f.start(c, f.pipeline());
    f.run_io();
    BOOST_TEST(to_string(f.results.at(0).outcome) == "reboot");
  }
}

BOOST_AUTO_TEST_CASE(reboot_with_restart_reruns_from_make_until_the_loop_guard) {
  test::RecordingOptions o;
  o.event_on_unpause = ShutdownReason::reboot;
  Fixture f(o);
  DomainConfig c = domain("a");
  c.on_reboot = ShutdownAction::restart;
  c.restart_limit = 2;
  f.start(c, f.pipeline());
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "restart-loop");
  BOOST_TEST(f.results[0].attempts == 3u);
  // Three domains were created and each destroyed before the next was made.
  BOOST_TEST(f.calls->contains("destroy 1"));
  BOOST_TEST(f.calls->contains("destroy 2"));
  BOOST_TEST(f.calls->contains("destroy 3"));
  BOOST_TEST(f.calls->index_of("destroy 1") < f.calls->index_of("unpause 2"));
}

BOOST_AUTO_TEST_CASE(crash_with_preserve_keeps_the_domain_paused_until_cancelled) {
  test::RecordingOptions o;
  o.event_on_unpause = ShutdownReason::crash;
  Fixture f(o);
  DomainConfig c = domain("a");
  c.on_crash = ShutdownAction::preserve;
  auto run = f.start(c, f.pipeline());
  f.io.run_for(300ms);
  BOOST_TEST(f.results.empty());
  BOOST_TEST(f.calls->contains("pause 1"));
  BOOST_TEST(!f.calls->contains("destroy 1"));
  run->cancel("hvmtool destroy");
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "crash");
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(several_domains_run_concurrently_on_one_io_context) {
  Fixture f;
  std::vector<std::shared_ptr<DomainRun>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(f.start(domain("d" + std::to_string(i)), f.pipeline({{StageSlot::build, Behaviour::slow_worker}})));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 4u);
  for (const auto& r : f.results) BOOST_TEST(to_string(r.outcome) == "poweroff");
  // Every domain's build started before any domain's build finished: they
  // overlapped rather than ran one after another.
  long last_build_start = -1, first_build_post = 1 << 30;
  auto entries = f.calls->entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].starts_with("run build ")) last_build_start = static_cast<long>(i);
    if (entries[i].starts_with("run build_post ")) first_build_post = std::min(first_build_post, static_cast<long>(i));
  }
  BOOST_TEST(last_build_start < first_build_post);
}

BOOST_AUTO_TEST_CASE(a_domain_is_not_destroyed_under_a_worker_job_that_outlived_its_stage) {
  Fixture f;
  DomainConfig c = domain("a");
  c.timeouts[index_of(StageSlot::build)] = 50ms;
  f.start(c, f.pipeline({{StageSlot::build, Behaviour::stuck_worker}}));
  f.run_io();
  BOOST_REQUIRE_EQUAL(f.results.size(), 1u);
  BOOST_TEST(to_string(f.results[0].outcome) == "timed-out");
  // Given up on, rolled back, but its guest memory is still being written.
  BOOST_TEST(f.calls->contains("undo build a"));
  BOOST_TEST(!f.calls->contains("destroy 1"));
  f.workers.join();
  f.runs.clear();
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}
