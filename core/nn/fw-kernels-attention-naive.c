/* fw-kernels-attention-naive.c — plain loop twins of the attention kernels,
 * written straight from the equations in fw-kernels-attention.h with double
 * accumulators, so the tests can check the fast kernels against them.  Not
 * used by the model. */
#include "fw-kernels-attention.h"

#include <math.h>
#include <string.h>

void
fw_layernorm_forward_naive (float *out, float *mean, float *rstd,
                            const float *inp, const float *gamma, const float *beta,
                            int N, int D)
{
  for (int r = 0; r < N; r++)
    {
      const float *x = inp + (gsize) r * D;
      double m = 0.0, v = 0.0;
      for (int d = 0; d < D; d++)
        m += x[d];
      m /= D;
      for (int d = 0; d < D; d++)
        v += (x[d] - m) * (x[d] - m);
      v /= D;
      double rs = 1.0 / sqrt (v + FW_LAYERNORM_EPS);
      for (int d = 0; d < D; d++)
        out[(gsize) r * D + d] = (float) ((x[d] - m) * rs * gamma[d] + beta[d]);
      mean[r] = (float) m;
      rstd[r] = (float) rs;
    }
}

static int
naive_len (const int *key_lens, int b, int Lk)
{
  if (key_lens == NULL)
    return Lk;
  return key_lens[b] < 0 ? 0 : key_lens[b] > Lk ? Lk : key_lens[b];
}

void
fw_attention_forward_naive (float *out, float *att,
                            const float *q, const float *k, const float *v, const int *key_lens,
                            int B, int Lq, int Lk, int nh, int D)
{
  int hd = D / nh;
  double scale = 1.0 / sqrt ((double) hd);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < nh; h++)
      {
        int n = naive_len (key_lens, b, Lk);
        for (int i = 0; i < Lq; i++)
          {
            float *a = att + (((gsize) b * nh + h) * Lq + i) * Lk;
            double mx = -INFINITY, s = 0.0;
            double sc[Lk > 0 ? Lk : 1];
            for (int t = 0; t < n; t++)
              {
                double dot = 0.0;
                for (int e = 0; e < hd; e++)
                  dot += (double) q[((gsize) b * Lq + i) * D + h * hd + e]
                         * k[((gsize) b * Lk + t) * D + h * hd + e];
                sc[t] = dot * scale;
                mx = fmax (mx, sc[t]);
              }
            for (int t = 0; t < n; t++)
              s += exp (sc[t] - mx);
            for (int t = 0; t < Lk; t++)
              a[t] = t < n ? (float) (exp (sc[t] - mx) / s) : 0.0f;
            for (int e = 0; e < hd; e++)
              {
                double o = 0.0;
                for (int t = 0; t < n; t++)
                  o += (double) a[t] * v[((gsize) b * Lk + t) * D + h * hd + e];
                out[((gsize) b * Lq + i) * D + h * hd + e] = (float) o;
              }
          }
      }
}

void
fw_attention_backward_naive (float *dq, float *dk, float *dv,
                             const float *dout, const float *att,
                             const float *q, const float *k, const float *v, const int *key_lens,
                             int B, int Lq, int Lk, int nh, int D)
{
  int hd = D / nh;
  double scale = 1.0 / sqrt ((double) hd);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < nh; h++)
      {
        int n = naive_len (key_lens, b, Lk);
        for (int i = 0; i < Lq; i++)
          {
            const float *a = att + (((gsize) b * nh + h) * Lq + i) * Lk;
            const float *g = dout + ((gsize) b * Lq + i) * D + h * hd;
            double da[Lk > 0 ? Lk : 1], s = 0.0;
            for (int t = 0; t < n; t++)
              {
                da[t] = 0.0;
                for (int e = 0; e < hd; e++)
                  da[t] += (double) g[e] * v[((gsize) b * Lk + t) * D + h * hd + e];
                s += da[t] * a[t];
              }
            for (int t = 0; t < n; t++)
              {
                double dsc = a[t] * (da[t] - s) * scale;
                for (int e = 0; e < hd; e++)
                  {
                    gsize qi = ((gsize) b * Lq + i) * D + h * hd + e;
                    gsize kt = ((gsize) b * Lk + t) * D + h * hd + e;
                    if (dv != NULL)
                      dv[kt] += (float) (a[t] * g[e]);
                    if (dq != NULL)
                      dq[qi] += (float) (dsc * k[kt]);
                    if (dk != NULL)
                      dk[kt] += (float) (dsc * q[qi]);
                  }
              }
          }
      }
}
