#include "runner/admission.hpp"

#include <algorithm>
#include <thread>

namespace hvmtool {

Admission::Admission(std::size_t total, std::size_t limit, Start start)
    : total_(total), limit_(std::max<std::size_t>(limit, 1)), start_(std::move(start)) {}

void Admission::fill() {
  while (!closed_ && next_ < total_ && in_flight_ < limit_) {
    ++in_flight_;
    start_(next_++);
  }
}

void Admission::release() {
  if (in_flight_ > 0) --in_flight_;
  fill();
}

void Admission::close(const std::function<void(std::size_t index)>& drop) {
  if (closed_) return;
  closed_ = true;
  const std::size_t from = next_;
  next_ = total_;
  for (std::size_t i = from; i < total_; ++i) drop(i);
}

std::size_t default_max_parallel() { return 4 * std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace hvmtool
