// Minimal versioned binary serialisation for checkpoints: every component (integrator, thermostat,
// random stream, analysis accumulators) writes named sections, so a restart restores state bit for bit.
// Sections are checked by name on reading, so a mismatch gives a clear error instead of garbage.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
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
    BinaryReader(std::istream& is, std::string file) : is_(is), file_(std::move(file)) {}
    template <class T>
    T pod() {
        static_assert(std::is_trivially_copyable<T>::value, "pod() needs a trivially copyable type");
        T v;
        is_.read(reinterpret_cast<char*>(&v), sizeof(T));
        if (!is_) throw input_error(file_, 0, "checkpoint is truncated");
        return v;
    }
    template <class T>
    void pod(T& v) { v = pod<T>(); }
    template <class T>
    void vec(std::vector<T>& v) {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n > (std::uint64_t(1) << 40) / sizeof(T)) throw input_error(file_, 0, "checkpoint is corrupt (huge array)");
        v.resize(n);
        if (n) is_.read(reinterpret_cast<char*>(v.data()), sizeof(T) * n);
        if (!is_) throw input_error(file_, 0, "checkpoint is truncated");
    }
    std::string str() {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n > (1u << 30)) throw input_error(file_, 0, "checkpoint is corrupt (huge string)");
        std::string s(n, '\0');
        if (n) is_.read(&s[0], static_cast<std::streamsize>(n));
        if (!is_) throw input_error(file_, 0, "checkpoint is truncated");
        return s;
    }
    void section(const std::string& name) {
        const std::string got = str();
        if (got != "§" + name)
            throw input_error(file_, 0, "checkpoint section '" + name + "' expected, found '" + got + "'");
    }
    const std::string& file() const { return file_; }

private:
    std::istream& is_;
    std::string file_;
};

}  // namespace mdrun
