/* bench-util.h — what the benchmarks each wrote for themselves: clocks
 * and noise to compute on.  Header-only: each bench is one executable. */
#pragma once

#include <glib.h>
#include <time.h>

#include "fw-rng.h"

/* seconds of the monotonic clock, to the nanosecond (g_get_monotonic_time
 * counts microseconds, and a round of a kernel can take less than one) */
static inline double
bench_wall_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process, every thread */
static inline double
bench_cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* n floats uniform in [-0.5, 0.5) (g_free them) */
static inline float *
bench_noise (gsize n, guint64 *rng)
{
  float *v = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    v[i] = fw_rng_uniform (rng) - 0.5f;
  return v;
}
