#include "potentials/mtp_tables.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "engine/core/error.hpp"

namespace mdrun {

MtpTables build_mtp_tables(const MtpModel& m) {
    MtpTables t;
    MtpParamsView& c = t.counts;
    c.n_species = m.species_count;
    c.n_mu = m.radial_funcs_count;
    c.n_q = m.radial_basis_size;
    c.n_alpha = m.alpha_moments_count;
    c.n_basic = m.basic_count();
    c.n_times = m.times_count();
    c.n_scalar = m.scalar_count();
    c.min_dist = m.min_dist;
    c.max_dist = m.max_dist;

    // Scaling folded into the coefficients once (it multiplies f and f' alike).
    t.radial_coeffs.resize(m.radial_coeffs.size());
    for (size_t i = 0; i < m.radial_coeffs.size(); ++i) t.radial_coeffs[i] = m.scaling * m.radial_coeffs[i];
    t.species_coeffs = m.species_coeffs;

    // Tensor components: every monomial x^p y^q z^w up to the largest degree used, ordered by degree, so
    // that each one is its parent (one power less) times one unit-vector component.
    int max_deg = 0;
    for (int b = 0; b < c.n_basic; ++b) {
        const int* q = &m.alpha_index_basic[4 * b];
        max_deg = std::max(max_deg, q[1] + q[2] + q[3]);
    }
    c.max_degree = max_deg;
    std::map<std::tuple<int, int, int>, int> index;
    std::vector<std::tuple<int, int, int>> comps;
    for (int d = 0; d <= max_deg; ++d)
        for (int p = d; p >= 0; --p)
            for (int q = d - p; q >= 0; --q) {
                const int w = d - p - q;
                index[{p, q, w}] = static_cast<int>(comps.size());
                comps.emplace_back(p, q, w);
            }
    c.n_comp = static_cast<int>(comps.size());
    t.comp_parent.assign(c.n_comp, 0);
    t.comp_axis.assign(c.n_comp, 0);
    t.comp_degree.assign(c.n_comp, 0);
    t.comp_lower.assign(3 * c.n_comp, 0);
    t.comp_pow.assign(3 * c.n_comp, 0.0);
    for (int i = 0; i < c.n_comp; ++i) {
        const int pw[3] = {std::get<0>(comps[i]), std::get<1>(comps[i]), std::get<2>(comps[i])};
        t.comp_degree[i] = pw[0] + pw[1] + pw[2];
        for (int ax = 0; ax < 3; ++ax) {
            t.comp_pow[3 * i + ax] = pw[ax];
            if (pw[ax] > 0) {
                int lo[3] = {pw[0], pw[1], pw[2]};
                lo[ax] -= 1;
                t.comp_lower[3 * i + ax] = index.at({lo[0], lo[1], lo[2]});
            }
        }
        if (i > 0) {
            const int ax = pw[0] > 0 ? 0 : (pw[1] > 0 ? 1 : 2);
            t.comp_axis[i] = ax;
            t.comp_parent[i] = t.comp_lower[3 * i + ax];
        }
    }

    t.basic_mu.resize(c.n_basic);
    t.basic_comp.resize(c.n_basic);
    for (int b = 0; b < c.n_basic; ++b) {
        const int* q = &m.alpha_index_basic[4 * b];
        t.basic_mu[b] = q[0];
        t.basic_comp[b] = index.at({q[1], q[2], q[3]});
    }
    // CSR of basic moments by component (for the backward sweep, which groups by component).
    t.comp_basic_start.assign(c.n_comp + 1, 0);
    for (int b = 0; b < c.n_basic; ++b) t.comp_basic_start[t.basic_comp[b] + 1]++;
    for (int i = 0; i < c.n_comp; ++i) t.comp_basic_start[i + 1] += t.comp_basic_start[i];
    t.comp_basic_list.assign(c.n_basic, 0);
    {
        std::vector<int> fill(t.comp_basic_start.begin(), t.comp_basic_start.end() - 1);
        for (int b = 0; b < c.n_basic; ++b) t.comp_basic_list[fill[t.basic_comp[b]]++] = b;
    }

    t.times_i0.resize(c.n_times);
    t.times_i1.resize(c.n_times);
    t.times_k.resize(c.n_times);
    t.times_m.resize(c.n_times);
    for (int r = 0; r < c.n_times; ++r) {
        const int* q = &m.alpha_index_times[4 * r];
        t.times_i0[r] = q[0];
        t.times_i1[r] = q[1];
        t.times_m[r] = q[2];
        t.times_k[r] = q[3];
    }
    // Runs of consecutive rows with the same target (see mtp_contract_forward).
    for (int r = 0; r < c.n_times; ++r) {
        if (r == 0 || t.times_k[r] != t.times_k[r - 1]) {
            t.run_start.push_back(r);
            t.run_k.push_back(t.times_k[r]);
        }
    }
    t.run_start.push_back(c.n_times);
    c.n_runs = static_cast<int>(t.run_k.size());
    // Backward gather tables (see mtp_contract_backward). last[j] = last row producing j (-1: basic).
    {
        const int na = c.n_alpha;
        std::vector<int> last(na, -1);
        for (int r = 0; r < c.n_times; ++r) last[t.times_k[r]] = r;
        t.back_order.resize(na);
        for (int j = 0; j < na; ++j) t.back_order[j] = j;
        std::stable_sort(t.back_order.begin(), t.back_order.end(),
                         [&](int x, int y) { return last[x] > last[y] || (last[x] == last[y] && x > y); });
        std::vector<int> pos(na);
        for (int i = 0; i < na; ++i) pos[t.back_order[i]] = i;
        // Rows reading j, in reverse file order (the order MLIP's reverse sweep adds them).
        std::vector<std::vector<int>> uses(na);
        for (int r = c.n_times - 1; r >= 0; --r) {
            uses[t.times_i1[r]].push_back(2 * r);      // g[i1] += m g[k] M[i0]
            uses[t.times_i0[r]].push_back(2 * r + 1);  // g[i0] += m g[k] M[i1]
        }
        t.use_start.assign(na + 1, 0);
        for (int i = 0; i < na; ++i) {
            const int j = t.back_order[i];
            for (int code : uses[j]) {
                const int r = code / 2;
                t.use_k.push_back(t.times_k[r]);
                t.use_other.push_back(code % 2 == 0 ? t.times_i0[r] : t.times_i1[r]);
                t.use_m.push_back(t.times_m[r]);
                // The order is valid only if a row is read after every row producing its inputs.
                if (last[j] >= r) throw Error(m.source + ": alpha_index_times row " + std::to_string(r) +
                                              " reads moment " + std::to_string(j) + " before its last product row " +
                                              std::to_string(last[j]) + " (rows must be topologically ordered)");
            }
            t.use_start[i + 1] = static_cast<int>(t.use_k.size());
        }
        t.g_seed.assign(na, 0.0);
        for (int s = 0; s < c.n_scalar; ++s) t.g_seed[m.alpha_moment_mapping[s]] = m.moment_coeffs[s];
    }
    t.scalar_index = m.alpha_moment_mapping;
    t.scalar_coeff = m.moment_coeffs;
    return t;
}

MtpParamsView MtpTables::view() const {
    MtpParamsView v = counts;
    v.radial_coeffs = radial_coeffs.data();
    v.species_coeffs = species_coeffs.data();
    v.comp_parent = comp_parent.data();
    v.comp_axis = comp_axis.data();
    v.comp_degree = comp_degree.data();
    v.comp_lower = comp_lower.data();
    v.comp_pow = comp_pow.data();
    v.basic_mu = basic_mu.data();
    v.basic_comp = basic_comp.data();
    v.comp_basic_start = comp_basic_start.data();
    v.comp_basic_list = comp_basic_list.data();
    v.times_i0 = times_i0.data();
    v.times_i1 = times_i1.data();
    v.times_k = times_k.data();
    v.times_m = times_m.data();
    v.run_start = run_start.data();
    v.run_k = run_k.data();
    v.g_seed = g_seed.data();
    v.back_order = back_order.data();
    v.use_start = use_start.data();
    v.use_k = use_k.data();
    v.use_other = use_other.data();
    v.use_m = use_m.data();
    v.scalar_index = scalar_index.data();
    v.scalar_coeff = scalar_coeff.data();
    return v;
}

}  // namespace mdrun
