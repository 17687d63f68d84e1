// Text for HTML pages: escaping (for element text, attributes, and the contents of <script>
// blocks) and the number formats the reports show. Pure string functions.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lg::reports {

// For element text and quoted attribute values: & < > " ' as character references.
std::string escape_html(std::string_view text);

// A JSON document as the text of a <script type="application/json"> block. The HTML parser
// ends a script at "</script" whatever JSON thinks of it, and "<!--" changes how it scans, so
// "</" becomes "<\/" and "<!--" becomes "\u003c!--". Both only occur inside JSON strings,
// where they are valid escapes: JSON.parse returns the original document.
std::string json_for_script(const nlohmann::json& doc);

// JavaScript source as the text of a <script> block: any "</script" (case-insensitive, only
// possible inside a string or regex literal) becomes "<\/script", which means the same there.
std::string script_code(std::string_view js);

// printf-style "%.<decimals>f".
std::string fixed(double value, int decimals);
// A latency in ms with about three significant digits: "0.412 ms", "12.3 ms", "1.25 s".
std::string format_ms(double ms);
// Requests per second: "1,250.0/s".
std::string format_per_second(double rate);
// A fraction as a percentage: 0.0123 -> "1.23%".
std::string format_fraction(double fraction);
// An integer with thousands separators: 1234567 -> "1,234,567".
std::string format_count(std::uint64_t n);

}  // namespace lg::reports
