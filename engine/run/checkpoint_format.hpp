// The checkpoint container (format version 2; docs/reliability.md "Checkpoint format"): a fixed header, then
// named sections, each with its length and a CRC32, ending with an empty "end" section and nothing after it.
//
//   u64 16, "MDRUN-CHECKPOINT"   the same 24 bytes as format 1, so a version-1 file is recognised by its version
//   u32 version (2)              little- or big-endian as the writing machine
//   u32 0x01020304               byte-order marker: a file from a machine of the other byte order is refused
//   section*                     u32 name length (1..32), name, u64 payload length, u32 CRC32, payload
//
// The CRC32 (zlib) covers the name, the length and the payload, so any flipped byte of a section (framing
// included) is detected before its content is looked at. Lengths are checked against the bytes left in the
// file before anything is allocated. The parser works on a byte buffer (fuzz/ can call it directly).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mdrun {

constexpr std::uint32_t kCheckpointFormatVersion = 2;

struct CheckpointSection {
    std::string name;
    std::string payload;
};

// CRC32 (zlib, polynomial 0xEDB88320) of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32_of(const std::string& bytes, std::uint32_t crc = 0);

// The whole file: header and `sections`, then the "end" section.
std::string encode_checkpoint_sections(const std::vector<CheckpointSection>& sections);

// Splits a checkpoint file's bytes into its sections (the "end" section not included), checking the magic,
// the version, the byte order, every length and every CRC. Throws mdrun::Error starting with `file` and
// naming the section for any damage.
std::vector<CheckpointSection> decode_checkpoint_sections(const std::string& bytes, const std::string& file);

}  // namespace mdrun
