#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "config/pipeline_config.hpp"
#include "hvmtool/log.hpp"
#include "plugin/plugin_loader.hpp"
#include "runner/domain_run.hpp"
#include "runner/resolved_pipeline.hpp"
#include "runner/run_result.hpp"

namespace hvmtool {

class ConsoleLog;

struct RunOptions {
  bool console_to_terminal = false;  // -c
  std::optional<std::filesystem::path> log_dir;
  // Called once when every domain is running; not called if any domain
  // ended before it ran (creation failed).
  std::function<void()> on_all_started;
};

// Everything one `hvmtool run`/`validate` invocation loads: the pipeline
// files, their plugins and stage objects, and the io_context and worker pool
// all domains share.
class Session {
 public:
  explicit Session(Logger& log, unsigned worker_threads = 2);
  ~Session();

  // Loads the plugins the file names and creates its platform, firmware
  // provider and one set of stage objects per domain: every plugin validates
  // its parameters here. Throws PluginError/ConfigError.
  void prepare(PipelineConfig config);

  // Probes each platform (check_available), then runs every prepared domain
  // concurrently until all have ended. SIGINT/SIGTERM cancel all of them.
  std::vector<RunResult> run(const RunOptions& options);

  void cancel_all(const std::string& reason);

  std::size_t domain_count() const;
  boost::asio::io_context& io() { return io_; }

 private:
  struct PreparedDomain {
    DomainConfig config;
    ResolvedPipeline pipeline;
  };
  struct PreparedFile {
    PipelineConfig config;
    std::unique_ptr<PluginLoader> loader;
    std::shared_ptr<Platform> platform;
    std::shared_ptr<FirmwareProvider> firmware;
    std::vector<PreparedDomain> domains;
  };

  Logger& log_;
  boost::asio::io_context io_;
  boost::asio::thread_pool workers_;
  std::vector<std::unique_ptr<PreparedFile>> files_;
  std::vector<std::unique_ptr<Logger>> domain_logs_;
  std::vector<std::unique_ptr<ConsoleLog>> consoles_;
  std::vector<std::shared_ptr<DomainRun>> runs_;
};

}  // namespace hvmtool
