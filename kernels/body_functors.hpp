// Launchable functors around the per-thread bodies: an executor (kernels/host_exec.hpp on the CPU,
// kernels/cuda_exec.cuh on the GPU) calls f(t) for t in [0, n). One functor per kernel keeps every
// kernel a thin launch around the shared body.
#pragma once
#include "engine/core/hd.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/born_bodies.hpp"
#include "kernels/grade_bodies.hpp"
#include "kernels/md_bodies.hpp"
#include "kernels/mtp_bodies.hpp"
#include "kernels/neighbor_bodies.hpp"
#include "kernels/npt_bodies.hpp"
#include "kernels/reduce_bodies.hpp"

namespace mdrun {

#define MDRUN_BATCH_FUNCTOR(Name, body)                                    \
    struct Name {                                                          \
        BatchView b;                                                       \
        MDRUN_HD_INLINE void operator()(int t) const { body(t, b); }      \
    }

MDRUN_BATCH_FUNCTOR(NlClearFn, nl_clear_body);
MDRUN_BATCH_FUNCTOR(NlBinFn, nl_bin_body);
MDRUN_BATCH_FUNCTOR(NlScanFn, nl_scan_body);
MDRUN_BATCH_FUNCTOR(NlFillFn, nl_fill_body);
MDRUN_BATCH_FUNCTOR(NlRowsFn, nl_rows_body);
MDRUN_BATCH_FUNCTOR(NlReverseFn, nl_reverse_body);
MDRUN_BATCH_FUNCTOR(NhcFirstFn, nhc_first_body);
MDRUN_BATCH_FUNCTOR(ForceStatusResetFn, force_status_reset_body);
MDRUN_BATCH_FUNCTOR(KickDriftFn, kick_drift_body);
MDRUN_BATCH_FUNCTOR(DispAtomFn, disp_atom_body);
MDRUN_BATCH_FUNCTOR(NhcSecondCheckFn, nhc_second_check_body);
MDRUN_BATCH_FUNCTOR(ScaleVelocityFn, scale_velocity_body);
MDRUN_BATCH_FUNCTOR(StepEndFn, step_end_body);
MDRUN_BATCH_FUNCTOR(Mv2Fn, mv2_body);
MDRUN_BATCH_FUNCTOR(NptThermoScaleFn, npt_thermo_scale_body);
MDRUN_BATCH_FUNCTOR(NptFirstKickFn, npt_first_kick_body);
MDRUN_BATCH_FUNCTOR(NptKickRemapDriftFn, npt_kick_remap_drift_body);
MDRUN_BATCH_FUNCTOR(NptRemapCellFn, npt_remap_cell_body);
MDRUN_BATCH_FUNCTOR(NptRemapListTestFn, npt_remap_list_test_body);
MDRUN_BATCH_FUNCTOR(NptShiftFn, npt_shift_body);
MDRUN_BATCH_FUNCTOR(NptFinalScaleFn, npt_final_scale_body);
MDRUN_BATCH_FUNCTOR(NptBuildCellFn, npt_build_cell_body);
MDRUN_BATCH_FUNCTOR(NptCurrentCellFn, npt_current_cell_body);

#undef MDRUN_BATCH_FUNCTOR

// Sums of the columns k0 .. k0 + nk - 1 (kernels/reduce_bodies.hpp).
struct ReducePartialFn {
    BatchView b;
    int k0, nk, npt_only;
    MDRUN_HD_INLINE void operator()(int t) const { reduce_partial_body(t, b, k0, nk, npt_only != 0); }
};
struct ReduceFinalFn {
    BatchView b;
    int k0, nk, npt_only;
    MDRUN_HD_INLINE void operator()(int t) const { reduce_final_body(t, b, k0, nk, npt_only != 0); }
};

struct ForceKickFn {
    BatchView b;
    int kick;
    MDRUN_HD_INLINE void operator()(int t) const { force_kick_body(t, b, kick != 0); }
};

struct MtpSiteFn {
    BatchView b;
    MtpParamsView p;
    int first;
    double* scratch;
    int* iscratch;
    MDRUN_HD_INLINE void operator()(int t) const { mtp_site_body(t, b, p, first, scratch, iscratch); }
};

// Extrapolation grades (kernels/grade_bodies.hpp).
struct GradeRowFn {
    BatchView b;
    MtpParamsView p;
    GradeView g;
    int first;
    double* scratch;
    int* iscratch;
    MDRUN_HD_INLINE void operator()(int t) const { grade_row_body(t, b, p, g, first, scratch, iscratch); }
};
struct GradeSiteCoeffFn {
    BatchView b;
    GradeView g;
    MDRUN_HD_INLINE void operator()(int t) const { grade_site_coeff_body(t, b, g); }
};
struct GradeSiteMaxFn {
    GradeView g;
    MDRUN_HD_INLINE void operator()(int t) const { grade_site_max_body(t, g); }
};
struct GradeEnergyRowFn {
    GradeView g;
    MDRUN_HD_INLINE void operator()(int t) const { grade_energy_row_body(t, g); }
};
struct GradeEnergyCoeffFn {
    GradeView g;
    MDRUN_HD_INLINE void operator()(int t) const { grade_energy_coeff_body(t, g); }
};

struct BornOwnerFn {
    BatchView b;
    BornView p;
    MDRUN_HD_INLINE void operator()(int t) const { born_owner_body(t, b, p); }
};
struct BornGatherKickFn {
    BatchView b;
    BornView p;
    int kick;
    MDRUN_HD_INLINE void operator()(int t) const { born_gather_kick_body(t, b, p, kick != 0); }
};
struct BornEnergyFn {
    BatchView b;
    BornView p;
    MDRUN_HD_INLINE void operator()(int t) const { born_energy_body(t, b, p); }
};

}  // namespace mdrun
