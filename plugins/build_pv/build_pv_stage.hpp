#pragma once

#include <string>
#include <string_view>

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::build_pv {

// `params.build_pv.entry`'s default: the entry mode follows the domain type
// (pvh → pvh, else linux64). Any other value names an image loader of
// loader_table.hpp.
inline constexpr std::string_view kAutoEntry = "auto";

// libxl__build_pv's job for kernels booted directly (no firmware), by the
// image loader the entry mode picks: populates all RAM, loads the kernel,
// ramdisk and command line, writes the boot structures and sets vCPU 0's
// entry state.
class BuildPvStage final : public Stage {
 public:
  explicit BuildPvStage(std::string entry) : entry_(std::move(entry)) {}
  std::string_view name() const override { return "build_pv.build"; }
  void async_run(StageContext& ctx, Completion done) override;
  void undo(StageContext& ctx) noexcept override;

 private:
  std::string entry_;  // kAutoEntry or an entry mode
};

}  // namespace hvmtool::build_pv
