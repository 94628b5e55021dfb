#pragma once

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::build_pv {

// Which entry protocol: from the domain type (pvh → pvh, else linux64), or
// forced by `params.build_pv.entry`.
enum class EntryChoice { automatic, linux64, pvh };
enum class EntryMode { linux64, pvh };

// libxl__build_pv's job for kernels booted directly (no firmware): a Linux
// bzImage through the 64-bit boot protocol, or an ELF with a PVH entry note.
// Populates all RAM, loads the kernel, ramdisk and command line, writes the
// boot structures and sets vCPU 0's entry state.
class BuildPvStage final : public Stage {
 public:
  explicit BuildPvStage(EntryChoice entry) : entry_(entry) {}
  std::string_view name() const override { return "build_pv.build"; }
  void async_run(StageContext& ctx, Completion done) override;
  void undo(StageContext& ctx) noexcept override;

 private:
  EntryChoice entry_;
};

}  // namespace hvmtool::build_pv
