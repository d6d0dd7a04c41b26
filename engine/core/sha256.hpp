// SHA-256 (FIPS 180-4) of a byte string or a file, as lowercase hex: names the exact potential file a result
// came from (summary.json provenance). Small and dependency-free; checked against the standard test vectors.
#pragma once
#include <string>

namespace mdrun {

std::string sha256_hex(const std::string& bytes);
// Throws mdrun::Error naming the file when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace mdrun
