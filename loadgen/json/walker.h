// One JSON walker for every reader of JSON files. A place in the document carries its JSON
// pointer; typed accessors check the shape there and report "expected WHAT, got VALUE" with that
// pointer, then return nullopt so the caller takes its fallback; every error is collected, so
// one pass reports them all. Two modes, for the two kinds of file:
//  - kStrict, files people write (scenarios): every error is kept (the format's own rules avoid
//    follow-on errors), values read cleanly are remembered for cross-field rules (read_ok), an
//    enumeration's unknown value is named as such, and "got VALUE"; pointers keep keys as
//    written, as the format's key patterns and duplicate-key check see them.
//  - kTolerant, files loadgen wrote (result.json): one error per pointer (a bad parent is
//    reported once, not again for each child), "found VALUE", and RFC 6901 pointers.
// Unknown keys are an error only where the reader asks (only_keys()): strict readers do.
// Json is nlohmann::json or nlohmann::ordered_json (walker.cpp instantiates both).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/json/error.h"
#include "loadgen/json/type.h"

namespace lg::json {

enum class Mode { kStrict, kTolerant };

// A place in the document: the value there and its JSON pointer ("/steps/2/completed").
template <class Json>
struct Node {
  const Json* value = nullptr;  // nullptr: absent
  std::string ptr;
  bool required = true;  // absent and required: an error; absent and optional: the fallback
};

template <class Json>
class Walker {
 public:
  explicit Walker(Mode mode) : mode_(mode) {}

  std::vector<Error> errors;  // in the order found

  static Node<Json> root(const Json& doc) { return {&doc, "", true}; }
  // A value the caller found itself, at `ptr`.
  static Node<Json> at(const Json& v, std::string ptr) { return {&v, std::move(ptr), true}; }
  // A value for messages: its JSON text, shortened when long.
  static std::string show(const Json& v);

  // `related`: the other keys a cross-field error involves. Tolerant: dropped when `ptr`
  // already has an error (one problem, one error).
  void error(const std::string& ptr, const std::string& message,
             std::vector<std::string> related = {});
  // "expected WHAT, got VALUE[: WHY]" at n's pointer (VALUE "nothing" when n is absent).
  void expected(const Node<Json>& n, std::string_view what, std::string_view why = {});
  // For follow-on checks: only judge a value further if reading it reported nothing.
  std::size_t mark() const { return errors.size(); }
  bool clean_since(std::size_t mark) const { return errors.size() == mark; }
  // No error at `ptr` or below it.
  bool clean_under(const std::string& ptr) const;
  // Strict: the value at `ptr` was read by an accessor below (or ok()) and had no error since.
  bool read_ok(const std::string& ptr) const { return ok_.contains(ptr); }
  void ok(const std::string& ptr) { ok_.insert(ptr); }

  bool present(const Node<Json>& n) const { return n.value != nullptr; }
  bool is_null(const Node<Json>& n) const { return n.value != nullptr && n.value->is_null(); }
  // Present: true. Absent: false, after reporting "expected WHAT" if n is required.
  bool usable(const Node<Json>& n, std::string_view what);

  // A member of an object. Reports if `obj` is present but not an object; below a missing or
  // mistyped object nothing more is reported (the object's error says it).
  Node<Json> field(const Node<Json>& obj, std::string_view key);
  // The same, but the caller takes a fallback when the key is absent (fields added later).
  Node<Json> optional(const Node<Json>& obj, std::string_view key);
  // The elements of an array / the members of an object; empty (and reported) otherwise.
  std::vector<Node<Json>> items(const Node<Json>& arr);
  std::vector<std::pair<std::string, Node<Json>>> members(const Node<Json>& obj);
  // Each member of `obj` not named in `accepted` is an error (an object's own type is the
  // caller's to check).
  void only_keys(const Node<Json>& obj, const std::vector<std::string>& accepted);

  // Typed values: nullopt when absent and optional, or wrong (reported). `what` names what is
  // accepted in the message.
  std::optional<std::string> text(const Node<Json>& n, std::string_view what = "a string");
  std::optional<bool> boolean(const Node<Json>& n);
  // A number in [lo, hi]; `what` defaults to "a number in [LO, HI]" ("a number" unbounded).
  std::optional<double> number(const Node<Json>& n,
                               double lo = -std::numeric_limits<double>::infinity(),
                               double hi = std::numeric_limits<double>::infinity(),
                               std::string_view what = {});
  // A whole number in [lo, hi]; `what` defaults to "an integer in [LO, HI]".
  std::optional<std::uint64_t> integer(const Node<Json>& n, std::uint64_t lo = 0,
                                       std::uint64_t hi = UINT64_MAX, std::string_view what = {});
  // The index in `values` of an enumeration's value: a string's text, or a number as JSON
  // writes it ("1"), after checking that the value has the enumeration's `type`.
  std::optional<std::size_t> choice(const Node<Json>& n, const std::vector<std::string>& values,
                                    Type type = Type::kString);

 private:
  // A wrong or required-but-absent value: reported. Absent and optional: silent.
  void reject(const Node<Json>& n, std::string_view what);
  // Read cleanly: remembered for read_ok() (strict only: tolerant readers never ask).
  void accept(const Node<Json>& n);
  std::string child(const std::string& ptr, std::string_view key) const;

  Mode mode_;
  std::set<std::string> failed_;  // tolerant: pointers that have an error
  std::set<std::string> ok_;
};

// The two documents loadgen reads (walker.cpp holds their code).
extern template class Walker<nlohmann::json>;
extern template class Walker<nlohmann::ordered_json>;

}  // namespace lg::json
