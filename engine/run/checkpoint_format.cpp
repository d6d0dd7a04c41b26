#include "engine/run/checkpoint_format.hpp"

#include <cstdio>
#include <cstring>

#include <zlib.h>

#include "engine/core/error.hpp"
#include "engine/core/version.hpp"

namespace mdrun {

namespace {

const char kMagic[] = "MDRUN-CHECKPOINT";
constexpr std::size_t kMagicLen = sizeof(kMagic) - 1;
constexpr std::uint32_t kByteOrderMark = 0x01020304u;
constexpr std::uint32_t kMaxNameLen = 32;

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

std::string hex32(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

// Framing bytes the CRC covers before the payload: name length, name, payload length.
std::string frame_of(const std::string& name, std::uint64_t length) {
    std::string f;
    put<std::uint32_t>(f, static_cast<std::uint32_t>(name.size()));
    f += name;
    put<std::uint64_t>(f, length);
    return f;
}

class Cursor {
public:
    explicit Cursor(const std::string& b) : b_(b) {}
    std::size_t left() const { return b_.size() - at_; }
    std::size_t at() const { return at_; }
    template <class T>
    bool get(T& v) {
        if (left() < sizeof(T)) return false;
        std::memcpy(&v, b_.data() + at_, sizeof(T));
        at_ += sizeof(T);
        return true;
    }
    std::string take(std::size_t n) {
        std::string s = b_.substr(at_, n);
        at_ += n;
        return s;
    }

private:
    const std::string& b_;
    std::size_t at_ = 0;
};

}  // namespace

std::uint32_t crc32_of(const std::string& bytes, std::uint32_t crc) {
    uLong c = crc;
    const auto* p = reinterpret_cast<const Bytef*>(bytes.data());
    std::size_t n = bytes.size();
    while (n > 0) {  // zlib's length is a uInt: feed large payloads in pieces
        const uInt chunk = static_cast<uInt>(n > (1u << 30) ? (1u << 30) : n);
        c = ::crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return static_cast<std::uint32_t>(c);
}

std::string encode_checkpoint_sections(const std::vector<CheckpointSection>& sections) {
    std::string out;
    put<std::uint64_t>(out, kMagicLen);
    out.append(kMagic, kMagicLen);
    put<std::uint32_t>(out, kCheckpointFormatVersion);
    put<std::uint32_t>(out, kByteOrderMark);
    auto add = [&](const std::string& name, const std::string& payload) {
        const std::string frame = frame_of(name, payload.size());
        out += frame;
        put<std::uint32_t>(out, crc32_of(payload, crc32_of(frame)));
        out += payload;
    };
    for (const auto& s : sections) add(s.name, s.payload);
    add("end", "");
    return out;
}

std::vector<CheckpointSection> decode_checkpoint_sections(const std::string& bytes, const std::string& file) {
    Cursor c(bytes);
    std::uint64_t mlen = 0;
    if (!c.get(mlen) || mlen != kMagicLen || c.left() < kMagicLen || c.take(kMagicLen) != kMagic)
        throw Error(file + ": not an mdrun checkpoint (bad magic; " + std::to_string(bytes.size()) + " bytes)");
    std::uint32_t version = 0, order = 0;
    if (!c.get(version)) throw Error(file + ": checkpoint is truncated (in the header)");
    if (version == 1)
        throw Error(file + ": checkpoint format version 1 (written by an earlier mdrun); this mdrun " MDRUN_VERSION_STRING
                    " reads version " + std::to_string(kCheckpointFormatVersion) +
                    " only (sections with CRC32 checksums and input digests, which version 1 lacks, so a damaged or "
                    "mismatched version-1 file could not be told from a good one): rerun from step 0, or finish the "
                    "run with the mdrun that wrote it");
    if (version != kCheckpointFormatVersion) {
        std::uint32_t swapped = ((version & 0xffu) << 24) | ((version & 0xff00u) << 8) | ((version >> 8) & 0xff00u) | (version >> 24);
        if (swapped == kCheckpointFormatVersion)
            throw Error(file + ": checkpoint was written on a machine of the other byte order (big/little endian); "
                               "it can be read only on such a machine");
        throw Error(file + ": checkpoint format version " + std::to_string(version) + ", this mdrun reads version " +
                    std::to_string(kCheckpointFormatVersion) + " (a newer mdrun wrote it, or the header is damaged)");
    }
    if (!c.get(order)) throw Error(file + ": checkpoint is truncated (in the header)");
    if (order != kByteOrderMark)
        throw Error(file + ": checkpoint byte-order marker is " + hex32(order) + ", expected " + hex32(kByteOrderMark) +
                    (order == 0x04030201u ? " (written on a machine of the other byte order)" : " (the header is damaged)"));
    std::vector<CheckpointSection> out;
    for (int index = 1;; ++index) {
        const std::string where = file + ": checkpoint section #" + std::to_string(index);
        std::uint32_t nlen = 0;
        if (!c.get(nlen)) throw Error(where + ": checkpoint is truncated (the file ends before its \"end\" section, at byte " +
                                      std::to_string(c.at()) + ")");
        if (nlen == 0 || nlen > kMaxNameLen || c.left() < nlen)
            throw Error(where + ": corrupt section header (name length " + std::to_string(nlen) + ")");
        const std::string name = c.take(nlen);
        for (char ch : name)
            if (!((ch >= 'a' && ch <= 'z') || ch == '_' || (ch >= '0' && ch <= '9')))
                throw Error(where + ": corrupt section header (the name is not a section name)");
        const std::string named = where + " '" + name + "'";
        std::uint64_t plen = 0;
        std::uint32_t crc = 0;
        if (!c.get(plen) || !c.get(crc)) throw Error(named + ": checkpoint is truncated (in the section header)");
        if (plen > c.left())
            throw Error(named + ": checkpoint is truncated or the section length is corrupt (" + std::to_string(plen) +
                        " bytes, " + std::to_string(c.left()) + " left in the file)");
        CheckpointSection s{name, c.take(static_cast<std::size_t>(plen))};
        const std::uint32_t got = crc32_of(s.payload, crc32_of(frame_of(name, plen)));
        if (got != crc)
            throw Error(named + ": CRC32 mismatch (stored " + hex32(crc) + ", computed " + hex32(got) +
                        "): the checkpoint is damaged; restart from an older copy or rerun");
        if (name == "end") {
            if (!s.payload.empty()) throw Error(named + ": corrupt (the end section is not empty)");
            if (c.left() != 0)
                throw Error(file + ": checkpoint has " + std::to_string(c.left()) +
                            " bytes after its \"end\" section (two files concatenated, or damage)");
            return out;
        }
        out.push_back(std::move(s));
    }
}

}  // namespace mdrun
