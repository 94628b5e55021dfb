#define BOOST_TEST_MODULE plugin_boundary
#include <boost/test/unit_test.hpp>

#include "hvmtool/error.hpp"
#include "plugin/plugin_boundary.hpp"

using namespace hvmtool;

namespace {

namespace vendor {
struct Oops {};  // not a std::exception
}  // namespace vendor

// What call_plugin lets out of `f`: the exception's dynamic type check and its message.
template <typename Expected, typename F>
std::string escaped(F&& f) {
  try {
    call_plugin("p", "op", std::forward<F>(f));
  } catch (const Expected& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong category: ") + e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(errors_keep_their_category_and_gain_plugin_and_operation) {
  BOOST_TEST(escaped<PlatformError>([] { throw PlatformError("no kvm"); }) == "plugin 'p': op: no kvm");
  BOOST_TEST(escaped<ImageError>([] { throw ImageError("bad ELF"); }) == "plugin 'p': op: bad ELF");
  BOOST_TEST(escaped<CancelledError>([] { throw CancelledError("stop"); }) == "plugin 'p': op: stop");
  BOOST_TEST(escaped<TimeoutError>([] { throw TimeoutError("slow"); }) == "plugin 'p': op: slow");
  BOOST_TEST(escaped<PluginError>([] { throw PluginError("no"); }) == "plugin 'p': op: no");
  // A plain hvmtool::Error stays one, not a more specific category.
  BOOST_TEST(escaped<Error>([] { throw Error("plain"); }) == "plugin 'p': op: plain");
  BOOST_TEST(escaped<PluginError>([] { throw Error("plain"); }).starts_with("wrong category"));
}

BOOST_AUTO_TEST_CASE(a_config_error_keeps_its_file_line_and_field_first) {
  BOOST_TEST(escaped<ConfigError>([] { throw ConfigError("p.yaml:3:5: field 'params.p.x': bad"); }) ==
             "p.yaml:3:5: field 'params.p.x': bad");
}

BOOST_AUTO_TEST_CASE(foreign_and_non_standard_exceptions_become_plugin_errors) {
  BOOST_TEST(escaped<PluginError>([] { throw std::runtime_error("boom"); }) == "plugin 'p': op: boom");
  BOOST_TEST(escaped<PluginError>([] { throw 42; }) == "plugin 'p': op: non-standard exception of type 'int'");
  BOOST_TEST(escaped<PluginError>([] { throw vendor::Oops{}; }) ==
             "plugin 'p': op: non-standard exception of type '(anonymous namespace)::vendor::Oops'");
}

BOOST_AUTO_TEST_CASE(messages_stay_one_printable_line) {
  BOOST_TEST(escaped<PluginError>([] { throw std::runtime_error("two\nlines \x1b[31mred\x7f"); }) ==
             "plugin 'p': op: two\\nlines \\x1b[31mred\\x7f");
  BOOST_TEST(escaped<PluginError>([] { throw std::runtime_error(""); }) ==
             "plugin 'p': op: (an exception with an empty message)");
}

BOOST_AUTO_TEST_CASE(results_pass_through_unchanged) {
  BOOST_TEST(call_plugin("p", "op", [] { return std::string("made"); }) == "made");
  int n = 0;
  int& ref = call_plugin("p", "op", [&]() -> int& { return n; });
  BOOST_TEST(&ref == &n);
}

namespace {

const std::exception* object_of(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const std::exception& e) {
    return &e;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(own_error_copies_a_completion_error_into_a_new_object) {
  BOOST_TEST(!own_error(nullptr));
  const std::exception_ptr from_plugin = std::make_exception_ptr(CancelledError("cancelled by the stage"));
  const std::exception_ptr copy = own_error(from_plugin);
  // A different object (the plugin's may die with its library), same category
  // and message; unprefixed, since the runner names the stage and plugin.
  BOOST_TEST(object_of(copy) != object_of(from_plugin));
  BOOST_TEST(dynamic_cast<const CancelledError*>(object_of(copy)) != nullptr);
  BOOST_TEST(std::string(object_of(copy)->what()) == "cancelled by the stage");

  const std::exception_ptr int_copy = own_error(std::make_exception_ptr(7));
  const std::exception* from_int = object_of(int_copy);
  BOOST_TEST(dynamic_cast<const PluginError*>(from_int) != nullptr);
  BOOST_TEST(std::string(from_int->what()) == "non-standard exception of type 'int'");
}
