#include "cli/report.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace hvmtool {

namespace {

double to_ms(std::chrono::nanoseconds ns) { return static_cast<double>(ns.count()) / 1e6; }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

void print_timings(std::ostream& out, const std::vector<RunResult>& results) {
  for (const auto& r : results) {
    out << "domain " << r.domain << ": " << to_string(r.outcome) << " (" << r.message << ")";
    if (r.attempts > 1) out << ", " << r.attempts << " attempts";
    out << "\n";
    std::chrono::nanoseconds total{0};
    for (const auto& t : r.timings) {
      total += t.elapsed;
      out << "  " << std::left << std::setw(11) << to_string(t.slot) << std::setw(14) << t.plugin << std::right
          << std::fixed << std::setprecision(3) << std::setw(12) << to_ms(t.elapsed) << " ms  " << t.status << "\n";
    }
    out << "  " << std::left << std::setw(25) << "teardown" << std::right << std::setw(12) << to_ms(r.teardown)
        << " ms\n";
    out << "  " << std::left << std::setw(25) << "total (stages)" << std::right << std::setw(12) << to_ms(total)
        << " ms\n";
  }
}

void print_json(std::ostream& out, const std::vector<RunResult>& results) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3);
  s << "{\"domains\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (i) s << ",";
    s << "{\"name\":" << json_string(r.domain) << ",\"outcome\":" << json_string(to_string(r.outcome))
      << ",\"exit_code\":" << exit_code_for(r.outcome) << ",\"message\":" << json_string(r.message)
      << ",\"attempts\":" << r.attempts << ",\"stages\":[";
    for (std::size_t j = 0; j < r.timings.size(); ++j) {
      const auto& t = r.timings[j];
      if (j) s << ",";
      s << "{\"stage\":" << json_string(to_string(t.slot)) << ",\"plugin\":" << json_string(t.plugin)
        << ",\"ms\":" << to_ms(t.elapsed) << ",\"status\":" << json_string(t.status) << "}";
    }
    s << "],\"teardown_ms\":" << to_ms(r.teardown) << "}";
  }
  s << "]}\n";
  out << s.str();
}

}  // namespace hvmtool
