/* fw-conv-direct.c — the 3×3 convolution of a first layer (one to four
 * input channels) computed straight from a zero-padded copy of the image,
 * without im2col or sgemm.  With Kc = C·9 = 9 or 27 products per output
 * the im2col matrix is wider than the arithmetic done on it, and sgemm
 * packs it once more: conv1 reached 15-19% of sgemm's peak that way.
 * Here sixteen output channels × sixteen pixels stay in sixteen vector
 * registers through all Kc taps (each tap: one load of sixteen input
 * pixels, sixteen FMAs with a broadcast weight), so the loop is bound by
 * arithmetic, not by memory.
 *
 * The padded copy is what the forward keeps for the backward, in the
 * buffer that holds im2col on the other path: rows of WP = round16(W) + 16
 * floats (the pad, the image, zeros up to whole vectors), H + 2 rows per
 * channel, from a 64-byte boundary.  Sums run over the taps in a fixed order and over pixels in
 * fixed blocks, so the numbers depend on the shapes only. */
#include "fw-conv-direct.h"
#include "fw-clones.h"

#include <string.h>

#include "fw-kernels.h"


#define LANES 16   /* pixels per block */
#define OB 16      /* output channels per block */
typedef float v16 __attribute__ ((vector_size (LANES * sizeof (float))));
typedef int v16i __attribute__ ((vector_size (LANES * sizeof (int))));

/* the sum of a vector's lanes, in one fixed tree: the same bits in every
 * target clone (inline, so each clone compiles it for itself) */
static inline __attribute__ ((always_inline)) float
lanes_sum (v16 v)
{
  float s[LANES];
  memcpy (s, &v, sizeof s);
  for (int half = LANES / 2; half > 0; half /= 2)
    for (int j = 0; j < half; j++)
      s[j] += s[j + half];
  return s[0];
}

/* Rows of a whole number of vectors with room for the two border columns
 * past the last block, so every row starts on a 64-byte line: a load that
 * straddles two lines costs two, and the dw loop is bound by loads. */
static inline int
padded_width (int W)
{
  return (W + LANES - 1) / LANES * LANES + LANES;
}

/* the padded image starts at the first 64-byte boundary in its slot */
#define ALIGN_FLOATS 16
static inline float *
aligned (const float *slot)
{
  return (float *) (((guintptr) slot + 63) & ~(guintptr) 63);
}

gsize
fw_conv_direct_floats (int C, int H, int W)
{
  return (gsize) C * (H + 2) * padded_width (W) + ALIGN_FLOATS;
}

gsize
fw_conv_direct_group (int H, int W, int O)
{
  /* as many as fit half a megabyte, so the fused layer's copy stays in L2
   * (a call adds its sums' lanes once: per image that cost a tenth of dw) */
  gsize g = (gsize) 128 * 1024 / ((gsize) MAX (O, 1) * MAX (H, 1) * MAX (W, 1));
  return CLAMP (g, 1, 8);
}

gboolean
fw_conv_direct_fits (int C, int H, int W)
{
  /* four channels at most (Kc ≤ 36: the first layer), and the padded copy
   * must fit where im2col would go (it does unless the image is tiny) */
  return C >= 1 && C <= 4 && H >= 1 && W >= 1
         && fw_conv_direct_floats (C, H, W) <= (gsize) C * 9 * H * W;
}

const float *
fw_conv_direct_padded (const float *slot, int W, int *stride)
{
  *stride = padded_width (W);
  return aligned (slot);
}

void
fw_conv_direct_pad (float *restrict slot, const float *restrict inp, int C, int H, int W)
{
  int WP = padded_width (W);
  float *pad = aligned (slot);
  memset (pad, 0, sizeof (float) * (fw_conv_direct_floats (C, H, W) - ALIGN_FLOATS));
  for (int c = 0; c < C; c++)
    for (int y = 0; y < H; y++)
      memcpy (pad + ((gsize) c * (H + 2) + y + 1) * WP + 1, inp + ((gsize) c * H + y) * W,
              sizeof (float) * W);
}

/* an unaligned load of sixteen floats (a macro: a function returning a
 * vector would have no one ABI across the clones) */
#define load(p) ({ v16 v_; memcpy (&v_, (p), sizeof v_); v_; })

/* out rows [o0, o0 + n) of output row y, pixels [x0, x0 + valid).  The
 * weights come as wt (Kc, OB): each tap's sixteen channels side by side
 * (zeros past O), so all sixteen sums are computed, and stored for n. */
static inline __attribute__ ((always_inline)) void
forward_block (float *restrict out, const float *restrict pad, const float *restrict wt,
               const float *restrict bias, int C, int H, int W, int WP, int o0, int n,
               int y, int x0, int valid)
{
  v16 acc[OB];
  for (int o = 0; o < OB; o++)
    acc[o] = (v16) {} + bias[o];
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < 3; ky++)
      {
        const float *row = pad + ((gsize) c * (H + 2) + y + ky) * WP + x0;
        const float *wk = wt + (gsize) ((c * 3 + ky) * 3) * OB;
        for (int kx = 0; kx < 3; kx++, wk += OB)
          {
            v16 in = load (row + kx);
            for (int o = 0; o < OB; o++)
              acc[o] += in * wk[o];
          }
      }
  gsize HW = (gsize) H * W;
  float *dst = out + (gsize) o0 * HW + (gsize) y * W + x0;
  if (valid == LANES)
    for (int o = 0; o < n; o++)
      memcpy (dst + o * HW, &acc[o], sizeof (v16));
  else
    for (int o = 0; o < n; o++)
      for (int j = 0; j < valid; j++)
        dst[o * HW + j] = acc[o][j];
}

/* TILE_ROWS output rows × TILE_OUT channels (oc.. of the block of
 * sixteen whose weights wt holds) at pixels x0.., all sixteen lanes
 * stored: each weight, loaded once, serves TILE_ROWS rows, where
 * forward_block loads one per multiply-add (loads, not multiply-adds,
 * bounded it).  The same sums in the same order as forward_block's. */
#define TILE_ROWS 4
#define TILE_OUT 4
static inline __attribute__ ((always_inline)) void
forward_tile (float *restrict out, const float *restrict pad, const float *restrict wt,
              const float *restrict bias, int C, int H, int W, int WP, int o0, int oc, int y,
              int x0)
{
  v16 acc[TILE_ROWS][TILE_OUT];
  for (int r = 0; r < TILE_ROWS; r++)
    for (int o = 0; o < TILE_OUT; o++)
      acc[r][o] = (v16) {} + bias[oc + o];
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++)
        {
          const float *row = pad + ((gsize) c * (H + 2) + y + ky) * WP + x0 + kx;
          const float *wk = wt + (gsize) ((c * 3 + ky) * 3 + kx) * OB + oc;
          v16 in[TILE_ROWS];
          for (int r = 0; r < TILE_ROWS; r++)
            in[r] = load (row + (gsize) r * WP);
          for (int o = 0; o < TILE_OUT; o++)
            {
              float wo = wk[o];
              for (int r = 0; r < TILE_ROWS; r++)
                acc[r][o] += in[r] * wo;
            }
        }
  gsize HW = (gsize) H * W;
  for (int o = 0; o < TILE_OUT; o++)
    for (int r = 0; r < TILE_ROWS; r++)
      memcpy (out + (gsize) (o0 + oc + o) * HW + (gsize) (y + r) * W + x0, &acc[r][o],
              sizeof (v16));
}

/* all sixteen channels of a block in tiles, rows TILE_ROWS at a time and
 * the rest by forward_block; rows at least a block wide (the last block
 * ends at W, recomputing a few lanes to the same bits) */
static inline __attribute__ ((always_inline)) void
forward_tiles (float *restrict out, const float *restrict pad, const float *restrict wt,
               const float *restrict bias, int C, int H, int W, int WP, int o0)
{
  int blocks = (W + LANES - 1) / LANES, y = 0;
  for (; y + TILE_ROWS <= H; y += TILE_ROWS)
    for (int oc = 0; oc < OB; oc += TILE_OUT)
      for (int k = 0; k < blocks; k++)
        forward_tile (out, pad, wt, bias, C, H, W, WP, o0, oc, y, MIN (k * LANES, W - LANES));
  for (; y < H; y++)
    for (int k = 0; k < blocks; k++)
      forward_block (out, pad, wt, bias, C, H, W, WP, o0, OB, y, MIN (k * LANES, W - LANES),
                     LANES);
}

/* every block of output rows o0 .. o0 + n */
static inline __attribute__ ((always_inline)) void
forward_rows (float *restrict out, const float *restrict pad, const float *restrict wt,
              const float *restrict bias, int C, int H, int W, int WP, int o0, int n)
{
  for (int y = 0; y < H; y++)
    for (int x0 = 0; x0 < W; x0 += LANES)
      {
        if (x0 + LANES > W && W >= LANES)
          {
            /* the row's last pixels: a whole block ending at W, its first
             * lanes computed again (to the same bits) — a partial store
             * was a fifth of the time at 28 wide */
            forward_block (out, pad, wt, bias, C, H, W, WP, o0, n, y, W - LANES, LANES);
            break;
          }
        forward_block (out, pad, wt, bias, C, H, W, WP, o0, n, y, x0, MIN (LANES, W - x0));
      }
}

FW_CLONE_AVX512 void
fw_conv_direct_forward (float *restrict out, const float *restrict slot, const float *restrict w,
                        const float *restrict b, int C, int H, int W, int O)
{
  int WP = padded_width (W), Kc = C * 9;
  const float *pad = aligned (slot);
  for (int o0 = 0; o0 < O; o0 += OB)
    {
      int n = MIN (OB, O - o0);
      /* this block's weights tap-major (at most 36 × 16 floats) */
      float wt[36 * OB], bias[OB];
      for (int t = 0; t < Kc; t++)
        for (int o = 0; o < OB; o++)
          wt[t * OB + o] = o < n ? w[(gsize) (o0 + o) * Kc + t] : 0.0f;
      for (int o = 0; o < OB; o++)
        bias[o] = o < n && b != NULL ? b[o0 + o] : 0.0f;
      /* the common cases with constants, so the taps unroll and the
       * stores need no count: one or three channels, sixteen outputs.
       * Three channels in tiles: 27 taps' weight loads bounded the
       * row-at-a-time loop, 79% of sgemm's peak against 95% (64×64, in
       * L2).  One channel row at a time: its 9 taps leave the tile's
       * stores and set-up no cover (57% against 42-52%). */
      if (C == 1 && n == OB)
        forward_rows (out, pad, wt, bias, 1, H, W, WP, o0, OB);
      else if (C == 3 && n == OB && W >= LANES)
        forward_tiles (out, pad, wt, bias, 3, H, W, WP, o0);
      else
        forward_rows (out, pad, wt, bias, C, H, W, WP, o0, n);
    }
}

/* one block of sixteen pixels of the dw sums below, from `rows` output
 * rows at once (each input row loaded once feeds all the output rows it
 * touches: 2 rows take 12 loads for 36 multiply-adds where one row at a
 * time took 18; 3 and 4 rows measured slower, registers run out):
 * d[j] holds dout's rows o0.. (n of them) at these pixels
 * of output row y + j, row the padded image at (c, y, x0) */
#define DW_ROWS 2
static inline __attribute__ ((always_inline)) void
dw_pixels (v16 acc[2][9], v16 d[DW_ROWS][2], const float *restrict row, int WP, int n, int rows)
{
  for (int r = 0; r < rows + 2; r++)
    for (int kx = 0; kx < 3; kx++)
      {
        v16 in = load (row + (gsize) r * WP + kx);
        for (int j = 0; j < rows; j++)
          if (r - j >= 0 && r - j < 3)
            for (int o = 0; o < n; o++)
              acc[o][(r - j) * 3 + kx] += d[j][o] * in;
      }
}

/* d = dout's rows o0.. (n of them) at pixels src.. of an output row, added
 * into sum: sixteen loaded and masked (the row's last block ends at W and
 * overlaps the one before: its lanes counted already are masked off), or,
 * for a row narrower than a block, copied out (lanes past W add nothing,
 * and are not read) */
static inline __attribute__ ((always_inline)) void
dout_block (v16 d[2], v16 sum[2], const float *restrict src, gsize HW, int n, int W,
            gboolean narrow, v16i mask)
{
  for (int o = 0; o < n; o++)
    {
      if (narrow)
        {
          float tail[LANES] = { 0 };
          memcpy (tail, src + o * HW, sizeof (float) * W);
          d[o] = load (tail);
        }
      else
        d[o] = (v16) ((v16i) load (src + o * HW) & mask);
      sum[o] += d[o];
    }
}

/* one image's products into acc and sum: output rows two at a time, each
 * pair in blocks of sixteen pixels (the last one ending at W), in one flat
 * loop over (pair, block) with the mask loaded, not chosen: with a loop
 * per pair, or a separate pass for the last block, the eighteen sums went
 * to the stack and back every two rows */
static inline __attribute__ ((always_inline)) void
dw_image (v16 acc[2][9], v16 sum[2], const float *restrict dout, const float *restrict pad,
          int c, int H, int W, int WP, int o0, int n, gboolean narrow, const v16i masks[2])
{
  gsize HW = (gsize) H * W;
  int full = W / LANES, blocks = narrow ? 1 : (W + LANES - 1) / LANES;
  /* the pair's first rows, moved on by pointer (indices recomputed each
   * block cost as many integer operations as there are multiply-adds) */
  const float *row = pad + (gsize) c * (H + 2) * WP, *src = dout + (gsize) o0 * HW;
  v16 d[DW_ROWS][2];
  int k = 0;
  for (int i = 0; i < H / DW_ROWS * blocks; i++)
    {
      int x0 = MIN (k * LANES, MAX (W - LANES, 0));
      v16i mask = masks[k >= full];
      for (int j = 0; j < DW_ROWS; j++)
        dout_block (d[j], sum, src + j * W + x0, HW, n, W, narrow, mask);
      dw_pixels (acc, d, row + x0, WP, n, DW_ROWS);
      if (++k == blocks)
        {
          k = 0;
          src += DW_ROWS * W;
          row += DW_ROWS * WP;
        }
    }
  for (k = 0; H % DW_ROWS && k < blocks; k++)   /* an odd last row */
    {
      int x0 = MIN (k * LANES, MAX (W - LANES, 0));
      dout_block (d[0], sum, src + x0, HW, n, W, narrow, masks[k >= full]);
      dw_pixels (acc, d, row + x0, WP, n, 1);
    }
}

/* dw rows o0, o0 + 1 (n = 2, or 1 for an odd last one), the nine taps of
 * input channel c, over n_img images: eighteen running sums of sixteen
 * lanes, lanes added in a fixed tree once at the end; with c = 0 the same
 * pass sums db (dout is read once for both) */
static inline __attribute__ ((always_inline)) void
dw_block (float *restrict dw, float *restrict db, const float *restrict dout,
          const float *restrict slots, gsize slot_stride, int n_img, int C, int H, int W,
          int WP, int O, int o0, int n, int c)
{
  v16 acc[2][9], sum[2] = { {}, {} };   /* sum: db's, in the same pass */
  for (int o = 0; o < 2; o++)
    for (int t = 0; t < 9; t++)
      acc[o][t] = (v16) {};
  /* a whole block's lanes, and the lanes of the row's last block that
   * the block before did not count */
  v16i masks[2];
  for (int l = 0; l < LANES; l++)
    {
      masks[0][l] = -1;
      masks[1][l] = l >= LANES - W % LANES ? -1 : 0;
    }
  gsize image_floats = (gsize) O * H * W;
  for (int i = 0; i < n_img; i++)
    {
      const float *pad = aligned (slots + i * slot_stride), *di = dout + i * image_floats;
      if (W >= LANES)
        dw_image (acc, sum, di, pad, c, H, W, WP, o0, n, FALSE, masks);
      else
        dw_image (acc, sum, di, pad, c, H, W, WP, o0, n, TRUE, masks);
    }
  int Kc = C * 9;
  for (int o = 0; o < n; o++)
    {
      for (int t = 0; t < 9; t++)
        dw[(gsize) (o0 + o) * Kc + c * 9 + t] += lanes_sum (acc[o][t]);
      if (db != NULL && c == 0)
        db[o0 + o] += lanes_sum (sum[o]);
    }
}

FW_CLONE_AVX512 void
fw_conv_direct_dw (float *restrict dw, float *restrict db, const float *restrict dout,
                   const float *restrict slots, gsize slot_stride, int n_img, int C, int H,
                   int W, int O)
{
  int WP = padded_width (W);
  for (int c = 0; c < C; c++)
    {
      int o0 = 0;
      for (; o0 + 2 <= O; o0 += 2)
        dw_block (dw, db, dout, slots, slot_stride, n_img, C, H, W, WP, O, o0, 2, c);
      if (o0 < O)
        dw_block (dw, db, dout, slots, slot_stride, n_img, C, H, W, WP, O, o0, 1, c);
    }
}
