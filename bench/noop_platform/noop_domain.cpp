#include "noop_domain.hpp"

#include <boost/asio/post.hpp>

namespace hvmtool::bench {

NoopDomain::NoopDomain(boost::asio::io_context& io, DomainId id, const DomainCreateInfo& info, std::string console_text,
                       bool hold)
    : io_(io), id_(id), name_(info.name), console_(info.console), console_text_(std::move(console_text)), hold_(hold) {}

NoopDomain::~NoopDomain() { destroy(); }

GuestMapping NoopDomain::map(std::uint64_t gpa, std::size_t len) {
  (void)len;
  throw PlatformError("noop: domain " + name_ + " has no memory to map (guest address " + std::to_string(gpa) + ")");
}

std::uint64_t NoopDomain::hvm_param(std::uint32_t index) const {
  auto it = params_.find(index);
  return it == params_.end() ? 0 : it->second;
}

void NoopDomain::unpause() {
  if (!console_text_.empty() && console_) console_(ConsoleChannel::debug, console_text_);
  if (hold_) return;
  {
    std::lock_guard lock(events_->mutex);
    events_->pending = true;
  }
  deliver_if_ready();
}

void NoopDomain::destroy() noexcept {
  std::lock_guard lock(events_->mutex);
  events_->closed = true;
  events_->handler = nullptr;
}

void NoopDomain::set_event_handler(DomainEventHandler handler) {
  {
    std::lock_guard lock(events_->mutex);
    events_->handler = std::move(handler);
  }
  deliver_if_ready();
}

// The poweroff is posted, never called from unpause() or
// set_event_handler(): handlers run on the io_context, as the API promises.
void NoopDomain::deliver_if_ready() {
  std::lock_guard lock(events_->mutex);
  if (!events_->pending || !events_->handler || events_->closed) return;
  events_->pending = false;
  boost::asio::post(io_, [events = events_] {
    DomainEventHandler handler;
    {
      std::lock_guard held(events->mutex);
      if (events->closed) return;
      handler = events->handler;
    }
    if (handler) handler(DomainEvent{DomainEvent::Kind::shutdown, ShutdownReason::poweroff, "noop platform"});
  });
}

}  // namespace hvmtool::bench
