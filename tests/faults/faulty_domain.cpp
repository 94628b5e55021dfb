#include "faults/faulty_domain.hpp"

namespace hvmtool::faults {

void FaultyDomain::set_max_vcpus(unsigned count) {
  fault_.at("set_max_vcpus");
  inner_->set_max_vcpus(count);
}

void FaultyDomain::set_max_memory(std::uint64_t bytes) {
  fault_.at("set_max_memory");
  inner_->set_max_memory(bytes);
}

std::size_t FaultyDomain::populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) {
  fault_.at("populate_physmap");
  return inner_->populate_physmap(first_gpfn, nr_extents, extent_order);
}

GuestMapping FaultyDomain::map(std::uint64_t gpa, std::size_t len) {
  fault_.at("map");
  return inner_->map(gpa, len);
}

void FaultyDomain::set_hvm_param(std::uint32_t index, std::uint64_t value) {
  fault_.at("set_hvm_param");
  inner_->set_hvm_param(index, value);
}

std::uint64_t FaultyDomain::hvm_param(std::uint32_t index) const {
  fault_.at("hvm_param");
  return inner_->hvm_param(index);
}

void FaultyDomain::set_vcpu_context(unsigned vcpu, const VcpuContext& context) {
  fault_.at("set_vcpu_context");
  inner_->set_vcpu_context(vcpu, context);
}

void FaultyDomain::pause() {
  fault_.at("pause");
  inner_->pause();
}

void FaultyDomain::unpause() {
  fault_.at("unpause");
  inner_->unpause();
}

void FaultyDomain::set_event_handler(DomainEventHandler handler) {
  // Clearing the handler is part of rollback (the wait stage's undo): a
  // fault of its own.
  fault_.at(handler ? "set_event_handler" : "clear_event_handler");
  inner_->set_event_handler(std::move(handler));
}

void FaultyStore::transact(const std::function<void(StoreTransaction&)>& body) {
  fault_.at("store.transact");
  inner_.transact(body);
}

std::optional<std::string> FaultyStore::read(std::string_view path) {
  fault_.at("store.read");
  return inner_.read(path);
}

std::vector<std::string> FaultyStore::list(std::string_view path) {
  fault_.at("store.list");
  return inner_.list(path);
}

void FaultyStore::remove(std::string_view path) {
  fault_.at("store.remove");
  inner_.remove(path);
}

void FaultyStore::introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) {
  fault_.at("store.introduce_domain");
  inner_.introduce_domain(domid, store_mfn, store_port);
}

}  // namespace hvmtool::faults
