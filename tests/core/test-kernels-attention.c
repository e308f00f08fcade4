/* test-kernels-attention.c — checks the kernels of fw-kernels-attention.h:
 * fast against the plain twins, every backward against central finite
 * differences of J = Σ out ⊙ R (with gradients pre-filled with noise, so a
 * backward that overwrites fails), the masking and empty-row rules, and the
 * same numbers whatever the thread count.  PyTorch's own numbers are
 * checked at the model level (test-reference). */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "fw-kernel-check.h"
#include "fw-kernels-attention.h"
#include "fw-parallel.h"
#include "fw-rng.h"

/* ------------------------------------------------------------------------ */
/* layer norm                                                                */

typedef struct {
  int N, D;
  float *inp, *gamma, *beta, *out, *mean, *rstd, *R;
} LayerNormCtx;

static double
layernorm_objective (gpointer p)
{
  LayerNormCtx *c = p;
  fw_layernorm_forward (c->out, c->mean, c->rstd, c->inp, c->gamma, c->beta, c->N, c->D);
  return dot (c->out, c->R, (gsize) c->N * c->D);
}

static void
test_layernorm (void)
{
  guint64 rng = 21;
  int sizes[][2] = { { 1, 1 }, { 3, 7 }, { 130, 64 }, { 5, 256 } };
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int N = sizes[s][0], D = sizes[s][1];
      gsize n = (gsize) N * D;
      /* rows far from zero: a one-pass variance would lose them */
      g_autofree float *inp = rand_buf (&rng, n, 99, 101);
      g_autofree float *gamma = rand_buf (&rng, D, -2, 2);
      g_autofree float *beta = rand_buf (&rng, D, -1, 1);
      g_autofree float *out = g_new (float, n), *out_n = g_new (float, n);
      g_autofree float *mean = g_new (float, N), *mean_n = g_new (float, N);
      g_autofree float *rstd = g_new (float, N), *rstd_n = g_new (float, N);
      fw_layernorm_forward (out, mean, rstd, inp, gamma, beta, N, D);
      fw_layernorm_forward_naive (out_n, mean_n, rstd_n, inp, gamma, beta, N, D);
      g_autofree char *tag = g_strdup_printf ("layernorm N=%d D=%d", N, D);
      check_agree (tag, out, out_n, n, D == 1 ? 1e-6 : 1e-3);
      check_agree (tag, mean, mean_n, N, 1e-6);
      /* D == 1: every row normalizes to beta exactly */
      if (D == 1)
        g_assert_cmpfloat (fabsf (out[0] - beta[0]), <, 1e-6);
    }

  LayerNormCtx c = { .N = 6, .D = 10 };
  gsize n = (gsize) c.N * c.D;
  c.inp = rand_buf (&rng, n, -2, 2);
  c.gamma = rand_buf (&rng, c.D, -2, 2);
  c.beta = rand_buf (&rng, c.D, -1, 1);
  c.out = g_new (float, n);
  c.mean = g_new (float, c.N);
  c.rstd = g_new (float, c.N);
  c.R = rand_buf (&rng, n, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, n, -1, 1);
  g_autofree float *dg0 = rand_buf (&rng, c.D, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, c.D, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, n), *dg = copy_buf (dg0, c.D), *db = copy_buf (db0, c.D);
  layernorm_objective (&c);
  fw_layernorm_backward (dinp, dg, db, c.R, c.inp, c.mean, c.rstd, c.gamma, c.N, c.D);
  check_fd ("layernorm dinp", c.inp, n, dinp, dinp0, layernorm_objective, &c, 1e-2f, FD_TOL);
  check_fd ("layernorm dgamma", c.gamma, c.D, dg, dg0, layernorm_objective, &c, 1e-2f, FD_TOL);
  check_fd ("layernorm dbeta", c.beta, c.D, db, db0, layernorm_objective, &c, 1e-2f, FD_TOL);
  /* NULL gradients are skipped */
  layernorm_objective (&c);
  fw_layernorm_backward (NULL, dg, NULL, c.R, c.inp, c.mean, c.rstd, c.gamma, c.N, c.D);
  g_free (c.inp); g_free (c.gamma); g_free (c.beta); g_free (c.out);
  g_free (c.mean); g_free (c.rstd); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* GELU                                                                      */

typedef struct {
  gsize n;
  float *inp, *out, *R;
} GeluCtx;

static double
gelu_objective (gpointer p)
{
  GeluCtx *c = p;
  fw_gelu_forward (c->out, c->inp, c->n);
  return dot (c->out, c->R, c->n);
}

static void
test_gelu (void)
{
  /* exact erf GELU, not the tanh approximation (which gives 0.841192 at 1) */
  float x[] = { 0.0f, 1.0f, -1.0f, 3.0f, -20.0f }, y[G_N_ELEMENTS (x)];
  double want[] = { 0.0, 0.8413447460685429, -0.15865525393145707, 2.9959502720769283, 0.0 };
  fw_gelu_forward (y, x, G_N_ELEMENTS (x));
  for (gsize i = 0; i < G_N_ELEMENTS (x); i++)
    g_assert_cmpfloat (fabs (y[i] - want[i]), <, 1e-6);

  /* the whole range against double precision: value and derivative
   * within 2e-6 (the tanh approximation is 1e-3 off near ±2) */
  enum { N_GRID = 40001 };
  g_autofree float *gx = g_new (float, N_GRID), *gy = g_new (float, N_GRID);
  g_autofree float *ones = g_new (float, N_GRID), *gd = g_new0 (float, N_GRID);
  for (int i = 0; i < N_GRID; i++)
    {
      gx[i] = -20.0f + 40.0f * (float) i / (N_GRID - 1);
      ones[i] = 1.0f;
    }
  fw_gelu_forward (gy, gx, N_GRID);
  fw_gelu_backward (gd, ones, gx, N_GRID);
  double worst = 0.0, worst_d = 0.0;
  for (int i = 0; i < N_GRID; i++)
    {
      double v = gx[i], cdf = 0.5 * (1.0 + erf (v / sqrt (2.0)));
      double pdf = exp (-0.5 * v * v) / sqrt (2.0 * G_PI);
      worst = MAX (worst, fabs (gy[i] - v * cdf));
      worst_d = MAX (worst_d, fabs (gd[i] - (cdf + v * pdf)));
    }
  g_test_message ("gelu: max |error| %.3g, derivative %.3g", worst, worst_d);
  g_assert_cmpfloat (worst, <, 2e-6);
  g_assert_cmpfloat (worst_d, <, 2e-6);

  guint64 rng = 22;
  GeluCtx c = { .n = 40000 };   /* over several chunks */
  c.inp = rand_buf (&rng, c.n, -4, 4);
  c.out = g_new (float, c.n);
  c.R = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *d0 = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *d = copy_buf (d0, c.n);
  fw_gelu_backward (d, c.R, c.inp, c.n);
  check_fd ("gelu dinp", c.inp, c.n, d, d0, gelu_objective, &c, 1e-2f, FD_TOL);
  g_free (c.inp); g_free (c.out); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* attention                                                                 */

typedef struct {
  int B, Lq, Lk, nh, D;
  const int *key_lens;
  float *q, *k, *v, *out, *att, *R;
} AttCtx;

static double
att_objective (gpointer p)
{
  AttCtx *c = p;
  fw_attention_forward (c->out, c->att, c->q, c->k, c->v, c->key_lens, c->B, c->Lq, c->Lk, c->nh, c->D);
  return dot (c->out, c->R, (gsize) c->B * c->Lq * c->D);
}

/* shapes: B, Lq, Lk, nh, D; key_lens drawn per row in [0, Lk] with the
 * first row empty and the second full */
static const int att_sizes[][5] = {
  { 1, 1, 1, 1, 1 }, { 3, 5, 5, 2, 8 }, { 4, 7, 3, 4, 16 }, { 5, 32, 32, 4, 64 }, { 3, 9, 16, 8, 64 },
};

static void
att_lens (guint64 *rng, int *lens, int B, int Lk)
{
  for (int b = 0; b < B; b++)
    lens[b] = (int) (fw_rng_uniform (rng) * (Lk + 1)) % (Lk + 1);
  if (B > 2)
    {
      lens[0] = 0;
      lens[1] = Lk;
    }
}

static void
test_attention_naive (void)
{
  guint64 rng = 23;
  for (gsize s = 0; s < G_N_ELEMENTS (att_sizes); s++)
    for (int masked = 0; masked < 2; masked++)
      {
        int B = att_sizes[s][0], Lq = att_sizes[s][1], Lk = att_sizes[s][2];
        int nh = att_sizes[s][3], D = att_sizes[s][4];
        gsize nq = (gsize) B * Lq * D, nk = (gsize) B * Lk * D, na = (gsize) B * nh * Lq * Lk;
        int lens[8];
        att_lens (&rng, lens, B, Lk);
        const int *kl = masked ? lens : NULL;
        g_autofree float *q = rand_buf (&rng, nq, -2, 2), *k = rand_buf (&rng, nk, -2, 2);
        g_autofree float *v = rand_buf (&rng, nk, -1, 1), *dout = rand_buf (&rng, nq, -1, 1);
        g_autofree float *out = rand_buf (&rng, nq, -9, 9), *out_n = rand_buf (&rng, nq, -9, 9);
        g_autofree float *att = rand_buf (&rng, na, -9, 9), *att_n = rand_buf (&rng, na, -9, 9);
        g_autofree float *dq = rand_buf (&rng, nq, -1, 1), *dk = rand_buf (&rng, nk, -1, 1);
        g_autofree float *dv = rand_buf (&rng, nk, -1, 1);
        g_autofree float *dq_n = copy_buf (dq, nq), *dk_n = copy_buf (dk, nk), *dv_n = copy_buf (dv, nk);
        g_autofree float *dq_0 = copy_buf (dq, nq), *dk_0 = copy_buf (dk, nk), *dv_0 = copy_buf (dv, nk);
        g_autofree float *scratch = g_new (float, MAX (fw_attention_scratch_floats (B, Lq, Lk, nh), 1));
        g_autofree char *tag = g_strdup_printf ("attention B=%d Lq=%d Lk=%d nh=%d D=%d%s",
                                                B, Lq, Lk, nh, D, masked ? " masked" : "");

        fw_attention_forward (out, att, q, k, v, kl, B, Lq, Lk, nh, D);
        fw_attention_forward_naive (out_n, att_n, q, k, v, kl, B, Lq, Lk, nh, D);
        check_agree (tag, out, out_n, nq, 1e-5);
        check_agree (tag, att, att_n, na, 1e-5);
        fw_attention_backward (dq, dk, dv, scratch, dout, att, q, k, v, kl, B, Lq, Lk, nh, D);
        fw_attention_backward_naive (dq_n, dk_n, dv_n, dout, att_n, q, k, v, kl, B, Lq, Lk, nh, D);
        check_agree (tag, dq, dq_n, nq, 1e-5);
        check_agree (tag, dk, dk_n, nk, 1e-5);
        check_agree (tag, dv, dv_n, nk, 1e-5);

        /* the mask: masked keys weigh exactly 0, real ones sum to 1, an
         * empty row is all zeros, and masked keys get no gradient */
        for (int b = 0; b < B; b++)
          {
            int n = kl ? kl[b] : Lk;
            for (int h = 0; h < nh; h++)
              for (int i = 0; i < Lq; i++)
                {
                  const float *a = att + (((gsize) b * nh + h) * Lq + i) * Lk;
                  double sum = 0.0;
                  for (int t = 0; t < Lk; t++)
                    {
                      if (t >= n)
                        g_assert_cmpfloat (a[t], ==, 0.0f);
                      sum += a[t];
                    }
                  g_assert_cmpfloat (fabs (sum - (n > 0 ? 1.0 : 0.0)), <, 1e-5);
                }
            for (gsize e = 0; e < (gsize) Lk * D; e++)
              if ((int) (e / D) >= n)
                {
                  gsize i = (gsize) b * Lk * D + e;
                  g_assert_cmpfloat (dk[i], ==, dk_0[i]);
                  g_assert_cmpfloat (dv[i], ==, dv_0[i]);
                }
            if (n == 0)
              for (gsize e = 0; e < (gsize) Lq * D; e++)
                {
                  gsize i = (gsize) b * Lq * D + e;
                  g_assert_cmpfloat (out[i], ==, 0.0f);
                  g_assert_cmpfloat (dq[i], ==, dq_0[i]);
                }
          }
      }
}

static void
test_attention_grad (void)
{
  guint64 rng = 24;
  /* Lq != Lk, several heads, one empty row, one partial, one full */
  int lens[] = { 0, 3, 5 };
  for (int masked = 0; masked < 2; masked++)
    {
      AttCtx c = { .B = 3, .Lq = 4, .Lk = 5, .nh = 2, .D = 6, .key_lens = masked ? lens : NULL };
      gsize nq = (gsize) c.B * c.Lq * c.D, nk = (gsize) c.B * c.Lk * c.D;
      gsize na = (gsize) c.B * c.nh * c.Lq * c.Lk;
      c.q = rand_buf (&rng, nq, -2, 2);
      c.k = rand_buf (&rng, nk, -2, 2);
      c.v = rand_buf (&rng, nk, -2, 2);
      c.out = g_new (float, nq);
      c.att = g_new (float, na);
      c.R = rand_buf (&rng, nq, -1, 1);
      g_autofree float *scratch = g_new (float, fw_attention_scratch_floats (c.B, c.Lq, c.Lk, c.nh));
      g_autofree float *dq0 = rand_buf (&rng, nq, -1, 1), *dk0 = rand_buf (&rng, nk, -1, 1);
      g_autofree float *dv0 = rand_buf (&rng, nk, -1, 1);
      g_autofree float *dq = copy_buf (dq0, nq), *dk = copy_buf (dk0, nk), *dv = copy_buf (dv0, nk);
      att_objective (&c);
      fw_attention_backward (dq, dk, dv, scratch, c.R, c.att, c.q, c.k, c.v, c.key_lens,
                             c.B, c.Lq, c.Lk, c.nh, c.D);
      check_fd (masked ? "attention dq masked" : "attention dq", c.q, nq, dq, dq0, att_objective, &c, 1e-2f, FD_TOL);
      check_fd (masked ? "attention dk masked" : "attention dk", c.k, nk, dk, dk0, att_objective, &c, 1e-2f, FD_TOL);
      check_fd (masked ? "attention dv masked" : "attention dv", c.v, nk, dv, dv0, att_objective, &c, 1e-2f, FD_TOL);
      g_free (c.q); g_free (c.k); g_free (c.v); g_free (c.out); g_free (c.att); g_free (c.R);
    }
}

/* ------------------------------------------------------------------------ */
/* masked mean                                                               */

typedef struct {
  int B, L, D;
  const int *lens;
  float *inp, *out, *R;
} MeanCtx;

static double
mean_objective (gpointer p)
{
  MeanCtx *c = p;
  fw_masked_mean_forward (c->out, c->inp, c->lens, c->B, c->L, c->D);
  return dot (c->out, c->R, (gsize) c->B * c->D);
}

static void
test_masked_mean (void)
{
  guint64 rng = 25;
  int lens[] = { 2, 0, 4 };
  MeanCtx c = { .B = 3, .L = 4, .D = 5, .lens = lens };
  gsize n = (gsize) c.B * c.L * c.D, no = (gsize) c.B * c.D;
  c.inp = rand_buf (&rng, n, -2, 2);
  c.out = g_new (float, no);
  c.R = rand_buf (&rng, no, -1, 1);
  mean_objective (&c);
  for (int d = 0; d < c.D; d++)
    {
      g_assert_cmpfloat (fabsf (c.out[d] - 0.5f * (c.inp[d] + c.inp[c.D + d])), <, 1e-6);
      g_assert_cmpfloat (c.out[c.D + d], ==, 0.0f);   /* the empty row */
    }
  g_autofree float *d0 = rand_buf (&rng, n, -1, 1);
  g_autofree float *d = copy_buf (d0, n);
  fw_masked_mean_backward (d, c.R, c.lens, c.B, c.L, c.D);
  check_fd ("masked mean dinp", c.inp, n, d, d0, mean_objective, &c, 1e-2f, FD_TOL);
  /* padded tokens get nothing */
  for (int t = 2; t < c.L; t++)
    for (int e = 0; e < c.D; e++)
      g_assert_cmpfloat (d[t * c.D + e], ==, d0[t * c.D + e]);
  /* NULL lens: the mean over all L */
  fw_masked_mean_forward (c.out, c.inp, NULL, c.B, c.L, c.D);
  double s = 0.0;
  for (int t = 0; t < c.L; t++)
    s += c.inp[t * c.D];
  g_assert_cmpfloat (fabs (c.out[0] - s / c.L), <, 1e-6);
  g_free (c.inp); g_free (c.out); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* threads                                                                   */

/* the kernels split their work over the pool in fixed chunks: three
 * threads give the very same bits as none */
static void
test_pool_same_bits (void)
{
  guint64 rng = 26;
  int B = 9, L = 32, nh = 4, D = 64, N = B * L;
  gsize n = (gsize) N * D, na = (gsize) B * nh * L * L;
  int lens[9] = { 0, 32, 1, 17, 5, 30, 2, 9, 31 };
  g_autofree float *x = rand_buf (&rng, n, -2, 2), *g = rand_buf (&rng, D, -1, 1);
  g_autofree float *be = rand_buf (&rng, D, -1, 1), *dout = rand_buf (&rng, n, -1, 1);
  g_autofree float *scratch = g_new (float, fw_attention_scratch_floats (B, L, L, nh));
  float *res[2][8];
  for (int run = 0; run < 2; run++)
    {
      g_autoptr (FwPool) pool = run ? fw_pool_new (3) : NULL;
      fw_pool_make_current (pool);
      float **r = res[run];
      for (int i = 0; i < 8; i++)
        r[i] = g_new0 (float, MAX (n, na));
      float mean[B * L], rstd[B * L];
      fw_layernorm_forward (r[0], mean, rstd, x, g, be, N, D);
      fw_layernorm_backward (r[1], r[2], r[2] + D, dout, x, mean, rstd, g, N, D);
      fw_gelu_forward (r[3], x, n);
      fw_gelu_backward (r[4], dout, x, n);
      fw_attention_forward (r[5], r[6], x, r[0], r[3], lens, B, L, L, nh, D);
      fw_attention_backward (r[7], r[7] + n, r[7] + n, scratch, dout, r[6], x, r[0], r[3],
                             lens, B, L, L, nh, D);
      fw_pool_make_current (NULL);
    }
  for (int i = 0; i < 8; i++)
    {
      g_assert_cmpmem (res[0][i], MAX (n, na) * sizeof (float), res[1][i], MAX (n, na) * sizeof (float));
      g_free (res[0][i]);
      g_free (res[1][i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/kernels-attention/layernorm", test_layernorm);
  g_test_add_func ("/core/kernels-attention/gelu", test_gelu);
  g_test_add_func ("/core/kernels-attention/attention", test_attention_naive);
  g_test_add_func ("/core/kernels-attention/attention-grad", test_attention_grad);
  g_test_add_func ("/core/kernels-attention/masked-mean", test_masked_mean);
  g_test_add_func ("/core/kernels-attention/pool", test_pool_same_bits);
  return g_test_run ();
}
