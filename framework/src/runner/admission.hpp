#pragma once

#include <cstddef>
#include <functional>

#include "hvmtool/export.hpp"

namespace hvmtool {

// Starts numbered items (domains) in order, at most `limit` of them in
// flight at once: an item counts from its start until release(). The first
// domains of a large run therefore get the io_context and the workers to
// themselves and run at once, and what creation holds (guest memory being
// built, fds) stays bounded while the rest wait their turn.
class HVMTOOL_API Admission {
 public:
  using Start = std::function<void(std::size_t index)>;

  Admission(std::size_t total, std::size_t limit, Start start);

  // Starts items until `limit` are in flight or none is left.
  void fill();
  // One started item no longer counts (its guest runs, or its run ended);
  // starts the next. Call once per started item.
  void release();
  // Starts nothing more: each item not started yet is handed to `drop`.
  void close(const std::function<void(std::size_t index)>& drop);

  std::size_t started() const { return next_; }

 private:
  std::size_t total_;
  std::size_t limit_;
  Start start_;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  bool closed_ = false;
};

// The default for `--max-parallel`: four creations per core.
HVMTOOL_API std::size_t default_max_parallel();

}  // namespace hvmtool
