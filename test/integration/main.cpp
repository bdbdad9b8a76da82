#define BOOST_TEST_DYN_LINK
#define BOOST_TEST_MODULE moonkey_integration
#include <boost/test/unit_test.hpp>
