// An ordinary library that happens to be named like a plugin.
int hvmtool_test_not_a_plugin_function(int x) { return x + 1; }
