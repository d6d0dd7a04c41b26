// analysis.md §13 check 12 (rho part): isotropic random unit vectors give rho = 1/(4 pi) with Poisson bin
// scatter; equal-area bins so that the integral over the sphere is 1.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analysis/orientation_math.hpp"

using namespace mdrun;

TEST_CASE("check 12: isotropic unit vectors, 2e6 samples, 90 x 180 bins") {
    const int nt = 90, np = 180;
    const long N = 2000000;
    const double pi = 3.14159265358979323846;
    std::vector<long> h(nt * np, 0);
    std::mt19937_64 rng(12);
    std::normal_distribution<double> g(0.0, 1.0);
    for (long k = 0; k < N; ++k) {
        Vec3 u{g(rng), g(rng), g(rng)};
        u = (1.0 / norm(u)) * u;
        ++h[orientation_bin(u, nt, np)];
    }
    const double dcos = 2.0 / nt, dphi = 2 * pi / np;
    double sum = 0, sum2 = 0, integral = 0;
    for (long c : h) {
        const double rho = c / (N * dcos * dphi);
        sum += rho;
        sum2 += rho * rho;
        integral += rho * dcos * dphi;
    }
    const double mean = sum / h.size(), sd = std::sqrt(sum2 / h.size() - mean * mean);
    CHECK(integral == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(mean == doctest::Approx(1.0 / (4 * pi)).epsilon(1e-12));
    CHECK(mean == doctest::Approx(0.07958).epsilon(1e-4));
    // Poisson: relative scatter 1/sqrt(N / bins) = 9.0%.
    CHECK(sd / mean == doctest::Approx(1.0 / std::sqrt(double(N) / (nt * np))).epsilon(0.05));
}

TEST_CASE("bin edges: poles and the phi seam land in valid bins") {
    CHECK(orientation_bin(Vec3{0, 0, 1}, 90, 180) / 180 == 89);
    CHECK(orientation_bin(Vec3{0, 0, -1}, 90, 180) / 180 == 0);
    CHECK(orientation_bin(Vec3{-1, 0, 0}, 90, 180) % 180 == 179);  // phi = +pi
    CHECK(orientation_bin(Vec3{-1, -1e-300, 0}, 90, 180) % 180 == 0);  // phi -> -pi
}
