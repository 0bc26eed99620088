// The one Boost.Test main of the unit-test binary; the cases live in the
// *_test.cpp files of the folders below, which mirror the source tree.
#define BOOST_TEST_MODULE ems_unit
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
