#include <boost/config.hpp>

#include <hvmtool/version.hpp>

// Has the right version symbol but no factory.
extern "C" BOOST_SYMBOL_EXPORT unsigned hvmtool_plugin_api_version() { return HVMTOOL_API_VERSION; }
