/* fw-kernels.c — the fast kernels of fw-kernels.h: matrix products go to
 * OpenBLAS sgemm, everything else is a flat loop the compiler can vectorize.
 * Kernels never allocate: temporaries live in the caller's scratch, sized by
 * fw_conv2d_scratch_floats / fw_gru_scratch_floats.  The training path's
 * kernels split their work over the calling thread's pool (fw-parallel.h),
 * each task running single-threaded sgemm; with no pool they run serially.
 *
 * Shape key as in fw-kernels.h; N = B·H·W, Kc = C·3·3 (im2col rows).
 */
#include "fw-kernels.h"
#include "fw-clones.h"
#include "fw-conv-direct.h"
#include "fw-conv-nhwc.h"
#include "fw-conv-winograd.h"
#include "fw-parallel.h"
#include "fw-relu-pool.h"
#include "fw-rng.h"

#include <math.h>
#include <string.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include <cblas.h>
/* cblas.h pulls in <complex.h>, whose macro I would rewrite linear's
 * in-features parameter I (the header's name) into the imaginary unit */
#undef I

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

/* C (M,N) = alpha·op(A)·op(B) + beta·C, row-major.  OpenBLAS rejects zero
 * leading dimensions, and an empty batch or sequence is legitimate here, so
 * empty products are handled before calling it. */
static void
fw_sgemm (gboolean trans_a, gboolean trans_b, int M, int N, int K,
          float alpha, const float *A, int lda, const float *B, int ldb,
          float beta, float *C, int ldc)
{
  if (M <= 0 || N <= 0)
    return;
  if (K <= 0)
    {
      if (beta == 0.0f)
        for (int m = 0; m < M; m++)
          memset (C + (gsize) m * ldc, 0, (gsize) N * sizeof (float));
      else if (beta != 1.0f)
        for (int m = 0; m < M; m++)
          for (int n = 0; n < N; n++)
            C[(gsize) m * ldc + n] *= beta;
      return;
    }
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Work is cut into chunks of a fixed size, never into one piece per
 * thread: which products run, and in which order partial sums are added,
 * then depends on the shapes alone, so any thread count gives the same
 * numbers (the pool only decides who runs each chunk). */
static inline int
fw_n_chunks (gsize n, gsize chunk)
{
  return (int) ((n + chunk - 1) / chunk);
}

static inline void
fw_chunk (int task, gsize chunk, gsize n, gsize *start, gsize *end)
{
  *start = MIN (n, (gsize) task * chunk);
  *end = MIN (n, *start + chunk);
}

/* rows (R, n) each set to v (n), or to zero when v is NULL */
static void
fw_fill_rows (float *restrict rows, const float *restrict v, gsize R, gsize n)
{
  if (v == NULL)
    {
      memset (rows, 0, R * n * sizeof (float));
      return;
    }
  for (gsize r = 0; r < R; r++)
    memcpy (rows + r * n, v, n * sizeof (float));
}

/* acc (n) += column sums of m (R, n) */
static void
fw_add_col_sums (float *restrict acc, const float *restrict m, gsize R, gsize n)
{
  for (gsize r = 0; r < R; r++)
    {
      const float *row = m + r * n;
      for (gsize j = 0; j < n; j++)
        acc[j] += row[j];
    }
}

/* σ(x) without overflow: exp only ever sees −|x| */
static inline float
fw_sigmoidf (float x)
{
  float e = expf (-fabsf (x));
  float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : e * s;
}

void
fw_kernels_flush_denormals (void)
{
#if defined(__SSE__)
  /* FTZ (bit 15) and DAZ (bit 6) of MXCSR */
  _mm_setcsr (_mm_getcsr () | 0x8040);
#endif
}

/* ------------------------------------------------------------------------ */
/* linear                                                                    */

/* Below this many multiply-adds a layer runs on one thread: waking a worker
 * costs more than it saves (a head's last layer, a small vocabulary).
 * Above it, products go in chunks of FW_LINEAR_CHUNK columns. */
#define FW_LINEAR_SPLIT_MACS (1 << 20)
#define FW_LINEAR_CHUNK 64

static gsize
fw_linear_chunk (int B, int I, int O, int n)
{
  return (gsize) B * I * O >= FW_LINEAR_SPLIT_MACS ? FW_LINEAR_CHUNK : (gsize) MAX (n, 1);
}

typedef struct {
  float *out, *dinp, *dw, *db;
  const float *inp, *dout, *w, *b;
  int B, I, O;
} FwLinearJob;

/* each task computes the output columns [o0, o1): no partial sums to add up */
static void
fw_linear_forward_task (int task, int n_tasks, gpointer data)
{
  const FwLinearJob *j = data;
  gsize o0, o1;
  fw_chunk (task, fw_linear_chunk (j->B, j->I, j->O, j->O), j->O, &o0, &o1);
  if (o1 <= o0)
    return;
  int n = (int) (o1 - o0);
  for (int r = 0; r < j->B; r++)
    {
      float *row = j->out + (gsize) r * j->O + o0;
      if (j->b != NULL)
        memcpy (row, j->b + o0, sizeof (float) * n);
      else
        memset (row, 0, sizeof (float) * n);
    }
  fw_sgemm (FALSE, TRUE, j->B, n, j->I, 1.0f, j->inp, j->I, j->w + o0 * j->I, j->I, 1.0f,
            j->out + o0, j->O);
}

void
fw_linear_forward (float *out, const float *inp, const float *w, const float *b,
                   int B, int I, int O)
{
  FwLinearJob j = { .out = out, .inp = inp, .w = w, .b = b, .B = B, .I = I, .O = O };
  fw_parallel_run (fw_n_chunks (O, fw_linear_chunk (B, I, O, O)), fw_linear_forward_task, &j);
}

/* each task owns the rows [o0, o1) of dw and db and the columns [i0, i1)
 * of dinp, so every gradient element has one writer */
static void
fw_linear_backward_task (int task, int n_tasks, gpointer data)
{
  const FwLinearJob *j = data;
  int B = j->B, I = j->I, O = j->O;
  gsize o0, o1, i0, i1;
  fw_chunk (task, fw_linear_chunk (B, I, O, O), O, &o0, &o1);
  fw_chunk (task, fw_linear_chunk (B, I, O, I), I, &i0, &i1);
  if (j->dinp != NULL && i1 > i0)   /* (B, i) += dout (B,O) · w (O, i) */
    fw_sgemm (FALSE, FALSE, B, (int) (i1 - i0), O, 1.0f, j->dout, O, j->w + i0, I, 1.0f,
              j->dinp + i0, I);
  if (o1 <= o0)
    return;
  if (j->dw != NULL)   /* (o, I) += doutᵀ (o, B) · inp (B, I) */
    fw_sgemm (TRUE, FALSE, (int) (o1 - o0), I, B, 1.0f, j->dout + o0, O, j->inp, I, 1.0f,
              j->dw + o0 * I, I);
  if (j->db != NULL)
    for (int r = 0; r < B; r++)
      {
        const float *row = j->dout + (gsize) r * O;
        for (gsize o = o0; o < o1; o++)
          j->db[o] += row[o];
      }
}

void
fw_linear_backward (float *dinp, float *dw, float *db,
                    const float *dout, const float *inp, const float *w,
                    int B, int I, int O)
{
  FwLinearJob j = { .dinp = dinp, .dw = dw, .db = db, .dout = dout, .inp = inp, .w = w,
                    .B = B, .I = I, .O = O };
  int n_tasks = MAX (fw_n_chunks (O, fw_linear_chunk (B, I, O, O)),
                     fw_n_chunks (I, fw_linear_chunk (B, I, O, I)));
  fw_parallel_run (n_tasks, fw_linear_backward_task, &j);
}

/* ------------------------------------------------------------------------ */
/* linear on sparse inputs                                                   */

/* Counts are a few words out of a vocabulary: a dense product multiplies
 * mostly zeros, B·I·O of them.  Here each output unit o walks its weight
 * row once for the whole batch and gathers the nonzero columns, so a row is
 * read from cache B times and the work is nnz·O. */

gsize
fw_linear_sparse_index_ints (int B, int I)
{
  return (gsize) B * I + (gsize) B + 1;
}

/* nonzeros of inp (B,I) as rows: start (B+1), then the column of each */
static gsize
fw_find_nonzeros (int *restrict nz_index, float *restrict nz_value,
                  const float *restrict inp, int B, int I)
{
  int *start = nz_index, *col = nz_index + B + 1;
  gsize n = 0;
  for (int r = 0; r < B; r++)
    {
      const float *row = inp + (gsize) r * I;
      start[r] = (int) n;
      for (int i = 0; i < I; i++)
        if (row[i] != 0.0f)
          {
            col[n] = i;
            nz_value[n] = row[i];
            n++;
          }
    }
  start[B] = (int) n;
  return n;
}

static gboolean
fw_is_sparse (gsize nnz, int B, int I)
{
  return nnz * FW_SPARSE_RATIO <= (gsize) B * I;
}

void
fw_linear_forward_sparse (float *out, int *nz_index, float *nz_value,
                          const float *inp, const float *w, const float *b,
                          int B, int I, int O)
{
  gsize nnz = fw_find_nonzeros (nz_index, nz_value, inp, B, I);
  if (!fw_is_sparse (nnz, B, I))
    {
      fw_linear_forward (out, inp, w, b, B, I, O);
      return;
    }
  const int *start = nz_index, *col = nz_index + B + 1;
  for (int o = 0; o < O; o++)
    {
      const float *wo = w + (gsize) o * I;
      float bias = b != NULL ? b[o] : 0.0f;
      for (int r = 0; r < B; r++)
        {
          float s = 0.0f;
          for (int k = start[r]; k < start[r + 1]; k++)
            s += nz_value[k] * wo[col[k]];
          out[(gsize) r * O + o] = bias + s;
        }
    }
}

void
fw_linear_backward_sparse (float *dinp, float *dw, float *db,
                           int *nz_index, float *nz_value,
                           const float *dout, const float *inp, const float *w,
                           int B, int I, int O)
{
  if (dinp != NULL) /* the input gradient is dense whatever the input */
    fw_sgemm (FALSE, FALSE, B, I, O, 1.0f, dout, O, w, I, 1.0f, dinp, I);
  if (db != NULL)
    fw_add_col_sums (db, dout, B, O);
  if (dw == NULL)
    return;
  gsize nnz = fw_find_nonzeros (nz_index, nz_value, inp, B, I);
  if (!fw_is_sparse (nnz, B, I))
    {
      fw_linear_backward (NULL, dw, NULL, dout, inp, w, B, I, O);
      return;
    }
  const int *start = nz_index, *col = nz_index + B + 1;
  for (int o = 0; o < O; o++)
    {
      float *dwo = dw + (gsize) o * I;
      for (int r = 0; r < B; r++)
        {
          float g = dout[(gsize) r * O + o];
          if (g == 0.0f)   /* ReLU zeroes about half of them */
            continue;
          for (int k = start[r]; k < start[r + 1]; k++)
            dwo[col[k]] += g * nz_value[k];
        }
    }
}

/* ------------------------------------------------------------------------ */
/* conv2d 3x3, stride 1, pad 1                                               */

/* Both passes hold col (Kc, N) and one (O, N) matrix at a time. */
gsize
fw_conv2d_scratch_floats (int B, int C, int H, int W, int O)
{
  gsize N = (gsize) B * H * W;
  return ((gsize) C * FW_CONV_K * FW_CONV_K + (gsize) O) * N;
}

/* valid output columns x for kernel column kx: 0 <= x + kx - PAD < W */
static inline void
fw_conv_x_range (int kx, int W, int *x0, int *x1)
{
  *x0 = MAX (0, FW_CONV_PAD - kx);
  *x1 = MIN (W, W + FW_CONV_PAD - kx);
}

/* col (Kc, N): row (c,ky,kx), column (b,y,x) = inp[b,c,y+ky-1,x+kx-1] or 0 */
static void
fw_im2col (float *restrict col, const float *restrict inp, int B, int C, int H, int W)
{
  gsize HW = (gsize) H * W, N = (gsize) B * HW;

  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < FW_CONV_K; ky++)
      for (int kx = 0; kx < FW_CONV_K; kx++)
        {
          float *row = col + ((gsize) (c * FW_CONV_K + ky) * FW_CONV_K + kx) * N;
          int x0, x1;
          fw_conv_x_range (kx, W, &x0, &x1);
          for (int b = 0; b < B; b++)
            {
              const float *plane = inp + ((gsize) b * C + c) * HW;
              for (int y = 0; y < H; y++)
                {
                  float *dst = row + (gsize) b * HW + (gsize) y * W;
                  int iy = y + ky - FW_CONV_PAD;
                  if (iy < 0 || iy >= H || x1 <= x0)
                    {
                      memset (dst, 0, (gsize) W * sizeof (float));
                      continue;
                    }
                  const float *src = plane + (gsize) iy * W + (kx - FW_CONV_PAD);
                  for (int x = 0; x < x0; x++)
                    dst[x] = 0.0f;
                  for (int x = x0; x < x1; x++)
                    dst[x] = src[x];
                  for (int x = x1; x < W; x++)
                    dst[x] = 0.0f;
                }
            }
        }
}

/* dinp (B,C,H,W) += the transpose of fw_im2col applied to dcol (Kc, N) */
static void
fw_col2im_add (float *restrict dinp, const float *restrict dcol, int B, int C, int H, int W)
{
  gsize HW = (gsize) H * W, N = (gsize) B * HW;

  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < FW_CONV_K; ky++)
      for (int kx = 0; kx < FW_CONV_K; kx++)
        {
          const float *row = dcol + ((gsize) (c * FW_CONV_K + ky) * FW_CONV_K + kx) * N;
          int x0, x1;
          fw_conv_x_range (kx, W, &x0, &x1);
          for (int b = 0; b < B; b++)
            {
              float *plane = dinp + ((gsize) b * C + c) * HW;
              for (int y = 0; y < H; y++)
                {
                  int iy = y + ky - FW_CONV_PAD;
                  if (iy < 0 || iy >= H)
                    continue;
                  const float *src = row + (gsize) b * HW + (gsize) y * W;
                  float *dst = plane + (gsize) iy * W + (kx - FW_CONV_PAD);
                  for (int x = x0; x < x1; x++)
                    dst[x] += src[x];
                }
            }
        }
}

void
fw_conv2d_forward (float *out, float *scratch, const float *inp,
                   const float *w, const float *b,
                   int B, int C, int H, int W, int O)
{
  gsize HW = (gsize) H * W, N = (gsize) B * HW;
  int Kc = C * FW_CONV_K * FW_CONV_K;
  float *col = scratch;                     /* (Kc, N) */
  float *res = scratch + (gsize) Kc * N;    /* (O, N) */

  if (N == 0 || O == 0)
    return;
  fw_im2col (col, inp, B, C, H, W);
  /* one product for the whole batch: res (O,N) = w (O,Kc) · col (Kc,N) */
  fw_sgemm (FALSE, FALSE, O, (int) N, Kc, 1.0f, w, Kc, col, (int) N, 0.0f, res, (int) N);

  /* (O, B·HW) -> (B, O, HW), adding the bias on the way */
  for (int bi = 0; bi < B; bi++)
    for (int o = 0; o < O; o++)
      {
        const float *src = res + (gsize) o * N + (gsize) bi * HW;
        float *dst = out + ((gsize) bi * O + o) * HW;
        float bias = b != NULL ? b[o] : 0.0f;
        for (gsize i = 0; i < HW; i++)
          dst[i] = src[i] + bias;
      }
}

void
fw_conv2d_backward (float *dinp, float *dw, float *db, float *scratch,
                    const float *dout, const float *inp, const float *w,
                    int B, int C, int H, int W, int O)
{
  gsize HW = (gsize) H * W, N = (gsize) B * HW;
  int Kc = C * FW_CONV_K * FW_CONV_K;
  float *col = scratch;                     /* (Kc, N): im2col(inp), then dcol */
  float *dres = scratch + (gsize) Kc * N;   /* (O, N) */

  if (N == 0 || O == 0)
    return;

  /* (B, O, HW) -> (O, B·HW), so each gradient is one sgemm; the bias
   * gradient is summed on the way since the data is in cache anyway */
  for (int bi = 0; bi < B; bi++)
    for (int o = 0; o < O; o++)
      {
        const float *restrict src = dout + ((gsize) bi * O + o) * HW;
        float *restrict dst = dres + (gsize) o * N + (gsize) bi * HW;
        /* eight running sums, not one: a single sum is a chain of dependent
         * additions the compiler may not reorder, four cycles an element */
        float acc[8] = { 0 };
        gsize i = 0;
        for (; i + 8 <= HW; i += 8)
          for (int k = 0; k < 8; k++)
            {
              dst[i + k] = src[i + k];
              acc[k] += src[i + k];
            }
        for (; i < HW; i++)
          {
            dst[i] = src[i];
            acc[0] += src[i];
          }
        if (db != NULL)
          db[o] += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
      }

  if (dw != NULL)
    {
      /* dw (O,Kc) += dres (O,N) · colᵀ (N,Kc) */
      fw_im2col (col, inp, B, C, H, W);
      fw_sgemm (FALSE, TRUE, O, Kc, (int) N, 1.0f, dres, (int) N, col, (int) N,
                1.0f, dw, Kc);
    }
  if (dinp != NULL)
    {
      /* dcol (Kc,N) = wᵀ (Kc,O) · dres (O,N), then folded back onto dinp */
      fw_sgemm (TRUE, FALSE, Kc, (int) N, O, 1.0f, w, Kc, dres, (int) N,
                0.0f, col, (int) N);
      fw_col2im_add (dinp, col, B, C, H, W);
    }
}

/* ---- the same convolution keeping col, image by image ------------------ */

/* up to this many im2col rows (one channel) the products are plain loops;
 * at 27 (RGB) sgemm was measured faster (bench-layers 64 3) */
#define FW_CONV_THIN_KC 9

/* images per task: eight, more when B needs more than the per-task slots */
static gsize
fw_conv_chunk (int B)
{
  return MAX (8, (gsize) fw_n_chunks (B, FW_PARALLEL_MAX_TASKS));
}

gsize
fw_conv2d_col_floats (int C, int H, int W)
{
  gsize im2col = (gsize) C * FW_CONV_K * FW_CONV_K * H * W;
  /* the Winograd path's transformed input (its O is not known here: room
   * for whichever O it serves) */
  return fw_conv_winograd_fits (C, 1) ? MAX (im2col, fw_conv_winograd_col_floats (C, H, W)) : im2col;
}

/* one task's part of work: dcol (Kc, HW), then dw (O, Kc) and db (O) partials */
static gsize
fw_conv2d_task_floats (int C, int H, int W, int O)
{
  gsize Kc = (gsize) C * FW_CONV_K * FW_CONV_K;
  return Kc * H * W + (gsize) O * Kc + (gsize) O;
}

gsize
fw_conv2d_work_floats (int C, int H, int W, int O)
{
  gsize im2col = FW_PARALLEL_MAX_TASKS * fw_conv2d_task_floats (C, H, W, O);
  return fw_conv_winograd_fits (C, O) ? MAX (im2col, fw_conv_winograd_work_floats (C, H, W, O)) : im2col;
}

/* out (O, HW) = w (O, Kc) · col (Kc, HW) + b, for Kc too small for sgemm's
 * packing to pay.  Sixteen columns at a time, each output's sixteen sums
 * stay in registers through all Kc products, so the loop does arithmetic
 * rather than load and store the output Kc times. */
#define FW_THIN_COLS 16
FW_CLONE_AVX512 static void
fw_conv_thin_forward (float *restrict out, const float *restrict col, const float *restrict w,
                      const float *restrict b, int Kc, int HW, int O)
{
  int p = 0;
  for (; p + FW_THIN_COLS <= HW; p += FW_THIN_COLS)
    for (int o = 0; o < O; o++)
      {
        const float *wo = w + (gsize) o * Kc;
        float bias = b != NULL ? b[o] : 0.0f;
        float acc[FW_THIN_COLS];
        for (int j = 0; j < FW_THIN_COLS; j++)
          acc[j] = bias;
        for (int k = 0; k < Kc; k++)
          {
            const float *restrict src = col + (gsize) k * HW + p;
            float wk = wo[k];
            for (int j = 0; j < FW_THIN_COLS; j++)
              acc[j] += wk * src[j];
          }
        float *restrict dst = out + (gsize) o * HW + p;
        for (int j = 0; j < FW_THIN_COLS; j++)
          dst[j] = acc[j];
      }
  for (; p < HW; p++)   /* the last few columns */
    for (int o = 0; o < O; o++)
      {
        float s = b != NULL ? b[o] : 0.0f;
        for (int k = 0; k < Kc; k++)
          s += w[(gsize) o * Kc + k] * col[(gsize) k * HW + p];
        out[(gsize) o * HW + p] = s;
      }
}

/* dw (O, Kc) += dout (O, HW) · colᵀ: per output channel, Kc running sums
 * of sixteen lanes each, one pass over the columns (dout's row read once,
 * not Kc times) */
static inline __attribute__ ((always_inline)) void
fw_conv_thin_dw_kc (float *restrict dw, const float *restrict dout, const float *restrict col,
                    int Kc, int HW, int O)
{
  for (int o = 0; o < O; o++)
    {
      const float *restrict d = dout + (gsize) o * HW;
      float acc[FW_CONV_THIN_KC][FW_THIN_COLS] = { { 0 } };
      int p = 0;
      for (; p + FW_THIN_COLS <= HW; p += FW_THIN_COLS)
        for (int k = 0; k < Kc; k++)
          {
            const float *restrict c = col + (gsize) k * HW + p;
            for (int j = 0; j < FW_THIN_COLS; j++)
              acc[k][j] += d[p + j] * c[j];
          }
      for (int k = 0; k < Kc; k++)
        {
          float s = 0.0f;
          for (int q = p; q < HW; q++)
            s += d[q] * col[(gsize) k * HW + q];
          /* the sixteen lanes in a fixed tree */
          for (int half = FW_THIN_COLS / 2; half > 0; half /= 2)
            for (int j = 0; j < half; j++)
              acc[k][j] += acc[k][j + half];
          dw[(gsize) o * Kc + k] += acc[k][0] + s;
        }
    }
}

FW_CLONE_AVX512 static void
fw_conv_thin_dw (float *restrict dw, const float *restrict dout, const float *restrict col,
                 int Kc, int HW, int O)
{
  /* Kc is 9 (one channel): a constant lets the nine sums live in registers */
  fw_conv_thin_dw_kc (dw, dout, col, FW_CONV_THIN_KC, HW, O);
  (void) Kc;
}

void
fw_conv2d_bias_grad (float *restrict db, const float *restrict dout, gsize HW, int O)
{
  for (int o = 0; o < O; o++)
    {
      const float *restrict d = dout + (gsize) o * HW;
      float acc[8] = { 0 };
      gsize p = 0;
      for (; p + 8 <= HW; p += 8)
        for (int j = 0; j < 8; j++)
          acc[j] += d[p + j];
      for (; p < HW; p++)
        acc[0] += d[p];
      db[o] += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    }
}

typedef struct {
  float *out, *col, *work;
  float *dinp, *dw, *db;
  const float *inp, *dout, *w, *b;
  const float *saved_col;   /* backward: forward's col */
  int B, C, H, W, O;
} FwConvJob;

static void
fw_conv_forward_task (int task, int n_tasks, gpointer data)
{
  const FwConvJob *j = data;
  gsize HW = (gsize) j->H * j->W, b0, b1;
  int Kc = j->C * FW_CONV_K * FW_CONV_K;
  fw_chunk (task, fw_conv_chunk (j->B), j->B, &b0, &b1);
  for (gsize bi = b0; bi < b1; bi++)
    {
      float *col = j->col + bi * Kc * HW;
      float *out = j->out + bi * j->O * HW;
      if (fw_conv_direct_fits (j->C, j->H, j->W))
        {
          /* first layers: the padded image is what backward needs */
          fw_conv_direct_pad (col, j->inp + bi * j->C * HW, j->C, j->H, j->W);
          fw_conv_direct_forward (out, col, j->w, j->b, j->C, j->H, j->W, j->O);
          continue;
        }
      fw_im2col (col, j->inp + bi * j->C * HW, 1, j->C, j->H, j->W);
      if (Kc <= FW_CONV_THIN_KC)
        {
          fw_conv_thin_forward (out, col, j->w, j->b, Kc, (int) HW, j->O);
          continue;
        }
      for (int o = 0; o < j->O; o++)
        {
          float bias = j->b != NULL ? j->b[o] : 0.0f;
          for (gsize i = 0; i < HW; i++)
            out[o * HW + i] = bias;
        }
      /* out (O, HW) += w (O, Kc) · col (Kc, HW): already the output's layout */
      fw_sgemm (FALSE, FALSE, j->O, (int) HW, Kc, 1.0f, j->w, Kc, col, (int) HW, 1.0f,
                out, (int) HW);
    }
}

void
fw_conv2d_forward_col (float *out, float *col, const float *inp,
                       const float *w, const float *b,
                       int B, int C, int H, int W, int O)
{
  if (B <= 0 || O <= 0 || H <= 0 || W <= 0)
    return;
  if (fw_conv_winograd_fits (C, O))   /* five or more input channels */
    {
      fw_conv_winograd_forward (out, col, inp, w, b, B, C, H, W, O);
      return;
    }
  FwConvJob j = { .out = out, .col = col, .inp = inp, .w = w, .b = b,
                  .B = B, .C = C, .H = H, .W = W, .O = O };
  fw_parallel_run (fw_n_chunks (B, fw_conv_chunk (B)), fw_conv_forward_task, &j);
}

/* the chunks' partial sums of dw (O, Kc) then db (O), task t's at
 * partials + t·stride, added in chunk order: the same numbers whichever
 * thread ran which chunk, and for any thread count */
static void
fw_conv_add_partials (float *dw, float *db, const float *partials, gsize stride, int n_tasks,
                      int Kc, int O)
{
  for (int t = 0; t < n_tasks; t++)
    {
      const float *pdw = partials + t * stride, *pdb = pdw + (gsize) O * Kc;
      if (dw != NULL)
        for (gsize i = 0; i < (gsize) O * Kc; i++)
          dw[i] += pdw[i];
      if (db != NULL)
        for (int o = 0; o < O; o++)
          db[o] += pdb[o];
    }
}

static void
fw_conv_backward_task (int task, int n_tasks, gpointer data)
{
  const FwConvJob *j = data;
  gsize HW = (gsize) j->H * j->W, b0, b1;
  int Kc = j->C * FW_CONV_K * FW_CONV_K, O = j->O;
  float *dcol = j->work + task * fw_conv2d_task_floats (j->C, j->H, j->W, O);
  float *dw = dcol + (gsize) Kc * HW, *db = dw + (gsize) O * Kc;
  memset (dw, 0, sizeof (float) * ((gsize) O * Kc + O));
  fw_chunk (task, fw_conv_chunk (j->B), j->B, &b0, &b1);
  gboolean direct = fw_conv_direct_fits (j->C, j->H, j->W);
  /* first layers: dw and db in one pass over dout, a group of images at a
   * time as the fused path does (dw is the task's own partial sum, so
   * computing it unasked harms none) */
  gsize group = fw_conv_direct_group (j->H, j->W, O);
  for (gsize g0 = b0; direct && (j->dw != NULL || j->db != NULL) && g0 < b1; g0 += group)
    fw_conv_direct_dw (dw, j->db != NULL ? db : NULL, j->dout + g0 * O * HW,
                       j->saved_col + g0 * Kc * HW, Kc * HW, (int) MIN (group, b1 - g0), j->C,
                       j->H, j->W, O);
  for (gsize bi = b0; bi < b1; bi++)
    {
      const float *col = j->saved_col + bi * Kc * HW;
      const float *dout = j->dout + bi * O * HW;
      if (!direct)
        {
          if (j->db != NULL)
            fw_conv2d_bias_grad (db, dout, HW, O);
          if (j->dw != NULL && Kc <= FW_CONV_THIN_KC)
            fw_conv_thin_dw (dw, dout, col, Kc, (int) HW, O);
          else if (j->dw != NULL)   /* dw (O,Kc) += dout (O,HW) · colᵀ (HW,Kc) */
            fw_sgemm (FALSE, TRUE, O, Kc, (int) HW, 1.0f, dout, (int) HW, col, (int) HW, 1.0f,
                      dw, Kc);
        }
      if (j->dinp != NULL)
        {
          /* dcol (Kc,HW) = wᵀ (Kc,O) · dout (O,HW), folded back onto the image */
          fw_sgemm (TRUE, FALSE, Kc, (int) HW, O, 1.0f, j->w, Kc, dout, (int) HW, 0.0f,
                    dcol, (int) HW);
          fw_col2im_add (j->dinp + bi * j->C * HW, dcol, 1, j->C, j->H, j->W);
        }
    }
}

void
fw_conv2d_backward_col (float *dinp, float *dw, float *db, float *work,
                        const float *dout, const float *col, const float *w,
                        int B, int C, int H, int W, int O)
{
  if (B <= 0 || O <= 0 || H <= 0 || W <= 0)
    return;
  if (fw_conv_winograd_fits (C, O))
    {
      fw_conv_winograd_backward (dinp, dw, db, work, dout, col, w, B, C, H, W, O);
      return;
    }
  FwConvJob j = { .work = work, .dinp = dinp, .dw = dw, .db = db, .dout = dout, .saved_col = col,
                  .w = w, .B = B, .C = C, .H = H, .W = W, .O = O };
  int n_tasks = fw_n_chunks (B, fw_conv_chunk (B));
  fw_parallel_run (n_tasks, fw_conv_backward_task, &j);
  int Kc = C * FW_CONV_K * FW_CONV_K;
  fw_conv_add_partials (dw, db, work + (gsize) Kc * H * W, fw_conv2d_task_floats (C, H, W, O),
                        n_tasks, Kc, O);
}

/* ------------------------------------------------------------------------ */
/* ReLU fused with 2x2 max-pool                                              */

typedef struct {
  float *out, *dinp;
  int *argmax;
  const float *inp, *dout, *pooled;
  const int *cargmax;
  int B, C, H, W;
} FwPoolJob;

static void
fw_relu_pool_forward_task (int task, int n_tasks, gpointer data)
{
  const FwPoolJob *j = data;
  gsize n = (gsize) (j->H / 2) * (j->W / 2), HW = (gsize) j->H * j->W, p0, p1;
  fw_parallel_range (task, n_tasks, (gsize) j->B * j->C, 1, &p0, &p1);
  for (gsize p = p0; p < p1; p++)
    fw_relu_pool_plane (j->out + p * n, j->argmax + p * n, j->inp + p * HW, p * HW, j->H, j->W);
}

void
fw_relu_maxpool2_forward (float *out, int *argmax, const float *inp, int B, int C, int H, int W)
{
  FwPoolJob j = { .out = out, .argmax = argmax, .inp = inp, .B = B, .C = C, .H = H, .W = W };
  fw_parallel_run (fw_parallel_tasks (B * C), fw_relu_pool_forward_task, &j);
}

/* Writes each plane of dinp once (fw-relu-pool.c): no memset of the whole
 * buffer first and no scattered second pass (at 64×64 RGB conv1's
 * gradient is 16 MB a step). */
static void
fw_relu_pool_backward_task (int task, int n_tasks, gpointer data)
{
  const FwPoolJob *j = data;
  gsize HW = (gsize) j->H * j->W, n = (gsize) (j->H / 2) * (j->W / 2), p0, p1;
  fw_parallel_range (task, n_tasks, (gsize) j->B * j->C, 1, &p0, &p1);
  for (gsize p = p0; p < p1; p++)
    fw_relu_pool_backward_plane (j->dinp + p * HW, j->dout + p * n, j->pooled + p * n,
                                 j->cargmax + p * n, p * HW, j->H, j->W);
}

void
fw_relu_maxpool2_backward_set (float *dinp, const float *dout, const float *out,
                               const int *argmax, int B, int C, int H, int W)
{
  FwPoolJob j = { .dinp = dinp, .dout = dout, .pooled = out, .cargmax = argmax,
                  .B = B, .C = C, .H = H, .W = W };
  fw_parallel_run (fw_parallel_tasks (B * C), fw_relu_pool_backward_task, &j);
}

/* ------------------------------------------------------------------------ */
/* a first layer's convolution, ReLU and 2x2 max-pool, image by image        */

/* On the direct path (one to four input channels) each image's convolution
 * goes to a scratch slot held by the running task, where ReLU+pool reads
 * it back while it is still in L2; backward likewise sets a group of
 * images' gradient in the slot and dw reads it there.  Unfused, the batch's output and its
 * gradient (3 MB at 28×28, 16 MB at 64×64 RGB) went to memory and back
 * twice a step.  Same kernels, same order: the same numbers as unfused.
 * One input channel runs pixel-major (fw-conv-nhwc.c): the same forward
 * numbers, its positions kept as winner codes in each image's slot (no
 * argmax), and a backward that needs no scratch, its dw taken straight
 * from the pooled gradient, in another order (the last bits differ).
 * Five or more input channels (conv2) take the Winograd path's own fusion
 * (fw_conv_winograd_relu_pool_*): the same numbers as unfused. */

typedef struct {
  float *pooled, *col, *work, *dw, *db;
  int *argmax;
  const float *inp, *w, *b, *dpooled, *cpooled;
  const int *cargmax;
  int B, C, H, W, O;
  gint busy[FW_PARALLEL_MAX_TASKS];   /* scratch slots in use */
} FwConvPoolJob;

/* work: each task's dw (O, Kc) and db (O) partials, then a scratch slot
 * (a group of images' convolution, or its gradient) per running task.
 * Slots, not one per task: with one thread every chunk reuses slot 0,
 * which stays in L2 (a slot per task cycled through 3 MB at 28×28). */
static gsize
fw_conv_pool_partial_floats (int C, int O)
{
  return (gsize) O * C * FW_CONV_K * FW_CONV_K + O;
}

static gsize
fw_conv_pool_slot_floats (int H, int W, int O)
{
  return fw_conv_direct_group (H, W, O) * O * H * W;
}

static float *
fw_conv_pool_claim_slot (FwConvPoolJob *j, int *slot)
{
  for (*slot = 0; !g_atomic_int_compare_and_exchange (&j->busy[*slot], 0, 1); )
    *slot = (*slot + 1) % FW_PARALLEL_MAX_TASKS;
  return j->work + FW_PARALLEL_MAX_TASKS * fw_conv_pool_partial_floats (j->C, j->O)
         + *slot * fw_conv_pool_slot_floats (j->H, j->W, j->O);
}

gsize
fw_conv2d_relu_pool_work_floats (int C, int H, int W, int O)
{
  gsize fused = fw_conv_direct_fits (C, H, W)
                ? FW_PARALLEL_MAX_TASKS * (fw_conv_pool_partial_floats (C, O)
                                           + fw_conv_pool_slot_floats (H, W, O)) : 0;
  return MAX (fused, fw_conv2d_work_floats (C, H, W, O));
}

static void
fw_conv_pool_forward_task (int task, int n_tasks, gpointer data)
{
  FwConvPoolJob *j = data;
  int O = j->O, held;
  gsize HW = (gsize) j->H * j->W, n = (gsize) (j->H / 2) * (j->W / 2), b0, b1;
  gsize slot = fw_conv2d_col_floats (j->C, j->H, j->W);
  gboolean nhwc = fw_conv_nhwc_fits (j->C, j->H, j->W, O);
  float *conv = fw_conv_pool_claim_slot (j, &held);
  fw_chunk (task, fw_conv_chunk (j->B), j->B, &b0, &b1);
  for (gsize bi = b0; bi < b1; bi++)
    {
      float *col = j->col + bi * slot;
      fw_conv_direct_pad (col, j->inp + bi * j->C * HW, j->C, j->H, j->W);
      if (nhwc)
        {
          fw_conv_nhwc_forward (conv, col, j->w, j->b, j->H, j->W, O);
          /* positions only as winner codes, in the image's slot */
          fw_relu_pool_nhwc (j->pooled + bi * O * n, NULL, fw_conv_nhwc_winners (col, j->H, j->W),
                             conv, bi * O * HW, j->H, j->W, O);
          continue;
        }
      fw_conv_direct_forward (conv, col, j->w, j->b, j->C, j->H, j->W, O);
      for (int o = 0; o < O; o++)
        {
          gsize p = bi * O + o;
          fw_relu_pool_plane (j->pooled + p * n, j->argmax + p * n, conv + o * HW, p * HW,
                              j->H, j->W);
        }
    }
  g_atomic_int_set (&j->busy[held], 0);
}

void
fw_conv2d_relu_pool_forward (float *pooled, int *argmax, float *conv, float *col, float *work,
                             const float *inp, const float *w, const float *b,
                             int B, int C, int H, int W, int O)
{
  if (B <= 0 || O <= 0 || H <= 0 || W <= 0)
    return;
  if (fw_conv_winograd_fits (C, O))
    {
      fw_conv_winograd_relu_pool_forward (pooled, argmax, col, inp, w, b, B, C, H, W, O);
      return;
    }
  if (!fw_conv_direct_fits (C, H, W))
    {
      fw_conv2d_forward_col (conv, col, inp, w, b, B, C, H, W, O);
      fw_relu_maxpool2_forward (pooled, argmax, conv, B, O, H, W);
      return;
    }
  FwConvPoolJob j = { .pooled = pooled, .argmax = argmax, .col = col, .work = work, .inp = inp,
                      .w = w, .b = b, .B = B, .C = C, .H = H, .W = W, .O = O };
  fw_parallel_run (fw_n_chunks (B, fw_conv_chunk (B)), fw_conv_pool_forward_task, &j);
}

static void
fw_conv_pool_backward_task (int task, int n_tasks, gpointer data)
{
  FwConvPoolJob *j = data;
  int O = j->O, Kc = j->C * FW_CONV_K * FW_CONV_K, held;
  gsize HW = (gsize) j->H * j->W, n = (gsize) (j->H / 2) * (j->W / 2), b0, b1;
  gsize slot = fw_conv2d_col_floats (j->C, j->H, j->W);
  float *dw = j->work + task * fw_conv_pool_partial_floats (j->C, O), *db = dw + (gsize) O * Kc;
  memset (dw, 0, sizeof (float) * ((gsize) O * Kc + O));
  fw_chunk (task, fw_conv_chunk (j->B), j->B, &b0, &b1);
  if (fw_conv_nhwc_fits (j->C, j->H, j->W, O))
    {
      /* dw straight from the pooled gradient: no scratch */
      fw_conv_nhwc_pool_dw (dw, j->db != NULL ? db : NULL, j->dpooled + b0 * O * n,
                            j->col + b0 * slot, slot, (int) (b1 - b0), j->H, j->W, O);
      return;
    }
  gsize group = fw_conv_direct_group (j->H, j->W, O);
  float *dconv = fw_conv_pool_claim_slot (j, &held);
  for (gsize g0 = b0; g0 < b1; g0 += group)
    {
      gsize g1 = MIN (g0 + group, b1);
      for (gsize p = g0 * O; p < g1 * O; p++)
        fw_relu_pool_backward_plane (dconv + (p - g0 * O) * HW, j->dpooled + p * n,
                                     j->cpooled + p * n, j->cargmax + p * n, p * HW, j->H, j->W);
      fw_conv_direct_dw (dw, j->db != NULL ? db : NULL, dconv, j->col + g0 * slot, slot,
                         (int) (g1 - g0), j->C, j->H, j->W, O);
    }
  g_atomic_int_set (&j->busy[held], 0);
}

void
fw_conv2d_relu_pool_backward (float *dinp, float *dw, float *db, float *dconv, float *work,
                              const float *dpooled, const float *pooled, const int *argmax,
                              const float *col, const float *w, int B, int C, int H, int W, int O)
{
  if (B <= 0 || O <= 0 || H <= 0 || W <= 0)
    return;
  if (fw_conv_winograd_fits (C, O))
    {
      fw_conv_winograd_relu_pool_backward (dinp, dw, db, work, dpooled, pooled, argmax, col, w, B,
                                           C, H, W, O);
      return;
    }
  if (dinp != NULL || !fw_conv_direct_fits (C, H, W))
    {
      gsize HW = (gsize) H * W, n = (gsize) (H / 2) * (W / 2), slot = fw_conv2d_col_floats (C, H, W);
      if (fw_conv_nhwc_fits (C, H, W, O))   /* its positions: the slots' winner codes */
        for (gsize bi = 0; bi < (gsize) B; bi++)
          fw_relu_pool_nhwc_backward (dconv + bi * O * HW, dpooled + bi * O * n,
                                      fw_conv_nhwc_winners (col + bi * slot, H, W), H, W, O);
      else
        fw_relu_maxpool2_backward_set (dconv, dpooled, pooled, argmax, B, O, H, W);
      fw_conv2d_backward_col (dinp, dw, db, work, dconv, col, w, B, C, H, W, O);
      return;
    }
  if (dw == NULL && db == NULL)
    return;
  FwConvPoolJob j = { .col = (float *) col, .work = work, .dw = dw, .db = db, .dpooled = dpooled,
                      .cpooled = pooled, .cargmax = argmax, .B = B, .C = C, .H = H, .W = W,
                      .O = O };
  int n_tasks = fw_n_chunks (B, fw_conv_chunk (B));
  fw_parallel_run (n_tasks, fw_conv_pool_backward_task, &j);
  int Kc = C * FW_CONV_K * FW_CONV_K;
  fw_conv_add_partials (dw, db, work, fw_conv_pool_partial_floats (C, O), n_tasks, Kc, O);
}

/* ------------------------------------------------------------------------ */
/* 2x2 max-pool                                                              */

void
fw_maxpool2_forward (float *out, int *argmax, const float *inp, int B, int C, int H, int W)
{
  int Ho = H / 2, Wo = W / 2;

  for (gsize p = 0; p < (gsize) B * C; p++)
    {
      gsize base = p * H * W;
      const float *plane = inp + base;
      float *o = out + p * Ho * Wo;
      int *a = argmax + p * Ho * Wo;
      for (int y = 0; y < Ho; y++)
        for (int x = 0; x < Wo; x++)
          {
            int i0 = 2 * y * W + 2 * x;
            int idx[4] = { i0, i0 + 1, i0 + W, i0 + W + 1 };
            int best = idx[0];
            for (int k = 1; k < 4; k++)
              if (plane[idx[k]] > plane[best])
                best = idx[k];
            o[y * Wo + x] = plane[best];
            a[y * Wo + x] = (int) (base + best);
          }
    }
}

void
fw_maxpool2_backward (float *dinp, const float *dout, const int *argmax, int B, int C, int H, int W)
{
  gsize n = (gsize) B * C * (H / 2) * (W / 2);

  for (gsize i = 0; i < n; i++)
    dinp[argmax[i]] += dout[i];
}

/* ------------------------------------------------------------------------ */
/* element-wise activations                                                  */

void
fw_relu_forward (float *out, const float *inp, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void
fw_relu_backward (float *restrict dinp, const float *restrict dout, const float *restrict out,
                  gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      /* loaded unconditionally, so the compiler selects instead of
       * branching: a branch on the sign mispredicts half the time */
      float g = dout[i];
      dinp[i] += out[i] > 0.0f ? g : 0.0f;
    }
}

void
fw_relu_backward_set (float *restrict dinp, const float *restrict dout, const float *restrict out,
                      gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      float g = dout[i];
      dinp[i] = out[i] > 0.0f ? g : 0.0f;
    }
}

void
fw_tanh_forward (float *out, const float *inp, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = tanhf (inp[i]);
}

void
fw_tanh_backward (float *dinp, const float *dout, const float *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void
fw_sigmoid_forward (float *out, const float *inp, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = fw_sigmoidf (inp[i]);
}

void
fw_sigmoid_backward (float *dinp, const float *dout, const float *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}

/* ------------------------------------------------------------------------ */
/* dropout                                                                   */

void
fw_dropout_forward (float *out, float *mask, const float *inp, float p, gsize n,
                    guint64 *rng_state)
{
  if (p <= 0.0f)
    {
      /* no draws, so evaluation and p = 0 leave the stream untouched */
      memmove (out, inp, n * sizeof (float));
      if (mask != NULL)
        for (gsize i = 0; i < n; i++)
          mask[i] = 1.0f;
      return;
    }

  /* p >= 1 drops everything rather than dividing by zero */
  float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (gsize i = 0; i < n; i++)
    {
      float m = fw_rng_uniform (rng_state) < p ? 0.0f : keep;
      mask[i] = m;
      out[i] = inp[i] * m;
    }
}

void
fw_dropout_backward (float *dinp, const float *dout, const float *mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dinp[i] += dout[i] * mask[i];
}

/* ------------------------------------------------------------------------ */
/* softmax and cross-entropy                                                 */

/* probs row (K) = softmax(logits row); returns log Σ exp(logits) */
static float
fw_softmax_row (float *restrict probs, const float *restrict logits, int K)
{
  float mx = -INFINITY;
  for (int k = 0; k < K; k++)
    mx = logits[k] > mx ? logits[k] : mx;
  float sum = 0.0f;
  for (int k = 0; k < K; k++)
    {
      probs[k] = expf (logits[k] - mx);
      sum += probs[k];
    }
  float inv = 1.0f / sum;
  for (int k = 0; k < K; k++)
    probs[k] *= inv;
  return mx + logf (sum);
}

void
fw_softmax_forward (float *probs, const float *logits, int B, int K)
{
  for (int b = 0; b < B; b++)
    fw_softmax_row (probs + (gsize) b * K, logits + (gsize) b * K, K);
}

void
fw_softmax_xent_forward (float *losses, float *probs, const float *logits,
                         const int *targets, int B, int K)
{
  for (int b = 0; b < B; b++)
    {
      const float *row = logits + (gsize) b * K;
      float lse = fw_softmax_row (probs + (gsize) b * K, row, K);
      /* log-sum-exp form: no log of a probability that underflowed to 0 */
      losses[b] = lse - row[targets[b]];
    }
}

void
fw_softmax_xent_backward (float *dlogits, const float *probs, const int *targets,
                          float scale, int B, int K)
{
  for (int b = 0; b < B; b++)
    {
      float *d = dlogits + (gsize) b * K;
      const float *p = probs + (gsize) b * K;
      for (int k = 0; k < K; k++)
        d[k] += scale * p[k];
      d[targets[b]] -= scale;
    }
}

/* ------------------------------------------------------------------------ */
/* embeddings                                                                */

void
fw_embedding_forward (float *out, const int *tokens, const float *table,
                      int B, int L, int E)
{
  for (int t = 0; t < L; t++)
    for (int b = 0; b < B; b++)
      memcpy (out + ((gsize) t * B + b) * E,
              table + (gsize) tokens[(gsize) b * L + t] * E, (gsize) E * sizeof (float));
}

void
fw_embedding_backward (float *dtable, const float *dout, const int *tokens,
                       int B, int L, int E)
{
  for (int t = 0; t < L; t++)
    for (int b = 0; b < B; b++)
      {
        float *d = dtable + (gsize) tokens[(gsize) b * L + t] * E;
        const float *g = dout + ((gsize) t * B + b) * E;
        for (int e = 0; e < E; e++)
          d[e] += g[e];
      }
}

void
fw_embedding_bag_mean_forward (float *out, const int *tokens, const int *lens,
                               const float *table, int B, int L, int E)
{
  for (int b = 0; b < B; b++)
    {
      float *o = out + (gsize) b * E;
      int n = MIN (lens[b], L);
      memset (o, 0, (gsize) E * sizeof (float));
      for (int t = 0; t < n; t++)
        {
          const float *row = table + (gsize) tokens[(gsize) b * L + t] * E;
          for (int e = 0; e < E; e++)
            o[e] += row[e];
        }
      if (n > 0)
        {
          float inv = 1.0f / (float) n;
          for (int e = 0; e < E; e++)
            o[e] *= inv;
        }
    }
}

void
fw_embedding_bag_mean_backward (float *dtable, const float *dout, const int *tokens,
                                const int *lens, int B, int L, int E)
{
  for (int b = 0; b < B; b++)
    {
      int n = MIN (lens[b], L);
      if (n <= 0)
        continue;
      float inv = 1.0f / (float) n;
      const float *g = dout + (gsize) b * E;
      for (int t = 0; t < n; t++)
        {
          float *d = dtable + (gsize) tokens[(gsize) b * L + t] * E;
          for (int e = 0; e < E; e++)
            d[e] += g[e] * inv;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* GRU                                                                       */

/* forward:  xg (L,B,3G) = x·W_ihᵀ + b_ih for every step, hg (B,3G) per step.
 * backward: dxg (L,B,3G) and dhg (L,B,3G) for every step, dh (B,G).
 * Keeping every step's gate gradients lets dW_ih, dW_hh and both bias
 * gradients be one sgemm / one column sum each after the time loop. */
gsize
fw_gru_scratch_floats (int B, int L, int G)
{
  gsize step = (gsize) B * 3 * G;
  gsize fwd = (gsize) L * step + step;
  gsize bwd = 2 * (gsize) L * step + (gsize) B * G;
  return MAX (fwd, bwd);
}

static inline int
fw_gru_len (const int *lens, int b, int L)
{
  return lens != NULL ? lens[b] : L;
}

/* Rows of a batch are independent sequences, so each task runs whole
 * sequences, rows [b0, b1), through every step: one parallel region per
 * pass, not one per step.  The weight gradients, which sum over rows, are
 * computed after the time loop split by weight row instead. */
/* sequences per task, and weight rows per task after the time loop */
#define FW_GRU_ROWS 16
#define FW_GRU_WEIGHT_ROWS 64

typedef struct {
  float *h_all, *gates, *scratch;
  float *dx, *dw_ih, *dw_hh, *db_ih, *db_hh;
  const float *x, *dh_last, *saved_h_all, *saved_gates;
  const float *dh_steps;     /* (L+1, B, G) or NULL: gradients of every state */
  const int *lens;
  const float *w_ih, *w_hh, *b_ih, *b_hh;
  int B, L, E, G;
} FwGruJob;

static void
fw_gru_forward_task (int task, int n_tasks, gpointer data)
{
  const FwGruJob *j = data;
  int B = j->B, L = j->L, E = j->E, G = j->G, G3 = 3 * G;
  gsize step = (gsize) B * G3, b0, b1;
  fw_chunk (task, FW_GRU_ROWS, B, &b0, &b1);
  int nb = (int) (b1 - b0);
  if (nb <= 0)
    return;
  float *xg = j->scratch;                      /* (L, B, 3G) */
  float *hg = j->scratch + (gsize) L * step;   /* (B, 3G) */

  for (int t = 0; t < L; t++)
    {
      const float *h = j->h_all + (gsize) t * B * G;        /* (B, G) */
      float *hn_out = j->h_all + (gsize) (t + 1) * B * G;   /* (B, G) */
      float *gt = j->gates + (gsize) t * B * 4 * G;         /* (B, 4G) */
      float *xgt = xg + (gsize) t * step;                   /* (B, 3G) */

      /* the input side: xg rows = x · W_ihᵀ + b_ih */
      fw_fill_rows (xgt + b0 * G3, j->b_ih, nb, G3);
      fw_sgemm (FALSE, TRUE, nb, G3, E, 1.0f, j->x + ((gsize) t * B + b0) * E, E, j->w_ih, E,
                1.0f, xgt + b0 * G3, G3);
      /* hg rows = h · W_hhᵀ + b_hh; h_0 = 0 needs only the bias */
      fw_fill_rows (hg + b0 * G3, j->b_hh, nb, G3);
      if (t > 0)
        fw_sgemm (FALSE, TRUE, nb, G3, G, 1.0f, h + b0 * G, G, j->w_hh, G, 1.0f, hg + b0 * G3, G3);

      for (gsize b = b0; b < b1; b++)
        {
          const float *hb = h + b * G;
          float *ob = hn_out + b * G;
          float *gb = gt + b * 4 * G;
          if (t >= fw_gru_len (j->lens, (int) b, L))
            {
              /* past the row's end: carry the state, save inert gates */
              memcpy (ob, hb, (gsize) G * sizeof (float));
              memset (gb, 0, (gsize) 4 * G * sizeof (float));
              continue;
            }
          const float *xr = xgt + b * G3, *xz = xr + G, *xn = xz + G;
          const float *hr = hg + b * G3, *hz = hr + G, *hnn = hz + G;
          float *r = gb, *z = gb + G, *n = gb + 2 * G, *hn = gb + 3 * G;
          for (int g = 0; g < G; g++)
            {
              r[g] = fw_sigmoidf (xr[g] + hr[g]);
              z[g] = fw_sigmoidf (xz[g] + hz[g]);
              hn[g] = hnn[g];
              n[g] = tanhf (xn[g] + r[g] * hnn[g]);
              ob[g] = (1.0f - z[g]) * n[g] + z[g] * hb[g];
            }
        }
    }
}

void
fw_gru_forward (float *h_all, float *gates, float *scratch,
                const float *x, const int *lens,
                const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                int B, int L, int E, int G)
{
  memset (h_all, 0, (gsize) B * G * sizeof (float));
  if (L <= 0 || B <= 0 || G <= 0)
    return;
  FwGruJob j = { .h_all = h_all, .gates = gates, .scratch = scratch, .x = x, .lens = lens,
                 .w_ih = w_ih, .w_hh = w_hh, .b_ih = b_ih, .b_hh = b_hh,
                 .B = B, .L = L, .E = E, .G = G };
  fw_parallel_run (fw_n_chunks (B, FW_GRU_ROWS), fw_gru_forward_task, &j);
}

static void
fw_gru_backward_rows_task (int task, int n_tasks, gpointer data)
{
  const FwGruJob *j = data;
  int B = j->B, L = j->L, G = j->G, G3 = 3 * G;
  gsize step = (gsize) B * G3, b0, b1;
  fw_chunk (task, FW_GRU_ROWS, B, &b0, &b1);
  int nb = (int) (b1 - b0);
  if (nb <= 0)
    return;
  float *dxg = j->scratch;                         /* (L, B, 3G) input-side pre-activations */
  float *dhg = j->scratch + (gsize) L * step;      /* (L, B, 3G) hidden-side pre-activations */
  float *dh = j->scratch + 2 * (gsize) L * step;   /* (B, G) gradient of the current state */
  memcpy (dh + b0 * G, j->dh_last + b0 * G, (gsize) nb * G * sizeof (float));

  for (int t = L - 1; t >= 0; t--)
    {
      const float *h = j->saved_h_all + (gsize) t * B * G;   /* (B, G) state entering step t */
      const float *gt = j->saved_gates + (gsize) t * B * 4 * G;
      float *dxt = dxg + (gsize) t * step;
      float *dht = dhg + (gsize) t * step;

      if (j->dh_steps != NULL)   /* the state after step t is read elsewhere too */
        for (gsize b = b0; b < b1; b++)
          {
            const float *g = j->dh_steps + ((gsize) (t + 1) * B + b) * G;
            for (int k = 0; k < G; k++)
              dh[b * G + k] += g[k];
          }

      for (gsize b = b0; b < b1; b++)
        {
          float *dxb = dxt + b * G3, *dhb = dht + b * G3;
          if (t >= fw_gru_len (j->lens, (int) b, L))
            {
              /* the step was the identity: dh passes through untouched */
              memset (dxb, 0, (gsize) G3 * sizeof (float));
              memset (dhb, 0, (gsize) G3 * sizeof (float));
              continue;
            }
          const float *hb = h + b * G;
          const float *gb = gt + b * 4 * G;
          const float *r = gb, *z = gb + G, *n = gb + 2 * G, *hn = gb + 3 * G;
          float *dhcur = dh + b * G;
          for (int g = 0; g < G; g++)
            {
              float d = dhcur[g];
              float da_n = d * (1.0f - z[g]) * (1.0f - n[g] * n[g]);
              float dr = da_n * hn[g];
              float da_r = dr * r[g] * (1.0f - r[g]);
              float da_z = d * (hb[g] - n[g]) * z[g] * (1.0f - z[g]);
              dxb[g] = da_r;
              dxb[G + g] = da_z;
              dxb[2 * G + g] = da_n;
              dhb[g] = da_r;
              dhb[G + g] = da_z;
              dhb[2 * G + g] = da_n * r[g];
              /* the direct path h -> z ⊙ h; the gate paths come next */
              dhcur[g] = d * z[g];
            }
        }

      /* dh rows (nb,G) += dhg_t rows (nb,3G) · W_hh (3G,G) */
      if (t > 0)
        fw_sgemm (FALSE, FALSE, nb, G, G3, 1.0f, dht + b0 * G3, G3, j->w_hh, G, 1.0f,
                  dh + b0 * G, G);
    }
}

/* after the time loop: each task owns rows of dx and rows of the weight
 * and bias gradients, so every element has one writer */
static void
fw_gru_backward_weights_task (int task, int n_tasks, gpointer data)
{
  const FwGruJob *j = data;
  int B = j->B, L = j->L, E = j->E, G = j->G, G3 = 3 * G, LB = L * B;
  gsize step = (gsize) B * G3, r0, r1, g0, g1;
  const float *dxg = j->scratch, *dhg = j->scratch + (gsize) L * step;
  fw_chunk (task, FW_GRU_ROWS * 8, LB, &r0, &r1);
  fw_chunk (task, FW_GRU_WEIGHT_ROWS, G3, &g0, &g1);
  int nr = (int) (r1 - r0), ng = (int) (g1 - g0);
  if (j->dx != NULL && nr > 0)      /* (rows, E) += dxg rows (rows,3G) · W_ih (3G,E) */
    fw_sgemm (FALSE, FALSE, nr, E, G3, 1.0f, dxg + r0 * G3, G3, j->w_ih, E, 1.0f,
              j->dx + r0 * E, E);
  if (ng <= 0)
    return;
  if (j->dw_ih != NULL)   /* (g, E) += dxg[:, g]ᵀ (g, L·B) · x (L·B, E) */
    fw_sgemm (TRUE, FALSE, ng, E, LB, 1.0f, dxg + g0, G3, j->x, E, 1.0f, j->dw_ih + g0 * E, E);
  if (j->dw_hh != NULL)   /* (g, G) += dhg[:, g]ᵀ (g, L·B) · h_all[0..L-1] (L·B, G) */
    fw_sgemm (TRUE, FALSE, ng, G, LB, 1.0f, dhg + g0, G3, j->saved_h_all, G, 1.0f,
              j->dw_hh + g0 * G, G);
  for (int r = 0; r < LB; r++)
    {
      const float *xr = dxg + (gsize) r * G3, *hr = dhg + (gsize) r * G3;
      if (j->db_ih != NULL)
        for (gsize g = g0; g < g1; g++)
          j->db_ih[g] += xr[g];
      if (j->db_hh != NULL)
        for (gsize g = g0; g < g1; g++)
          j->db_hh[g] += hr[g];
    }
}

void
fw_gru_backward (float *dx, float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                 float *scratch,
                 const float *dh_last, const float *h_all, const float *gates,
                 const float *x, const int *lens,
                 const float *w_ih, const float *w_hh,
                 int B, int L, int E, int G)
{
  fw_gru_backward_steps (dx, dw_ih, dw_hh, db_ih, db_hh, scratch, dh_last, NULL, h_all, gates,
                         x, lens, w_ih, w_hh, B, L, E, G);
}

void
fw_gru_backward_steps (float *dx, float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                       float *scratch,
                       const float *dh_last, const float *dh_steps,
                       const float *h_all, const float *gates,
                       const float *x, const int *lens,
                       const float *w_ih, const float *w_hh,
                       int B, int L, int E, int G)
{
  if (L <= 0 || B <= 0 || G <= 0)
    return;
  FwGruJob j = { .scratch = scratch, .dx = dx, .dw_ih = dw_ih, .dw_hh = dw_hh, .db_ih = db_ih,
                 .db_hh = db_hh, .x = x, .dh_last = dh_last, .dh_steps = dh_steps, .saved_h_all = h_all,
                 .saved_gates = gates, .lens = lens, .w_ih = w_ih, .w_hh = w_hh,
                 .B = B, .L = L, .E = E, .G = G };
  fw_parallel_run (fw_n_chunks (B, FW_GRU_ROWS), fw_gru_backward_rows_task, &j);
  fw_parallel_run (MAX (fw_n_chunks ((gsize) L * B, FW_GRU_ROWS * 8),
                        fw_n_chunks (3 * G, FW_GRU_WEIGHT_ROWS)),
                   fw_gru_backward_weights_task, &j);
}
