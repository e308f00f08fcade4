/* fw-relu-pool.c — ReLU + 2x2 max-pool of one plane, eight windows (a
 * row's sixteen pixels, two rows) per vector step.  One window at a time
 * this cost more than the first layer's convolution it follows: four
 * compares and branches per window forward, a scattered store backward.
 * Comparisons only, no arithmetic: every clone gives the same numbers,
 * and the same as the window-by-window loop, which serves rows of fewer
 * than four windows and the last row of fewer than eight. */
#include "fw-relu-pool.h"
#include "fw-clones.h"

#include <string.h>

#define WIN 8   /* windows per step */
typedef float v16 __attribute__ ((vector_size (16 * sizeof (float))));
typedef float v8 __attribute__ ((vector_size (WIN * sizeof (float))));
typedef int v8i __attribute__ ((vector_size (WIN * sizeof (int))));

#define load(p, T) ({ T v_; memcpy (&v_, (p), sizeof v_); v_; })
#define EVENS 0, 2, 4, 6, 8, 10, 12, 14
#define ODDS 1, 3, 5, 7, 9, 11, 13, 15
#define INTERLEAVE 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15

/* where k: a, else b (a macro: a function returning a vector would have
 * no one ABI across the clones) */
#define pick(k, a, b) ((v8) (((v8i) (a) & (k)) | ((v8i) (b) & ~(k))))

/* vector steps for window row y of Ho rows of Wo windows: rows of eight
 * windows or more take steps of eight (step_start: the last one ends at
 * Wo, recomputing a few windows to the same values); four to seven take
 * one step whose lanes past Wo read the next rows and spill into the next
 * row of windows, written after it (so not on the last row); fewer, and
 * the last row then, go one window at a time (0 steps) */
static inline int
vector_steps (int Wo, int y, int Ho)
{
  if (Wo >= WIN)
    return (Wo + WIN - 1) / WIN;
  return Wo >= WIN / 2 && y < Ho - 1 ? 1 : 0;
}

static inline int
step_start (int k, int Wo)
{
  return MIN (k * WIN, MAX (Wo - WIN, 0));
}

/* one window, as the vector steps do it */
static inline void
window (float *restrict o, int *restrict a, const float *restrict r0, const float *restrict r1,
        int i0, int W)
{
  float m = r0[0];
  int best = i0;
  if (r0[1] > m) { m = r0[1]; best = i0 + 1; }
  if (r1[0] > m) { m = r1[0]; best = i0 + W; }
  if (r1[1] > m) { m = r1[1]; best = i0 + W + 1; }
  *o = m > 0.0f ? m : 0.0f;
  *a = best;
}

FW_CLONE_AVX512 void
fw_relu_pool_plane (float *restrict out, int *restrict argmax, const float *restrict plane,
                    gsize base, int H, int W)
{
  int Wo = W / 2;
  const v8i lane2 = { 0, 2, 4, 6, 8, 10, 12, 14 };
  for (int y = 0; y < H / 2; y++)
    {
      const float *r0 = plane + (gsize) 2 * y * W, *r1 = r0 + W;
      float *o = out + (gsize) y * Wo;
      int *a = argmax + (gsize) y * Wo, row = (int) base + 2 * y * W;
      int steps = vector_steps (Wo, y, H / 2);
      if (steps == 0)
        {
          for (int x = 0; x < Wo; x++)
            window (o + x, a + x, r0 + 2 * x, r1 + 2 * x, row + 2 * x, W);
          continue;
        }
      for (int k = 0; k < steps; k++)
        {
          int x0 = step_start (k, Wo);
          v16 p0 = load (r0 + 2 * x0, v16), p1 = load (r1 + 2 * x0, v16);
          v8 v00 = __builtin_shufflevector (p0, p0, EVENS);
          v8 v01 = __builtin_shufflevector (p0, p0, ODDS);
          v8 v10 = __builtin_shufflevector (p1, p1, EVENS);
          v8 v11 = __builtin_shufflevector (p1, p1, ODDS);
          v8 m = v00;
          v8i off = {}, k;
          k = v01 > m; m = pick (k, v01, m); off = (k & 1) | (~k & off);
          k = v10 > m; m = pick (k, v10, m); off = (k & W) | (~k & off);
          k = v11 > m; m = pick (k, v11, m); off = (k & (W + 1)) | (~k & off);
          v8 relu = pick (m > 0.0f, m, (v8) {});
          v8i idx = row + 2 * x0 + lane2 + off;
          memcpy (o + x0, &relu, sizeof relu);
          memcpy (a + x0, &idx, sizeof idx);
        }
    }
}

FW_CLONE_AVX512 void
fw_relu_pool_backward_plane (float *restrict dplane, const float *restrict dout,
                             const float *restrict out, const int *restrict argmax, gsize base,
                             int H, int W)
{
  int Wo = W / 2;
  const v8i lane2 = { 0, 2, 4, 6, 8, 10, 12, 14 };
  for (int y = 0; y < H / 2; y++)
    {
      float *r0 = dplane + (gsize) 2 * y * W, *r1 = r0 + W;
      const float *d = dout + (gsize) y * Wo, *pooled = out + (gsize) y * Wo;
      const int *a = argmax + (gsize) y * Wo;
      int row = (int) base + 2 * y * W;
      int steps = vector_steps (Wo, y, H / 2);
      for (int k = 0; k < steps; k++)
        {
          int x0 = step_start (k, Wo);
          /* each window's winner relative to its top left: 0, 1, W, W + 1 */
          v8i off = load (a + x0, v8i) - (row + 2 * x0 + lane2);
          v8 g = pick (load (pooled + x0, v8) > 0.0f, load (d + x0, v8), (v8) {});
          v8 g00 = pick (off == 0, g, (v8) {}), g01 = pick (off == 1, g, (v8) {});
          v8 g10 = pick (off == W, g, (v8) {}), g11 = pick (off == W + 1, g, (v8) {});
          v16 top = __builtin_shufflevector (g00, g01, INTERLEAVE);
          v16 bottom = __builtin_shufflevector (g10, g11, INTERLEAVE);
          memcpy (r0 + 2 * x0, &top, sizeof top);
          memcpy (r1 + 2 * x0, &bottom, sizeof bottom);
        }
      for (int x0 = 0; steps == 0 && x0 < Wo; x0++)
        {
          r0[2 * x0] = r0[2 * x0 + 1] = r1[2 * x0] = r1[2 * x0 + 1] = 0.0f;
          if (pooled[x0] > 0.0f)
            dplane[a[x0] - base] = d[x0];
        }
      if (W % 2)
        r0[W - 1] = r1[W - 1] = 0.0f;
    }
  if (H % 2)
    memset (dplane + (gsize) (H - 1) * W, 0, sizeof (float) * W);
}
