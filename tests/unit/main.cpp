// The one Boost.Test main of the unit-test binary; the cases live in the
// other *_test.cpp files of this folder.
#define BOOST_TEST_MODULE ems_unit
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
