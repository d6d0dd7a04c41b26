// MLIP-2 Moment Tensor Potential file (`.mtp`, version 1.1.0, radial basis RBChebyshev) parsed into a
// plain model struct. Token order and meaning: ../shared/docs/mtp.md §3.1. Errors name file, line and
// what was expected.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace mdrun {

struct MtpModel {
    std::string source;          // file the model was read from (for messages)
    std::string potential_name;  // optional in the file
    double scaling = 1.0;        // product of the global and radial-basis `scaling` values
    int species_count = 0;       // S (the .mtp file has no element names: species are indices 0..S-1)
    double min_dist = 0.0;       // Å: below this the potential extrapolates (no clamping is applied)
    double max_dist = 0.0;       // Å: cutoff r_c (strict r < r_c)
    int radial_basis_size = 0;   // N_Q (Chebyshev polynomials)
    int radial_funcs_count = 0;  // N_mu
    // Raw coefficients c^{ab}_{mu k}, index ((a*S + b)*N_mu + mu)*N_Q + k; a = central, b = neighbour type.
    // NOT multiplied by `scaling`.
    std::vector<double> radial_coeffs;
    int alpha_moments_count = 0;          // N_alpha (basic + products)
    std::vector<int> alpha_index_basic;   // 4 per basic moment: mu, p, q, w   (N_b = size/4)
    std::vector<int> alpha_index_times;   // 4 per row: i0, i1, m, k           (N_t = size/4)
    std::vector<int> alpha_moment_mapping;  // N_s moment indices of the scalar moments
    std::vector<double> species_coeffs;   // S per-species energy offsets (eV)
    std::vector<double> moment_coeffs;    // N_s linear coefficients xi

    int basic_count() const { return static_cast<int>(alpha_index_basic.size() / 4); }
    int times_count() const { return static_cast<int>(alpha_index_times.size() / 4); }
    int scalar_count() const { return static_cast<int>(alpha_moment_mapping.size()); }
};

// Reads and validates an .mtp file; throws mdrun::Error("file:line: ...") on any problem.
MtpModel read_mtp(const std::string& path);
// The same from a stream; `name` is used in error messages.
MtpModel parse_mtp(std::istream& in, const std::string& name);

}  // namespace mdrun
