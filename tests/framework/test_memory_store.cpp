// The test double's store (tests/support/memory_store): the stage tests rely
// on a failed transaction leaving nothing behind, as the real stores do.
#define BOOST_TEST_MODULE memory_store
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "support/memory_store.hpp"

using namespace hvmtool;

BOOST_AUTO_TEST_CASE(a_failed_transaction_is_undone_key_by_key) {
  test::MemoryStore store;
  store.transact([](StoreTransaction& t) {
    t.write("/d/1/name", "one");
    t.write("/d/1-x", "sibling");
    t.set_permissions("/d/1", {{1, 'n'}});
  });
  BOOST_CHECK_THROW(store.transact([](StoreTransaction& t) {
    t.write("/d/1/name", "changed");
    t.remove("/d/1");
    t.write("/d/2/name", "two");
    t.set_permissions("/d/1-x", {{0, 'r'}});
    throw std::runtime_error("abort");
  }),
                    std::runtime_error);
  const std::map<std::string, std::string> expected = {
      {"/d", ""}, {"/d/1", ""}, {"/d/1-x", "sibling"}, {"/d/1/name", "one"}};
  BOOST_TEST(store.snapshot() == expected);
  BOOST_TEST(store.permissions().size() == 1u);
  BOOST_TEST(store.permissions().at("/d/1").at(0).domid == 1u);
}

BOOST_AUTO_TEST_CASE(remove_takes_the_subtree_and_not_its_siblings) {
  test::MemoryStore store;
  store.transact([](StoreTransaction& t) {
    t.write("/d/1/name", "one");
    t.write("/d/1-x", "sibling");
  });
  store.remove("/d/1");
  const std::map<std::string, std::string> expected = {{"/d", ""}, {"/d/1-x", "sibling"}};
  BOOST_TEST(store.snapshot() == expected);
  BOOST_TEST((store.list("/d") == std::vector<std::string>{"1-x"}));
}
