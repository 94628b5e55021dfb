#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "config/pipeline_config.hpp"
#include "config/suggest.hpp"
#include "config/value_parse.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;

namespace {

std::string size_error(std::string_view text) {
  try {
    parse_size(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

std::string duration_error(std::string_view text) {
  try {
    parse_duration(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sizes)

BOOST_AUTO_TEST_CASE(plain_numbers_are_bytes) {
  BOOST_TEST(parse_size("0") == 0u);
  BOOST_TEST(parse_size("1") == 1u);
  BOOST_TEST(parse_size("1048576") == 1048576u);
  BOOST_TEST(parse_size("18446744073709551615") == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(binary_units_in_either_case) {
  BOOST_TEST(parse_size("512B") == 512u);
  BOOST_TEST(parse_size("4096K") == 4096u << 10);
  BOOST_TEST(parse_size("1k") == 1024u);
  BOOST_TEST(parse_size("128M") == 128ull << 20);
  BOOST_TEST(parse_size("128m") == 128ull << 20);
  BOOST_TEST(parse_size("128MiB") == 128ull << 20);
  BOOST_TEST(parse_size("128mib") == 128ull << 20);
  BOOST_TEST(parse_size("2G") == 2ull << 30);
  BOOST_TEST(parse_size("2GiB") == 2ull << 30);
  BOOST_TEST(parse_size("1T") == 1ull << 40);
  BOOST_TEST(parse_size("0M") == 0u);
  BOOST_TEST(parse_size("007M") == 7ull << 20);
  BOOST_TEST(parse_size("16777215T") == 16777215ull << 40);
}

BOOST_AUTO_TEST_CASE(errors) {
  BOOST_TEST(size_error("12Q") == R"(expected a size like 128M or 2G, got "12Q")");
  BOOST_TEST(size_error("") == R"(expected a size like 128M or 2G, got "")");
  BOOST_TEST(size_error("M") == R"(expected a size like 128M or 2G, got "M")");
  BOOST_TEST(size_error("1KB") == R"(expected a size like 128M or 2G, got "1KB")");
  BOOST_TEST(size_error("1 M") == R"(expected a size like 128M or 2G, got "1 M")");
  BOOST_TEST(size_error(" 1M") == R"(expected a size like 128M or 2G, got " 1M")");
  BOOST_TEST(size_error("0x10") == R"(expected a size like 128M or 2G, got "0x10")");
  BOOST_TEST(size_error("1e6") == R"(expected a size like 128M or 2G, got "1e6")");
  BOOST_TEST(size_error("+1M") == R"(expected a size like 128M or 2G, got "+1M")");
  BOOST_TEST(size_error("1.G") == R"(expected a size like 128M or 2G, got "1.G")");
  BOOST_TEST(size_error("-1M") == R"(expected a size like 128M or 2G, got "-1M" (a size cannot be negative))");
}

BOOST_AUTO_TEST_CASE(overflow) {
  BOOST_TEST(size_error("16777216T") == R"(expected a size like 128M or 2G, got "16777216T" (too large))");
  BOOST_TEST(size_error("18446744073709551616") ==
             R"(expected a size like 128M or 2G, got "18446744073709551616" (too large))");
  BOOST_TEST(size_error("99999999999999999999999G") ==
             R"(expected a size like 128M or 2G, got "99999999999999999999999G" (too large))");
}

// Fractions are refused, never rounded; when exact, the message says how
// to write the value instead.
BOOST_AUTO_TEST_CASE(fractions) {
  BOOST_TEST(size_error("1.5G") == R"(expected a size like 128M or 2G, got "1.5G" (no fractions; write 1536M))");
  BOOST_TEST(size_error("0.5K") == R"(expected a size like 128M or 2G, got "0.5K" (no fractions; write 512B))");
  BOOST_TEST(size_error("1.1G") == R"(expected a size like 128M or 2G, got "1.1G" (no fractions))");
  BOOST_TEST(size_error("1.5") == R"(expected a size like 128M or 2G, got "1.5" (no fractions))");
}

BOOST_AUTO_TEST_CASE(format_size_round_trips) {
  BOOST_TEST(config::format_size(0) == "0");
  BOOST_TEST(config::format_size(1) == "1B");
  BOOST_TEST(config::format_size(1536ull << 20) == "1536M");
  BOOST_TEST(config::format_size(2ull << 30) == "2G");
  BOOST_TEST(config::format_size(1ull << 40) == "1T");
  BOOST_TEST(config::format_size(3072) == "3K");
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{1, 1023, 4096, 1536ull << 20, 5ull << 40, UINT64_MAX})
    BOOST_TEST(parse_size(config::format_size(v)) == v);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(durations)

BOOST_AUTO_TEST_CASE(units) {
  BOOST_TEST(parse_duration("0").count() == 0);
  BOOST_TEST(parse_duration("0s").count() == 0);
  BOOST_TEST(parse_duration("500ms").count() == 500);
  BOOST_TEST(parse_duration("30s").count() == 30'000);
  BOOST_TEST(parse_duration("2m").count() == 120'000);
  BOOST_TEST(parse_duration("1h").count() == 3'600'000);
  BOOST_TEST(parse_duration("9223372036854775807ms").count() == INT64_MAX);
}

BOOST_AUTO_TEST_CASE(errors) {
  const std::string e = "expected a duration like 30s, 500ms, 2m or 0, got ";
  BOOST_TEST(duration_error("10") == e + R"("10" (add a unit: ms, s, m or h))");
  BOOST_TEST(duration_error("10S") == e + R"("10S")");
  BOOST_TEST(duration_error("1d") == e + R"("1d")");
  BOOST_TEST(duration_error("") == e + R"("")");
  BOOST_TEST(duration_error("ms") == e + R"("ms")");
  BOOST_TEST(duration_error("1 s") == e + R"("1 s")");
  BOOST_TEST(duration_error("1.5s") == e + R"("1.5s" (no fractions; use a smaller unit))");
  BOOST_TEST(duration_error("-1s") == e + R"("-1s" (a duration cannot be negative))");
  BOOST_TEST(duration_error("9223372036854776s") == e + R"("9223372036854776s" (too large))");
  BOOST_TEST(duration_error("99999999999999999999h") == e + R"("99999999999999999999h")");
}

BOOST_AUTO_TEST_CASE(format_duration) {
  BOOST_TEST(config::format_duration(0ms) == "0");
  BOOST_TEST(config::format_duration(1500ms) == "1500ms");
  BOOST_TEST(config::format_duration(90s) == "90s");
  BOOST_TEST(config::format_duration(2min) == "2m");
  BOOST_TEST(config::format_duration(3h) == "3h");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(suggestions)

BOOST_AUTO_TEST_CASE(edit_distance) {
  BOOST_TEST(config::edit_distance("", "") == 0u);
  BOOST_TEST(config::edit_distance("abc", "") == 3u);
  BOOST_TEST(config::edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(config::edit_distance("memroy", "memory") == 1u);  // a transposition is one edit
  BOOST_TEST(config::edit_distance("Memory", "memory") == 0u);  // case is ignored
}

BOOST_AUTO_TEST_CASE(closest) {
  const std::vector<std::string> keys = {"name", "type", "memory", "maxmem", "vcpus", "maxvcpus"};
  BOOST_TEST(closest_match("memroy", keys) == "memory");
  BOOST_TEST(closest_match("Memory", keys) == "memory");
  BOOST_TEST(closest_match("vcpu", keys) == "vcpus");
  BOOST_TEST(closest_match("maxvcpu", keys) == "maxvcpus");
  BOOST_TEST(closest_match("typ", keys) == "type");
  BOOST_TEST(closest_match("colour", keys) == "");
  BOOST_TEST(closest_match("mem", keys) == "");  // three edits
  BOOST_TEST(closest_match("", keys) == "");
  BOOST_TEST(closest_match("memory", {}) == "");
  // Too far relative to the words' length to be a typo.
  BOOST_TEST(closest_match("pv", {"hvm"}) == "");
  BOOST_TEST(closest_match("hmv", {"hvm", "pv", "pvh"}) == "hvm");
  // Equal distance: the first candidate wins, so hints are stable.
  BOOST_TEST(closest_match("ab", {"abc", "abd"}) == "abc");
}

BOOST_AUTO_TEST_CASE(unknown_key_reason) {
  BOOST_TEST(config::unknown_key_reason("memroy", {"memory", "name"}) == "unknown key (did you mean 'memory'?)");
  BOOST_TEST(config::unknown_key_reason("colour", {"memory", "name"}) == "unknown key; expected one of: memory, name");
}

BOOST_AUTO_TEST_SUITE_END()
