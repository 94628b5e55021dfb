// A build stage from "a vendor", written from the installed headers alone: a
// flat-binary loader. The domain's RAM is populated, the kernel file (a flat
// 32-bit binary, linked at 1 MiB) is copied to 1 MiB, and vCPU 0 starts
// there in flat 32-bit protected mode with paging off, the way build_pv
// starts a PVH kernel. What the guest does is up to it; the install test's
// prints a line on port 0xE9 and powers off through port 0x604 (hvmtool's
// guest I/O ABI, on emu and kvm).
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <hvmtool/hvmtool.hpp>

namespace vendor {

constexpr std::uint64_t kLoadAddr = 0x100000;

std::vector<char> read_flat_binary(const std::filesystem::path& file, std::uint64_t room) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw hvmtool::Error("vendor_tiny: " + file.string() + ": cannot open the kernel");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) throw hvmtool::Error("vendor_tiny: " + file.string() + ": the kernel is empty");
  if (bytes.size() > room)
    throw hvmtool::Error("vendor_tiny: " + file.string() + ": " + std::to_string(bytes.size()) +
                         " bytes do not fit the " + std::to_string(room) + " bytes of RAM from 1 MiB");
  return bytes;
}

class FlatBinaryBuilder final : public hvmtool::Stage {
 public:
  std::string_view name() const override { return "vendor_tiny"; }

  void async_run(hvmtool::StageContext& ctx, hvmtool::Completion done) override {
    hvmtool::Domain& domain = ctx.require_domain();
    const std::uint64_t memory = ctx.config.memory;
    const std::filesystem::path kernel = ctx.boot.kernel;
    if (kernel.empty()) throw hvmtool::Error("vendor_tiny: domain.kernel: no flat binary to load");
    if (memory <= kLoadAddr) throw hvmtool::Error("vendor_tiny: domain.memory: needs more than 1 MiB");
    // Reading and populating block: on the worker pool, not the io thread.
    hvmtool::run_blocking(
        ctx,
        [&domain, memory, kernel] {
          const std::vector<char> image = read_flat_binary(kernel, memory - kLoadAddr);
          const std::size_t pages = memory >> hvmtool::kPageShift;
          if (domain.populate_physmap(0, pages, 0) != pages)
            throw hvmtool::Error("vendor_tiny: the platform did not populate " + std::to_string(pages) + " pages");
          hvmtool::GuestMapping m = domain.map(kLoadAddr, image.size());
          std::memcpy(m.data(), image.data(), image.size());
          domain.set_vcpu_context(0, hvmtool::VcpuContext::flat32(kLoadAddr, 0));
        },
        [&ctx, done = std::move(done)](std::exception_ptr error) {
          if (!error) ctx.state.entry = kLoadAddr;  // for the stages after this one
          done(error);
        });
  }
};

class TinyPlugin final : public hvmtool::Plugin {
 public:
  std::string_view name() const override { return "vendor_tiny"; }
  std::string_view version() const override { return "1.0"; }
  std::vector<hvmtool::StageSlot> stage_slots() const override { return {hvmtool::StageSlot::build}; }
  std::unique_ptr<hvmtool::Stage> create_stage(hvmtool::StageSlot, const hvmtool::PluginParams& p) override {
    p.require_known({});
    return std::make_unique<FlatBinaryBuilder>();
  }
};

}  // namespace vendor

HVMTOOL_PLUGIN(vendor::TinyPlugin)
