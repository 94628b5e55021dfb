#include "emu_platform.hpp"

#include <dlfcn.h>

#include "emu_engine.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool_platforms/live_domains.hpp"

namespace hvmtool::emu {

namespace {

// Under AddressSanitizer, Unicorn stays loaded once used. Its known leak
// (lsan-unicorn.supp) is reported at exit, after this plugin and with it
// libunicorn were unloaded, when LeakSanitizer can neither symbolize the leak
// nor match the suppression. The plugin itself still unloads.
void pin_unicorn_for_leak_reports() {
#if defined(__SANITIZE_ADDRESS__)
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&uc_version), &info) && info.dli_fname)
    ::dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // never closed: that is the pin
#endif
}

}  // namespace

EmuOptions parse_options(const PluginParams& params) {
  params.require_known({"registry_dir", "destroy_timeout"});
  EmuOptions o;
  o.registry_dir = params.get_string("registry_dir", "");
  o.destroy_timeout = std::chrono::milliseconds(
      params.get_uint("destroy_timeout", static_cast<std::uint64_t>(o.destroy_timeout.count()), 0, 3600000));
  return o;
}

EmuPlatform::EmuPlatform(boost::asio::io_context& io, Logger& log, EmuOptions options) : options_(std::move(options)) {
  std::filesystem::path dir = options_.registry_dir.empty() ? Registry::default_dir("emu") : options_.registry_dir;
  auto registry = std::make_shared<Registry>(dir, "emu");
  auto store = std::make_shared<EmbeddedStore>(io, registry->dir());
  state_ = std::make_shared<PlatformState>(PlatformState{io, log, std::move(registry), std::move(store)});
}

void EmuPlatform::check_available() {
  if (available_) return;
  unsigned major = 0, minor = 0;
  uc_version(&major, &minor);
  if (major < 2)
    throw PlatformError("emu: Unicorn " + std::to_string(major) + "." + std::to_string(minor) +
                        " is too old (emu needs 2.0 or later)");
  Engine probe(Engine::Mode::bits32);  // throws PlatformError with Unicorn's reason
  pin_unicorn_for_leak_reports();
  available_ = true;
}

std::unique_ptr<Domain> EmuPlatform::create_domain(const DomainCreateInfo& info) {
  check_available();
  if (info.type != DomainType::hvm && info.type != DomainType::pvh)
    throw PlatformError("emu: domain '" + info.name + "': type " +
                        std::string(info.type == DomainType::pv ? "pv" : "?") +
                        " needs Xen (emu runs hvm and pvh domains)");
  return std::make_unique<EmuDomainHandle>(EmuDomain::create(state_, info));
}

void EmuPlatform::destroy_domain(std::string_view name_or_id) {
  platforms::destroy_registered_domain(*state_->registry, name_or_id, options_.destroy_timeout);
}

}  // namespace hvmtool::emu
