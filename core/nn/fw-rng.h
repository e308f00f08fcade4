/* fw-rng.h — the one random generator of the core (splitmix64 seeding a
 * xoshiro-style stream), so that a seed gives the same numbers on every
 * machine and thread count.  State is a single guint64 owned by the caller. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline guint64
fw_rng_next (guint64 *state)
{
  /* splitmix64: tiny, fast, passes BigCrush; enough for init, shuffles, masks */
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* uniform in [0, 1) with 24 bits, exactly representable as float */
static inline float
fw_rng_uniform (guint64 *state)
{
  return (float) (fw_rng_next (state) >> 40) * (1.0f / 16777216.0f);
}

/* uniform integer in [0, n) */
static inline guint32
fw_rng_below (guint64 *state, guint32 n)
{
  return (guint32) (((fw_rng_next (state) >> 32) * (guint64) n) >> 32);
}

/* standard normal (Box–Muller, one value per call) */
float fw_rng_normal (guint64 *state);

/* Fisher–Yates shuffle of n ints */
void fw_rng_shuffle (guint64 *state, int *v, int n);

G_END_DECLS
