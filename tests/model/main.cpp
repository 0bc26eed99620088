// The Boost.Test main of the model-test binary: the models against a real
// MariaDB (tests/model/fixture.hpp). scripts/test.sh runs it on its stack.
#define BOOST_TEST_MODULE ems_model
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
