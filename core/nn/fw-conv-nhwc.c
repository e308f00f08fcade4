/* fw-conv-nhwc.c — the one-channel first layer (3×3, pad 1, then ReLU and
 * 2×2 max-pool) with its output in pixel-major order: each pixel's sixteen
 * channels side by side.  With one input channel and sixteen outputs a
 * tap's sixteen weights fit one vector register, all nine taps nine
 * registers, and every multiply-add takes one input pixel broadcast from
 * memory: fourteen pixels' sums stay in registers through the nine taps.
 * Channel-major (fw-conv-direct.c) each multiply-add also loaded a
 * broadcast weight, and a 28-wide row took two blocks of sixteen lanes.
 *
 * ReLU + pool reads that layout, sixteen windows at a time, and turns its
 * results channel-major in registers; each window's winners it keeps
 * pixel-major, as codes in the image's slot after the padded copy.
 *
 * Backward, dw comes straight from the pooled gradient, lanes being
 * channels again: sixteen windows' gradients turned window-major, then
 * for each window and each of its four pixels the gradient where that
 * pixel won (zero elsewhere) times the nine input pixels under the taps,
 * each broadcast from memory, as in the forward: 36 multiply-adds a
 * window into sums that stay in registers.  The convolution's gradient
 * is never written, and the positions (argmax) are neither written nor
 * read: with lanes being a row's windows (before), dw used 14 of 16 lanes
 * at 28 wide, kept its sums in memory and read pooled values, positions
 * and gradient; it reached 51% of the sgemm peak in cache, this 68-70%.
 *
 * The fused layer (fw_conv2d_relu_pool_*, fw-kernels.c) keeps the forward
 * output only in an L2 scratch; the pooled values it hands on are
 * channel-major, the same values as fw-conv-direct.c plus fw-relu-pool.c
 * give: the forward sums run in the same order, bias first.  dw and db
 * add the same products in another order, so their last bits differ from
 * the channel-major path's. */
#include "fw-conv-nhwc.h"
#include "fw-clones.h"

#include <string.h>

#include "fw-conv-direct.h"
#include "fw-kernels.h"

#define LANES 16   /* output channels per vector */
#define PIX 14     /* pixels per forward block: 14 sums + 9 weights in registers */
#define DEAD 4     /* winner code: ReLU zeroed the window's maximum */
typedef float v16 __attribute__ ((vector_size (LANES * sizeof (float))));
typedef int v16i __attribute__ ((vector_size (LANES * sizeof (int))));

#define load(p, T) ({ T v_; memcpy (&v_, (p), sizeof v_); v_; })
#define pick(k, a, b) ((v16) (((v16i) (a) & (k)) | ((v16i) (b) & ~(k))))

/* shuffle masks for one round of transpose16: rows i and i + h trade the
 * off-diagonal h×h blocks of their 2h×2h block (LO: row i's new lanes,
 * HI: row i + h's; 16 + j is the second row's lane j) */
static const v16i lo_mask[4] = {
  { 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23 },           /* h = 8 */
  { 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27 },         /* h = 4 */
  { 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29 },         /* h = 2 */
  { 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30 },        /* h = 1 */
};
static const v16i hi_mask[4] = {
  { 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31 },
  { 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31 },
  { 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31 },
  { 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31 },
};

/* dst[j·dst_stride + i] = src[i·src_stride + j] for a 16×16 block of
 * floats (or ints: only bits move): four rounds of sixteen two-register
 * shuffles, each swapping the off-diagonal blocks of a size that halves.
 * Through memory on both sides, so nothing else is live in registers;
 * src is read whole before dst is written, so they may be the same. */
static inline __attribute__ ((always_inline)) void
transpose16 (float *dst, gsize dst_stride, const float *src, gsize src_stride)
{
  v16 r[LANES];
  for (int i = 0; i < LANES; i++)
    r[i] = load (src + i * src_stride, v16);
  /* unrolled whole: the rows in registers, the masks constants */
#pragma GCC unroll 4
  for (int k = 0, h = 8; k < 4; k++, h /= 2)
#pragma GCC unroll 16
    for (int i = 0; i < LANES; i++)
      if ((i & h) == 0)
        {
          v16 a = r[i], b = r[i + h];
          r[i] = __builtin_shuffle (a, b, lo_mask[k]);
          r[i + h] = __builtin_shuffle (a, b, hi_mask[k]);
        }
  for (int i = 0; i < LANES; i++)
    memcpy (dst + i * dst_stride, &r[i], sizeof (v16));
}

gboolean
fw_conv_nhwc_fits (int C, int H, int W, int O)
{
  if (C != 1 || O <= 0 || O % LANES != 0 || !fw_conv_direct_fits (C, H, W))
    return FALSE;
  /* the slot holds the padded copy (from its first 64-byte boundary) and
   * then the winners */
  gsize bytes = sizeof (float) * (fw_conv_direct_floats (C, H, W) - 1)
                + sizeof (int) * (H / 2) * (W / 2) * O;
  return bytes <= sizeof (float) * fw_conv2d_col_floats (C, H, W);
}

/* n pixels from dst (O floats apart) of one output row; row: the padded
 * image at their first pixel's top-left tap */
static inline __attribute__ ((always_inline)) void
forward_pixels (float *restrict dst, const float *restrict row, const v16 wv[9], v16 bias,
                int WP, int O, int n)
{
  v16 acc[PIX];
  for (int p = 0; p < n; p++)
    acc[p] = (v16) {} + bias;   /* as fw-conv-direct.c: a -0 bias sums as +0 */
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++)
      {
        const float *r = row + (gsize) ky * WP + kx;
        for (int p = 0; p < n; p++)
          acc[p] += r[p] * wv[ky * 3 + kx];
      }
  for (int p = 0; p < n; p++)
    memcpy (dst + (gsize) p * O, &acc[p], sizeof (v16));
}

FW_CLONE_AVX512 void
fw_conv_nhwc_forward (float *restrict out, const float *restrict slot, const float *restrict w,
                      const float *restrict b, int H, int W, int O)
{
  int WP;
  const float *pad = fw_conv_direct_padded (slot, W, &WP);
  for (int o0 = 0; o0 < O; o0 += LANES)
    {
      v16 wv[9], bias;
      for (int l = 0; l < LANES; l++)
        {
          for (int t = 0; t < 9; t++)
            wv[t][l] = w[(gsize) (o0 + l) * 9 + t];
          bias[l] = b != NULL ? b[o0 + l] : 0.0f;
        }
      for (int y = 0; y < H; y++)
        {
          const float *row = pad + (gsize) y * WP;
          float *dst = out + (gsize) y * W * O + o0;
          int x = 0;
          for (; x + PIX <= W; x += PIX)
            forward_pixels (dst + (gsize) x * O, row + x, wv, bias, WP, O, PIX);
          if (x < W && W >= PIX)   /* a block ending at W: its first pixels again, same bits */
            forward_pixels (dst + (gsize) (W - PIX) * O, row + W - PIX, wv, bias, WP, O, PIX);
          else
            for (; x < W; x++)
              forward_pixels (dst + (gsize) x * O, row + x, wv, bias, WP, O, 1);
        }
    }
}

/* the channels o0.. of one window's first maximum, in the order (0,0) (0,1)
 * (1,0) (1,1) as fw-relu-pool.c: its value after ReLU, and its place k in
 * that order (the pixel p00 + k % 2 + (k / 2)·W; through pointers: a
 * function returning a vector would have no one ABI across the clones) */
static inline __attribute__ ((always_inline)) void
window_max (const float *restrict conv, int p00, int W, int O, int o0, v16 *m, v16i *place)
{
  const int at[4] = { p00, p00 + 1, p00 + W, p00 + W + 1 };
  v16 best = load (conv + (gsize) at[0] * O + o0, v16);
  v16i k_best = {};
#pragma GCC unroll 3
  for (int k = 1; k < 4; k++)
    {
      v16 v = load (conv + (gsize) at[k] * O + o0, v16);
      v16i more = v > best;
      best = pick (more, v, best);
      k_best = (((v16i) {} + k) & more) | (k_best & ~more);
    }
  *place = k_best;
  *m = pick (best > 0.0f, best, (v16) {});
}

/* on to the next window: its top-left pixel p00 in a plane W wide (or its
 * top-left tap in the padded copy, W its stride), x its column of Wo (no
 * division per window: that was a quarter of the time) */
static inline void
next_window (int *p00, int *x, int Wo, int W)
{
  if (++*x < Wo)
    {
      *p00 += 2;
      return;
    }
  *x = 0;
  *p00 += 2 * W - 2 * (Wo - 1);
}

int *
fw_conv_nhwc_winners (const float *slot, int H, int W)
{
  int WP;
  const float *pad = fw_conv_direct_padded (slot, W, &WP);
  return (int *) (pad + (gsize) (H + 2) * WP);
}

FW_CLONE_AVX512 void
fw_relu_pool_nhwc (float *restrict pooled, int *restrict argmax, int *restrict winners,
                   const float *restrict conv, gsize base, int H, int W, int O)
{
  int Wo = W / 2, n = (H / 2) * Wo;
  gsize HW = (gsize) H * W;
  for (int o0 = 0; o0 < O; o0 += LANES)
    {
      v16i plane;   /* each lane's channel: where its plane starts in the batch */
      for (int l = 0; l < LANES; l++)
        plane[l] = (int) (base + (o0 + l) * HW);
      int wi = 0, p00 = 0, x = 0;
      /* sixteen windows at a time, turned from window × channel into
       * channel × window: a vector store into each channel's plane */
      for (; wi < n; wi += LANES)
        {
          float m[LANES][LANES] __attribute__ ((aligned (64)));
          int pos[LANES][LANES] __attribute__ ((aligned (64)));
          int valid = MIN (LANES, n - wi);
          for (int k = 0; k < valid; k++, next_window (&p00, &x, Wo, W))
            {
              v16 mk;
              v16i place;
              window_max (conv, p00, W, O, o0, &mk, &place);
              memcpy (m[k], &mk, sizeof mk);
              if (argmax != NULL)
                {
                  v16i pixel = plane + p00 + (place & 1) + (place >> 1) * W;
                  memcpy (pos[k], &pixel, sizeof pixel);
                }
              /* the winner code: its place, or DEAD where ReLU zeroed it */
              v16i alive = mk > 0.0f;
              v16i code = (place & alive) | (((v16i) {} + DEAD) & ~alive);
              memcpy (winners + (gsize) (wi + k) * O + o0, &code, sizeof code);
            }
          if (valid == LANES)
            {
              transpose16 (pooled + (gsize) o0 * n + wi, n, m[0], LANES);
              if (argmax != NULL)
                transpose16 ((float *) (argmax + (gsize) o0 * n + wi), n, (const float *) pos[0],
                             LANES);
              continue;
            }
          for (int l = 0; l < LANES; l++)   /* the rest: a store per window and lane */
            for (int k = 0; k < valid; k++)
              {
                pooled[(gsize) (o0 + l) * n + wi + k] = m[k][l];
                if (argmax != NULL)
                  argmax[(gsize) (o0 + l) * n + wi + k] = pos[k][l];
              }
        }
    }
}

void
fw_relu_pool_nhwc_backward (float *restrict dconv, const float *restrict dpooled,
                            const int *restrict winners, int H, int W, int O)
{
  int Wo = W / 2, n = (H / 2) * Wo;
  memset (dconv, 0, sizeof (float) * O * H * W);
  for (int o = 0; o < O; o++)
    for (int wi = 0; wi < n; wi++)
      {
        int code = winners[(gsize) wi * O + o];
        if (code == DEAD)
          continue;
        int y = 2 * (wi / Wo) + code / 2, x = 2 * (wi % Wo) + code % 2;
        dconv[((gsize) o * H + y) * W + x] = dpooled[(gsize) o * n + wi];
      }
}

/* dw and db from one window's gradient g (its sixteen channels, after
 * ReLU: zero where ReLU zeroed the maximum) and winner codes, p the
 * padded image at the window's top-left tap: acc[0] takes the top row's
 * two pixels, acc[1] the bottom's (two chains: a multiply-add waits four
 * cycles for its sum) */
static inline __attribute__ ((always_inline)) void
window_dw (v16 acc[2][9], v16 *sum, v16 g, v16i code, const float *restrict p, int WP)
{
  const float *row[4] = { p, p + WP, p + 2 * WP, p + 3 * WP };
  *sum += g;
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++)
    {
      int dy = k / 2, dx = k % 2;
      v16 d = pick (code == k, g, (v16) {});
#pragma GCC unroll 3
      for (int ky = 0; ky < 3; ky++)
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
          acc[dy][ky * 3 + kx] += d * row[dy + ky][dx + kx];
    }
}

FW_CLONE_AVX512 void
fw_conv_nhwc_pool_dw (float *restrict dw, float *restrict db, const float *restrict dpooled,
                      const float *restrict slots, gsize slot_stride, int n_img, int H, int W, int O)
{
  int Wo = W / 2, n = (H / 2) * Wo;
  for (int o0 = 0; o0 < O; o0 += LANES)
    {
      /* the nine sums (two chains) and db's, lanes being channels: the
       * same registers through every window of every image */
      v16 acc[2][9] = {}, sum = {};
      for (int i = 0; i < n_img; i++)
        {
          int WP, q = 0, x = 0;   /* q: the window's top-left tap in pad */
          const float *slot = slots + i * slot_stride;
          const float *pad = fw_conv_direct_padded (slot, W, &WP);
          const int *win = fw_conv_nhwc_winners (slot, H, W);
          const float *dp = dpooled + ((gsize) i * O + o0) * n;
          for (int wi = 0; wi < n; wi += LANES)
            {
              /* sixteen windows' gradients, turned window-major */
              float g[LANES][LANES] __attribute__ ((aligned (64)));
              int valid = MIN (LANES, n - wi);
              if (valid == LANES)
                transpose16 (g[0], LANES, dp + wi, n);
              else
                for (int k = 0; k < valid; k++)
                  for (int l = 0; l < LANES; l++)
                    g[k][l] = dp[(gsize) l * n + wi + k];
              for (int k = 0; k < valid; k++, next_window (&q, &x, Wo, WP))
                {
                  v16i code = load (win + (gsize) (wi + k) * O + o0, v16i);
                  v16 gk = pick (code != DEAD, load (g[k], v16), (v16) {});
                  window_dw (acc, &sum, gk, code, pad + q, WP);
                }
            }
        }
      for (int o = 0; o < LANES; o++)
        {
          for (int t = 0; t < 9; t++)
            dw[(gsize) (o0 + o) * 9 + t] += acc[0][t][o] + acc[1][t][o];
          if (db != NULL)
            db[o0 + o] += sum[o];
        }
    }
}
