// The split of a [[replica]] list over MPI ranks (engine/run/replica_assign.hpp, issue 15): every replica
// goes to exactly one rank, the result depends only on the costs and the rank count, and the largest load
// (the wall time of the job) is within Graham's LPT bound (4/3 - 1/(3m)) of the best possible one, which
// is found here by trying every assignment of small cases.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/run/replica_assign.hpp"

using namespace mdrun;

namespace {

using Assignment = std::vector<std::vector<int>>;

double makespan(const Assignment& a, const std::vector<double>& cost) {
    double worst = 0.0;
    for (const auto& rank : a) {
        double load = 0.0;
        for (int k : rank) load += cost[static_cast<std::size_t>(k - 1)];
        worst = std::max(worst, load);
    }
    return worst;
}

// The best makespan over all ranks^n assignments (n <= 8, ranks <= 4: at most 65536).
double best_makespan(const std::vector<double>& cost, int ranks) {
    const std::size_t n = cost.size();
    std::uint64_t combos = 1;
    for (std::size_t i = 0; i < n; ++i) combos *= static_cast<std::uint64_t>(ranks);
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> load(static_cast<std::size_t>(ranks));
    for (std::uint64_t c = 0; c < combos; ++c) {
        std::fill(load.begin(), load.end(), 0.0);
        std::uint64_t code = c;
        for (std::size_t i = 0; i < n; ++i) {
            load[code % static_cast<std::uint64_t>(ranks)] += cost[i];
            code /= static_cast<std::uint64_t>(ranks);
        }
        best = std::min(best, *std::max_element(load.begin(), load.end()));
    }
    return best;
}

// Every replica 1..n exactly once, each rank's list increasing, one list per rank.
void check_partition(const Assignment& a, std::size_t n, int ranks) {
    REQUIRE(a.size() == static_cast<std::size_t>(ranks));
    std::vector<int> seen(n + 1, 0);
    for (const auto& rank : a) {
        CHECK(std::is_sorted(rank.begin(), rank.end()));
        for (int k : rank) {
            REQUIRE(k >= 1);
            REQUIRE(static_cast<std::size_t>(k) <= n);
            ++seen[static_cast<std::size_t>(k)];
        }
    }
    for (std::size_t k = 1; k <= n; ++k) CHECK_MESSAGE(seen[k] == 1, "replica " << k << " assigned " << seen[k] << " times");
}

}  // namespace

TEST_CASE("equal replicas alternate over the ranks (the 4-replica series of test_run_mpi.py)") {
    const std::vector<double> cost(4, 24.0 * 200.0);
    CHECK(assign_replicas(cost, 1) == Assignment{{1, 2, 3, 4}});
    CHECK(assign_replicas(cost, 2) == Assignment{{1, 3}, {2, 4}});
    CHECK(assign_replicas(cost, 3) == Assignment{{1, 4}, {2}, {3}});
}

TEST_CASE("the largest replicas are placed first, each on the least loaded rank") {
    // atoms x steps: a 384-atom replica is as expensive as the four 96-atom ones together
    const std::vector<double> cost{96, 96, 384, 96, 96};
    CHECK(assign_replicas(cost, 2) == Assignment{{3}, {1, 2, 4, 5}});
    // steps count as much as atoms: replica 2 runs 4x longer
    CHECK(assign_replicas({100.0 * 1000, 100.0 * 4000, 100.0 * 1000, 100.0 * 1000}, 2) == Assignment{{2}, {1, 3, 4}});
}

TEST_CASE("more ranks than replicas: the extra ranks get none") {
    const auto a = assign_replicas({5.0, 7.0}, 4);
    CHECK(a == Assignment{{2}, {1}, {}, {}});
    CHECK(assign_replicas({}, 3) == Assignment{{}, {}, {}});
    check_partition(assign_replicas({0.0, 0.0, 0.0}, 2), 3, 2);  // zero steps (--steps 0): still each exactly once
}

TEST_CASE("no ranks is an error") {
    CHECK_THROWS_AS(assign_replicas({1.0}, 0), Error);
    CHECK_THROWS_AS(assign_replicas({1.0}, -2), Error);
}

TEST_CASE("Graham's tight LPT case: 7 against the optimum 6, exactly the bound 4/3 - 1/(3*2)") {
    const std::vector<double> cost{3, 3, 2, 2, 2};
    const auto a = assign_replicas(cost, 2);
    check_partition(a, cost.size(), 2);
    CHECK(makespan(a, cost) == 7.0);
    CHECK(best_makespan(cost, 2) == 6.0);
}

TEST_CASE("small cases against the brute-force optimum: a partition, deterministic, within the LPT bound") {
    // a fixed linear congruential sequence: the same cases on every machine
    std::uint64_t state = 12345;
    auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 33;
    };
    int checked = 0, optimal = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const std::size_t n = 1 + next() % 8;
        const int ranks = 1 + static_cast<int>(next() % 4);
        std::vector<double> cost(n);
        // atoms (24..1536, often equal, as in a series of one structure) x steps (1000..8000)
        for (auto& c : cost) c = static_cast<double>(24 << (next() % 7)) * static_cast<double>(1000 * (1 + next() % 8));
        const auto a = assign_replicas(cost, ranks);
        check_partition(a, n, ranks);
        CHECK(assign_replicas(cost, ranks) == a);  // a pure function: every rank computes the same split
        const double got = makespan(a, cost), best = best_makespan(cost, ranks);
        const double bound = (4.0 / 3.0 - 1.0 / (3.0 * ranks)) * best;
        CHECK_MESSAGE(got <= bound * (1 + 1e-12), "trial " << trial << ": makespan " << got << " > bound " << bound);
        // never more than one replica beyond the optimum's largest load can add
        CHECK(got <= best + *std::max_element(cost.begin(), cost.end()));
        ++checked;
        if (got == best) ++optimal;
    }
    CHECK(checked == 300);
    MESSAGE("LPT optimal in " << optimal << " of " << checked << " small cases");
    CHECK(optimal > checked / 2);  // a balance, not just any partition
}

TEST_CASE("ties are broken by index, not by chance: permuting equal costs keeps the pattern") {
    // the expensive ones in index order to ranks 0, 1, 2, then the cheap ones in index order likewise
    CHECK(assign_replicas({2, 1, 2, 1, 2, 1}, 3) == Assignment{{1, 2}, {3, 4}, {5, 6}});
    CHECK(assign_replicas({1, 2, 1, 2, 1, 2}, 3) == Assignment{{1, 2}, {3, 4}, {5, 6}});
}
