#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hvmtool/build_state.hpp"
#include "hvmtool/config.hpp"
#include "hvmtool/domain.hpp"
#include "hvmtool/firmware.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/platform.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// What the bootloader hands the builder: starts as the configured kernel,
// ramdisk and cmdline; a bootloader plugin may replace it with what it found
// on a guest disk (files under scratch_dir, removed when the domain dies).
struct BootPayload {
  std::filesystem::path kernel;
  std::filesystem::path ramdisk;
  std::string cmdline;
  std::filesystem::path scratch_dir;
};

// Everything a stage sees of one domain's run. Owned by the runner; lives
// until the last stage's undo has run. Only touched on the io_context thread,
// except `cancelled`, which worker jobs poll.
struct HVMTOOL_API StageContext {
  StageContext(const DomainConfig& config_, Platform& platform_, FirmwareProvider* firmware_, Logger& log_,
               boost::asio::io_context& io_, boost::asio::thread_pool& workers_, ConsoleSink console_)
      : config(config_),
        platform(platform_),
        firmware(firmware_),
        log(log_),
        io(io_),
        workers(workers_),
        console(std::move(console_)) {
    boot.kernel = config.kernel;
    boot.ramdisk = config.ramdisk;
    boot.cmdline = config.cmdline;
  }

  const DomainConfig& config;
  Platform& platform;
  FirmwareProvider* firmware;  // null when the pipeline has no firmware provider
  // What `firmware` resolved when the pipeline was loaded: a builder loads
  // these rather than resolving again. Null when nothing resolved them (a
  // stage run on its own), and the builder asks `firmware` itself.
  std::shared_ptr<const FirmwareSet> firmware_images;
  Logger& log;
  boost::asio::io_context& io;
  boost::asio::thread_pool& workers;
  ConsoleSink console;

  std::unique_ptr<Domain> domain;  // created by make, destroyed by the runner
  BootPayload boot;
  // What make and the builder leave for build_post (and for tests).
  BuildState state;
  // How the guest ended; set by the wait stage.
  std::optional<DomainEvent> fate;
  // Set when the run is cancelled or its stage timed out; long jobs poll it.
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // Worker-pool jobs (run_blocking) still running for this domain. While any
  // is, the runner does not destroy the domain under it, even after giving
  // up on the stage: guest memory must outlive every writer.
  std::shared_ptr<std::atomic<unsigned>> jobs_in_flight = std::make_shared<std::atomic<unsigned>>(0);

  Domain& require_domain() const;  // throws Error if make has not run
};

}  // namespace hvmtool
