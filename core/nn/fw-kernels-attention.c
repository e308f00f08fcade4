/* fw-kernels-attention.c — the fast kernels of fw-kernels-attention.h.
 * Attention runs one group of small sgemm calls per (batch row, head),
 * reading each head's columns in place through the leading dimension (no
 * copies), and only over the row's real keys; (b, h) pairs are cut into
 * fixed-size chunks over the pool, each pair writing its own slices, so
 * the numbers do not depend on the thread count.  Layer norm, GELU and
 * the masked mean are flat loops over fixed-size row chunks.  Nothing here
 * allocates: the backward's temporaries are the caller's scratch.
 *
 * Shape key as in fw-kernels-attention.h; hd = D / nh.
 */
/* Without it GCC may not if-convert the GELU loops' clamps (a comparison
 * could raise a floating-point exception, which nothing here inspects),
 * so they would not vectorize */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("no-trapping-math")
#endif

#include "fw-kernels-attention.h"
#include "fw-clones.h"
#include "fw-parallel.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
/* cblas.h pulls in <complex.h>, whose macro I means the imaginary unit */
#undef I

/* rows per task of the row-wise kernels, (b, h) pairs per attention task:
 * fixed, so the split depends on the shapes alone */
#define FW_LN_ROWS 64
#define FW_ATT_PAIRS 4
#define FW_ELEMS 16384

static inline int
n_chunks (gsize n, gsize chunk)
{
  return (int) ((n + chunk - 1) / chunk);
}

static inline void
chunk_range (int task, gsize chunk, gsize n, gsize *start, gsize *end)
{
  *start = MIN (n, (gsize) task * chunk);
  *end = MIN (n, *start + chunk);
}

/* ------------------------------------------------------------------------ */
/* layer norm                                                                */

typedef struct {
  float *out, *mean, *rstd, *dinp, *dgamma, *dbeta;
  const float *inp, *gamma, *beta, *dout, *smean, *srstd;
  int N, D;
} LayerNormJob;

static void
layernorm_forward_task (int task, int n_tasks, gpointer data)
{
  const LayerNormJob *j = data;
  int D = j->D;
  gsize r0, r1;
  chunk_range (task, FW_LN_ROWS, j->N, &r0, &r1);
  for (gsize r = r0; r < r1; r++)
    {
      const float *x = j->inp + r * D;
      float *o = j->out + r * D;
      /* two passes over the row: the mean first keeps the variance exact
       * for rows far from zero */
      float s = 0.0f;
      for (int d = 0; d < D; d++)
        s += x[d];
      float m = s / (float) D;
      float v = 0.0f;
      for (int d = 0; d < D; d++)
        {
          float c = x[d] - m;
          v += c * c;
        }
      float rs = 1.0f / sqrtf (v / (float) D + FW_LAYERNORM_EPS);
      for (int d = 0; d < D; d++)
        o[d] = (x[d] - m) * rs * j->gamma[d] + j->beta[d];
      j->mean[r] = m;
      j->rstd[r] = rs;
    }
}

void
fw_layernorm_forward (float *out, float *mean, float *rstd,
                      const float *inp, const float *gamma, const float *beta,
                      int N, int D)
{
  if (N <= 0 || D <= 0)
    return;
  LayerNormJob j = { .out = out, .mean = mean, .rstd = rstd, .inp = inp, .gamma = gamma,
                     .beta = beta, .N = N, .D = D };
  fw_parallel_run (n_chunks (N, FW_LN_ROWS), layernorm_forward_task, &j);
}

/* dinp = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dout ⊙ gamma */
static void
layernorm_backward_rows_task (int task, int n_tasks, gpointer data)
{
  const LayerNormJob *j = data;
  int D = j->D;
  gsize r0, r1;
  chunk_range (task, FW_LN_ROWS, j->N, &r0, &r1);
  for (gsize r = r0; r < r1; r++)
    {
      const float *x = j->inp + r * D, *dy = j->dout + r * D;
      float m = j->smean[r], rs = j->srstd[r];
      float sg = 0.0f, sgx = 0.0f;
      for (int d = 0; d < D; d++)
        {
          float g = dy[d] * j->gamma[d];
          sg += g;
          sgx += g * (x[d] - m) * rs;
        }
      sg /= (float) D;
      sgx /= (float) D;
      float *dx = j->dinp + r * D;
      for (int d = 0; d < D; d++)
        dx[d] += rs * (dy[d] * j->gamma[d] - sg - (x[d] - m) * rs * sgx);
    }
}

/* dgamma and dbeta sum over every row: one task per block of features,
 * each adding its rows in order (no partials to combine) */
#define FW_LN_COLS 16

static void
layernorm_backward_params_task (int task, int n_tasks, gpointer data)
{
  const LayerNormJob *j = data;
  int D = j->D;
  gsize c0, c1;
  chunk_range (task, FW_LN_COLS, D, &c0, &c1);
  for (int r = 0; r < j->N; r++)
    {
      const float *x = j->inp + (gsize) r * D, *dy = j->dout + (gsize) r * D;
      float m = j->smean[r], rs = j->srstd[r];
      if (j->dgamma != NULL)
        for (gsize d = c0; d < c1; d++)
          j->dgamma[d] += dy[d] * (x[d] - m) * rs;
      if (j->dbeta != NULL)
        for (gsize d = c0; d < c1; d++)
          j->dbeta[d] += dy[d];
    }
}

void
fw_layernorm_backward (float *dinp, float *dgamma, float *dbeta,
                       const float *dout, const float *inp,
                       const float *mean, const float *rstd, const float *gamma,
                       int N, int D)
{
  if (N <= 0 || D <= 0)
    return;
  LayerNormJob j = { .dinp = dinp, .dgamma = dgamma, .dbeta = dbeta, .dout = dout, .inp = inp,
                     .smean = mean, .srstd = rstd, .gamma = gamma, .N = N, .D = D };
  if (dinp != NULL)
    fw_parallel_run (n_chunks (N, FW_LN_ROWS), layernorm_backward_rows_task, &j);
  if (dgamma != NULL || dbeta != NULL)
    fw_parallel_run (n_chunks (D, FW_LN_COLS), layernorm_backward_params_task, &j);
}

/* ------------------------------------------------------------------------ */
/* GELU                                                                      */

typedef struct {
  float *out;
  const float *inp, *dout;
  gsize n;
} GeluJob;

/* libm's erff and expf are calls the compiler cannot vectorize, and were a
 * quarter of a Transformer step.  These two are branch-free so the GELU
 * loops vectorize.  erf: a rational fit on [-4, 4] (beyond, erf is ±1 in
 * float), within 4.2e-7 of erf (libm's erff: 1 ulp, 6e-8 at 1), so GELU
 * stays within 1.4e-6 of the exact x·Φ(x) — float rounding, not the tanh
 * approximation (off by up to 1e-3).  exp: for t ≤ 0 only (GELU's
 * −x²/2), 2ⁿ·p(r) as Cephes' expf, within 1e-7 relative of expf. */
static inline float
erf_fast (float a)
{
  float x = a < -4.0f ? -4.0f : a > 4.0f ? 4.0f : a, x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

static inline float
exp_nonpositive (float t)
{
  t = t < -87.0f ? -87.0f : t;
  /* round to nearest by the 1.5·2²³ trick: roundf would not vectorize */
  float n = (t * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = t - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { gint32 i; float f; } scale = { .i = ((gint32) n + 127) << 23 };
  return p * scale.f;
}

/* 8-wide GELU loops without FMA, so the clones round alike (fw-clones.h) */

FW_CLONE_AVX2 static void
gelu_forward_task (int task, int n_tasks, gpointer data)
{
  const GeluJob *j = data;
  gsize i0, i1;
  chunk_range (task, FW_ELEMS, j->n, &i0, &i1);
  const float *restrict in = j->inp;
  float *restrict out = j->out;
  for (gsize i = i0; i < i1; i++)
    {
      float x = in[i];
      out[i] = 0.5f * x * (1.0f + erf_fast (x * (float) M_SQRT1_2));
    }
}

/* d/dx x·Φ(x) = Φ(x) + x·φ(x) */
FW_CLONE_AVX2 static void
gelu_backward_task (int task, int n_tasks, gpointer data)
{
  const GeluJob *j = data;
  gsize i0, i1;
  chunk_range (task, FW_ELEMS, j->n, &i0, &i1);
  const float inv_sqrt_2pi = 0.3989422804014327f;
  const float *restrict in = j->inp, *restrict dout = j->dout;
  float *restrict dinp = j->out;
  for (gsize i = i0; i < i1; i++)
    {
      float x = in[i];
      float cdf = 0.5f * (1.0f + erf_fast (x * (float) M_SQRT1_2));
      float pdf = inv_sqrt_2pi * exp_nonpositive (-0.5f * x * x);
      dinp[i] += dout[i] * (cdf + x * pdf);
    }
}

void
fw_gelu_forward (float *out, const float *inp, gsize n)
{
  GeluJob j = { .out = out, .inp = inp, .n = n };
  fw_parallel_run (n_chunks (n, FW_ELEMS), gelu_forward_task, &j);
}

void
fw_gelu_backward (float *dinp, const float *dout, const float *inp, gsize n)
{
  GeluJob j = { .out = dinp, .inp = inp, .dout = dout, .n = n };
  fw_parallel_run (n_chunks (n, FW_ELEMS), gelu_backward_task, &j);
}

/* ------------------------------------------------------------------------ */
/* masked multi-head attention                                               */

gsize
fw_attention_scratch_floats (int B, int Lq, int Lk, int nh)
{
  /* backward: the gradient of each (b, h) pair's weights, (B, nh, Lq, Lk) */
  return (gsize) MAX (B, 0) * MAX (nh, 0) * MAX (Lq, 0) * MAX (Lk, 0);
}

typedef struct {
  float *out, *att, *dq, *dk, *dv, *scratch;
  const float *q, *k, *v, *dout, *satt;
  const int *key_lens;
  int B, Lq, Lk, nh, D;
} AttentionJob;

static inline int
key_len (const int *key_lens, int b, int Lk)
{
  return key_lens == NULL ? Lk : CLAMP (key_lens[b], 0, Lk);
}

static void
attention_forward_task (int task, int n_tasks, gpointer data)
{
  const AttentionJob *j = data;
  int Lq = j->Lq, Lk = j->Lk, nh = j->nh, D = j->D, hd = D / nh;
  float scale = 1.0f / sqrtf ((float) hd);
  gsize p0, p1;
  chunk_range (task, FW_ATT_PAIRS, (gsize) j->B * nh, &p0, &p1);
  for (gsize p = p0; p < p1; p++)
    {
      int b = (int) (p / nh), h = (int) (p % nh), n = key_len (j->key_lens, b, Lk);
      const float *q = j->q + (gsize) b * Lq * D + h * hd;
      const float *k = j->k + (gsize) b * Lk * D + h * hd;
      const float *v = j->v + (gsize) b * Lk * D + h * hd;
      float *att = j->att + p * Lq * Lk;
      float *out = j->out + (gsize) b * Lq * D + h * hd;
      if (n == 0)
        {
          /* nothing to attend to: zeros, never the NaN of 0/0 */
          memset (att, 0, (gsize) Lq * Lk * sizeof (float));
          for (int i = 0; i < Lq; i++)
            memset (out + (gsize) i * D, 0, (gsize) hd * sizeof (float));
          continue;
        }
      /* scores (Lq, n) = scale · q (Lq, hd) · kᵀ (hd, n) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, Lq, n, hd, scale,
                   q, D, k, D, 0.0f, att, Lk);
      for (int i = 0; i < Lq; i++)
        {
          float *a = att + (gsize) i * Lk;
          float mx = a[0];
          for (int t = 1; t < n; t++)
            mx = MAX (mx, a[t]);
          float s = 0.0f;
          for (int t = 0; t < n; t++)
            {
              a[t] = expf (a[t] - mx);
              s += a[t];
            }
          float inv = 1.0f / s;
          for (int t = 0; t < n; t++)
            a[t] *= inv;
          for (int t = n; t < Lk; t++)
            a[t] = 0.0f;
        }
      /* out (Lq, hd) = att (Lq, n) · v (n, hd) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, Lq, hd, n, 1.0f,
                   att, Lk, v, D, 0.0f, out, D);
    }
}

void
fw_attention_forward (float *out, float *att,
                      const float *q, const float *k, const float *v, const int *key_lens,
                      int B, int Lq, int Lk, int nh, int D)
{
  g_return_if_fail (nh > 0 && D % nh == 0);
  if (B <= 0 || Lq <= 0)
    return;
  if (Lk <= 0)
    {
      memset (out, 0, (gsize) B * Lq * D * sizeof (float));
      return;
    }
  AttentionJob j = { .out = out, .att = att, .q = q, .k = k, .v = v, .key_lens = key_lens,
                     .B = B, .Lq = Lq, .Lk = Lk, .nh = nh, .D = D };
  fw_parallel_run (n_chunks ((gsize) B * nh, FW_ATT_PAIRS), attention_forward_task, &j);
}

/* per pair: datt = dout · vᵀ;  dv += attᵀ · dout;
 * dscores = att ⊙ (datt − rowsum(datt ⊙ att)) · scale;
 * dq += dscores · k;  dk += dscoresᵀ · q */
static void
attention_backward_task (int task, int n_tasks, gpointer data)
{
  const AttentionJob *j = data;
  int Lq = j->Lq, Lk = j->Lk, nh = j->nh, D = j->D, hd = D / nh;
  float scale = 1.0f / sqrtf ((float) hd);
  gsize p0, p1;
  chunk_range (task, FW_ATT_PAIRS, (gsize) j->B * nh, &p0, &p1);
  for (gsize p = p0; p < p1; p++)
    {
      int b = (int) (p / nh), h = (int) (p % nh), n = key_len (j->key_lens, b, Lk);
      if (n == 0)
        continue;   /* zeros out whatever q, k, v were: no gradient */
      gsize qo = (gsize) b * Lq * D + h * hd, ko = (gsize) b * Lk * D + h * hd;
      const float *att = j->satt + p * Lq * Lk;
      const float *dout = j->dout + qo;
      float *ds = j->scratch + p * Lq * Lk;
      /* datt (Lq, n) = dout (Lq, hd) · vᵀ (hd, n) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, Lq, n, hd, 1.0f,
                   dout, D, j->v + ko, D, 0.0f, ds, Lk);
      if (j->dv != NULL)   /* dv (n, hd) += attᵀ (n, Lq) · dout (Lq, hd) */
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, n, hd, Lq, 1.0f,
                     att, Lk, dout, D, 1.0f, j->dv + ko, D);
      for (int i = 0; i < Lq; i++)
        {
          const float *a = att + (gsize) i * Lk;
          float *d = ds + (gsize) i * Lk;
          float s = 0.0f;
          for (int t = 0; t < n; t++)
            s += d[t] * a[t];
          for (int t = 0; t < n; t++)
            d[t] = a[t] * (d[t] - s) * scale;
        }
      if (j->dq != NULL)   /* dq (Lq, hd) += ds (Lq, n) · k (n, hd) */
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, Lq, hd, n, 1.0f,
                     ds, Lk, j->k + ko, D, 1.0f, j->dq + qo, D);
      if (j->dk != NULL)   /* dk (n, hd) += dsᵀ (n, Lq) · q (Lq, hd) */
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, n, hd, Lq, 1.0f,
                     ds, Lk, j->q + qo, D, 1.0f, j->dk + ko, D);
    }
}

void
fw_attention_backward (float *dq, float *dk, float *dv, float *scratch,
                       const float *dout, const float *att,
                       const float *q, const float *k, const float *v, const int *key_lens,
                       int B, int Lq, int Lk, int nh, int D)
{
  g_return_if_fail (nh > 0 && D % nh == 0);
  if (B <= 0 || Lq <= 0 || Lk <= 0)
    return;
  AttentionJob j = { .dq = dq, .dk = dk, .dv = dv, .scratch = scratch, .dout = dout,
                     .satt = att, .q = q, .k = k, .v = v, .key_lens = key_lens,
                     .B = B, .Lq = Lq, .Lk = Lk, .nh = nh, .D = D };
  fw_parallel_run (n_chunks ((gsize) B * nh, FW_ATT_PAIRS), attention_backward_task, &j);
}

/* ------------------------------------------------------------------------ */
/* masked mean                                                               */

static inline int
row_len (const int *lens, int b, int L)
{
  return lens == NULL ? L : CLAMP (lens[b], 0, L);
}

void
fw_masked_mean_forward (float *out, const float *inp, const int *lens, int B, int L, int D)
{
  for (int b = 0; b < B; b++)
    {
      float *o = out + (gsize) b * D;
      int n = row_len (lens, b, L);
      memset (o, 0, (gsize) D * sizeof (float));
      for (int t = 0; t < n; t++)
        {
          const float *x = inp + ((gsize) b * L + t) * D;
          for (int d = 0; d < D; d++)
            o[d] += x[d];
        }
      if (n > 0)
        {
          float inv = 1.0f / (float) n;
          for (int d = 0; d < D; d++)
            o[d] *= inv;
        }
    }
}

void
fw_masked_mean_backward (float *dinp, const float *dout, const int *lens, int B, int L, int D)
{
  for (int b = 0; b < B; b++)
    {
      int n = row_len (lens, b, L);
      if (n == 0)
        continue;
      float inv = 1.0f / (float) n;
      const float *g = dout + (gsize) b * D;
      for (int t = 0; t < n; t++)
        {
          float *dx = dinp + ((gsize) b * L + t) * D;
          for (int d = 0; d < D; d++)
            dx[d] += g[d] * inv;
        }
    }
}
