#include "loadgen/http/request_template.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <system_error>

#include "loadgen/core/random.h"
#include "loadgen/core/url.h"

namespace lg::http {

namespace {

constexpr std::string_view kPlaceholderHelp =
    "accepted: {{seq}}, {{rand A B}} with integers 0 <= A <= B < 2^63";
constexpr std::string_view kTokenHelp = "accepted: letters, digits and !#$%&'*+-.^_`|~";
constexpr std::uint64_t kMaxRand = (std::uint64_t{1} << 63) - 1;
constexpr std::size_t kMaxU64Digits = 20;  // 18446744073709551615
constexpr std::size_t kMaxQuoted = 80;     // characters of a value shown in an error message

// ---- character classes (RFC 9110 section 5.6.2 and 5.5) ----

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// Request-target bytes: visible ASCII. Anything else must be percent-encoded by the user.
bool is_target_char(unsigned char c) {
  return c > 0x20 && c < 0x7f;
}

// field-value bytes: VCHAR, SP, HTAB and obs-text; never CR, LF, NUL or other controls.
bool is_field_char(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// ASCII case-insensitive comparison, for header names (tokens, so ASCII only).
bool iequals(std::string_view a, std::string_view b) {
  constexpr auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

// ---- error text ----

std::string hex_byte(unsigned char c) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  return {'0', 'x', kDigits[c >> 4], kDigits[c & 0xf]};
}

// One byte of a value as shown in messages: control and non-ASCII bytes escaped.
std::string shown_char(unsigned char c) {
  switch (c) {
    case '\r':
      return "\\r";
    case '\n':
      return "\\n";
    case '"':
    case '\\':
      return {'\\', static_cast<char>(c)};
    default:
      if (c < 0x20 || c >= 0x7f) return "\\x" + hex_byte(c).substr(2);
      return std::string(1, static_cast<char>(c));
  }
}

// A value as shown in messages: quoted, escaped, long values shortened.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
    out += shown_char(static_cast<unsigned char>(s[i]));
  }
  if (s.size() > kMaxQuoted) out += "...";
  return out + "\"";
}

std::string describe_byte(unsigned char c) {
  if (c == ' ') return "a space";
  if (c == '\r') return "a CR";
  if (c == '\n') return "a LF";
  if (c >= 0x80) return "a non-ASCII byte " + hex_byte(c);
  return "a control byte " + hex_byte(c);
}

// The first byte of `s` failing `ok`, or npos.
template <typename Pred>
std::size_t find_bad(std::string_view s, Pred ok) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ok(static_cast<unsigned char>(s[i]))) return i;
  }
  return std::string_view::npos;
}

std::string bad_byte_at(std::string_view s, std::size_t i) {
  return describe_byte(static_cast<unsigned char>(s[i])) + " at byte " + std::to_string(i);
}

// ---- numbers ----

std::size_t digits10(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// Writes v in decimal at out; out has room for kMaxU64Digits bytes. Returns the byte count.
std::size_t write_u64(char* out, std::uint64_t v) noexcept {
  const auto r = std::to_chars(out, out + kMaxU64Digits, v);
  return static_cast<std::size_t>(r.ptr - out);
}

// A decimal integer in [0, 2^63): digits only, no sign.
std::optional<std::uint64_t> parse_rand_bound(std::string_view s) {
  if (s.empty() ||
      find_bad(s, [](unsigned char c) { return c >= '0' && c <= '9'; }) != std::string_view::npos) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || v > kMaxRand) return std::nullopt;
  return v;
}

// ---- placeholders ----

struct Segment {
  enum class Kind : std::uint8_t { kLiteral, kSeq, kRand } kind = Kind::kLiteral;
  std::string_view text;  // kLiteral: the bytes
  std::uint64_t lo = 0;   // kRand: inclusive bounds
  std::uint64_t hi = 0;
};

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// One placeholder from its text between the braces; `whole` is "{{...}}" for messages.
std::expected<Segment, std::string> parse_placeholder(std::string_view inner,
                                                      std::string_view whole) {
  const auto words = split_words(inner);
  const std::string shown = quoted(whole);
  if (words.size() == 1 && words[0] == "seq") return Segment{Segment::Kind::kSeq, {}, 0, 0};
  if (!words.empty() && words[0] == "seq") {
    return std::unexpected(shown + ": seq takes no arguments (" + std::string(kPlaceholderHelp) +
                           ")");
  }
  if (words.empty() || words[0] != "rand") {
    return std::unexpected("unknown placeholder " + shown + " (" + std::string(kPlaceholderHelp) +
                           ")");
  }
  if (words.size() != 3) {
    return std::unexpected(shown + ": rand takes two integers A and B (" +
                           std::string(kPlaceholderHelp) + ")");
  }
  const auto lo = parse_rand_bound(words[1]);
  const auto hi = parse_rand_bound(words[2]);
  for (const auto& [value, text] : {std::pair{lo, words[1]}, std::pair{hi, words[2]}}) {
    if (!value) {
      return std::unexpected(shown + ": " + quoted(text) + " is not an integer in [0, 2^63) (" +
                             std::string(kPlaceholderHelp) + ")");
    }
  }
  if (*lo > *hi) {
    return std::unexpected(shown + ": A (" + std::string(words[1]) + ") is greater than B (" +
                           std::string(words[2]) + ") (" + std::string(kPlaceholderHelp) + ")");
  }
  return Segment{Segment::Kind::kRand, {}, *lo, *hi};
}

// Splits `text` into literal runs and placeholders; the first problem is returned as an error.
std::expected<std::vector<Segment>, std::string> split_placeholders(std::string_view text) {
  std::vector<Segment> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return std::unexpected(quoted(text.substr(open)) + " is not closed by \"}}\" (" +
                             std::string(kPlaceholderHelp) + ")");
    }
    auto seg = parse_placeholder(text.substr(open + 2, close - open - 2),
                                 text.substr(open, close + 2 - open));
    if (!seg) return std::unexpected(seg.error());
    if (open > pos) out.push_back(Segment{Segment::Kind::kLiteral, text.substr(pos, open - pos)});
    out.push_back(*seg);
    pos = close + 2;
  }
  if (pos < text.size()) out.push_back(Segment{Segment::Kind::kLiteral, text.substr(pos)});
  return out;
}

bool has_placeholder(const std::vector<Segment>& segs) {
  return std::any_of(segs.begin(), segs.end(),
                     [](const Segment& s) { return s.kind != Segment::Kind::kLiteral; });
}

// ---- field checks: each appends "<field>: <problem>" to errors ----

using Errors = std::vector<std::string>;

void check_method(std::string_view method, Errors& errors) {
  if (method.empty()) {
    errors.push_back("method: is empty (accepted: an HTTP method token such as GET, POST, HEAD)");
  } else if (!is_token(method)) {
    errors.push_back("method: " + quoted(method) + " is not a token (" + std::string(kTokenHelp) +
                     ", e.g. GET)");
  }
}

// Checks the literal runs of an origin-form path (placeholders expand to digits only).
void check_path_literals(std::string_view field, const std::vector<Segment>& segs,
                         std::string_view whole, Errors& errors) {
  for (const auto& s : segs) {
    if (s.kind != Segment::Kind::kLiteral) continue;
    const std::size_t bad = find_bad(s.text, is_target_char);
    if (bad == std::string_view::npos) continue;
    const auto at = static_cast<std::size_t>(s.text.data() - whole.data()) + bad;
    errors.push_back(std::string(field) + ": " + quoted(whole) + " has " + bad_byte_at(whole, at) +
                     " (accepted: visible ASCII; percent-encode other bytes, e.g. %20 for a "
                     "space)");
    return;
  }
}

std::vector<Segment> compile_path(std::string_view path, Errors& errors) {
  if (path.empty() || path.front() != '/') {
    errors.push_back("path: " + quoted(path) +
                     " must start with '/' (accepted: origin-form such as \"/api/item?id=1\")");
    return {};
  }
  auto segs = split_placeholders(path);
  if (!segs) {
    errors.push_back("path: " + segs.error());
    return {};
  }
  check_path_literals("path", *segs, path, errors);
  return std::move(*segs);
}

void check_field_value(std::string_view field, std::string_view what, std::string_view value,
                       Errors& errors) {
  const std::size_t bad = find_bad(value, is_field_char);
  if (bad == std::string_view::npos) return;
  errors.push_back(std::string(field) + ": " + std::string(what) + " " + quoted(value) + " has " +
                   bad_byte_at(value, bad) +
                   " (accepted: visible characters, spaces and tabs; no CR, LF or other control "
                   "bytes)");
}

// "" or "/prefix", returned without a trailing '/' so that prefix + "/path" has one slash.
std::string compile_base_path(std::string_view base, Errors& errors) {
  if (base.empty()) return {};
  if (base.front() != '/') {
    errors.push_back("target.base_path: " + quoted(base) +
                     " must be empty or start with '/' (e.g. \"/prefix\")");
    return {};
  }
  const std::size_t bad = find_bad(base, is_target_char);
  if (bad != std::string_view::npos) {
    errors.push_back("target.base_path: " + quoted(base) + " has " + bad_byte_at(base, bad) +
                     " (accepted: visible ASCII; percent-encode other bytes)");
    return {};
  }
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

// host_header, else host[:port] with the port omitted when it is the scheme's default (80, 443).
std::string default_host(const Target& target, Errors& errors) {
  if (!target.host_header.empty()) {
    check_field_value("target.host_header", "value", target.host_header, errors);
    return target.host_header;
  }
  if (target.host.empty()) {
    errors.push_back("target.host: is empty (accepted: an IPv4 literal or a host name)");
    return {};
  }
  const std::size_t bad = find_bad(target.host, is_target_char);
  if (bad != std::string_view::npos) {
    errors.push_back("target.host: " + quoted(target.host) + " has " +
                     bad_byte_at(target.host, bad) + " (accepted: an IPv4 literal or a host name)");
    return {};
  }
  const bool ipv6 = target.host.find(':') != std::string::npos && target.host.front() != '[';
  std::string host = ipv6 ? "[" + target.host + "]" : target.host;
  if (target.port != default_port(target.tls)) host += ":" + std::to_string(target.port);
  return host;
}

// The request's headers after the Host/User-Agent rules; the defaults fill what is not given.
struct HeaderSet {
  std::string host;
  std::string user_agent;
  std::vector<std::pair<std::string_view, std::string_view>> extra;  // sent as given, in order
};

// Applies the replace-the-default rule for Host or User-Agent; a second one is an error.
void take_override(std::size_t i, std::string_view name, std::string_view value,
                   std::optional<std::size_t>& first, std::string& slot, Errors& errors) {
  if (first) {
    errors.push_back("headers[" + std::to_string(i) + "]: second " + quoted(name) +
                     " header (the first is headers[" + std::to_string(*first) +
                     "]); a request sends one");
    return;
  }
  first = i;
  slot = std::string(value);
}

// Index of the request's own Host and User-Agent headers, once seen.
struct Overrides {
  std::optional<std::size_t> host;
  std::optional<std::size_t> user_agent;
};

void check_header(std::size_t i, std::string_view name, std::string_view value, HeaderSet& set,
                  Overrides& seen, Errors& errors) {
  const std::string field = "headers[" + std::to_string(i) + "]";
  if (name.empty()) {
    errors.push_back(field + ": name is empty (" + std::string(kTokenHelp) + ")");
    return;
  }
  if (!is_token(name)) {
    errors.push_back(field + ": name " + quoted(name) + " is not a token (" +
                     std::string(kTokenHelp) + ")");
    return;
  }
  check_field_value(field, "value of " + quoted(name), value, errors);
  if (iequals(name, "Content-Length")) {
    errors.push_back(field + ": " + quoted(name) +
                     " is computed from the body; remove it (bodies with placeholders change "
                     "length per request)");
  } else if (iequals(name, "Transfer-Encoding")) {
    errors.push_back(field + ": " + quoted(name) +
                     " is not supported (accepted: no Transfer-Encoding; bodies are sent with a "
                     "computed Content-Length)");
  } else if (iequals(name, "Host")) {
    take_override(i, name, value, seen.host, set.host, errors);
  } else if (iequals(name, "User-Agent")) {
    take_override(i, name, value, seen.user_agent, set.user_agent, errors);
  } else {
    set.extra.emplace_back(name, value);
  }
}

HeaderSet compile_headers(const RequestSpec& spec, std::string host, std::string_view user_agent,
                          Errors& errors) {
  HeaderSet set{std::move(host), std::string(user_agent), {}};
  Overrides seen;
  for (std::size_t i = 0; i < spec.headers.size(); ++i) {
    check_header(i, spec.headers[i].first, spec.headers[i].second, set, seen, errors);
  }
  return set;
}

std::vector<Segment> compile_body(std::string_view body, Errors& errors) {
  auto segs = split_placeholders(body);
  if (!segs) {
    errors.push_back("body: " + segs.error());
    return {};
  }
  return std::move(*segs);
}

// Methods whose requests carry content by definition: send Content-Length even when the body is
// empty (RFC 9110 section 8.6), because some servers answer 411 Length Required otherwise.
bool method_expects_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

std::string join_lines(const Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e;
  }
  return out;
}

// Validates the target once; returns the Host value and the base path, or the errors.
struct TargetParts {
  std::string host;
  std::string base_path;
};

std::expected<TargetParts, std::string> compile_target(const Target& target,
                                                       std::string_view user_agent) {
  Errors errors;
  TargetParts parts{default_host(target, errors), compile_base_path(target.base_path, errors)};
  check_field_value("user_agent", "value", user_agent, errors);
  if (!errors.empty()) return std::unexpected(join_lines(errors));
  return parts;
}

}  // namespace

// Appends pieces to a template under construction (a friend: it fills the private fields).
class TemplateBuilder {
 public:
  explicit TemplateBuilder(RequestTemplate& t) : t_(t) {}

  void literal(std::string_view s) {
    if (s.empty()) return;
    auto& pieces = t_.pieces_;
    const bool extend =
        !pieces.empty() && pieces.back().kind == Kind::kLiteral && pieces.size() != t_.body_begin_;
    t_.literals_.append(s);
    if (extend) {
      pieces.back().length += s.size();
    } else {
      pieces.push_back({Kind::kLiteral, t_.literals_.size() - s.size(), s.size(), 0, 0, 0});
    }
  }

  void segments(const std::vector<Segment>& segs) {
    for (const auto& s : segs) {
      if (s.kind == Segment::Kind::kLiteral) {
        literal(s.text);
      } else if (s.kind == Segment::Kind::kSeq) {
        t_.pieces_.push_back({Kind::kSeq, 0, 0, 0, 0, 0});
      } else {
        t_.pieces_.push_back({Kind::kRand, 0, 0, s.lo, s.hi, kRandStreamBase + rand_count_++});
      }
    }
  }

  // Content-Length header plus body. A literal body gets a literal length; a body with
  // placeholders gets a length written per render.
  void body(std::string_view method, std::string_view raw, const std::vector<Segment>& segs) {
    if (raw.empty() && !method_expects_body(method)) {
      literal("\r\n");
      mark_body();
      return;
    }
    if (!has_placeholder(segs)) {
      literal("Content-Length: " + std::to_string(raw.size()) + "\r\n\r\n");
      mark_body();
      literal(raw);
      return;
    }
    literal("Content-Length: ");
    t_.pieces_.push_back({Kind::kContentLength, 0, 0, 0, 0, 0});
    t_.has_dynamic_length_ = true;
    literal("\r\n\r\n");
    mark_body();
    segments(segs);
  }

  void finish(bool is_head) {
    t_.is_head_ = is_head;
    t_.is_static_ = std::all_of(t_.pieces_.begin(), t_.pieces_.end(),
                                [](const auto& p) { return p.kind == Kind::kLiteral; });
    const std::size_t body_max = max_bytes(t_.body_begin_, t_.pieces_.size(), 0);
    t_.max_size_ = max_bytes(0, t_.pieces_.size(), digits10(body_max));
  }

 private:
  using Kind = RequestTemplate::PieceKind;

  // Marks where the body starts; a later literal must not merge into the header piece.
  void mark_body() { t_.body_begin_ = t_.pieces_.size(); }

  // Upper bound on the bytes of pieces [first, last); a kContentLength piece counts
  // `length_digits`.
  std::size_t max_bytes(std::size_t first, std::size_t last, std::size_t length_digits) const {
    std::size_t n = 0;
    for (std::size_t i = first; i < last; ++i) n += max_bytes(t_.pieces_[i], length_digits);
    return n;
  }

  static std::size_t max_bytes(const RequestTemplate::Piece& p, std::size_t length_digits) {
    switch (p.kind) {
      case Kind::kLiteral:
        return p.length;
      case Kind::kSeq:
        return kMaxU64Digits;
      case Kind::kRand:
        return digits10(p.hi);
      case Kind::kContentLength:
        return length_digits;
    }
    return 0;
  }

  RequestTemplate& t_;
  std::uint64_t rand_count_ = 0;  // {{rand}} placeholders so far: each gets its own stream
};

std::expected<RequestTemplate, std::string> RequestTemplate::compile(const RequestSpec& spec,
                                                                     const Target& target,
                                                                     std::string_view user_agent) {
  auto parts = compile_target(target, user_agent);
  if (!parts) return std::unexpected(parts.error());

  Errors errors;
  check_method(spec.method, errors);
  const auto path = compile_path(spec.path, errors);
  const auto headers = compile_headers(spec, parts->host, user_agent, errors);
  const auto body = compile_body(spec.body, errors);
  if (spec.weight == 0) {
    errors.push_back(
        "weight: 0 is not accepted (accepted: an integer >= 1, the request's relative share of "
        "the mix)");
  }
  if (!errors.empty()) return std::unexpected(join_lines(errors));

  RequestTemplate t;
  TemplateBuilder b(t);
  b.literal(spec.method + " " + parts->base_path);
  b.segments(path);
  b.literal(" HTTP/1.1\r\nHost: " + headers.host + "\r\n");
  if (!headers.user_agent.empty()) b.literal("User-Agent: " + headers.user_agent + "\r\n");
  for (const auto& [name, value] : headers.extra) {
    b.literal(std::string(name) + ": " + std::string(value) + "\r\n");
  }
  b.body(spec.method, spec.body, body);
  b.finish(spec.method == "HEAD");
  return t;
}

std::string_view RequestTemplate::bytes() const noexcept {
  return is_static_ ? std::string_view(literals_) : std::string_view();
}

std::uint64_t RequestTemplate::value_of(const Piece& p, std::uint64_t seq,
                                        std::uint64_t seed) const noexcept {
  if (p.kind == PieceKind::kSeq) return seq;
  return uniform_in(draw64(seed, p.stream, seq), p.lo, p.hi);
}

std::size_t RequestTemplate::body_length(std::uint64_t seq, std::uint64_t seed) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = body_begin_; i < pieces_.size(); ++i) {
    const Piece& p = pieces_[i];
    n += p.kind == PieceKind::kLiteral ? p.length : digits10(value_of(p, seq, seed));
  }
  return n;
}

std::size_t RequestTemplate::render(std::uint64_t seq, std::uint64_t seed, char* out,
                                    std::size_t cap) const noexcept {
  if (cap < max_size_) return 0;
  const std::size_t body_len = has_dynamic_length_ ? body_length(seq, seed) : 0;
  std::size_t n = 0;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case PieceKind::kLiteral:
        std::memcpy(out + n, literals_.data() + p.offset, p.length);
        n += p.length;
        break;
      case PieceKind::kContentLength:
        n += write_u64(out + n, body_len);
        break;
      case PieceKind::kSeq:
      case PieceKind::kRand:
        n += write_u64(out + n, value_of(p, seq, seed));
        break;
    }
  }
  return n;
}

std::expected<RequestMix, std::string> RequestMix::compile(const std::vector<RequestSpec>& specs,
                                                           const Target& target,
                                                           std::string_view user_agent) {
  if (auto parts = compile_target(target, user_agent); !parts) {
    return std::unexpected(parts.error());
  }
  if (specs.empty()) {
    return std::unexpected("requests: is empty (accepted: at least one request)");
  }
  RequestMix mix;
  Errors errors;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto t = RequestTemplate::compile(specs[i], target, user_agent);
    if (!t) {
      // Prefix every line of the template's errors with the request index.
      const std::string prefix = "requests[" + std::to_string(i) + "].";
      std::string_view rest = t.error();
      while (!rest.empty()) {
        const std::size_t nl = std::min(rest.find('\n'), rest.size());
        errors.push_back(prefix + std::string(rest.substr(0, nl)));
        rest.remove_prefix(std::min(nl + 1, rest.size()));
      }
      continue;
    }
    total += specs[i].weight;
    mix.cumulative_.push_back(total);
    mix.max_size_ = std::max(mix.max_size_, t->max_size());
    mix.templates_.push_back(std::move(*t));
  }
  if (!errors.empty()) return std::unexpected(join_lines(errors));
  return mix;
}

std::size_t RequestMix::pick(std::uint64_t seq, std::uint64_t seed) const noexcept {
  if (cumulative_.size() <= 1) return 0;
  const std::uint64_t r = uniform_in(draw64(seed, kMixStream, seq), 0, cumulative_.back() - 1);
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
  return static_cast<std::size_t>(it - cumulative_.begin());
}

}  // namespace lg::http
