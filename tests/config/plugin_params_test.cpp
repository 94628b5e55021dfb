#include <boost/test/unit_test.hpp>

#include "config/pipeline_config.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool/params.hpp"

using namespace hvmtool;

namespace {

// Values as the loader would hand them over: each with its position.
PluginParams make(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::map<std::string, ParamValue> values;
  int line = 3;
  for (auto [k, v] : kv) values.emplace(k, ParamValue{v, {"p.yaml", line++, 5}});
  return PluginParams("build_hvm", std::move(values), {"p.yaml", 2, 3});
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugin_params)

BOOST_AUTO_TEST_CASE(strings_and_fallbacks) {
  PluginParams p = make({{"entry", "direct"}, {"empty", ""}});
  BOOST_TEST(p.plugin() == "build_hvm");
  BOOST_TEST(p.has("entry"));
  BOOST_TEST(!p.has("other"));
  BOOST_TEST(p.get_string("entry", "jmp") == "direct");
  BOOST_TEST(p.get_string("empty", "x") == "");
  BOOST_TEST(p.get_string("other", "jmp") == "jmp");
  // Fallbacks are returned as given, not validated.
  BOOST_TEST(p.get_uint("other", 99, 1, 8) == 99u);
  BOOST_TEST(p.get_size("other", 5) == 5u);
  BOOST_TEST(p.get_bool("other", true) == true);
  BOOST_TEST(p.get_choice("other", "zzz", {"a", "b"}) == "zzz");
}

BOOST_AUTO_TEST_CASE(get_uint) {
  PluginParams p = make({{"n", "42"}, {"word", "abc"}, {"neg", "-1"}, {"big", "18446744073709551616"}});
  BOOST_TEST(p.get_uint("n", 0) == 42u);
  BOOST_TEST(p.get_uint("n", 0, 42, 42) == 42u);
  BOOST_TEST(error_of([&] { p.get_uint("n", 0, 1, 8); }) ==
             R"(p.yaml:3:5: field 'params.build_hvm.n': expected a whole number from 1 to 8, got "42")");
  BOOST_TEST(error_of([&] { p.get_uint("n", 0, 50); }) ==
             R"(p.yaml:3:5: field 'params.build_hvm.n': expected a whole number of at least 50, got "42")");
  BOOST_TEST(error_of([&] { p.get_uint("word", 0); }) ==
             R"(p.yaml:4:5: field 'params.build_hvm.word': expected a whole number, got "abc")");
  BOOST_TEST(error_of([&] { p.get_uint("neg", 0); }) ==
             R"(p.yaml:5:5: field 'params.build_hvm.neg': expected a whole number, got "-1")");
  BOOST_TEST(error_of([&] { p.get_uint("big", 0); }) ==
             R"(p.yaml:6:5: field 'params.build_hvm.big': expected a whole number, got "18446744073709551616")");
}

BOOST_AUTO_TEST_CASE(get_size) {
  PluginParams p = make({{"plain", "4096"}, {"unit", "2M"}, {"bad", "12Q"}, {"frac", "1.5G"}});
  BOOST_TEST(p.get_size("plain", 0) == 4096u);  // bytes, unlike domain.memory
  BOOST_TEST(p.get_size("unit", 0) == 2u << 20);
  BOOST_TEST(error_of([&] { p.get_size("bad", 0); }) ==
             R"(p.yaml:5:5: field 'params.build_hvm.bad': expected a size like 128M or 2G, got "12Q")");
  BOOST_TEST(
      error_of([&] { p.get_size("frac", 0); }) ==
      R"(p.yaml:6:5: field 'params.build_hvm.frac': expected a size like 128M or 2G, got "1.5G" (no fractions; write 1536M))");
}

BOOST_AUTO_TEST_CASE(get_bool) {
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "1"}) {
    BOOST_TEST_CONTEXT(t) { BOOST_TEST(make({{"b", t}}).get_bool("b", false) == true); }
  }
  for (const char* f : {"false", "False", "no", "NO", "off", "Off", "0"}) {
    BOOST_TEST_CONTEXT(f) { BOOST_TEST(make({{"b", f}}).get_bool("b", true) == false); }
  }
  for (const char* bad : {"maybe", "", "2", "y", "t"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(error_of([&] {
                   make({{"b", bad}}).get_bool("b", true);
                 }) ==
                 "p.yaml:3:5: field 'params.build_hvm.b': expected true or false (also yes/no, on/off, 1/0), got \"" +
                     std::string(bad) + "\"");
    }
  }
}

BOOST_AUTO_TEST_CASE(get_choice) {
  PluginParams p = make({{"entry", "direct"}, {"typo", "drect"}, {"far", "bios"}});
  BOOST_TEST(p.get_choice("entry", "jmp", {"direct", "jmp"}) == "direct");
  BOOST_TEST(
      error_of([&] {
        p.get_choice("typo", "jmp", {"direct", "jmp"});
      }) ==
      R"(p.yaml:4:5: field 'params.build_hvm.typo': expected direct or jmp, got "drect" (did you mean 'direct'?))");
  BOOST_TEST(error_of([&] {
               p.get_choice("far", "jmp", {"direct", "jmp", "legacy"});
             }) == R"(p.yaml:5:5: field 'params.build_hvm.far': expected direct, jmp or legacy, got "bios")");
}

BOOST_AUTO_TEST_CASE(require_known) {
  PluginParams p = make({{"entry", "direct"}, {"hugepages", "on"}});
  BOOST_CHECK_NO_THROW(p.require_known({"entry", "hugepages", "other"}));
  BOOST_TEST(error_of([&] {
               p.require_known({"entry", "huge_pages"});
             }) == "p.yaml:4:5: field 'params.build_hvm.hugepages': unknown key (did you mean 'huge_pages'?)");
  BOOST_TEST(error_of([&] {
               p.require_known({"entry", "mode"});
             }) == "p.yaml:4:5: field 'params.build_hvm.hugepages': unknown key; expected one of: entry, mode");
  BOOST_TEST(error_of([&] { p.require_known({}); }) ==
             "p.yaml:3:5: field 'params.build_hvm.entry': unknown key; plugin 'build_hvm' takes no parameters");
  BOOST_CHECK_NO_THROW(PluginParams().require_known({}));
}

// Two unknown keys: the one earlier in the file is reported, whatever
// their alphabetical order.
BOOST_AUTO_TEST_CASE(require_known_reports_in_file_order) {
  std::map<std::string, ParamValue> values;
  values.emplace("aaa", ParamValue{"1", {"p.yaml", 9, 5}});
  values.emplace("zzz", ParamValue{"1", {"p.yaml", 4, 5}});
  PluginParams p("kvm", std::move(values));
  BOOST_TEST(error_of([&] { p.require_known({"x"}); }) ==
             "p.yaml:4:5: field 'params.kvm.zzz': unknown key; expected one of: x");
}

BOOST_AUTO_TEST_CASE(fail) {
  PluginParams p = make({{"entry", "direct"}});
  BOOST_TEST(error_of([&] { p.fail("entry", "needs a kernel"); }) ==
             "p.yaml:3:5: field 'params.build_hvm.entry': needs a kernel");
  // A key the file does not give points at the plugin's section.
  BOOST_TEST(error_of([&] { p.fail("kernel_addr", "required with entry: direct"); }) ==
             "p.yaml:2:3: field 'params.build_hvm.kernel_addr': required with entry: direct");
  // Built in code, without a file: no position to print.
  PluginParams bare("core", {});
  BOOST_TEST(error_of([&] { bare.fail("x", "bad"); }) == "field 'params.core.x': bad");
}

BOOST_AUTO_TEST_CASE(from_a_loaded_file) {
  PipelineConfig c = load_pipeline_text(
      "params:\n  build_hvm:\n    entry: direct\n    vram: 8M\n    bogus: 1\ndomain: {name: x}\n", "f.yaml");
  const PluginParams& p = c.params_for("build_hvm");
  BOOST_TEST(p.get_choice("entry", "jmp", {"direct", "jmp"}) == "direct");
  BOOST_TEST(p.get_size("vram", 0) == 8u << 20);
  BOOST_TEST(error_of([&] {
               p.require_known({"entry", "vram"});
             }) == "f.yaml:5:12: field 'params.build_hvm.bogus': unknown key; expected one of: entry, vram");
  BOOST_TEST(error_of([&] { p.fail("missing", "x"); }) == "f.yaml:3:5: field 'params.build_hvm.missing': x");
}

BOOST_AUTO_TEST_SUITE_END()
