// Minimal versioned binary serialisation for checkpoints: every component (integrator, thermostat,
// random stream, analysis accumulators) writes named sections, so a restart restores state bit for bit.
// Sections are checked by name on reading, so a mismatch gives a clear error instead of garbage.
//
// A reader may be told how many bytes its stream holds (the checkpoint container knows each blob's length):
// every array or string length is then checked against the bytes left *before* anything is allocated, so
// a damaged count is an error naming the file, never a multi-GB allocation. A bool is read as one byte that
// must be 0 or 1 (loading any other value into a bool is undefined behaviour; UBSan found one).
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/error.hpp"

namespace mdrun {

class BinaryWriter {
public:
    explicit BinaryWriter(std::ostream& os) : os_(os) {}
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable<T>::value, "pod() needs a trivially copyable type");
        os_.write(reinterpret_cast<const char*>(&v), sizeof(T));
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        static_assert(std::is_trivially_copyable<T>::value, "vec() needs a trivially copyable element type");
        pod<std::uint64_t>(v.size());
        if (!v.empty()) os_.write(reinterpret_cast<const char*>(v.data()), sizeof(T) * v.size());
    }
    void str(const std::string& s) {
        pod<std::uint64_t>(s.size());
        os_.write(s.data(), static_cast<std::streamsize>(s.size()));
    }
    // Marks the start of a named section; the reader checks the name.
    void section(const std::string& name) { str("§" + name); }

private:
    std::ostream& os_;
};

class BinaryReader {
public:
    static constexpr std::uint64_t kUnknownSize = std::numeric_limits<std::uint64_t>::max();
    // `size`: the number of bytes the stream holds from here (kUnknownSize: not known, only the fixed caps apply).
    BinaryReader(std::istream& is, std::string file, std::uint64_t size = kUnknownSize)
        : is_(is), file_(std::move(file)), left_(size) {}
    template <class T>
    T pod() {
        static_assert(std::is_trivially_copyable<T>::value, "pod() needs a trivially copyable type");
        take(sizeof(T), "a value");
        if constexpr (std::is_same<T, bool>::value) {
            unsigned char b = 0;
            is_.read(reinterpret_cast<char*>(&b), 1);
            if (!is_) throw truncated();
            if (b > 1) throw input_error(file_, 0, "checkpoint is corrupt (a flag holds " + std::to_string(b) + ", not 0 or 1)");
            return b == 1;
        } else {
            T v;
            is_.read(reinterpret_cast<char*>(&v), sizeof(T));
            if (!is_) throw truncated();
            return v;
        }
    }
    template <class T>
    void pod(T& v) { v = pod<T>(); }
    // A byte that must be 0 or 1.
    bool flag() { return pod<bool>(); }
    template <class T>
    void vec(std::vector<T>& v) {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n > (std::uint64_t(1) << 40) / sizeof(T)) throw input_error(file_, 0, "checkpoint is corrupt (huge array)");
        take(n * sizeof(T), "an array of " + std::to_string(n) + " elements");
        v.resize(n);
        if (n) is_.read(reinterpret_cast<char*>(v.data()), sizeof(T) * n);
        if (!is_) throw truncated();
    }
    std::string str() {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n > (1u << 30)) throw input_error(file_, 0, "checkpoint is corrupt (huge string)");
        take(n, "a string of " + std::to_string(n) + " bytes");
        std::string s(n, '\0');
        if (n) is_.read(&s[0], static_cast<std::streamsize>(n));
        if (!is_) throw truncated();
        return s;
    }
    void section(const std::string& name) {
        const std::string got = str();
        if (got != "§" + name)
            throw input_error(file_, 0, "checkpoint section '" + name + "' expected, found '" + printable(got) + "'");
    }
    const std::string& file() const { return file_; }
    // Bytes not read yet (kUnknownSize when the size was not given).
    std::uint64_t left() const { return left_; }

private:
    // Accounts for `n` bytes about to be read; refuses a length beyond the bytes the stream holds.
    void take(std::uint64_t n, const std::string& what) {
        if (left_ == kUnknownSize) return;
        if (n > left_)
            throw input_error(file_, 0, "checkpoint is truncated or corrupt (" + what + " needs " + std::to_string(n) +
                                            " bytes, " + std::to_string(left_) + " left)");
        left_ -= n;
    }
    Error truncated() const { return input_error(file_, 0, "checkpoint is truncated"); }
    static std::string printable(const std::string& s) {
        std::string o;
        for (char c : s.substr(0, 40)) o += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
        return o;
    }
    std::istream& is_;
    std::string file_;
    std::uint64_t left_;
};

}  // namespace mdrun
