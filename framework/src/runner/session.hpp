#pragma once

#include <filesystem>
#include <functional>
#include <map>
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

#include "hvmtool/export.hpp"

namespace hvmtool {

class ConsoleLog;

struct RunOptions {
  bool console_to_terminal = false;  // -c
  std::optional<std::filesystem::path> log_dir;
  // Called once when every domain is running; not called if any domain
  // ended before it ran (creation failed).
  std::function<void()> on_all_started;
  // Called as each domain's run ends, with its outcome.
  std::function<void(const RunResult&)> on_finished;
  // Called as each domain's guest first runs.
  std::function<void(const std::string& domain)> on_running;
  // How many domains are created at once (--max-parallel); the others wait
  // their turn. 0: default_max_parallel() (runner/admission.hpp).
  std::size_t max_parallel = 0;
};

// Everything one `hvmtool run`/`validate` invocation loads: the pipeline
// files, their plugins and stage objects, and the io_context and worker pool
// all domains share.
class HVMTOOL_API Session {
 public:
  explicit Session(Logger& log, unsigned worker_threads = 2);
  ~Session();

  // Loads the plugins the file names and creates its platform (or reuses
  // the one an earlier file of this session created from the same plugin
  // with the same parameters: one /dev/kvm fd and one store per run), firmware
  // provider and one set of stage objects per domain: every plugin validates
  // its parameters here. Throws PluginError/ConfigError.
  // Returns the platform plugin that serves the file (the one `platform:
  // auto` chose, or the one it names).
  std::string prepare(PipelineConfig config);

  // Probes each platform (check_available), then runs every prepared domain
  // until all have ended, creating at most `max_parallel` at once (a domain
  // whose guest runs no longer counts). SIGINT/SIGTERM cancel all of them,
  // waiting ones included.
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
    std::shared_ptr<Platform> platform;
    std::shared_ptr<FirmwareProvider> firmware;
    std::shared_ptr<const FirmwareSet> firmware_images;  // resolved once, for every domain of the file
    std::vector<PreparedDomain> domains;
  };

  // The platform `plugin` with `params`, created through `loader` the
  // first time and shared by every later file that asks for the same.
  std::shared_ptr<Platform> shared_platform(PluginLoader& loader, const std::string& plugin,
                                            const PluginParams& params);

  // The order of these members is the order of teardown, in reverse: a
  // plugin's library must outlive every object, exception and queued handler
  // compiled into it. The loaders (which hold every library loaded) go last,
  // after the io_context, whose destructor destroys the handlers still
  // queued in it: a worker job's completion posted after the run was over,
  // a platform's event delivery, an abandoned stage's timer. The platforms'
  // and stages' objects go before the io_context, because their timers and
  // sockets need it; those kept alive by a queued handler go with it.
  // Domain logs and console logs outlive the io_context, since a domain that
  // a handler keeps alive can still log and write its console until then.
  Logger& log_;
  std::vector<std::unique_ptr<PluginLoader>> loaders_;
  std::vector<std::unique_ptr<Logger>> domain_logs_;
  std::vector<std::unique_ptr<ConsoleLog>> consoles_;
  boost::asio::io_context io_;
  unsigned worker_threads_;
  std::unique_ptr<boost::asio::thread_pool> workers_;           // started by run()
  std::map<std::string, std::shared_ptr<Platform>> platforms_;  // by plugin and parameters
  std::vector<std::unique_ptr<PreparedFile>> files_;
  std::vector<std::shared_ptr<DomainRun>> runs_;
  // During run(): cancels the domains not admitted yet.
  std::function<void(const std::string& reason)> drop_waiting_;
};

}  // namespace hvmtool
