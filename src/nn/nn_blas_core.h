/* nn_blas_core: which of OpenBLAS's kernels the engine's GEMMs run on. Debian 12's
 * OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels by the CPU's model number when it is
 * loaded, and a CPU newer than it gets the generic fallback: on an Emerald Rapids Xeon
 * (family 6, model 207) that is "Prescott", SSE3 only, and sgemm runs at 64 GFLOP/s on
 * 2 cores instead of 215-290 with its AVX-512 ("SkylakeX") kernels; LR Lab trains 2.2x
 * slower and falls behind PyTorch (whose oneDNN knows the CPU). OpenBLAS's documented
 * remedy is the OPENBLAS_CORETYPE variable, read once at load: nn_threads.c sets it and
 * starts the program again (see there) when the fallback was taken on a CPU that has
 * better kernels. Every program linked with the engine does so, so the app, lrlab-train
 * and the tests all round the same way (their runs are compared byte for byte). */
#pragma once

/* The kernels OpenBLAS runs now (openblas_get_corename: "SkylakeX", "Haswell", ...). */
const char *nn_blas_core_name(void);

/* What to ask for instead of the kernels named current, given the CPU's features:
 * "SkylakeX" with AVX-512 F/CD/BW/DQ/VL, "Haswell" with AVX2 and FMA; NULL to keep
 * current, which is every case but OpenBLAS's generic "Prescott" fallback. */
const char *nn_blas_better_core(const char *current, int has_avx512, int has_avx2_fma);

/* nn_blas_better_core for this CPU and the kernels OpenBLAS chose. */
const char *nn_blas_better_core_here(void);
