#include <algorithm>
#include <unistd.h>

#include <iostream>
#include <map>
#include <string>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"
#include "console/background_logs.hpp"
#include "cli/parse_options.hpp"
#include "cli/detach.hpp"
#include "console/console_log.hpp"
#include "cli/load_files.hpp"
#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "log/stream_logger.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

namespace {

// The status of the whole run: the most serious of the domains' outcomes,
// ranked so that a cancellation or failure is never hidden by a poweroff.
int combined_exit_code(const std::vector<RunResult>& results) {
  int code = kExitOk;
  for (const auto& r : results) code = std::max(code, exit_code_for(r.outcome));
  return code;
}

}  // namespace

int command_run(const std::vector<std::string>& args) {
  po::options_description options("hvmtool run FILE... [options]");
  options.add_options()("timings", "print each domain's per-stage wall time")(
      "json", "print the run's result and timings as JSON on stdout")(
      "console,c", "copy the guest console to the terminal (implies --foreground)")(
      "foreground,F", "stay in the foreground until the domains end (default: return once they run)")(
      "verbose,v", "log each stage as it starts")(
      "max-parallel", po::value<std::size_t>(),
      "create at most N domains at once (default: 4 per core); a domain whose guest runs no longer counts")(
      "log-dir", po::value<std::string>(), "directory for guest console logs")(
      "file", po::value<std::vector<std::string>>(), "pipeline files");
  po::positional_options_description positional;
  positional.add("file", -1);
  const auto parsed = parse_options(args, options, positional);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (!vm.count("file")) {
    std::cerr << "hvmtool: run needs at least one pipeline file\n";
    return kExitUsage;
  }

  RunOptions run_options;
  run_options.console_to_terminal = vm.count("console") > 0;
  if (vm.count("log-dir")) run_options.log_dir = vm["log-dir"].as<std::string>();
  if (vm.count("max-parallel")) {
    run_options.max_parallel = vm["max-parallel"].as<std::size_t>();
    if (run_options.max_parallel == 0) {
      std::cerr << "hvmtool: --max-parallel must be at least 1\n";
      return kExitUsage;
    }
  }

  // Every line of the run goes through the progress line's owner, so none
  // lands in the middle of it (the logger's too, from any thread).
  RunProgress progress(stderr);
  ProgressLineBuf progress_buf(progress);
  std::ostream progress_stream(&progress_buf);

  // Like `xl create`: without -F (and without -c, which needs the terminal)
  // return once the domains run. The fork comes before the Session exists,
  // because a process with threads cannot fork safely.
  const bool foreground = vm.count("foreground") || vm.count("console") || vm.count("json") || vm.count("timings");
  Detacher detacher;
  if (!foreground) {
    if (auto status = detacher.fork_and_wait_in_parent()) return *status;
    const auto log_dir = run_options.log_dir ? *run_options.log_dir : ConsoleLog::default_directory();
    run_options.on_all_started = [&detacher, &progress, log_dir] {
      progress.stop();
      prune_background_logs(log_dir);
      detacher.domains_started(log_dir / ("hvmtool-" + std::to_string(::getpid()) + ".log"));
    };
  }

  // Each domain's failure is printed once, as it ends (the runner does not
  // log it), so a long-lived background run reports it when it happens. The
  // domains a cancel reached before they started are counted instead, and
  // summed up in one line at the end: a run of thousands would print
  // thousands of identical lines.
  std::map<std::string, std::size_t> not_started;  // message -> domains
  run_options.on_finished = [&progress, &not_started](const RunResult& r) {
    if (never_started(r)) {
      ++not_started[r.message];
    } else if (exit_code_for(r.outcome) != kExitOk) {
      progress.print("hvmtool: " + r.domain + ": " + r.message + "\n");
    }
    progress.finished(r);
  };
  run_options.on_running = [&progress](const std::string& domain) { progress.running(domain); };

  StreamLogger log(progress_stream, vm.count("verbose") ? LogLevel::debug : LogLevel::info);
  Session session(log);
  if (!load_pipeline_files(session, vm["file"].as<std::vector<std::string>>(), false)) return kExitUsage;
  progress.begin(session.domain_count());

  std::vector<RunResult> results;
  try {
    results = session.run(run_options);
  } catch (const std::exception& e) {
    // Raised before any stage ran (platform unavailable, duplicate names):
    // nothing was created. A console log that cannot be opened fails only
    // its own domain, when the guest first writes.
    std::cerr << "hvmtool: " << e.what() << "\n";
    return kExitUsage;
  }
  for (const auto& [message, domains] : not_started)
    progress.print("hvmtool: " + std::to_string(domains) + (domains == 1 ? " domain " : " domains ") + message + "\n");
  if (vm.count("timings")) print_timings(std::cerr, results);
  if (vm.count("json")) print_json(std::cout, results);
  return combined_exit_code(results);
}

}  // namespace hvmtool::cli
