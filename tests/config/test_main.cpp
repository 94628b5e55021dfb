#define BOOST_TEST_MODULE hvmtool config
#include <boost/test/unit_test.hpp>
