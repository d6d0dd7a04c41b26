#include "potentials/als_file.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "potentials/mtp_grade_math.hpp"
#include "potentials/mtp_tables.hpp"

namespace mdrun {

namespace {

Error als_error(const std::string& path, size_t offset, const std::string& what) {
    return Error(path + ": byte " + std::to_string(offset) + ": " + what);
}

}  // namespace

AlsState read_als(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open active-learning state file");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    AlsState st;

    // 1. Potential text up to the first '^'.
    const size_t caret = data.find('^');
    if (caret == std::string::npos)
        throw Error(path + ": not an active-learning state file: no '^' after the potential (expected the .mtp text, "
                           "then '^' and the selection weights)");
    st.potential_text = data.substr(0, caret);
    if (!st.potential_text.empty() && st.potential_text.back() == '\n') st.potential_text.pop_back();  // MLIP's "\n^"
    {
        std::istringstream pot(st.potential_text);
        st.model = parse_mtp(pot, path + " (potential section)");
    }
    const MtpTables tables = build_mtp_tables(st.model);
    const int n = mtp_coeff_count(tables.view());

    // 2. Four weights.
    size_t off = caret + 1;
    if (data.size() < off + 32)
        throw als_error(path, off, "file ends inside the selection weights (expected 4 binary doubles after '^', " +
                                       std::to_string(data.size() - off) + " bytes left)");
    double w[4];
    std::memcpy(w, data.data() + off, sizeof w);
    const char* names[4] = {"site-energy (nbh)", "energy", "force", "stress"};
    for (int k = 0; k < 4; ++k)
        if (!std::isfinite(w[k]) || w[k] < 0.0 || w[k] > 1e30)
            throw als_error(path, off + 8 * k,
                            std::string("the ") + names[k] + " weight is not a sensible number (" + std::to_string(w[k]) +
                                "): damaged file, or not an MLIP-2 state file");
    st.weights = GradeWeights{w[0], w[1], w[2], w[3]};
    off += 32;
    // MLIP writes "\n#"; its reader skips anything up to '#'. Accept only whitespace before it.
    while (off < data.size() && (data[off] == '\n' || data[off] == '\r' || data[off] == ' ')) ++off;
    if (off >= data.size() || data[off] != '#')
        throw als_error(path, off, "expected '#' after the selection weights (start of the MaxVol matrices)");
    ++off;

    // 3. Matrices.
    const size_t mat = static_cast<size_t>(n) * n * sizeof(double);
    if (data.size() < off + 2 * mat)
        throw als_error(path, off,
                        "file ends inside the MaxVol matrices: the potential has " + std::to_string(n) +
                            " coefficients, so A and its inverse need 2 x " + std::to_string(n) + " x " +
                            std::to_string(n) + " doubles = " + std::to_string(2 * mat) + " bytes, only " +
                            std::to_string(data.size() - off) + " are left (truncated file, or a state file of another potential)");
    st.maxvol.n = n;
    st.maxvol.A.resize(static_cast<size_t>(n) * n);
    st.maxvol.invA_T.resize(static_cast<size_t>(n) * n);
    std::memcpy(st.maxvol.A.data(), data.data() + off, mat);
    std::memcpy(st.maxvol.invA_T.data(), data.data() + off + mat, mat);
    for (size_t k = 0; k < st.maxvol.A.size(); ++k)
        if (!std::isfinite(st.maxvol.A[k]) || !std::isfinite(st.maxvol.invA_T[k]))
            throw als_error(path, off + (std::isfinite(st.maxvol.A[k]) ? mat : 0) + 8 * k,
                            "the MaxVol matrices contain a non-finite number (damaged file)");
    off += 2 * mat;

    // 4. + 5. Text: the row table, then the configurations.
    std::istringstream text(data.substr(off));
    // Line numbers below count from the end of the binary block.
    const std::string where = path + " (text after byte " + std::to_string(off) + ")";
    st.maxvol.owner.assign(n, -1);
    std::string line;
    long line_no = 0;
    int row = 0;
    while (row < n) {
        if (!std::getline(text, line))
            throw Error(where + ": the row -> configuration table ends after " + std::to_string(row) + " of " +
                        std::to_string(n) + " rows");
        ++line_no;
        std::istringstream ls(line);
        long r = -1, c = -1;
        std::string extra;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            if (row == 0) continue;  // the newline after the matrices
            throw Error(where + ":" + std::to_string(line_no) + ": blank line inside the row -> configuration table");
        }
        if (!(ls >> r >> c) || (ls >> extra))
            throw Error(where + ":" + std::to_string(line_no) + ": expected 'row configuration' (two integers), found '" +
                        line + "'");
        if (r != row || c < 0)
            throw Error(where + ":" + std::to_string(line_no) + ": expected row " + std::to_string(row) +
                        " with a configuration index >= 0, found '" + line + "'");
        st.maxvol.owner[row] = c;
        ++row;
    }
    {
        std::string rest((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
        std::istringstream cfgs(rest);
        st.configs = parse_cfg(cfgs, where + " configurations (line numbers after the table, line " +
                                          std::to_string(line_no) + ")");
    }
    long max_owner = -1;
    for (long c : st.maxvol.owner) max_owner = std::max(max_owner, c);
    if (max_owner >= static_cast<long>(st.configs.size()))
        throw Error(where + ": the row table refers to configuration " + std::to_string(max_owner) + " but only " +
                    std::to_string(st.configs.size()) + " configurations follow it");
    return st;
}

void write_als(const std::string& path, const std::string& potential_text, const GradeWeights& weights,
               const MaxVol& mv, const std::vector<CfgConfig>& owner_configs) {
    // Owner ids -> 0..k-1 in order of first appearance over the rows (as MLIP numbers them).
    std::map<long, long> index;
    std::vector<long> order;
    std::vector<long> row_cfg(mv.n);
    for (int r = 0; r < mv.n; ++r) {
        const long id = mv.owner[r];
        auto it = index.find(id);
        if (it == index.end()) {
            it = index.emplace(id, static_cast<long>(order.size())).first;
            order.push_back(id);
        }
        row_cfg[r] = it->second;
    }
    std::vector<CfgConfig> out;
    for (long id : order) {
        if (id < 0) {
            CfgConfig empty;  // MLIP's placeholder for initial rows: Size 0, unit cell
            empty.has_lattice = true;
            for (int k = 0; k < 3; ++k) empty.lattice.m[k][k] = 1.0;
            out.push_back(empty);
        } else {
            if (id >= static_cast<long>(owner_configs.size())) throw Error("write_als: row owner out of range");
            out.push_back(owner_configs[id]);
        }
    }
    write_file_atomically(
        path,
        [&](std::ostream& os) {
            os << potential_text << "\n^";
            const double w[4] = {weights.site, weights.energy, weights.force, weights.stress};
            os.write(reinterpret_cast<const char*>(w), sizeof w);
            os << "\n#";
            os.write(reinterpret_cast<const char*>(mv.A.data()), static_cast<std::streamsize>(mv.A.size() * sizeof(double)));
            os.write(reinterpret_cast<const char*>(mv.invA_T.data()),
                     static_cast<std::streamsize>(mv.invA_T.size() * sizeof(double)));
            os << '\n';
            for (int r = 0; r < mv.n; ++r) os << r << ' ' << row_cfg[r] << '\n';
            write_cfg(os, out);
        },
        true);
}

}  // namespace mdrun
