// The Boost.Test main of the system-test binary: tests that run other
// programs (strace, php-cli), several processes (fork, kill -9) or need
// root (bind mounts, tmpfs). Not unit tests; scripts/test.sh runs them as
// their own suite.
#define BOOST_TEST_MODULE ems_system
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
