// XenStore on the recording XenApi: transactions (with EAGAIN retry and
// abort on error), reads, lists, removal, introduce_domain.

#define BOOST_TEST_MODULE xen_store
#include <boost/test/unit_test.hpp>

#include "hvmtool/error.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

BOOST_AUTO_TEST_CASE(transaction_retries_on_eagain_and_repeats_the_body) {
  auto api = std::make_shared<RecordingXenApi>();
  XenStore store(api);
  api->transaction_conflicts = 2;
  int runs = 0;
  store.transact([&](StoreTransaction& t) {
    ++runs;
    t.write("/a/b", "1");
    t.set_permissions("/a/b", {{0, 'n'}, {4, 'b'}});
  });
  BOOST_TEST(runs == 3);
  BOOST_TEST(api->store().at("/a/b") == "1");
  BOOST_TEST(api->calls_starting("xs_transaction_end") ==
                 (std::vector<std::string>{"xs_transaction_end 1 commit", "xs_transaction_end 2 commit",
                                           "xs_transaction_end 3 commit"}),
             boost::test_tools::per_element());
  BOOST_TEST(api->index_of("xs_set_permissions 3 /a/b n0,b4") >= 0);
}

BOOST_AUTO_TEST_CASE(a_throwing_body_aborts) {
  auto api = std::make_shared<RecordingXenApi>();
  XenStore store(api);
  BOOST_CHECK_THROW(store.transact([](StoreTransaction& t) {
    t.write("/x", "1");
    throw Error("no");
  }),
                    Error);
  BOOST_TEST(api->calls_starting("xs_transaction_end") == std::vector<std::string>{"xs_transaction_end 1 abort"});
  BOOST_TEST(api->store().count("/x") == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_write_names_the_path) {
  auto api = std::make_shared<RecordingXenApi>();
  XenStore store(api);
  api->fail_call = "xs_write";
  try {
    store.transact([](StoreTransaction& t) { t.write("/local/domain/3/name", "n"); });
    BOOST_FAIL("no PlatformError");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) == "xen: xs_write /local/domain/3/name: Operation not permitted");
  }
}

BOOST_AUTO_TEST_CASE(read_list_remove) {
  auto api = std::make_shared<RecordingXenApi>();
  XenStore store(api);
  store.write("/d/one", "1");
  store.write("/d/two/deep", "2");
  BOOST_TEST(store.read("/d/one").value() == "1");
  BOOST_TEST(!store.read("/d/none"));
  BOOST_TEST(store.list("/d") == (std::vector<std::string>{"one", "two"}));
  BOOST_TEST(store.list("/nothing").empty());
  store.remove("/d");
  store.remove("/d");  // absent: fine
  BOOST_TEST(api->store().count("/d/two/deep") == 0u);
}

BOOST_AUTO_TEST_CASE(introduce_domain_with_the_platform_s_port) {
  auto api = std::make_shared<RecordingXenApi>();
  XenStore store(api, [](DomainId id, std::uint64_t, std::uint32_t port) -> std::uint32_t {
    return port ? port : id == 5 ? 42 : 0;
  });
  store.introduce_domain(5, 0xfeffc, 0);   // core build_post without a store.port note
  store.introduce_domain(5, 0x12345, 17);  // an explicit port wins
  BOOST_TEST(api->calls_starting("xs_introduce_domain") ==
                 (std::vector<std::string>{"xs_introduce_domain 5 mfn=0xfeffc port=42",
                                           "xs_introduce_domain 5 mfn=0x12345 port=17"}),
             boost::test_tools::per_element());
  BOOST_CHECK_THROW(store.introduce_domain(6, 0x1, 0), PlatformError);
}
