#define BOOST_TEST_MODULE build_hvm_kvm
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(placeholder) {}
