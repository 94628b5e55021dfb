#include <boost/config.hpp>

// A plugin built for plugin API 1 (StageContext::notes): the loader must refuse
// it and say what changed since.
extern "C" BOOST_SYMBOL_EXPORT unsigned hvmtool_plugin_api_version() { return 1; }
