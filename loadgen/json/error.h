// One problem found in a JSON document, as every reader of JSON files reports it.
#pragma once
#include <string>
#include <vector>

namespace lg::json {

struct Error {
  std::string pointer;  // JSON pointer, e.g. "/steps/2/duration"; "" is the document itself
  std::string message;  // what is wrong, the bad value, and what is accepted
  // A cross-field error's other keys (the message names them too), e.g. {"/timeout",
  // "/steps/3/rate"} for an error at "/connections". Empty for a single key's error.
  std::vector<std::string> related;
};

}  // namespace lg::json
