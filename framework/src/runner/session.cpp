#include "runner/session.hpp"

#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/config_error.hpp"
#include "console/console_log.hpp"
#include "hvmtool/error.hpp"
#include "log/stream_logger.hpp"
#include "plugin/plugin_boundary.hpp"
#include "runner/admission.hpp"
#include "runner/platform_choice.hpp"

namespace hvmtool {

namespace fs = std::filesystem;

Session::Session(Logger& log, unsigned worker_threads) : log_(log), worker_threads_(worker_threads) {}

Session::~Session() {
  // Jobs of abandoned stages may still use their domains: let them finish,
  // then destroy whatever domains are left, before their platforms go. The
  // members' order does the rest (session.hpp).
  if (workers_) workers_->join();
  runs_.clear();
}

namespace {

// "FILE:LINE:COL: " for a value read from a file, "FILE: " for a default.
std::string location_prefix(const SourceLocation& where, const fs::path& file) {
  if (where.line == 0) return file.string() + ": ";
  return config::location_prefix(where);
}

// Runs `body`, putting `where` in front of the message of any error it
// raises, in the same category. A ConfigError already names its line.
template <typename Body>
decltype(auto) at_location(const std::string& where, Body&& body) {
  try {
    return std::forward<Body>(body)();
  } catch (const ConfigError&) {
    throw;
  } catch (...) {
    CopiedError error = copy_current_exception();
    error.message = where + error.message;
    throw_copied(error);
  }
}

// Identifies a platform instance: its plugin, where that is looked for,
// and its parameters' values (not where they were written).
std::string platform_key(const PluginLoader& loader, const std::string& plugin, const PluginParams& params) {
  std::string key = plugin;
  for (const auto& dir : loader.search_path()) key += '\n' + dir.string();
  for (const auto& [name, value] : params.values()) key += '\n' + name + '=' + value.text;
  return key;
}

}  // namespace

std::shared_ptr<Platform> Session::shared_platform(PluginLoader& loader, const std::string& plugin,
                                                   const PluginParams& params) {
  auto& platform = platforms_[platform_key(loader, plugin, params)];
  if (!platform) {
    PlatformContext ctx{io_, log_, params};
    platform = loader.create_platform(plugin, ctx);
  }
  return platform;
}

std::string Session::prepare(PipelineConfig config) {
  auto file = std::make_unique<PreparedFile>();
  file->config = std::move(config);
  const PipelineConfig& cfg = file->config;

  std::vector<fs::path> search = cfg.search_path;
  for (auto& p : PluginLoader::default_search_path()) search.push_back(std::move(p));
  // Kept by the session, not the file: libraries stay loaded until the
  // io_context is gone, whether or not this file is prepared completely.
  PluginLoader& loader = *loaders_.emplace_back(std::make_unique<PluginLoader>(std::move(search)));
  auto where = [&](const PluginChoice& choice) { return location_prefix(choice.where, cfg.file); };

  if (cfg.platform.plugin == kAutoPlatform) {
    PlatformChoice choice = at_location(where(cfg.platform), [&] {
      return choose_platform(kAutoPlatformCandidates, [&](const std::string& name) {
        auto platform = shared_platform(loader, name, cfg.params_for(name));
        call_plugin(name, "check_available", [&] { platform->check_available(); });
        return platform;
      });
    });
    if (!choice.fallback.empty()) log_.info(cfg.file.string() + ": " + choice.fallback);
    file->platform = std::move(choice.platform);
    file->config.platform.plugin = choice.plugin;  // what runs it, from here on
  } else {
    file->platform = at_location(where(cfg.platform), [&] {
      return shared_platform(loader, cfg.platform.plugin, cfg.params_for(cfg.platform.plugin));
    });
  }

  // Only builders consult firmware; a pipeline without one needs no provider.
  if (cfg.domain.type == DomainType::hvm) {
    file->firmware = at_location(where(cfg.firmware), [&] {
      return loader.create_firmware(cfg.firmware.plugin, cfg.params_for(cfg.firmware.plugin));
    });
    // Resolved once, here: `validate` reports a missing or malformed
    // firmware file, and every domain of the file gets these images rather
    // than each resolving them again. The file names come from the domain
    // section when the firmware plugin is the default one.
    const SourceLocation& fw_where = cfg.firmware.where.line ? cfg.firmware.where : cfg.domain.where;
    file->firmware_images = at_location(location_prefix(fw_where, cfg.file), [&] {
      return std::make_shared<const FirmwareSet>(
          call_plugin(cfg.firmware.plugin, "resolve", [&] { return file->firmware->resolve(cfg.domain); }));
    });
  }

  const PlatformFeatures features =
      call_plugin(cfg.platform.plugin, "features", [&] { return file->platform->features(); });
  for (DomainConfig& domain : cfg.domains()) {
    PreparedDomain prepared;
    prepared.config = std::move(domain);
    prepared.pipeline.platform = file->platform;
    prepared.pipeline.platform_plugin = cfg.platform.plugin;
    prepared.pipeline.firmware = file->firmware;
    prepared.pipeline.firmware_images = file->firmware_images;
    for (StageSlot slot : kStageOrder) {
      const PluginChoice& choice = cfg.stage(slot);
      const std::size_t i = index_of(slot);
      prepared.pipeline.plugin_names[i] = choice.plugin;
      prepared.pipeline.stages[i] = at_location(
          where(choice), [&] { return loader.create_stage(choice.plugin, slot, cfg.params_for(choice.plugin)); });
      // The stage's own words in the domain section (a disk format it
      // reads): refused here, so that `validate` names the field.
      at_location(where(choice), [&] {
        call_plugin(choice.plugin, "check_domain",
                    [&] { prepared.pipeline.stages[i]->check_domain(prepared.config, features); });
      });
    }
    file->domains.push_back(std::move(prepared));
  }
  std::string platform = file->config.platform.plugin;
  files_.push_back(std::move(file));
  return platform;
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
  for (const auto& file : files_) {
    if (!probed.insert(file->platform.get()).second) continue;
    const PipelineConfig& cfg = file->config;
    at_location(location_prefix(cfg.platform.where, cfg.file), [&] {
      call_plugin(cfg.platform.plugin, "check_available", [&] { file->platform->check_available(); });
    });
  }

  // Started here, not with the session: `validate` runs nothing and needs no threads.
  if (!workers_) workers_ = std::make_unique<boost::asio::thread_pool>(worker_threads_);
  const fs::path log_dir = options.log_dir ? *options.log_dir : ConsoleLog::default_directory();
  std::size_t remaining = 0;
  std::vector<RunResult> results;

  for (auto& file : files_) {
    for (auto& d : file->domains) {
      fs::path console_file =
          d.config.logfile.empty() ? log_dir / ("guest-" + d.config.name + ".log") : d.config.logfile;
      ConsoleLog& console =
          *consoles_.emplace_back(std::make_unique<ConsoleLog>(console_file, options.console_to_terminal));
      log_.debug("[" + d.config.name + "] console log: " + console_file.string());
      domain_logs_.push_back(std::make_unique<PrefixLogger>(log_, d.config.name));
      auto run = runs_.emplace_back(
          std::make_shared<DomainRun>(io_, *workers_, d.config, d.pipeline, *domain_logs_.back(), console.sink()));
      // Only this domain fails (on the io_context; the byte came from a vCPU thread).
      console.on_failure([&io = io_, weak = std::weak_ptr<DomainRun>(run)](const std::string& message) {
        boost::asio::post(io, [weak, message] {
          if (auto r = weak.lock()) r->fail(message);
        });
      });
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
  std::vector<bool> ran(runs_.size(), false);
  // A domain holds its admission slot while it is being created: until its
  // guest runs, or its run ends before that.
  std::vector<bool> admitted(runs_.size(), false);
  std::unique_ptr<Admission> admission;
  auto leave = [&](std::size_t i) {
    if (!admitted[i]) return;
    admitted[i] = false;
    admission->release();
  };
  auto finished = [&](std::size_t i, const RunResult& result) {
    consoles_[i]->close();
    if (!ran[i]) creation_failed = true;
    if (options.on_finished) options.on_finished(result);
    leave(i);
    if (--remaining == 0) all_done();
  };
  admission = std::make_unique<Admission>(
      runs_.size(), options.max_parallel ? options.max_parallel : default_max_parallel(), [&](std::size_t i) {
        admitted[i] = true;
        runs_[i]->on_running([&, i] {
          ran[i] = true;
          if (options.on_running) options.on_running(runs_[i]->name());
          leave(i);
          if (--not_running == 0 && !creation_failed && options.on_all_started) options.on_all_started();
        });
        runs_[i]->start([&, i](const RunResult& result) { finished(i, result); });
      });
  // A cancellation reaches the domains still waiting too: they end at once.
  drop_waiting_ = [&](const std::string& reason) {
    admission->close([&](std::size_t i) {
      runs_[i]->cancel(reason);
      finished(i, runs_[i]->result());
    });
  };
  admission->fill();
  // A handler that throws (a platform's event delivery, a plugin's timer) is
  // plugin code the io_context runs: its exception is copied here, while the
  // plugin is loaded, and winds the domains down instead of the process.
  while (remaining > 0) {
    try {
      io_.run();
      break;
    } catch (...) {
      cancel_all("a handler on the io_context threw: " + copy_current_exception().message);
    }
  }
  io_.restart();
  drop_waiting_ = nullptr;

  for (auto& run : runs_) results.push_back(run->result());
  return results;
}

void Session::cancel_all(const std::string& reason) {
  if (drop_waiting_) drop_waiting_(reason);
  for (auto& run : runs_) run->cancel(reason);
}

}  // namespace hvmtool
