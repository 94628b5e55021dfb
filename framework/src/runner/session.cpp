#include "runner/session.hpp"

#include <set>

#include <boost/asio/signal_set.hpp>

#include "console/console_log.hpp"
#include "hvmtool/error.hpp"
#include "log/stream_logger.hpp"
#include "runner/platform_choice.hpp"

namespace hvmtool {

namespace fs = std::filesystem;

Session::Session(Logger& log, unsigned worker_threads) : log_(log), workers_(worker_threads) {}

Session::~Session() {
  // Jobs of abandoned stages may still use their domains: let them finish,
  // then destroy whatever domains are left, before their platforms go.
  workers_.join();
  runs_.clear();
}

void Session::prepare(PipelineConfig config) {
  auto file = std::make_unique<PreparedFile>();
  file->config = std::move(config);
  const PipelineConfig& cfg = file->config;

  std::vector<fs::path> search = cfg.search_path;
  for (auto& p : PluginLoader::default_search_path()) search.push_back(std::move(p));
  file->loader = std::make_unique<PluginLoader>(std::move(search));

  auto with_file = [&](const PluginChoice& choice, auto&& body) {
    try {
      return body();
    } catch (const PluginError& e) {
      if (choice.where.line == 0) throw PluginError(cfg.file.string() + ": " + e.what());
      throw PluginError(choice.where.file + ":" + std::to_string(choice.where.line) + ":" +
                        std::to_string(choice.where.column) + ": " + e.what());
    }
  };

  if (cfg.platform.plugin == kAutoPlatform) {
    PlatformChoice choice = with_file(cfg.platform, [&] {
      return choose_platform(kAutoPlatformCandidates, [&](const std::string& name) {
        PlatformContext ctx{io_, log_, cfg.params_for(name)};
        auto platform = file->loader->create_platform(name, ctx);
        platform->check_available();
        return platform;
      });
    });
    if (!choice.fallback.empty()) log_.info(cfg.file.string() + ": " + choice.fallback);
    file->platform = std::move(choice.platform);
    file->config.platform.plugin = choice.plugin;
  } else {
    PlatformContext platform_ctx{io_, log_, cfg.params_for(cfg.platform.plugin)};
    file->platform =
        with_file(cfg.platform, [&] { return file->loader->create_platform(cfg.platform.plugin, platform_ctx); });
  }

  // Only builders consult firmware; a pipeline without one needs no provider.
  if (cfg.domain.type == DomainType::hvm) {
    file->firmware = with_file(cfg.firmware, [&] {
      return file->loader->create_firmware(cfg.firmware.plugin, cfg.params_for(cfg.firmware.plugin));
    });
    // Resolving now makes `validate` report a missing or malformed firmware file.
    file->firmware->resolve(cfg.domain);
  }

  for (DomainConfig& domain : cfg.domains()) {
    PreparedDomain prepared;
    prepared.config = std::move(domain);
    prepared.pipeline.platform = file->platform;
    prepared.pipeline.firmware = file->firmware;
    for (StageSlot slot : kStageOrder) {
      const PluginChoice& choice = cfg.stage(slot);
      const std::size_t i = index_of(slot);
      prepared.pipeline.plugin_names[i] = choice.plugin;
      prepared.pipeline.stages[i] = with_file(
          choice, [&] { return file->loader->create_stage(choice.plugin, slot, cfg.params_for(choice.plugin)); });
    }
    file->domains.push_back(std::move(prepared));
  }
  files_.push_back(std::move(file));
}

std::size_t Session::domain_count() const {
  std::size_t n = 0;
  for (const auto& f : files_) n += f->domains.size();
  return n;
}

std::vector<RunResult> Session::run(const RunOptions& options) {
  std::set<std::string> names;
  for (const auto& file : files_)
    for (const auto& d : file->domains)
      if (!names.insert(d.config.name).second)
        throw ConfigError(file->config.file.string() + ": domain name '" + d.config.name +
                          "' is used twice in this run");

  std::set<Platform*> probed;
  for (const auto& file : files_)
    if (probed.insert(file->platform.get()).second) file->platform->check_available();

  const fs::path log_dir = options.log_dir ? *options.log_dir : ConsoleLog::default_directory();
  std::size_t remaining = 0;
  std::vector<RunResult> results;

  for (auto& file : files_) {
    for (auto& d : file->domains) {
      fs::path console_file =
          d.config.logfile.empty() ? log_dir / ("guest-" + d.config.name + ".log") : d.config.logfile;
      consoles_.push_back(std::make_unique<ConsoleLog>(console_file, options.console_to_terminal));
      log_.debug("[" + d.config.name + "] console log: " + console_file.string());
      domain_logs_.push_back(std::make_unique<PrefixLogger>(log_, d.config.name));
      runs_.push_back(std::make_shared<DomainRun>(io_, workers_, d.config, d.pipeline, *domain_logs_.back(),
                                                  consoles_.back()->sink()));
    }
  }

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  // Platforms may keep event sources armed on the io_context; once every
  // domain has finished there is nothing left to wait for.
  auto all_done = [&] {
    boost::system::error_code ignored;
    signals.cancel(ignored);
    io_.stop();
  };
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;
    cancel_all(sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  remaining = runs_.size();
  std::size_t not_running = runs_.size();
  bool creation_failed = false;
  for (auto& run : runs_) {
    auto ran = std::make_shared<bool>(false);
    run->on_running([&, ran] {
      *ran = true;
      if (--not_running == 0 && !creation_failed && options.on_all_started) options.on_all_started();
    });
    run->start([&, ran](const RunResult&) {
      if (!*ran) creation_failed = true;
      if (--remaining == 0) all_done();
    });
  }
  if (remaining > 0) io_.run();
  io_.restart();

  for (auto& run : runs_) results.push_back(run->result());
  return results;
}

void Session::cancel_all(const std::string& reason) {
  for (auto& run : runs_) run->cancel(reason);
}

}  // namespace hvmtool
