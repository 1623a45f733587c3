# Writes OUTPUT: a C++ file defining `std::string_view NAMESPACE::NAME()` over the bytes of INPUT,
# so that a file found at build time (Chart.js for the HTML report) ships inside the binary.
# Usage: cmake -DINPUT=file -DOUTPUT=file.cpp -DNAMESPACE=ns -DNAME=function -P embed_file.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
if(size EQUAL 0)
  message(FATAL_ERROR "embed_file: ${INPUT} is empty")
endif()
# A byte array rather than a string literal: -Wpedantic limits literals to 64 KiB.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
  "// Generated at build time by cmake/embed_file.cmake from ${INPUT}; do not edit.\n"
  "#include <string_view>\n\n"
  "namespace ${NAMESPACE} {\n"
  "namespace {\n"
  "constexpr unsigned char kBytes[${size}] = {${bytes}};\n"
  "}  // namespace\n\n"
  "std::string_view ${NAME}() { return {reinterpret_cast<const char*>(kBytes), sizeof(kBytes)}; }\n\n"
  "}  // namespace ${NAMESPACE}\n")
