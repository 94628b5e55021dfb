#pragma once

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::core {

// libxl__domain_make: create the domain and its first store entries.
class MakeStage final : public Stage {
 public:
  std::string_view name() const override { return "core.make"; }
  void async_run(StageContext& ctx, Completion done) override;
  void undo(StageContext& ctx) noexcept override;
};

// libxl__build_pre: the limits the builder then works within.
class BuildPreStage final : public Stage {
 public:
  std::string_view name() const override { return "core.build_pre"; }
  void async_run(StageContext& ctx, Completion done) override;
};

// libxl__build_post: memory targets, vCPU availability, store/console
// entries, and introducing the domain to the store.
class BuildPostStage final : public Stage {
 public:
  std::string_view name() const override { return "core.build_post"; }
  void async_run(StageContext& ctx, Completion done) override;
};

class UnpauseStage final : public Stage {
 public:
  std::string_view name() const override { return "core.unpause"; }
  void async_run(StageContext& ctx, Completion done) override;
};

// Waits for the domain's shutdown event (xl's domain_wait_event) and records
// it as the run's fate; the runner applies on_poweroff/on_reboot/on_crash.
class WaitStage final : public Stage {
 public:
  std::string_view name() const override { return "core.wait"; }
  void async_run(StageContext& ctx, Completion done) override;
  void cancel(StageContext& ctx) override;
  void undo(StageContext& ctx) noexcept override;

 private:
  void complete(std::exception_ptr error);
  Completion done_;
};

}  // namespace hvmtool::core
