/* fw-blas.h — OpenBLAS set-up shared by every entry point: its kernel
 * family (a CPU it does not know gets its slowest kernels) and its own
 * thread count (we split work over our own threads, fw-parallel.h). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* OpenBLAS picks its kernels when the library loads, from the CPU model or
 * $OPENBLAS_CORETYPE.  0.3.21 does not know recent Intel CPUs and falls
 * back to Prescott (SSE3) kernels, 3-4x slower than the AVX2/AVX-512 ones
 * this CPU runs.  When that happened and the variable is unset, this sets
 * it from the CPU's features and re-executes the program (argv) once; it
 * returns only when nothing needed changing or the re-exec failed. */
void fw_blas_pick_kernels (char **argv);

/* the kernel family OpenBLAS runs, e.g. "SkylakeX" */
const char *fw_blas_kernels (void);

/* the core type fw_blas_pick_kernels would set for this CPU when OpenBLAS
 * runs the given family, or NULL when it is fine as it is */
const char *fw_blas_better_kernels (const char *running);

G_END_DECLS
