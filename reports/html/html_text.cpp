#include "reports/html/html_text.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace lg::reports {
namespace {

// Whether `text` has `word` at `at`, ASCII case-insensitively.
bool has_at(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(text[at + k])) !=
        std::tolower(static_cast<unsigned char>(word[k]))) {
      return false;
    }
  }
  return true;
}

// Inserts a backslash after the '<' of every "<" + `word` (case-insensitive; the text keeps
// its own case): "</Script" -> "<\/Script". `word` starts with '/'.
std::string escape_slash_after_lt(std::string_view text, std::string_view word) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && has_at(text, i + 1, word)) out += '\\';
  }
  return out;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, from.size(), from) == 0) {
      out += to;
      i += from.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

// Inserts a ',' every three digits of the integer part of a printed number.
std::string group_thousands(const std::string& digits) {
  const auto end = digits.find_first_of(".eE");
  const std::size_t int_end = end == std::string::npos ? digits.size() : end;
  const std::size_t start = (!digits.empty() && digits[0] == '-') ? 1 : 0;
  std::string out = digits.substr(0, start);
  for (std::size_t i = start; i < int_end; ++i) {
    out += digits[i];
    const std::size_t left = int_end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out + digits.substr(int_end);
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string json_for_script(const nlohmann::json& doc) {
  // Invalid UTF-8 in a stored string must not stop the report: replace it (U+FFFD).
  const auto text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return replace_all(escape_slash_after_lt(text, "/"), "<!--", "\\u003c!--");
}

std::string script_code(std::string_view js) {
  return escape_slash_after_lt(js, "/script");
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string format_ms(double ms) {
  if (ms >= 1000) return fixed(ms / 1000, ms >= 100'000 ? 0 : ms >= 10'000 ? 1 : 2) + " s";
  return fixed(ms, ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3) + " ms";
}

std::string format_per_second(double rate) {
  return group_thousands(fixed(rate, 1)) + "/s";
}

std::string format_fraction(double fraction) {
  return fixed(fraction * 100, 2) + "%";
}

std::string format_count(std::uint64_t n) {
  return group_thousands(std::to_string(n));
}

}  // namespace lg::reports
