// The JSON types a reader asks for. Not nlohmann's value_t: "integer" accepts signed and
// unsigned, and "number" accepts integers too, as JSON Schema means them.
#pragma once

namespace lg::json {

enum class Type { kString, kInteger, kNumber, kBoolean, kObject, kArray };

}  // namespace lg::json
