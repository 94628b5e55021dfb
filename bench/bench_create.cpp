// Domain creation to poweroff, side by side in one run:
//   bare     the fewest KVM calls that run a guest to its poweroff port
//   hvmtool  the whole pipeline (core make/build_pre/build_post/unpause/wait,
//            build_hvm populating RAM around the VGA hole, hvm_info, tables)
//            on the kvm plugin, with the same 128 MiB, same guest exit
// Prints medians and the hvmtool/bare ratio, and hvmtool's per-stage medians.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

#include "bare_kvm.hpp"
#include "config/pipeline_config.hpp"
#include "log/stream_logger.hpp"
#include "runner/session.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string pipeline_text(const std::string& memory) {
  std::ostringstream y;
  y << "platform: kvm\n"
    << "plugins: {search_path: [" << HVMTOOL_BENCH_PLUGINS << "]}\n"
    << "domain:\n  name: bench-" << ::getpid() << "\n  type: hvm\n  memory: " << memory << "\n"
    << "  firmware: " << HVMTOOL_BENCH_GUEST << "\n  logfile: /dev/null\n";
  return y.str();
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 30;
  const std::string memory = argc > 2 ? argv[2] : "128M";
  const std::uint64_t bytes = hvmtool::parse_size(memory);

  std::vector<double> bare, tool;
  std::map<std::string, std::vector<double>> stages;
  hvmtool::StreamLogger log(std::cerr, hvmtool::LogLevel::warn);

  // Alternate the two so that drift in the machine's load hits both alike.
  for (int i = 0; i < iterations; ++i) {
    auto t0 = Clock::now();
    if (!hvmtool::bench::run_bare_kvm_guest(bytes)) {
      std::cerr << "bench: the bare KVM sequence failed (is /dev/kvm usable?)\n";
      return 1;
    }
    bare.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

    hvmtool::Session session(log, 2);
    session.prepare(hvmtool::load_pipeline_text(pipeline_text(memory), "bench.yaml"));
    hvmtool::RunOptions options;
    options.log_dir = "/tmp";
    auto t1 = Clock::now();
    auto results = session.run(options);
    tool.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
    if (results.size() != 1 || results[0].outcome != hvmtool::RunOutcome::poweroff) {
      std::cerr << "bench: hvmtool run did not power off: " << (results.empty() ? "" : results[0].message) << "\n";
      return 1;
    }
    for (const auto& t : results[0].timings)
      stages[std::string(hvmtool::to_string(t.slot))].push_back(
          std::chrono::duration<double, std::milli>(t.elapsed).count());
    stages["teardown"].push_back(std::chrono::duration<double, std::milli>(results[0].teardown).count());
  }

  const double b = median_ms(bare), t = median_ms(tool);
  std::cout << std::fixed << std::setprecision(2);
  std::cout << "create-to-poweroff, " << memory << ", " << iterations << " runs each (median):\n"
            << "  bare KVM sequence  " << std::setw(8) << b << " ms\n"
            << "  hvmtool pipeline   " << std::setw(8) << t << " ms\n"
            << "  ratio hvmtool/bare " << std::setw(8) << (b > 0 ? t / b : 0) << "\n"
            << "hvmtool per stage (median ms):\n";
  for (auto slot : hvmtool::kStageOrder) {
    auto name = std::string(hvmtool::to_string(slot));
    std::cout << "  " << std::left << std::setw(11) << name << std::right << std::setw(8) << median_ms(stages[name])
              << "\n";
  }
  std::cout << "  " << std::left << std::setw(11) << "teardown" << std::right << std::setw(8)
            << median_ms(stages["teardown"]) << "\n";
  return 0;
}
