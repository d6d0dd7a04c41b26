// Flat tables derived from an MtpModel once, in the layout the shared per-site math
// (potentials/mtp_math.hpp) reads: radial coefficients with the scaling folded in, the monomial
// (tensor component) recursion, basic moments as (mu, component) pairs and the contraction rows as
// separate int/double arrays. `view()` gives host pointers; a CUDA backend copies each vector to the
// device and fills an MtpParamsView with the device pointers and the same counts.
#pragma once
#include <vector>

#include "potentials/mtp_file.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

struct MtpTables {
    MtpParamsView counts{};             // counts and distances (pointers unset); view() fills the pointers
    std::vector<double> radial_coeffs;  // [a][b][mu][k] times scaling
    std::vector<double> species_coeffs; // [S]
    std::vector<int> comp_parent;       // [n_comp]
    std::vector<int> comp_axis;         // [n_comp]
    std::vector<int> comp_degree;       // [n_comp]
    std::vector<int> comp_lower;        // [n_comp*3]
    std::vector<double> comp_pow;       // [n_comp*3]
    std::vector<int> basic_mu;          // [n_basic]
    std::vector<int> basic_comp;        // [n_basic]
    std::vector<int> comp_basic_start;  // [n_comp+1]
    std::vector<int> comp_basic_list;   // [n_basic]
    std::vector<int> times_i0, times_i1, times_k;  // [n_times]
    std::vector<double> times_m;        // [n_times]
    std::vector<int> run_start;         // [n_runs+1]
    std::vector<int> run_k;             // [n_runs]
    std::vector<double> g_seed;         // [n_alpha]
    std::vector<int> back_order;        // [n_alpha]
    std::vector<int> use_start;         // [n_alpha+1]
    std::vector<int> use_k, use_other;  // [2 n_times]
    std::vector<double> use_m;          // [2 n_times]
    std::vector<int> scalar_index;      // [n_scalar]
    std::vector<double> scalar_coeff;   // [n_scalar]

    MtpParamsView view() const;
};

MtpTables build_mtp_tables(const MtpModel& model);

}  // namespace mdrun
