#include "hvmtool_platforms/event_latch.hpp"

#include <boost/asio/post.hpp>
#include <mutex>
#include <optional>

namespace hvmtool::platforms {

struct EventLatch::State : std::enable_shared_from_this<State> {
  explicit State(boost::asio::io_context& i) : io(i) {}

  // The handler is looked up when the posted call runs, so that one cleared
  // in between keeps the event for the next handler.
  void post_locked(DomainEvent e) {
    boost::asio::post(io, [w = weak_from_this(), e = std::move(e)] {
      auto self = w.lock();
      if (!self) return;
      DomainEventHandler h;
      {
        std::lock_guard lk(self->mu);
        if (self->closed) return;
        if (!self->handler) {
          self->pending = e;
          return;
        }
        h = self->handler;
      }
      h(e);
    });
  }

  boost::asio::io_context& io;
  mutable std::mutex mu;
  DomainEventHandler handler;
  std::optional<DomainEvent> pending;  // fired, waiting for a handler
  bool fired = false, closed = false;
};

EventLatch::EventLatch(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}

EventLatch::~EventLatch() { close(); }

bool EventLatch::fire(DomainEvent event, const std::function<void()>& record) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->fired || state_->closed) return false;
    state_->fired = true;  // claimed: later events lose from here on
  }
  // Not under the lock: recording may be file I/O, and set_handler() meanwhile
  // finds nothing pending, so the event cannot overtake the record.
  if (record) record();
  std::lock_guard lk(state_->mu);
  if (state_->closed) return true;
  if (state_->handler)
    state_->post_locked(std::move(event));
  else
    state_->pending = std::move(event);
  return true;
}

void EventLatch::set_handler(DomainEventHandler handler) {
  std::lock_guard lk(state_->mu);
  state_->handler = std::move(handler);
  if (state_->handler && state_->pending) {
    DomainEvent e = std::move(*state_->pending);
    state_->pending.reset();
    state_->post_locked(std::move(e));
  }
}

void EventLatch::close() noexcept {
  std::lock_guard lk(state_->mu);
  state_->closed = true;
  state_->pending.reset();
  state_->handler = nullptr;
}

bool EventLatch::fired() const {
  std::lock_guard lk(state_->mu);
  return state_->fired;
}

}  // namespace hvmtool::platforms
