/* fw-conv-nhwc.c — the one-channel first layer (3×3, pad 1, then ReLU and
 * 2×2 max-pool) with its output in pixel-major order: each pixel's sixteen
 * channels side by side.  With one input channel and sixteen outputs a
 * tap's sixteen weights fit one vector register, all nine taps nine
 * registers, and every multiply-add takes one input pixel broadcast from
 * memory: fourteen pixels' sums stay in registers through the nine taps.
 * Channel-major (fw-conv-direct.c) each multiply-add also loaded a
 * broadcast weight, and a 28-wide row took two blocks of sixteen lanes.
 * ReLU + pool reads that layout, sixteen windows at a time, and turns its
 * results channel-major in registers.
 *
 * Backward, dw comes straight from the pooled gradient, lanes being a
 * row's windows: a window's 4×4 neighbourhood in the input, read once for
 * every channel, against the gradient at each of its four pixels (zero
 * but at the winner), so the convolution's gradient is never written.
 *
 * The fused layer (fw_conv2d_relu_pool_*, fw-kernels.c) keeps the forward
 * output only in an L2 scratch; what it hands on (pooled values, argmax)
 * is channel-major, the same values and positions as fw-conv-direct.c
 * plus fw-relu-pool.c give: the forward sums run in the same order, bias
 * first.  dw and db add the same products in another order, so their last
 * bits differ from the channel-major path's. */
#include "fw-conv-nhwc.h"
#include "fw-clones.h"
#include "fw-lanes-sum.h"

#include <string.h>

#include "fw-conv-direct.h"

#define LANES 16   /* output channels per vector */
#define PIX 14     /* pixels per forward block: 14 sums + 9 weights in registers */
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
  return C == 1 && O > 0 && O % LANES == 0 && fw_conv_direct_fits (C, H, W);
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
 * (1,0) (1,1) as fw-relu-pool.c: its value after ReLU, and its pixel
 * (through pointers: a function returning a vector would have no one ABI
 * across the clones) */
static inline __attribute__ ((always_inline)) void
window_max (const float *restrict conv, int p00, int W, int O, int o0, v16 *m, v16i *pixel)
{
  const int at[4] = { p00, p00 + 1, p00 + W, p00 + W + 1 };
  v16 best = load (conv + (gsize) at[0] * O + o0, v16);
  v16i idx = (v16i) {} + at[0];
#pragma GCC unroll 3
  for (int k = 1; k < 4; k++)
    {
      v16 v = load (conv + (gsize) at[k] * O + o0, v16);
      v16i more = v > best;
      best = pick (more, v, best);
      idx = (v16i) (((v16i) {} + at[k]) & more) | (idx & ~more);
    }
  *pixel = idx;
  *m = pick (best > 0.0f, best, (v16) {});
}

/* on to the next window: its top-left pixel p00 in a plane W wide, x its
 * column of Wo (no division per window: that was a quarter of the time) */
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

FW_CLONE_AVX512 void
fw_relu_pool_nhwc (float *restrict pooled, int *restrict argmax, const float *restrict conv,
                   gsize base, int H, int W, int O)
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
      for (; wi + LANES <= n; wi += LANES)
        {
          float m[LANES][LANES] __attribute__ ((aligned (64)));
          int pos[LANES][LANES] __attribute__ ((aligned (64)));
          for (int k = 0; k < LANES; k++, next_window (&p00, &x, Wo, W))
            {
              v16 mk;
              v16i pixel;
              window_max (conv, p00, W, O, o0, &mk, &pixel);
              pixel += plane;
              memcpy (m[k], &mk, sizeof mk);
              memcpy (pos[k], &pixel, sizeof pixel);
            }
          transpose16 (pooled + (gsize) o0 * n + wi, n, m[0], LANES);
          transpose16 ((float *) (argmax + (gsize) o0 * n + wi), n, (const float *) pos[0], LANES);
        }
      for (; wi < n; wi++, next_window (&p00, &x, Wo, W))   /* the rest: a store per lane */
        {
          v16 m;
          v16i pixel;
          window_max (conv, p00, W, O, o0, &m, &pixel);
          for (int l = 0; l < LANES; l++)
            {
              pooled[(gsize) (o0 + l) * n + wi] = m[l];
              argmax[(gsize) (o0 + l) * n + wi] = plane[l] + pixel[l];
            }
        }
    }
}

/* sixteen lanes from p where the array has them (room: its elements from
 * p on), else lanes [0, valid) and zeros: a window row's block may be
 * shorter than a vector; the lanes past it (the next row's windows) count
 * for nothing, as the caller gives them a winner no pixel matches */
static inline __attribute__ ((always_inline)) void
load_part (void *dst, const void *p, int valid, gsize room)
{
  if (room >= LANES)
    {
      memcpy (dst, p, LANES * sizeof (float));
      return;
    }
  float v[LANES] = { 0 };
  for (int l = 0; l < valid; l++)
    memcpy (&v[l], (const float *) p + l, sizeof (float));
  memcpy (dst, v, sizeof v);
}

/* lanes l: p[2l], for the windows of a row: two loads and a shuffle where
 * the 32 floats read stay before end, one lane at a time where not */
static inline __attribute__ ((always_inline)) void
even_lanes (v16 *v, const float *restrict p, const float *end, int valid)
{
  static const v16i evens = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };
  if (p + 2 * LANES <= end)
    {
      *v = __builtin_shuffle (load (p, v16), load (p + LANES, v16), evens);
      return;
    }
  *v = (v16) {};
  for (int l = 0; l < valid; l++)
    (*v)[l] = p[2 * l];
}

/* dw and db from one window row's block of windows (lanes) of one
 * channel: g its pooled gradient (ReLU applied), off each window's winner
 * (0, 1, W or W + 1; none of them in lanes past the row's windows),
 * in[a][b] the padded image at row a, column b of each window's 4×4
 * neighbourhood */
static inline __attribute__ ((always_inline)) void
channel_dw (v16 acc[9], v16 *sum, v16 g, v16i off, const v16 in[4][4], int W)
{
  /* the sums into registers for the 36 multiply-adds, and back once (left
   * in memory, each multiply-add stored its sum: bound by stores) */
  v16 a[9], s = *sum;
  for (int t = 0; t < 9; t++)
    a[t] = acc[t];
  /* unrolled whole, or the sums are indexed at run time: kept in memory */
#pragma GCC unroll 4
  for (int r = 0; r < 4; r++)
    {
      int dy = r / 2, dx = r % 2;
      v16 d = pick (off == dy * W + dx, g, (v16) {});
      s += d;
#pragma GCC unroll 3
      for (int ky = 0; ky < 3; ky++)
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
          a[ky * 3 + kx] += d * in[dy + ky][dx + kx];
    }
  for (int t = 0; t < 9; t++)
    acc[t] = a[t];
  *sum = s;
}

FW_CLONE_AVX512 void
fw_conv_nhwc_pool_dw (float *restrict dw, float *restrict db, const float *restrict dpooled,
                      const float *restrict pooled, const int *restrict argmax, gsize base,
                      const float *restrict slots, gsize slot_stride, int n_img, int H, int W,
                      int O)
{
  int Ho = H / 2, Wo = W / 2, n = Ho * Wo;
  gsize HW = (gsize) H * W, total = (gsize) n_img * O * n;
  const v16i lane = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  for (int o0 = 0; o0 < O; o0 += LANES)
    {
      /* each channel's nine sums and db's, lanes being windows: added up
       * once at the end */
      v16 acc[LANES][9], sum[LANES];
      memset (acc, 0, sizeof acc);
      memset (sum, 0, sizeof sum);
      for (int i = 0; i < n_img; i++)
        {
          int WP;
          const float *pad = fw_conv_direct_padded (slots + i * slot_stride, W, &WP);
          const float *end = pad + (gsize) (H + 2) * WP;
          for (int y = 0; y < Ho; y++)
            for (int x0 = 0; x0 < Wo; x0 += LANES)
              {
                int valid = MIN (LANES, Wo - x0);
                /* the windows' 4×4 neighbourhoods, shared by every channel */
                v16 in[4][4];
                for (int a = 0; a < 4; a++)
                  for (int b = 0; b < 4; b++)
                    even_lanes (&in[a][b], pad + (gsize) (2 * y + a) * WP + 2 * x0 + b, end,
                                valid);
                /* lanes past the row's windows: a pixel no winner is at */
                v16i p00 = 2 * y * W + 2 * (x0 + lane);
                for (int l = valid; l < LANES; l++)
                  p00[l] = G_MININT / 2;
                for (int o = 0; o < LANES; o++)
                  {
                    gsize c = ((gsize) i * O + o0 + o) * n + (gsize) y * Wo + x0;
                    v16 p, d;
                    v16i at;
                    load_part (&p, pooled + c, valid, total - c);
                    load_part (&d, dpooled + c, valid, total - c);
                    load_part (&at, argmax + c, valid, total - c);
                    v16 g = pick (p > (v16) {}, d, (v16) {});
                    v16i off = at - (int) (base + ((gsize) i * O + o0 + o) * HW) - p00;
                    channel_dw (acc[o], &sum[o], g, off, (const v16 (*)[4]) in, W);
                  }
              }
        }
      for (int o = 0; o < LANES; o++)
        {
          for (int t = 0; t < 9; t++)
            dw[(gsize) (o0 + o) * 9 + t] += fw_lanes_sum (acc[o][t]);
          if (db != NULL)
            db[o0 + o] += fw_lanes_sum (sum[o]);
        }
    }
}
