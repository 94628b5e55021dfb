// The grub plugin's test program: test_boot_menus.cpp, test_grub_stage.cpp,
// test_hostile_disks.cpp and test_disks.cpp are its suites.
#define BOOST_TEST_MODULE grub
#include <boost/test/unit_test.hpp>
