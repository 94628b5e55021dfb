#include "xen_platform.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "hvmtool/error.hpp"
#include "shutdown.hpp"

namespace hvmtool::xen {

std::uint64_t required_paging_pool_kib(std::uint64_t max_memory_bytes, unsigned max_vcpus) {
  // 1 MiB per vCPU plus 8 KiB per MiB of RAM (libxl_get_required_shadow_memory).
  return 4 * (256 * static_cast<std::uint64_t>(max_vcpus) + 2 * (max_memory_bytes >> 20));
}

xen_domctl_createdomain create_config(const DomainCreateInfo& info) {
  xen_domctl_createdomain c;
  std::memset(&c, 0, sizeof c);
  c.max_vcpus = info.max_vcpus;
  c.max_evtchn_port = kMaxEvtchnPort;
  c.max_grant_frames = -1;     // the hypervisor's default (xl.conf unset)
  c.max_maptrack_frames = -1;  // likewise
  c.grant_opts = XEN_DOMCTL_GRANT_version(1);
  static_assert(sizeof c.handle == 16);
  std::memcpy(c.handle, info.uuid.data(), 16);
  switch (info.type) {
    case DomainType::hvm:
      c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
      c.arch.emulation_flags = XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI;
      break;
    case DomainType::pvh:
      c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
      c.arch.emulation_flags = XEN_X86_EMU_LAPIC;
      break;
    case DomainType::pv:
      c.flags = 0;
      c.arch.emulation_flags = 0;
      break;
  }
  c.arch.misc_flags = 0;
  return c;
}

// ---- XenShared

XenShared::XenShared(boost::asio::io_context& io_, Logger& log_, std::shared_ptr<XenApi> api_)
    : io(io_),
      log(log_),
      api(std::move(api_)),
      store(api,
            [this](DomainId id, std::uint64_t mfn, std::uint32_t port) { return prepare_introduce(id, mfn, port); }),
      console_timer(io_) {}

XenShared::~XenShared() { stop_watch(); }

void XenShared::ensure_open() {
  std::lock_guard lock(mu);
  if (opened) return;
  api->open();
  if (!api->xs_watch("@releaseDomain", kReleaseDomainToken))
    throw PlatformError(std::string("xen: xs_watch @releaseDomain: ") + std::strerror(errno));
  const int fd = api->xs_fileno();
  if (fd < 0) throw PlatformError(std::string("xen: xs_fileno: ") + std::strerror(errno));
  watch = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd);
  opened = true;
  arm();
}

void XenShared::stop_watch() noexcept {
  std::unique_ptr<boost::asio::posix::stream_descriptor> w;
  {
    std::lock_guard lock(mu);
    w = std::move(watch);
  }
  {
    std::lock_guard lock(mu);
    console_timer.cancel();
    consoles.clear();
    for (auto& [id, r] : ttys) {
      boost::system::error_code ec;
      if (r->fd) r->fd->close(ec);
    }
    ttys.clear();
  }
  if (!w) return;
  boost::system::error_code ec;
  w->cancel(ec);
  w->release();  // libxenstore owns the descriptor
  api->xs_unwatch("@releaseDomain", kReleaseDomainToken);
}

void XenShared::arm() {
  if (!watch) return;
  watch->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [w = weak_from_this()](const boost::system::error_code& ec) {
                      if (ec) return;
                      if (auto self = w.lock()) self->on_watch();
                    });
}

void XenShared::on_watch() {
  // One queued event per readable wakeup; the descriptor stays readable while more are queued.
  auto ev = api->xs_read_watch();
  if (ev && ev->second.starts_with(kTtyTokenPrefix)) {
    open_tty(static_cast<DomainId>(std::strtoul(ev->second.c_str() + std::strlen(kTtyTokenPrefix), nullptr, 10)));
  } else {
    poll_domains();  // @releaseDomain says "some domain changed": look at ours
  }
  std::lock_guard lock(mu);
  arm();
}

void XenShared::watch_tty(DomainId id, ConsoleSink sink) {
  if (!sink) return;
  {
    std::lock_guard lock(mu);
    auto r = std::make_shared<TtyReader>();
    r->sink = std::move(sink);
    ttys[id] = std::move(r);
  }
  const std::string path = "/local/domain/" + std::to_string(id) + "/console/tty";
  if (!api->xs_watch(path, kTtyTokenPrefix + std::to_string(id)))
    log.warn("xen: xs_watch " + path + ": " + std::strerror(errno) + ": the guest console is not copied");
}

void XenShared::open_tty(DomainId id) {
  std::shared_ptr<TtyReader> r;
  {
    std::lock_guard lock(mu);
    auto it = ttys.find(id);
    if (it == ttys.end() || it->second->fd) return;
    r = it->second;
  }
  std::optional<std::string> path;
  try {
    path = store.read("/local/domain/" + std::to_string(id) + "/console/tty");
  } catch (const std::exception&) {
  }
  if (!path || path->empty()) return;  // xenconsoled has not attached yet
  const int fd = ::open(path->c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    log.warn("xen: domain " + std::to_string(id) + ": console " + *path + ": " + std::strerror(errno));
    return;
  }
  termios t;
  if (::tcgetattr(fd, &t) == 0) {
    ::cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
  }
  {
    std::lock_guard lock(mu);
    if (r->fd || !ttys.count(id)) {
      ::close(fd);
      return;
    }
    r->fd = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd);
  }
  read_tty(r);
}

void XenShared::read_tty(const std::shared_ptr<TtyReader>& r) {
  std::lock_guard lock(mu);
  if (!r->fd) return;
  r->fd->async_read_some(boost::asio::buffer(r->buf), [w = std::weak_ptr<TtyReader>(r), self = weak_from_this()](
                                                          const boost::system::error_code& ec, std::size_t n) {
    auto reader = w.lock();
    auto shared = self.lock();
    if (!reader || !shared) return;
    if (n) reader->sink(ConsoleChannel::serial, std::string_view(reader->buf.data(), n));
    if (ec) return;  // EIO once xenconsoled closes the pty; cancelled at forget()
    shared->read_tty(reader);
  });
}

std::optional<DomInfo> XenShared::info(DomainId id) {
  std::vector<DomInfo> out;
  if (api->domain_getinfolist(id, 1, out) < 0)
    throw PlatformError(std::string("xen: xc_domain_getinfolist: ") + std::strerror(errno));
  if (out.empty() || out.front().domid != id) return std::nullopt;
  return out.front();
}

void XenShared::poll_domains() {
  std::vector<std::pair<DomainId, std::shared_ptr<platforms::EventLatch>>> mine;
  {
    std::lock_guard lock(mu);
    for (auto it = live.begin(); it != live.end();) {
      if (auto s = it->second.lock()) {
        mine.emplace_back(it->first, std::move(s));
        ++it;
      } else {
        it = live.erase(it);
      }
    }
  }
  for (auto& [id, events] : mine) {
    try {
      if (auto e = event_for(info(id))) events->fire(std::move(*e));
    } catch (const std::exception& ex) {
      log.warn(ex.what());
    }
  }
}

void XenShared::forget(DomainId id) {
  std::lock_guard lock(mu);
  live.erase(id);
  records.erase(id);
  consoles.erase(id);
  if (auto it = ttys.find(id); it != ttys.end()) {
    if (it->second->fd) {
      boost::system::error_code ec;
      it->second->fd->cancel(ec);
      it->second->fd->close(ec);
    }
    ttys.erase(it);
    api->xs_unwatch("/local/domain/" + std::to_string(id) + "/console/tty", kTtyTokenPrefix + std::to_string(id));
  }
}

void XenShared::add_console(DomainId id, ConsoleSink sink) {
  if (!sink) return;
  {
    std::lock_guard lock(mu);
    if (console_disabled) return;
  }
  // What the ring holds from before this domain is not its output.
  if (!console_primed) read_console(false);
  std::lock_guard lock(mu);
  if (console_disabled) return;
  consoles[id] = std::move(sink);
  arm_console_locked();
}

void XenShared::arm_console_locked() {
  if (console_running || consoles.empty() || console_disabled) return;
  console_running = true;
  console_timer.expires_after(kConsolePoll);
  console_timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    auto self = w.lock();
    if (!self) return;
    {
      std::lock_guard lock(self->mu);
      self->console_running = false;
    }
    if (ec) return;
    self->read_console(true);
    std::lock_guard lock(self->mu);
    self->arm_console_locked();
  });
}

void XenShared::read_console(bool deliver) {
  std::vector<char> buf(16384);
  for (int round = 0; round < 64; ++round) {
    unsigned nr = static_cast<unsigned>(buf.size());
    std::uint32_t index;
    {
      std::lock_guard lock(mu);
      index = console_index;
    }
    if (api->readconsolering(buf.data(), &nr, &index) < 0) {
      const int err = errno;
      std::lock_guard lock(mu);
      if (!console_disabled)
        log.warn(std::string("xen: xc_readconsolering: ") + std::strerror(err) +
                 ": guest debug output (port 0xE9) is not copied to the console log");
      console_disabled = true;
      consoles.clear();
      return;
    }
    std::vector<std::pair<ConsoleSink, RingLine>> lines;
    {
      std::lock_guard lock(mu);
      console_index = index;
      console_primed = true;
      if (deliver) {
        console_router.feed(std::string_view(buf.data(), nr), [&](const RingLine& l) {
          if (auto it = consoles.find(l.domid); it != consoles.end()) lines.emplace_back(it->second, l);
        });
      }
    }
    for (auto& [sink, l] : lines) sink(l.channel, l.text);
    if (nr < buf.size()) return;
  }
}

std::uint32_t XenShared::prepare_introduce(DomainId id, std::uint64_t store_mfn, std::uint32_t port) {
  std::optional<Record> r;
  {
    std::lock_guard lock(mu);
    if (auto it = records.find(id); it != records.end()) r = it->second;
  }
  if (!r) return port;  // not one of ours: as given
  if (r->type != DomainType::pv) {
    std::uint64_t console_gfn = 0;
    if (api->hvm_param_get(id, HVM_PARAM_CONSOLE_PFN, &console_gfn) < 0)
      throw PlatformError("xen: domain " + std::to_string(id) +
                          ": xc_hvm_param_get CONSOLE_PFN: " + std::strerror(errno));
    if (api->gnttab_seed(id, true, console_gfn, store_mfn, r->console_domid, r->store_domid) != 0)
      throw PlatformError("xen: domain " + std::to_string(id) + ": xc_dom_gnttab_seed: " + std::strerror(errno));
  }
  return port ? port : r->store_port;
}

// ---- XenPlatform

XenPlatform::XenPlatform(boost::asio::io_context& io, Logger& log, std::shared_ptr<XenApi> api)
    : shared_(std::make_shared<XenShared>(io, log, std::move(api))) {}

XenPlatform::~XenPlatform() { shared_->stop_watch(); }

void XenPlatform::check_available() { shared_->ensure_open(); }

std::unique_ptr<Domain> XenPlatform::create_domain(const DomainCreateInfo& info) {
  check_available();
  xen_domctl_createdomain config = create_config(info);
  std::uint32_t domid = 0;  // 0: the hypervisor picks the id
  if (shared_->api->domain_create(&domid, &config) < 0)
    throw PlatformError("xen: xc_domain_create for domain '" + info.name + "': " + std::strerror(errno));
  // From here the domain exists: the handle's destructor destroys it if init throws.
  auto d = std::make_unique<XenDomain>(shared_, domid, info);
  d->init();
  return d;
}

std::vector<DomainSummary> XenPlatform::list_domains() {
  check_available();
  std::vector<DomInfo> infos;
  if (shared_->api->domain_getinfolist(0, 1024, infos) < 0)
    throw PlatformError(std::string("xen: xc_domain_getinfolist: ") + std::strerror(errno));
  std::vector<DomainSummary> out;
  for (const auto& i : infos) {
    DomainSummary s;
    s.id = i.domid;
    s.name = shared_->store.read("/local/domain/" + std::to_string(i.domid) + "/name").value_or("");
    s.memory = i.tot_pages << 12;
    s.vcpus = i.nr_online_vcpus;
    s.state = i.dying() ? "dying" : i.shutdown() ? "shutdown" : i.paused() ? "paused" : "running";
    out.push_back(std::move(s));
  }
  return out;
}

void XenPlatform::destroy_domain(std::string_view name_or_id) {
  std::optional<DomainId> id;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(name_or_id.data(), name_or_id.data() + name_or_id.size(), v);
  if (ec == std::errc() && p == name_or_id.data() + name_or_id.size()) {
    id = v;
  } else {
    for (const auto& s : list_domains())
      if (s.name == name_or_id) id = s.id;
  }
  if (!id) throw PlatformError("xen: no domain named or numbered '" + std::string(name_or_id) + "'");
  if (*id == 0) throw PlatformError("xen: refusing to destroy domain 0");
  check_available();
  const std::string dom = "/local/domain/" + std::to_string(*id);
  const auto vm = shared_->store.read(dom + "/vm");
  if (shared_->api->domain_destroy(*id) < 0 && errno != ESRCH)
    throw PlatformError("xen: xc_domain_destroy " + std::to_string(*id) + ": " + std::strerror(errno));
  shared_->store.remove(dom);
  if (vm && vm->starts_with("/vm/")) shared_->store.remove(*vm);
}

}  // namespace hvmtool::xen
