#pragma once

// A domain's shutdown event on its way to the framework, as Xen reports a
// domain's shutdown: the first event wins and later ones are dropped; the
// event is posted to the platform's io_context (never run on the thread that
// fired it, e.g. a vCPU); with no handler set it is kept until one is, and a
// handler cleared before a posted event runs keeps it for the next one.
//
// What a handler may look at because of the event (a registry entry's state,
// read by `hvmtool list` or by the handler itself) is written in fire()'s
// `record` step, which runs before the event can reach any handler.

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

#include "hvmtool/domain.hpp"

namespace hvmtool::platforms {

class EventLatch {
 public:
  explicit EventLatch(boost::asio::io_context& io);
  ~EventLatch();  // close(): nothing is delivered once the latch is gone
  EventLatch(const EventLatch&) = delete;
  EventLatch& operator=(const EventLatch&) = delete;

  // Returns true for the first event (which is then delivered) and false for
  // every later one, or once closed. `record` runs for the first event only,
  // on the caller's thread, before the event is posted or kept; it must not
  // call back into the latch.
  bool fire(DomainEvent event, const std::function<void()>& record = {});

  // Handlers run on the io_context. An empty handler stops delivery.
  void set_handler(DomainEventHandler handler);

  // The domain is gone: no later event is accepted, and one not delivered yet
  // never will be.
  void close() noexcept;

  // Whether an event has been fired (delivered or not).
  bool fired() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace hvmtool::platforms
