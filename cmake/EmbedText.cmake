# cmake -DINPUT=FILE -DOUTPUT=FILE.cpp -DNAME=symbol -P EmbedText.cmake
# Writes FILE.cpp defining `std::string_view lg::embedded::NAME()` with FILE's bytes, as a
# byte array (any content, no escaping).
file(READ "${INPUT}" _text HEX)
string(LENGTH "${_text}" _hex_len)
set(_out "// Generated from ${INPUT} by cmake/EmbedText.cmake. Do not edit.\n")
string(APPEND _out "#include <string_view>\nnamespace lg::embedded {\nnamespace {\n")
string(APPEND _out "constexpr unsigned char k${NAME}[] = {\n")
# Hex pairs -> 0xNN, 0xNN, ... (a byte array: no escaping issues, any content).
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_text}")
string(APPEND _out "${_bytes}\n};\n}  // namespace\n")
string(APPEND _out "std::string_view ${NAME}() {\n")
string(APPEND _out "  return {reinterpret_cast<const char*>(k${NAME}), sizeof k${NAME}};\n}\n")
string(APPEND _out "}  // namespace lg::embedded\n")
file(WRITE "${OUTPUT}.tmp" "${_out}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
