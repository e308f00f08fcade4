/* fw-conv-winograd.c — 3×3 convolution (stride 1, pad 1) by Winograd's
 * F(2×2, 3×3) (Lavin & Gray 2015), for the layers after the first: each
 * 2×2 block of outputs ("tile") comes from a 4×4 window of the padded
 * input.  Per tile and channel the window is transformed (V = Bᵀ d B), the
 * kernel once per call (U = G g Gᵀ), and at each of the 16 positions of the
 * transform the channels are summed by a product U[pos] (O×C) · V[pos]
 * (C×tiles); the output is Aᵀ M A.  That is 16 products per four outputs
 * where the direct sum needs 36: 2.25× fewer multiply-adds, and the
 * products are long (hundreds of tiles), which im2col's per-image sgemm
 * (32×144 by 144×196 at 14×14) was not.
 *
 * The backward is the exact transpose of that forward, so the gradients are
 * those of what the forward computed: dM = A dY Aᵀ per tile, dU[pos] =
 * Σ_tiles dM[pos] V[pos]ᵀ (V is what the forward keeps in col), dV[pos] =
 * U[pos]ᵀ dM[pos], dinp += B dV Bᵀ on each window, dw += Gᵀ dU G.
 *
 * Work is cut as the other conv paths cut it: chunks of images of a size
 * set by B, each chunk in blocks of whole images (about 256 tiles, set by
 * the shape), every sum in a fixed order; the chunks' dU and db partials
 * are added in chunk order.  The numbers depend on the shapes alone.
 *
 * Fused with the ReLU and 2×2 max-pool after it (the model's conv2), each
 * output plane goes through a scratch plane into the pool, and backward
 * each block's output gradient is set from the pool's in the task's slot:
 * the batch's output and its gradient (1.6 MB each at batch 64, 14×14×32)
 * never go to memory and back; the same kernels on the same values, so
 * the same numbers.
 *
 * Shape key: B batch, C in channels, O out channels, H×W the image, T tiles
 * per image (⌈H/2⌉·⌈W/2⌉), nt a block's tiles, ntp nt rounded up to 16
 * (the tail is zeros), Cp / Op C and O rounded up to 8 (zero rows). */
#include "fw-conv-winograd.h"
#include "fw-clones.h"
#include "fw-kernels.h"
#include "fw-parallel.h"
#include "fw-relu-pool.h"

#include <string.h>

#define POS 16        /* positions of a 4×4 transformed tile */
#define LANES 16      /* tiles per vector */
#define RB 8          /* rows of a product's register block */
#define NV 3          /* vectors of tiles of a product's register block */
#define BLOCK_TILES 256
#define MAX_CO 32     /* Cp, Op: the forward keeps U on the stack */

/* floats from one position's matrix (rows × ntp) to the next: one vector
 * more than the rows, so the sixteen positions a transform reads or writes
 * together do not all fall in the same cache sets (rows × ntp is a power of
 * two at the shapes that matter: 16 × 256 floats) */
#define PST(rows, ntp) ((gsize) (rows) * (ntp) + LANES)

typedef float v16 __attribute__ ((vector_size (LANES * sizeof (float))));
typedef int v16i __attribute__ ((vector_size (LANES * sizeof (int))));

#define load(p) ({ v16 v_; memcpy (&v_, (p), sizeof v_); v_; })
#define store(p, v) do { v16 s_ = (v); memcpy ((p), &s_, sizeof s_); } while (0)

static inline gsize
round_up (gsize n, gsize m)
{
  return (n + m - 1) / m * m;
}

typedef struct {
  int th, tw;        /* tile rows, tile columns */
  int S, T;          /* tiles a row and an image counts: one extra a row */
  int images;        /* images per block */
  int ntp_max;       /* the longest block's ntp */
  int Cp, Op;
} Geometry;

static Geometry
geometry (int C, int H, int W, int O)
{
  Geometry g;
  g.th = (H + 1) / 2;
  g.tw = (W + 1) / 2;
  g.S = g.tw + 1;
  g.T = g.th * g.S;
  g.images = MAX (1, BLOCK_TILES / g.T);
  g.ntp_max = (int) MAX (round_up (BLOCK_TILES, LANES), round_up (g.T, LANES));
  g.Cp = (int) round_up (C, RB);
  g.Op = (int) round_up (O, RB);
  return g;
}

gboolean
fw_conv_winograd_fits (int C, int O)
{
  return C > 4 && O >= 1 && round_up (C, RB) <= MAX_CO && round_up (O, RB) <= MAX_CO;
}

/* a block of g images keeps V (POS, Cp, ntp) and, during the forward, one
 * block of RB output channels' products (POS, RB, ntp) in the images' col
 * space: per image (T + 16) tiles cover ntp's rounding, 16 floats the
 * alignment */
gsize
fw_conv_winograd_col_floats (int C, int H, int W)
{
  Geometry g = geometry (C, H, W, 1);
  return (gsize) POS * (g.Cp + RB) * (g.T + LANES) + 2 * POS * LANES + 16;
}

/* one task's slot: dU (POS, Op, Cp), db (O, rounded), then 64-byte aligned
 * dM (POS, Op, ntp_max) and dV (POS, Cp, ntp_max), then (fused with the
 * pool) a block's output gradient (images, O, H, W) */
static gsize
slot_floats (const Geometry *g, int O, int H, int W)
{
  return (gsize) POS * g->Op * g->Cp + round_up (O, 16) + 16
         + (gsize) POS * (PST (g->Op, g->ntp_max) + PST (g->Cp, g->ntp_max))
         + (gsize) g->images * O * H * W;
}

/* Uᵀ (POS, Cp, Op), then the slots */
gsize
fw_conv_winograd_work_floats (int C, int H, int W, int O)
{
  Geometry g = geometry (C, H, W, O);
  return (gsize) POS * g.Op * g.Cp + FW_PARALLEL_MAX_TASKS * slot_floats (&g, O, H, W);
}

static inline float *
aligned (const float *p)
{
  return (float *) (((guintptr) p + 63) & ~(guintptr) 63);
}

/* images per task: eight, more when B needs more than the per-task slots
 * (as fw-kernels.c cuts the other conv paths) */
static gsize
chunk_images (int B)
{
  return MAX (8, (gsize) (B + FW_PARALLEL_MAX_TASKS - 1) / FW_PARALLEL_MAX_TASKS);
}

/* ---- the weights: U = G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1] ---- */

static void
transform_weights (float *restrict U, float *restrict UT, const float *restrict w,
                   int C, int O, int Cp, int Op)
{
  if (U != NULL)
    memset (U, 0, sizeof (float) * POS * Op * Cp);
  if (UT != NULL)
    memset (UT, 0, sizeof (float) * POS * Op * Cp);
  for (int o = 0; o < O; o++)
    for (int c = 0; c < C; c++)
      {
        const float *k = w + ((gsize) o * C + c) * 9;
        float t[4][3], u[4][4];
        for (int x = 0; x < 3; x++)
          {
            t[0][x] = k[x];
            t[1][x] = 0.5f * (k[x] + k[3 + x] + k[6 + x]);
            t[2][x] = 0.5f * (k[x] - k[3 + x] + k[6 + x]);
            t[3][x] = k[6 + x];
          }
        for (int i = 0; i < 4; i++)
          {
            u[i][0] = t[i][0];
            u[i][1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
            u[i][2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
            u[i][3] = t[i][2];
          }
        for (int p = 0; p < POS; p++)
          {
            if (U != NULL)
              U[((gsize) p * Op + o) * Cp + c] = u[p / 4][p % 4];
            if (UT != NULL)
              UT[((gsize) p * Cp + c) * Op + o] = u[p / 4][p % 4];
          }
      }
}

/* dw (O, C, 3, 3) += Gᵀ dU G for each (o, c) */
static void
untransform_weight_grad (float *restrict dw, const float *restrict dU, int C, int O, int Cp, int Op)
{
  for (int o = 0; o < O; o++)
    for (int c = 0; c < C; c++)
      {
        float d[4][4], h[4][3];
        for (int p = 0; p < POS; p++)
          d[p / 4][p % 4] = dU[((gsize) p * Op + o) * Cp + c];
        for (int i = 0; i < 4; i++)
          {
            h[i][0] = d[i][0] + 0.5f * (d[i][1] + d[i][2]);
            h[i][1] = 0.5f * (d[i][1] - d[i][2]);
            h[i][2] = 0.5f * (d[i][1] + d[i][2]) + d[i][3];
          }
        float *k = dw + ((gsize) o * C + c) * 9;
        for (int x = 0; x < 3; x++)
          {
            k[x] += h[0][x] + 0.5f * (h[1][x] + h[2][x]);
            k[3 + x] += 0.5f * (h[1][x] - h[2][x]);
            k[6 + x] += 0.5f * (h[1][x] + h[2][x]) + h[3][x];
          }
      }
}

/* ---- the products ---- */

/* Y (RB, ntp) = A (RB rows, stride lda) · X (K, ntp), columns [t0, t0 + 16·nv):
 * RB × nv vectors of sums stay in registers through the K products */
static inline __attribute__ ((always_inline)) void
product_block (float *restrict Y, const float *restrict A, int lda, const float *restrict X,
               int K, int ntp, int t0, const int nv)
{
  v16 acc[RB][NV];
  for (int r = 0; r < RB; r++)
    for (int n = 0; n < nv; n++)
      acc[r][n] = (v16) {};
  for (int k = 0; k < K; k++)
    {
      v16 x[NV];
      for (int n = 0; n < nv; n++)
        x[n] = load (X + (gsize) k * ntp + t0 + n * LANES);
      for (int r = 0; r < RB; r++)
        {
          float a = A[(gsize) r * lda + k];
          for (int n = 0; n < nv; n++)
            acc[r][n] += a * x[n];
        }
    }
  for (int r = 0; r < RB; r++)
    for (int n = 0; n < nv; n++)
      store (Y + (gsize) r * ntp + t0 + n * LANES, acc[r][n]);
}

/* Y (R, ntp) = A (R, lda) · X (K, ntp), R a multiple of RB */
FW_CLONE_AVX512 static void
product (float *restrict Y, const float *restrict A, int lda, const float *restrict X,
         int R, int K, int ntp)
{
  int nv = ntp / LANES;
  for (int r = 0; r < R; r += RB)
    {
      int v = 0;
      for (; v + NV <= nv; v += NV)
        product_block (Y + (gsize) r * ntp, A + (gsize) r * lda, lda, X, K, ntp, v * LANES, NV);
      for (; v < nv; v++)
        product_block (Y + (gsize) r * ntp, A + (gsize) r * lda, lda, X, K, ntp, v * LANES, 1);
    }
}

/* r[q] = the sum of x[q]'s sixteen lanes, for q < 16, in a fixed tree
 * (shuffles that pair lanes of two vectors, four levels) */
static inline __attribute__ ((always_inline)) void
sum_lanes16 (float r[16], const v16 x[16])
{
  static const v16i l1a = { 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23 };
  static const v16i l1b = { 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31 };
  static const v16i l2a = { 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27 };
  static const v16i l2b = { 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31 };
  static const v16i l3a = { 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29 };
  static const v16i l3b = { 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31 };
  static const v16i l4a = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };
  static const v16i l4b = { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31 };
  v16 y[8], z[4], w[2];
  for (int k = 0; k < 8; k++)
    y[k] = __builtin_shuffle (x[2 * k], x[2 * k + 1], l1a)
           + __builtin_shuffle (x[2 * k], x[2 * k + 1], l1b);
  for (int k = 0; k < 4; k++)
    z[k] = __builtin_shuffle (y[2 * k], y[2 * k + 1], l2a)
           + __builtin_shuffle (y[2 * k], y[2 * k + 1], l2b);
  for (int k = 0; k < 2; k++)
    w[k] = __builtin_shuffle (z[2 * k], z[2 * k + 1], l3a)
           + __builtin_shuffle (z[2 * k], z[2 * k + 1], l3b);
  store (r, __builtin_shuffle (w[0], w[1], l4a) + __builtin_shuffle (w[0], w[1], l4b));
}

/* dU (Op, Cp) += dM (Op, ntp) · V (Cp, ntp)ᵀ: 4 × 4 sums of sixteen lanes
 * through the block's tiles, the lanes added once at the end */
FW_CLONE_AVX512 static void
product_nt (float *restrict dU, const float *restrict dM, const float *restrict V,
            int Op, int Cp, int ntp)
{
  for (int o0 = 0; o0 < Op; o0 += 4)
    for (int c0 = 0; c0 < Cp; c0 += 4)
      {
        v16 acc[16];
        for (int q = 0; q < 16; q++)
          acc[q] = (v16) {};
        for (int t = 0; t < ntp; t += LANES)
          {
            v16 d[4], x[4];
            for (int i = 0; i < 4; i++)
              {
                d[i] = load (dM + (gsize) (o0 + i) * ntp + t);
                x[i] = load (V + (gsize) (c0 + i) * ntp + t);
              }
            for (int i = 0; i < 4; i++)
              for (int k = 0; k < 4; k++)
                acc[i * 4 + k] += d[i] * x[k];
          }
        float s[16];
        sum_lanes16 (s, acc);
        for (int i = 0; i < 4; i++)
          for (int k = 0; k < 4; k++)
            dU[(gsize) (o0 + i) * Cp + c0 + k] += s[i * 4 + k];
      }
}

/* zeros what the products read past the data in each of the POS matrices
 * of x (rows × ntp, ps floats apart): the columns past nt of the first n
 * rows, and the rows from n up to np (the count rounded for the products) */
static void
zero_padding (float *x, gsize ps, int n, int np, int nt, int ntp)
{
  for (int p = 0; p < POS; p++)
    {
      float *xp = x + p * ps;
      for (int r = 0; r < n; r++)
        memset (xp + (gsize) r * ntp + nt, 0, sizeof (float) * (ntp - nt));
      memset (xp + (gsize) n * ntp, 0, sizeof (float) * (np - n) * ntp);
    }
}

/* ---- the tile transforms ----
 * An image's tiles are numbered row by row with one extra ("virtual") tile
 * per row, S = tw + 1 to a row: then the 4×4 window of every tile is found
 * at the same offsets in four quarter planes of the padded image, P[ry][rx]
 * (Y, X) = padded (2Y + ry, 2X + rx), and sixteen consecutive tiles are
 * sixteen consecutive floats of each: the transforms run on whole vectors.
 * The extra tiles are computed and dropped (their dM is zero, so they add
 * nothing to the gradients): 1/S of the products. */

/* floats of one quarter plane: rows th + 1, one more float for the last
 * window, a vector for the last vector's lanes */
static inline int
quarter_floats (const Geometry *geo)
{
  return (int) round_up ((gsize) (geo->th + 1) * geo->S + 1 + LANES, LANES);
}

/* lanes [0, n) of v, zeros past them (a macro, as load: no vector return
 * across the clones' ABIs) */
static const v16i lane_index = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
#define first_lanes(v, n) ((v16) ((v16i) (v) & (lane_index < (n))))

static const v16i even_lanes = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };
static const v16i odd_lanes = { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31 };
static const v16i zip_low = { 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23 };
static const v16i zip_high = { 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31 };

/* even[x] = src[2x], odd[x] = src[2x + 1] for a row of W floats, zeros
 * past it, in whole vectors: up to 15 zeros are written past ⌈W/2⌉.
 * Reads up to 32 floats at a time when they lie before end, else copies
 * the row's last floats out first. */
static inline __attribute__ ((always_inline)) void
deinterleave_row (float *restrict even, float *restrict odd, const float *restrict src, int W,
                  const float *end)
{
  for (int x = 0; x < W; x += 2 * LANES)
    {
      int n = MIN (2 * LANES, W - x);
      v16 a, b;
      if (src + x + 2 * LANES <= end)
        {
          a = load (src + x);
          b = load (src + x + LANES);
        }
      else
        {
          float t[2 * LANES] = { 0 };
          memcpy (t, src + x, sizeof (float) * n);
          a = load (t);
          b = load (t + LANES);
        }
      a = first_lanes (a, n);
      b = first_lanes (b, n - LANES);
      store (even + x / 2, __builtin_shuffle (a, b, even_lanes));
      store (odd + x / 2, __builtin_shuffle (a, b, odd_lanes));
    }
}

/* dst[2x] = even[x], dst[2x + 1] = odd[x] for a row of W floats, in whole
 * vectors where they end before end (the floats past W are rewritten
 * later), else through a copy */
static inline __attribute__ ((always_inline)) void
interleave_row (float *restrict dst, const float *restrict even, const float *restrict odd, int W,
                const float *end)
{
  for (int x = 0; x < W; x += 2 * LANES)
    {
      int n = MIN (2 * LANES, W - x);
      v16 e = load (even + x / 2), o = load (odd + x / 2);
      v16 lo = __builtin_shuffle (e, o, zip_low), hi = __builtin_shuffle (e, o, zip_high);
      if (n == 2 * LANES || dst + x + 2 * LANES <= end)
        {
          store (dst + x, lo);
          store (dst + x + LANES, hi);
        }
      else
        {
          float t[2 * LANES];
          store (t, lo);
          store (t + LANES, hi);
          memcpy (dst + x, t, sizeof (float) * n);
        }
    }
}

/* dst[2x] += even[x], dst[2x + 1] += odd[x] for a row of W floats; the
 * floats past W get zeros added where they end before end, else the row's
 * end goes through a copy */
static inline __attribute__ ((always_inline)) void
interleave_add_row (float *restrict dst, const float *restrict even, const float *restrict odd,
                    int W, const float *end)
{
  for (int x = 0; x < W; x += 2 * LANES)
    {
      int n = MIN (2 * LANES, W - x);
      v16 e = load (even + x / 2), o = load (odd + x / 2);
      v16 lo = first_lanes (__builtin_shuffle (e, o, zip_low), n);
      v16 hi = first_lanes (__builtin_shuffle (e, o, zip_high), n - LANES);
      if (dst + x + 2 * LANES <= end)
        {
          store (dst + x, load (dst + x) + lo);
          store (dst + x + LANES, load (dst + x + LANES) + hi);
        }
      else
        {
          float t[2 * LANES] = { 0 };
          memcpy (t, dst + x, sizeof (float) * n);
          store (t, load (t) + lo);
          store (t + LANES, load (t + LANES) + hi);
          memcpy (dst + x, t, sizeof (float) * n);
        }
    }
}

/* P[ry][rx] of a plane (H, W): zero outside it */
static inline __attribute__ ((always_inline)) void
split_padded (float *restrict P, const float *restrict plane, int H, int W, const Geometry *geo,
              const float *end)
{
  int S = geo->S, Q = quarter_floats (geo);
  memset (P, 0, sizeof (float) * 4 * Q);
  /* rows in order: each row's zeros past its end fall on rows written
   * after it, or left zero */
  for (int y = 0; y < H; y++)
    {
      int py = y + 1;
      float *even = P + (gsize) ((py % 2) * 2 + 1) * Q + (py / 2) * S;   /* rx = 1 */
      float *odd = P + (gsize) ((py % 2) * 2 + 0) * Q + (py / 2) * S + 1;   /* rx = 0 */
      deinterleave_row (even, odd, plane + (gsize) y * W, W, end);
    }
}

/* V (POS, Cp, ntp) of g images' channels from inp (g, C, H, W): V = Bᵀ d B,
 * Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]; rows C..Cp and tiles past
 * g·T zero */
FW_CLONE_AVX512 static void
transform_input (float *restrict V, const float *restrict inp, int g, int C, int H, int W,
                 const Geometry *geo, int ntp)
{
  int S = geo->S, T = geo->T, Cp = geo->Cp, nt = g * T, Q = quarter_floats (geo);
  gsize HW = (gsize) H * W, ps = PST (Cp, ntp);
  float P[4 * Q];
  /* channel by channel, images in order: each vector's lanes past an
   * image's tiles spill into the next image's, written after, or into the
   * tail, zeroed last */
  for (int c = 0; c < C; c++)
    for (int img = 0; img < g; img++)
      {
        split_padded (P, inp + ((gsize) img * C + c) * HW, H, W, geo, inp + (gsize) g * C * HW);
        float *v = V + (gsize) c * ntp + (gsize) img * T;
        for (int u = 0; u < T; u += LANES)
          {
            v16 d[4][4], r[4][4];
            for (int a = 0; a < 4; a++)
              for (int b = 0; b < 4; b++)
                d[a][b] = load (P + (gsize) ((a % 2) * 2 + b % 2) * Q + u + (a / 2) * S + b / 2);
            for (int b = 0; b < 4; b++)
              {
                r[0][b] = d[0][b] - d[2][b];
                r[1][b] = d[1][b] + d[2][b];
                r[2][b] = d[2][b] - d[1][b];
                r[3][b] = d[1][b] - d[3][b];
              }
            for (int i = 0; i < 4; i++)
              {
                float *vi = v + (gsize) (4 * i) * ps + u;
                store (vi, r[i][0] - r[i][2]);
                store (vi + ps, r[i][1] + r[i][2]);
                store (vi + 2 * ps, r[i][2] - r[i][1]);
                store (vi + 3 * ps, r[i][1] - r[i][3]);
              }
          }
      }
  zero_padding (V, ps, C, Cp, nt, ntp);
}

/* out (g, O, H, W), channels o0 .. o0 + n, = Aᵀ M A + b, from M (POS, RB,
 * ntp) holding those channels' products; Aᵀ = [1 1 1 0; 0 1 −1 −1].  With
 * pooled (g, O, H/2, W/2) not NULL, each plane goes to a scratch plane
 * instead, and ReLU + pool (fw_relu_pool_plane) from there into pooled
 * and argmax, counted from base (the first image's plane 0) */
FW_CLONE_AVX512 static void
transform_output (float *restrict out, float *restrict pooled, int *restrict argmax, gsize base,
                  const float *restrict M, const float *restrict b, int o0, int n, int g, int O,
                  int H, int W, const Geometry *geo, int ntp)
{
  int S = geo->S, T = geo->T, TQ = (int) round_up (T, LANES);
  gsize HW = (gsize) H * W, ps = PST (RB, ntp), np = (gsize) (H / 2) * (W / 2);
  float Y[4][TQ + LANES];   /* Y[2a + b] (ty, tx) = out (2ty + a, 2tx + b) */
  float scratch[pooled != NULL ? HW : 1];
  for (int img = 0; img < g; img++)
    for (int r = 0; r < n; r++)
      {
        int o = o0 + r;
        v16 bias = (v16) {} + (b != NULL ? b[o] : 0.0f);
        const float *m = M + (gsize) r * ntp + (gsize) img * T;
        for (int u = 0; u < T; u += LANES)
          {
            v16 s[2][4];
            for (int j = 0; j < 4; j++)
              {
                v16 m0 = load (m + j * ps + u), m1 = load (m + (4 + j) * ps + u);
                v16 m2 = load (m + (8 + j) * ps + u), m3 = load (m + (12 + j) * ps + u);
                s[0][j] = m0 + m1 + m2;
                s[1][j] = m1 - m2 - m3;
              }
            for (int a = 0; a < 2; a++)
              {
                store (&Y[2 * a][u], s[a][0] + s[a][1] + s[a][2] + bias);
                store (&Y[2 * a + 1][u], s[a][1] - s[a][2] - s[a][3] + bias);
              }
          }
        gsize p = (gsize) img * O + o;
        float *plane = pooled != NULL ? scratch : out + p * HW;
        for (int y = 0; y < H; y++)   /* rows in order: see interleave_row */
          interleave_row (plane + (gsize) y * W, Y[2 * (y % 2)] + (y / 2) * S,
                          Y[2 * (y % 2) + 1] + (y / 2) * S, W, plane + HW);
        if (pooled != NULL)
          fw_relu_pool_plane (pooled + p * np, argmax + p * np, plane, base + p * HW, H, W);
      }
}

/* dM (POS, Op, ntp) = A dY Aᵀ of dout (g, O, H, W)'s tiles (outputs past
 * H or W, and the extra tiles, count as zero); rows O..Op and tiles past
 * g·T zero */
FW_CLONE_AVX512 static void
transform_output_grad (float *restrict dM, const float *restrict dout, int g, int O, int H, int W,
                       const Geometry *geo, int ntp)
{
  int S = geo->S, T = geo->T, Op = geo->Op, nt = g * T, TQ = (int) round_up (T, LANES);
  gsize HW = (gsize) H * W, ps = PST (Op, ntp);
  float D[4][TQ + LANES];   /* D[2a + b] (ty, tx) = dout (2ty + a, 2tx + b) */
  for (int o = 0; o < O; o++)
    for (int img = 0; img < g; img++)
      {
        const float *plane = dout + ((gsize) img * O + o) * HW;
        memset (D, 0, sizeof D);
        for (int y = 0; y < H; y++)   /* rows in order: see split_padded */
          deinterleave_row (D[2 * (y % 2)] + (y / 2) * S, D[2 * (y % 2) + 1] + (y / 2) * S,
                            plane + (gsize) y * W, W, dout + (gsize) g * O * HW);
        float *m = dM + (gsize) o * ntp + (gsize) img * T;
        for (int u = 0; u < T; u += LANES)
          {
            /* columns: f[a] = A (dy[a][0], dy[a][1]), then rows */
            v16 f[2][4];
            for (int a = 0; a < 2; a++)
              {
                v16 y0 = load (&D[2 * a][u]), y1 = load (&D[2 * a + 1][u]);
                f[a][0] = y0;
                f[a][1] = y0 + y1;
                f[a][2] = y0 - y1;
                f[a][3] = -y1;
              }
            for (int j = 0; j < 4; j++)
              {
                store (m + j * ps + u, f[0][j]);
                store (m + (4 + j) * ps + u, f[0][j] + f[1][j]);
                store (m + (8 + j) * ps + u, f[0][j] - f[1][j]);
                store (m + (12 + j) * ps + u, -f[1][j]);
              }
          }
      }
  zero_padding (dM, ps, O, Op, nt, ntp);
}

/* dinp (g, C, H, W) += B dV Bᵀ on each tile's window, from dV (POS, Cp, ntp);
 * B's rows: e0 = v0, e1 = v1 − v2 + v3, e2 = −v0 + v1 + v2, e3 = −v3.  The
 * windows overlap: they are added into the quarter planes one offset at a
 * time, in a fixed order. */
FW_CLONE_AVX512 static void
transform_input_grad (float *restrict dinp, const float *restrict dV, int g, int C, int H, int W,
                      const Geometry *geo, int ntp)
{
  int S = geo->S, T = geo->T, Q = quarter_floats (geo);
  gsize HW = (gsize) H * W, ps = PST (geo->Cp, ntp);
  float P[4 * Q];
  for (int img = 0; img < g; img++)
    for (int c = 0; c < C; c++)
      {
        memset (P, 0, sizeof P);
        const float *v = dV + (gsize) c * ntp + (gsize) img * T;
        for (int u = 0; u < T; u += LANES)
          {
            v16 e[4][4], d[4][4];
            int n = MIN (LANES, T - u);   /* lanes past the image: the next one's */
            for (int i = 0; i < 4; i++)
              {
                const float *vi = v + (gsize) (4 * i) * ps + u;
                v16 v0 = first_lanes (load (vi), n), v1 = first_lanes (load (vi + ps), n);
                v16 v2 = first_lanes (load (vi + 2 * ps), n), v3 = first_lanes (load (vi + 3 * ps), n);
                e[i][0] = v0;
                e[i][1] = v1 - v2 + v3;
                e[i][2] = v1 + v2 - v0;
                e[i][3] = -v3;
              }
            for (int b = 0; b < 4; b++)
              {
                d[0][b] = e[0][b];
                d[1][b] = e[1][b] - e[2][b] + e[3][b];
                d[2][b] = e[1][b] + e[2][b] - e[0][b];
                d[3][b] = -e[3][b];
              }
            for (int a = 0; a < 4; a++)
              for (int b = 0; b < 4; b++)
                {
                  float *q = P + (gsize) ((a % 2) * 2 + b % 2) * Q + u + (a / 2) * S + b / 2;
                  store (q, load (q) + d[a][b]);
                }
          }
        float *plane = dinp + ((gsize) img * C + c) * HW;
        for (int y = 0; y < H; y++)
          {
            int py = y + 1;
            const float *even = P + (gsize) ((py % 2) * 2 + 1) * Q + (py / 2) * S;
            const float *odd = P + (gsize) ((py % 2) * 2 + 0) * Q + (py / 2) * S + 1;
            interleave_add_row (plane + (gsize) y * W, even, odd, W, plane + HW);
          }
      }
}

/* ---- the passes ---- */

typedef struct {
  float *out, *col, *work, *dinp;
  const float *inp, *dout, *w, *b, *U, *UT;
  /* fused with ReLU + pool: the forward's results, the backward's inputs */
  float *pooled;
  int *argmax;
  const float *dpooled, *cpooled;
  const int *cargmax;
  gboolean want_dw, want_db;
  int B, C, H, W, O;
  Geometry geo;
} Job;

static void
forward_task (int task, int n_tasks, gpointer data)
{
  const Job *j = data;
  const Geometry *geo = &j->geo;
  int C = j->C, O = j->O, Cp = geo->Cp, Op = geo->Op;
  gsize HW = (gsize) j->H * j->W, colw = fw_conv_winograd_col_floats (C, j->H, j->W);
  gsize chunk = chunk_images (j->B);
  int b0 = (int) MIN ((gsize) j->B, task * chunk), b1 = (int) MIN ((gsize) j->B, b0 + chunk);
  for (int bb = b0; bb < b1; bb += geo->images)
    {
      int g = MIN (geo->images, b1 - bb), ntp = (int) round_up ((gsize) g * geo->T, LANES);
      float *V = aligned (j->col + bb * colw);
      float *M = V + POS * PST (Cp, ntp);   /* (POS, RB, ntp) */
      transform_input (V, j->inp + bb * C * HW, g, C, j->H, j->W, geo, ntp);
      for (int o0 = 0; o0 < Op; o0 += RB)
        {
          for (int p = 0; p < POS; p++)
            product (M + p * PST (RB, ntp), j->U + ((gsize) p * Op + o0) * Cp, Cp,
                     V + p * PST (Cp, ntp), RB, Cp, ntp);
          gsize np = (gsize) (j->H / 2) * (j->W / 2);
          transform_output (j->out != NULL ? j->out + bb * O * HW : NULL,
                            j->pooled != NULL ? j->pooled + bb * O * np : NULL,
                            j->argmax != NULL ? j->argmax + bb * O * np : NULL, bb * O * HW, M,
                            j->b, o0, MIN (RB, O - o0), g, O, j->H, j->W, geo, ntp);
        }
    }
  (void) n_tasks;
}

static void
forward (float *out, float *pooled, int *argmax, float *col, const float *inp, const float *w,
         const float *b, int B, int C, int H, int W, int O)
{
  g_return_if_fail (fw_conv_winograd_fits (C, O));
  Job j = { .out = out, .pooled = pooled, .argmax = argmax, .col = col, .inp = inp, .w = w,
            .b = b, .B = B, .C = C, .H = H, .W = W, .O = O, .geo = geometry (C, H, W, O) };
  float U[POS * MAX_CO * MAX_CO];   /* (POS, Op, Cp) */
  transform_weights (U, NULL, w, C, O, j.geo.Cp, j.geo.Op);
  j.U = U;
  fw_parallel_run ((int) ((B + chunk_images (B) - 1) / chunk_images (B)), forward_task, &j);
}

void
fw_conv_winograd_forward (float *out, float *col, const float *inp, const float *w,
                          const float *b, int B, int C, int H, int W, int O)
{
  forward (out, NULL, NULL, col, inp, w, b, B, C, H, W, O);
}

void
fw_conv_winograd_relu_pool_forward (float *pooled, int *argmax, float *col, const float *inp,
                                    const float *w, const float *b, int B, int C, int H, int W,
                                    int O)
{
  forward (NULL, pooled, argmax, col, inp, w, b, B, C, H, W, O);
}

static void
backward_task (int task, int n_tasks, gpointer data)
{
  const Job *j = data;
  const Geometry *geo = &j->geo;
  int C = j->C, O = j->O, Cp = geo->Cp, Op = geo->Op;
  gsize HW = (gsize) j->H * j->W, colw = fw_conv_winograd_col_floats (C, j->H, j->W);
  float *slot = j->work + (gsize) POS * Op * Cp + task * slot_floats (geo, O, j->H, j->W);
  float *dU = slot, *db = dU + (gsize) POS * Op * Cp;
  float *dM = aligned (db + round_up (O, 16));          /* (POS, Op, ntp) */
  float *dV = dM + POS * PST (Op, geo->ntp_max);        /* (POS, Cp, ntp) */
  float *dblock = dV + POS * PST (Cp, geo->ntp_max);    /* (images, O, H, W) */
  gsize np = (gsize) (j->H / 2) * (j->W / 2);
  memset (dU, 0, sizeof (float) * ((gsize) POS * Op * Cp + O));
  gsize chunk = chunk_images (j->B);
  int b0 = (int) MIN ((gsize) j->B, task * chunk), b1 = (int) MIN ((gsize) j->B, b0 + chunk);
  for (int bb = b0; bb < b1; bb += geo->images)
    {
      int g = MIN (geo->images, b1 - bb), ntp = (int) round_up ((gsize) g * geo->T, LANES);
      const float *dout = dblock;
      if (j->dpooled == NULL)
        dout = j->dout + bb * O * HW;
      else   /* the block's output gradient from ReLU + pool's, while in L2 */
        for (gsize p = (gsize) bb * O; p < (gsize) (bb + g) * O; p++)
          fw_relu_pool_backward_plane (dblock + (p - (gsize) bb * O) * HW, j->dpooled + p * np,
                                       j->cpooled + p * np, j->cargmax + p * np, p * HW, j->H,
                                       j->W);
      if (j->want_db)
        for (int i = 0; i < g; i++)
          fw_conv2d_bias_grad (db, dout + i * O * HW, HW, O);
      if (!j->want_dw && j->dinp == NULL)
        continue;
      const float *V = aligned (j->col + bb * colw);
      transform_output_grad (dM, dout, g, O, j->H, j->W, geo, ntp);
      /* the slot's dM and dV are laid out at this block's ntp */
      for (int p = 0; p < POS; p++)
        {
          const float *dMp = dM + p * PST (Op, ntp), *Vp = V + p * PST (Cp, ntp);
          if (j->want_dw)
            product_nt (dU + (gsize) p * Op * Cp, dMp, Vp, Op, Cp, ntp);
          if (j->dinp != NULL)
            product (dV + p * PST (Cp, ntp), j->UT + (gsize) p * Cp * Op, Op, dMp, Cp, Op, ntp);
        }
      if (j->dinp != NULL)
        transform_input_grad (j->dinp + bb * C * HW, dV, g, C, j->H, j->W, geo, ntp);
    }
  (void) n_tasks;
}

static void
backward (float *dinp, float *dw, float *db, float *work, const float *dout,
          const float *dpooled, const float *pooled, const int *argmax, const float *col,
          const float *w, int B, int C, int H, int W, int O)
{
  g_return_if_fail (fw_conv_winograd_fits (C, O));
  if (dinp == NULL && dw == NULL && db == NULL)
    return;
  Job j = { .work = work, .dinp = dinp, .dout = dout, .dpooled = dpooled, .cpooled = pooled,
            .cargmax = argmax, .col = (float *) col, .w = w,
            .want_dw = dw != NULL, .want_db = db != NULL,
            .B = B, .C = C, .H = H, .W = W, .O = O, .geo = geometry (C, H, W, O) };
  int Cp = j.geo.Cp, Op = j.geo.Op;
  gsize nu = (gsize) POS * Op * Cp;
  if (dinp != NULL)
    transform_weights (NULL, work, w, C, O, Cp, Op);
  j.UT = work;
  int n_tasks = (int) ((B + chunk_images (B) - 1) / chunk_images (B));
  fw_parallel_run (n_tasks, backward_task, &j);
  /* the chunks' partial sums, added in chunk order into the first slot's:
   * the same numbers whichever thread ran which chunk */
  float *sum = work + nu;
  gsize slot = slot_floats (&j.geo, O, H, W);
  for (int t = 1; t < n_tasks; t++)
    {
      const float *part = sum + t * slot;
      if (dw != NULL)
        for (gsize i = 0; i < nu; i++)
          sum[i] += part[i];
      if (db != NULL)
        for (int o = 0; o < O; o++)
          sum[nu + o] += part[nu + o];
    }
  if (dw != NULL)
    untransform_weight_grad (dw, sum, C, O, Cp, Op);
  if (db != NULL)
    for (int o = 0; o < O; o++)
      db[o] += sum[nu + o];
}

void
fw_conv_winograd_backward (float *dinp, float *dw, float *db, float *work,
                           const float *dout, const float *col, const float *w,
                           int B, int C, int H, int W, int O)
{
  backward (dinp, dw, db, work, dout, NULL, NULL, NULL, col, w, B, C, H, W, O);
}

void
fw_conv_winograd_relu_pool_backward (float *dinp, float *dw, float *db, float *work,
                                     const float *dpooled, const float *pooled,
                                     const int *argmax, const float *col, const float *w,
                                     int B, int C, int H, int W, int O)
{
  backward (dinp, dw, db, work, NULL, dpooled, pooled, argmax, col, w, B, C, H, W, O);
}
