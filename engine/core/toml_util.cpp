#include "engine/core/toml_util.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/core/error.hpp"

namespace mdrun {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest_key(const std::string& key, const std::vector<std::string>& known) {
    std::string best;
    std::size_t best_d = static_cast<std::size_t>(-1);
    for (const auto& k : known) {
        const std::size_t d = edit_distance(key, k);
        if (d < best_d) { best_d = d; best = k; }
    }
    // Accept suggestions within roughly a third of the key's length (at least 2 edits).
    if (best_d <= std::max<std::size_t>(2, key.size() / 3)) return best;
    // A key written without its unit suffix ("tdamp" for "tdamp_fs") is far in edit distance but obvious.
    for (const auto& k : known)
        if (k.size() > key.size() && k.compare(0, key.size(), key) == 0 && k[key.size()] == '_') return k;
    return "";
}

namespace {
std::string key_name(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
}
std::string type_name(const toml::value& v) {
    switch (v.type()) {
        case toml::value_t::boolean: return "a boolean";
        case toml::value_t::integer: return "an integer";
        case toml::value_t::floating: return "a number";
        case toml::value_t::string: return "a string";
        case toml::value_t::array: return "an array";
        case toml::value_t::table: return "a table";
        default: return "a date/time";
    }
}
}  // namespace

void check_known_keys(const toml::value& table, const std::vector<std::string>& known, const std::string& where,
                      const std::string& file) {
    if (!table.is_table()) throw Error(file + ": " + where + " must be a table");
    for (const auto& kv : table.as_table()) {
        if (std::find(known.begin(), known.end(), kv.first) != known.end()) continue;
        std::string msg = file + ": unknown key '" + key_name(where, kv.first) + "'";
        const std::string near = closest_key(kv.first, known);
        if (!near.empty()) msg += " (did you mean '" + near + "'?)";
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        msg += "; known keys here: " + list;
        throw Error(msg);
    }
}

bool has_key(const toml::value& table, const std::string& key) { return table.is_table() && table.contains(key); }

double get_double(const toml::value& t, const std::string& key, const std::string& where, const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (v.is_floating()) return v.as_floating();
    if (v.is_integer()) return static_cast<double>(v.as_integer());
    throw Error(file + ": " + key_name(where, key) + " must be a number, got " + type_name(v));
}

long get_integer(const toml::value& t, const std::string& key, const std::string& where, const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (v.is_integer()) return static_cast<long>(v.as_integer());
    // A whole float (1e3) is accepted; the range test comes first, as converting an out-of-range double is UB.
    if (v.is_floating() && std::fabs(v.as_floating()) < 9.0e18 &&
        v.as_floating() == static_cast<double>(static_cast<long>(v.as_floating())))
        return static_cast<long>(v.as_floating());
    throw Error(file + ": " + key_name(where, key) + " must be an integer, got " + type_name(v));
}

bool get_bool(const toml::value& t, const std::string& key, const std::string& where, const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (v.is_boolean()) return v.as_boolean();
    throw Error(file + ": " + key_name(where, key) + " must be true or false, got " + type_name(v));
}

std::string get_string(const toml::value& t, const std::string& key, const std::string& where,
                       const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (v.is_string()) return v.as_string().str;
    throw Error(file + ": " + key_name(where, key) + " must be a string, got " + type_name(v));
}

std::vector<std::string> get_string_list(const toml::value& t, const std::string& key, const std::string& where,
                                         const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (!v.is_array()) throw Error(file + ": " + key_name(where, key) + " must be an array of strings, got " + type_name(v));
    std::vector<std::string> out;
    for (const auto& e : v.as_array()) {
        if (!e.is_string())
            throw Error(file + ": " + key_name(where, key) + " must be an array of strings, found " + type_name(e));
        out.push_back(e.as_string().str);
    }
    return out;
}

namespace {
std::string num(double v) {
    std::ostringstream os;
    os.precision(10);
    os << v;
    return os.str();
}
}  // namespace

std::string range_message(const std::string& file, const std::string& key, double lo, double hi, bool lo_open,
                          const std::string& unit, double got) {
    std::string m = file + ": " + key + " must be " + (lo_open ? "> " : ">= ") + num(lo) + " and <= " + num(hi);
    if (!unit.empty()) m += " (" + unit + ")";
    return m + ", got " + num(got);
}

double get_double_in(const toml::value& t, const std::string& key, const std::string& where, const std::string& file,
                     double lo, double hi, bool lo_open, const std::string& unit) {
    const double v = get_double(t, key, where, file);
    const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
    if (!ok) throw Error(range_message(file, key_name(where, key), lo, hi, lo_open, unit, v));
    return v;
}

long get_integer_in(const toml::value& t, const std::string& key, const std::string& where, const std::string& file,
                    long lo, long hi, const std::string& unit) {
    const long v = get_integer(t, key, where, file);
    if (v < lo || v > hi) {
        std::string m = file + ": " + key_name(where, key) + " must be >= " + std::to_string(lo) + " and <= " +
                        std::to_string(hi);
        if (!unit.empty()) m += " (" + unit + ")";
        throw Error(m + ", got " + std::to_string(v));
    }
    return v;
}

}  // namespace mdrun
