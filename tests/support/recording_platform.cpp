#include "support/recording_platform.hpp"

#include <sys/mman.h>

#include <boost/asio/post.hpp>
#include <cstring>

namespace hvmtool::test {

namespace {
std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

void CallLog::add(std::string entry) {
  std::lock_guard lock(mutex_);
  entries_.push_back(std::move(entry));
}

std::vector<std::string> CallLog::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

bool CallLog::contains(const std::string& entry) const { return index_of(entry) >= 0; }

long CallLog::index_of(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].starts_with(prefix)) return static_cast<long>(i);
  return -1;
}

RecordingPlatform::RecordingPlatform(boost::asio::io_context& io, std::shared_ptr<CallLog> log,
                                     RecordingOptions options)
    : io_(io), log_(std::move(log)), options_(std::move(options)) {}

std::unique_ptr<Domain> RecordingPlatform::create_domain(const DomainCreateInfo& info) {
  log_->add("create_domain " + info.name);
  if (options_.fail_create) throw PlatformError("recording platform: create_domain refused (fail_create)");
  return std::make_unique<RecordingDomain>(io_, log_, options_, next_id_++, info);
}

void RecordingPlatform::destroy_domain(std::string_view name_or_id) {
  log_->add("destroy_domain " + std::string(name_or_id));
}

RecordingDomain::RecordingDomain(boost::asio::io_context& io, std::shared_ptr<CallLog> log,
                                 const RecordingOptions& options, DomainId id, const DomainCreateInfo& info)
    : io_(io), log_(std::move(log)), options_(options), id_(id), name_(info.name), console_(info.console) {
  // Everything below 4 GiB plus RAM above it: guest-physical addresses map
  // 1:1 onto this reservation, which the kernel backs only where touched.
  memory_size_ = (4ull << 30) + info.max_memory;
  void* p = ::mmap(nullptr, memory_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw PlatformError("recording platform: cannot reserve guest memory");
  memory_ = static_cast<std::byte*>(p);
  populated_.assign(memory_size_ >> kPageShift, false);
}

RecordingDomain::~RecordingDomain() { destroy(); }

void RecordingDomain::set_max_vcpus(unsigned count) { log_->add("set_max_vcpus " + std::to_string(count)); }

void RecordingDomain::set_max_memory(std::uint64_t bytes) { log_->add("set_max_memory " + std::to_string(bytes)); }

std::size_t RecordingDomain::populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order) {
  log_->add("populate_physmap gpfn=" + hex(first_gpfn) + " extents=" + std::to_string(nr_extents) +
            " order=" + std::to_string(order));
  if (order > options_.max_order) return 0;
  const std::uint64_t pages = static_cast<std::uint64_t>(nr_extents) << order;
  if ((first_gpfn + pages) > populated_.size())
    throw PlatformError("populate_physmap: gpfn " + hex(first_gpfn + pages) + " beyond the domain's reservation");
  for (std::uint64_t i = 0; i < pages; ++i) {
    if (populated_[first_gpfn + i]) throw PlatformError("populate_physmap: gpfn " + hex(first_gpfn + i) + " twice");
    populated_[first_gpfn + i] = true;
  }
  if (order == 18)
    stats_.extents_1g += nr_extents;
  else if (order == 9)
    stats_.extents_2m += nr_extents;
  else
    stats_.pages_4k += pages;
  return nr_extents;
}

bool RecordingDomain::populated(std::uint64_t gpfn) const { return gpfn < populated_.size() && populated_[gpfn]; }

GuestMapping RecordingDomain::map(std::uint64_t gpa, std::size_t len) {
  if (len == 0) throw PlatformError("map: empty range");
  for (std::uint64_t pfn = gpa >> kPageShift; pfn <= (gpa + len - 1) >> kPageShift; ++pfn)
    if (!populated(pfn)) throw PlatformError("map: gpa " + hex(pfn << kPageShift) + " is not populated");
  return GuestMapping(std::span<std::byte>(memory_ + gpa, len), gpa);
}

void RecordingDomain::set_hvm_param(std::uint32_t index, std::uint64_t value) {
  log_->add("set_hvm_param " + std::to_string(index) + "=" + hex(value));
  params_[index] = value;
}

std::uint64_t RecordingDomain::hvm_param(std::uint32_t index) const {
  auto it = params_.find(index);
  return it == params_.end() ? 0 : it->second;
}

void RecordingDomain::set_vcpu_context(unsigned vcpu, const VcpuContext& context) {
  log_->add("set_vcpu_context " + std::to_string(vcpu) + " rip=" + hex(context.rip));
  vcpus_[vcpu] = context;
}

void RecordingDomain::pause() { log_->add("pause " + std::to_string(id_)); }

void RecordingDomain::unpause() {
  log_->add("unpause " + std::to_string(id_));
  if (options_.fail_unpause) throw PlatformError("recording platform: unpause refused (fail_unpause)");
  if (!options_.console_on_unpause.empty() && console_) console_(ConsoleChannel::debug, options_.console_on_unpause);
  if (options_.event_on_unpause) {
    DomainEvent event;
    event.reason = *options_.event_on_unpause;
    event.detail = "recorded";
    // Posted like a real platform's events, and through a shared handle so a
    // handler cleared before delivery is not called.
    boost::asio::post(io_, [events = events_, event] {
      if (!events->handler) {
        events->undelivered = event;  // nobody listening yet: keep it (Domain contract)
        return;
      }
      events->handler(event);
    });
  }
}

void RecordingDomain::destroy() noexcept {
  if (destroyed_) return;
  destroyed_ = true;
  log_->add("destroy " + std::to_string(id_));
  events_->handler = nullptr;
  events_->undelivered.reset();
  if (memory_) ::munmap(memory_, memory_size_);
  memory_ = nullptr;
}

void RecordingDomain::set_event_handler(DomainEventHandler handler) {
  events_->handler = std::move(handler);
  if (events_->handler && events_->undelivered) {
    boost::asio::post(io_, [events = events_, event = *std::exchange(events_->undelivered, std::nullopt)] {
      if (events->handler) events->handler(event);
    });
  }
}

}  // namespace hvmtool::test
