/* fw-rng.c — out-of-line parts of the core's random generator. */
#include "fw-rng.h"

#include <math.h>

float
fw_rng_normal (guint64 *state)
{
  float u1 = fw_rng_uniform (state);
  float u2 = fw_rng_uniform (state);
  if (u1 < 1e-12f)
    u1 = 1e-12f;
  return sqrtf (-2.0f * logf (u1)) * cosf (2.0f * (float) G_PI * u2);
}

void
fw_rng_shuffle (guint64 *state, int *v, int n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) fw_rng_below (state, (guint32) i + 1);
      int t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
}
