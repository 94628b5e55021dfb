#include <boost/config.hpp>

// Claims a future API version; the loader must refuse it without touching anything else.
extern "C" BOOST_SYMBOL_EXPORT unsigned hvmtool_plugin_api_version() { return 999; }
