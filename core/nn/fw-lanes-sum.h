/* fw-lanes-sum.h — the sum of a vector of sixteen floats' lanes, in one
 * fixed tree, for the first layer's kernels (fw-conv-direct.c,
 * fw-conv-nhwc.c): added in the same order everywhere, the same bits.
 * Inline, so each target clone of its callers compiles it for itself. */
#pragma once

#include <string.h>

typedef float fw_lanes16 __attribute__ ((vector_size (16 * sizeof (float))));

static inline __attribute__ ((always_inline)) float
fw_lanes_sum (fw_lanes16 v)
{
  float s[16];
  memcpy (s, &v, sizeof s);
  for (int half = 8; half > 0; half /= 2)
    for (int j = 0; j < half; j++)
      s[j] += s[j + half];
  return s[0];
}
