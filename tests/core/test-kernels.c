/* test-kernels.c — checks every kernel of fw-kernels.h: fast against naive
 * twin where there is one, every backward against central finite differences
 * of the objective J = Σ out ⊙ R, and the "backward adds into" contract.
 * Agreement with PyTorch itself is left to the model-level tests. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "fw-blas.h"
#include "fw-conv-direct.h"
#include "fw-conv-nhwc.h"
#include "fw-conv-winograd.h"
#include "fw-kernel-check.h"
#include "fw-kernels.h"
#include "fw-parallel.h"
#include "fw-relu-pool.h"
#include "fw-rng.h"

/* ------------------------------------------------------------------------ */
/* linear                                                                    */

typedef struct {
  int B, I, O;
  float *inp, *w, *b, *out, *R;
} LinearCtx;

static double
linear_objective (gpointer p)
{
  LinearCtx *c = p;
  fw_linear_forward (c->out, c->inp, c->w, c->b, c->B, c->I, c->O);
  return dot (c->out, c->R, (gsize) c->B * c->O);
}

static void
test_linear_naive (void)
{
  /* fixed odd shapes, plus one drawn from the test seed (--seed replays it) */
  int sizes[][3] = { { 1, 1, 1 }, { 3, 7, 5 }, { 17, 33, 9 }, { 64, 100, 32 }, { 5, 1, 13 }, { 0, 0, 0 } };
  guint64 rng = 11;
  int *last = sizes[G_N_ELEMENTS (sizes) - 1];
  last[0] = g_test_rand_int_range (1, 40);
  last[1] = g_test_rand_int_range (1, 70);
  last[2] = g_test_rand_int_range (1, 40);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int B = sizes[s][0], I = sizes[s][1], O = sizes[s][2];
      gsize nin = (gsize) B * I, nw = (gsize) O * I, nout = (gsize) B * O;
      g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *w = rand_buf (&rng, nw, -1, 1);
      g_autofree float *b = rand_buf (&rng, O, -1, 1);
      g_autofree float *out = rand_buf (&rng, nout, -9, 9);
      g_autofree float *out_n = rand_buf (&rng, nout, -9, 9);
      g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
      /* gradients start non-zero and equal, so both must add into them */
      g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *dw = rand_buf (&rng, nw, -1, 1);
      g_autofree float *db = rand_buf (&rng, O, -1, 1);
      g_autofree float *dinp_n = copy_buf (dinp, nin);
      g_autofree float *dw_n = copy_buf (dw, nw);
      g_autofree float *db_n = copy_buf (db, O);
      g_autofree char *tag = g_strdup_printf ("linear B=%d I=%d O=%d", B, I, O);
      g_autofree char *t1 = g_strconcat (tag, " fwd", NULL);
      g_autofree char *t2 = g_strconcat (tag, " fwd nobias", NULL);
      g_autofree char *t3 = g_strconcat (tag, " dinp", NULL);
      g_autofree char *t4 = g_strconcat (tag, " dw", NULL);
      g_autofree char *t5 = g_strconcat (tag, " db", NULL);

      fw_linear_forward (out, inp, w, b, B, I, O);
      fw_linear_forward_naive (out_n, inp, w, b, B, I, O);
      check_agree (t1, out, out_n, nout, 1e-5);
      fw_linear_forward (out, inp, w, NULL, B, I, O);
      fw_linear_forward_naive (out_n, inp, w, NULL, B, I, O);
      check_agree (t2, out, out_n, nout, 1e-5);

      fw_linear_backward (dinp, dw, db, dout, inp, w, B, I, O);
      fw_linear_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, I, O);
      check_agree (t3, dinp, dinp_n, nin, 1e-5);
      check_agree (t4, dw, dw_n, nw, 1e-5);
      check_agree (t5, db, db_n, O, 1e-5);
    }
}

static void
test_linear_grad (void)
{
  guint64 rng = 12;
  LinearCtx c = { .B = 3, .I = 5, .O = 4 };
  gsize nin = (gsize) c.B * c.I, nw = (gsize) c.O * c.I, nout = (gsize) c.B * c.O;
  c.inp = rand_buf (&rng, nin, -1, 1);
  c.w = rand_buf (&rng, nw, -1, 1);
  c.b = rand_buf (&rng, c.O, -1, 1);
  c.out = g_new (float, nout);
  c.R = rand_buf (&rng, nout, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, nin, -1, 1);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, c.O, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, nin);
  g_autofree float *dw = copy_buf (dw0, nw);
  g_autofree float *db = copy_buf (db0, c.O);

  fw_linear_backward (dinp, dw, db, c.R, c.inp, c.w, c.B, c.I, c.O);
  check_fd ("linear dinp", c.inp, nin, dinp, dinp0, linear_objective, &c, 1e-2f, FD_TOL);
  check_fd ("linear dw", c.w, nw, dw, dw0, linear_objective, &c, 1e-2f, FD_TOL);
  check_fd ("linear db", c.b, c.O, db, db0, linear_objective, &c, 1e-2f, FD_TOL);

  g_free (c.inp); g_free (c.w); g_free (c.b); g_free (c.out); g_free (c.R);
}

/* ---- sparse linear: counts-like inputs, checked against the naive dense
 * twin (forward, every gradient, adding into noise), on both sides of the
 * density threshold, then dw and db against finite differences ---- */

/* rows of about k nonzero counts out of I; row 1 is empty */
static float *
counts_buf (guint64 *rng, int B, int I, int k)
{
  float *v = g_new0 (float, MAX ((gsize) B * I, 1));
  for (int r = 0; r < B; r++)
    for (int j = 0; r != 1 && j < k; j++)
      v[(gsize) r * I + fw_rng_below (rng, I)] += 1.0f;
  return v;
}

typedef struct {
  LinearCtx l;
  int *nz_index;
  float *nz_value;
} SparseCtx;

static double
sparse_objective (gpointer p)
{
  SparseCtx *c = p;
  fw_linear_forward_sparse (c->l.out, c->nz_index, c->nz_value, c->l.inp, c->l.w, c->l.b,
                            c->l.B, c->l.I, c->l.O);
  return dot (c->l.out, c->l.R, (gsize) c->l.B * c->l.O);
}

static void
test_linear_sparse (void)
{
  /* B, I, O, nonzeros per row: sparse, sparse and tiny, dense (fallback) */
  int shapes[][4] = { { 64, 500, 32, 8 }, { 5, 40, 7, 2 }, { 6, 9, 5, 6 } };
  guint64 rng = 14;
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int B = shapes[s][0], I = shapes[s][1], O = shapes[s][2];
      gsize nin = (gsize) B * I, nw = (gsize) O * I, nout = (gsize) B * O;
      g_autofree float *inp = counts_buf (&rng, B, I, shapes[s][3]);
      g_autofree float *w = rand_buf (&rng, nw, -1, 1);
      g_autofree float *b = rand_buf (&rng, O, -1, 1);
      g_autofree float *out = rand_buf (&rng, nout, -9, 9);
      g_autofree float *out_n = rand_buf (&rng, nout, -9, 9);
      g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
      for (gsize i = 0; i < nout; i += 3)
        dout[i] = 0.0f;   /* as after a ReLU */
      g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *dw = rand_buf (&rng, nw, -1, 1);
      g_autofree float *db = rand_buf (&rng, O, -1, 1);
      g_autofree float *dinp_n = copy_buf (dinp, nin);
      g_autofree float *dw_n = copy_buf (dw, nw);
      g_autofree float *db_n = copy_buf (db, O);
      g_autofree int *nz_index = g_new (int, fw_linear_sparse_index_ints (B, I));
      g_autofree float *nz_value = g_new (float, nin);
      g_autofree char *tag = g_strdup_printf ("sparse linear B=%d I=%d O=%d", B, I, O);

      fw_linear_forward_sparse (out, nz_index, nz_value, inp, w, b, B, I, O);
      fw_linear_forward_naive (out_n, inp, w, b, B, I, O);
      check_agree (tag, out, out_n, nout, 1e-5);
      fw_linear_forward_sparse (out, nz_index, nz_value, inp, w, NULL, B, I, O);
      fw_linear_forward_naive (out_n, inp, w, NULL, B, I, O);
      check_agree (tag, out, out_n, nout, 1e-5);
      fw_linear_backward_sparse (dinp, dw, db, nz_index, nz_value, dout, inp, w, B, I, O);
      fw_linear_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, I, O);
      check_agree (tag, dinp, dinp_n, nin, 1e-5);
      check_agree (tag, dw, dw_n, nw, 1e-5);
      check_agree (tag, db, db_n, O, 1e-5);
      /* dw alone, the others NULL */
      g_autofree float *only = g_new0 (float, nw);
      g_autofree float *only_n = g_new0 (float, nw);
      fw_linear_backward_sparse (NULL, only, NULL, nz_index, nz_value, dout, inp, w, B, I, O);
      fw_linear_backward_naive (NULL, only_n, NULL, dout, inp, w, B, I, O);
      check_agree (tag, only, only_n, nw, 1e-5);
    }

  SparseCtx c = { .l = { .B = 4, .I = 60, .O = 3 } };
  gsize nw = (gsize) c.l.O * c.l.I, nout = (gsize) c.l.B * c.l.O;
  c.l.inp = counts_buf (&rng, c.l.B, c.l.I, 3);
  c.l.w = rand_buf (&rng, nw, -1, 1);
  c.l.b = rand_buf (&rng, c.l.O, -1, 1);
  c.l.out = g_new (float, nout);
  c.l.R = rand_buf (&rng, nout, -1, 1);
  c.nz_index = g_new (int, fw_linear_sparse_index_ints (c.l.B, c.l.I));
  c.nz_value = g_new (float, (gsize) c.l.B * c.l.I);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, c.l.O, -1, 1);
  g_autofree float *dw = copy_buf (dw0, nw);
  g_autofree float *db = copy_buf (db0, c.l.O);
  fw_linear_backward_sparse (NULL, dw, db, c.nz_index, c.nz_value, c.l.R, c.l.inp, c.l.w,
                             c.l.B, c.l.I, c.l.O);
  check_fd ("sparse linear dw", c.l.w, nw, dw, dw0, sparse_objective, &c, 1e-2f, FD_TOL);
  check_fd ("sparse linear db", c.l.b, c.l.O, db, db0, sparse_objective, &c, 1e-2f, FD_TOL);
  g_free (c.l.inp); g_free (c.l.w); g_free (c.l.b); g_free (c.l.out); g_free (c.l.R);
  g_free (c.nz_index); g_free (c.nz_value);
}

/* backward twice into zeroed buffers gives twice the gradients, and NULL
 * gradient pointers skip just that gradient */
static void
test_linear_accumulate (void)
{
  guint64 rng = 13;
  int B = 4, I = 6, O = 3;
  gsize nin = (gsize) B * I, nw = (gsize) O * I, nout = (gsize) B * O;
  g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
  g_autofree float *w = rand_buf (&rng, nw, -1, 1);
  g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
  float *d1[3] = { g_new0 (float, nin), g_new0 (float, nw), g_new0 (float, O) };
  float *d2[3] = { g_new0 (float, nin), g_new0 (float, nw), g_new0 (float, O) };
  gsize n[3] = { nin, nw, O };

  fw_linear_backward (d1[0], d1[1], d1[2], dout, inp, w, B, I, O);
  fw_linear_backward (d2[0], d2[1], d2[2], dout, inp, w, B, I, O);
  fw_linear_backward (d2[0], d2[1], d2[2], dout, inp, w, B, I, O);
  for (int k = 0; k < 3; k++)
    {
      g_assert_cmpfloat (max_abs (d1[k], n[k]), >, 1e-3);
      for (gsize i = 0; i < n[k]; i++)
        g_assert_cmpfloat_with_epsilon (d2[k][i], 2.0f * d1[k][i], 1e-5);
    }

  /* each gradient alone, the others NULL */
  for (int k = 0; k < 3; k++)
    {
      g_autofree float *only = g_new0 (float, n[k]);
      fw_linear_backward (k == 0 ? only : NULL, k == 1 ? only : NULL, k == 2 ? only : NULL,
                          dout, inp, w, B, I, O);
      for (gsize i = 0; i < n[k]; i++)
        g_assert_cmpfloat_with_epsilon (only[i], d1[k][i], 1e-6);
    }
  for (int k = 0; k < 3; k++)
    {
      g_free (d1[k]);
      g_free (d2[k]);
    }
}

/* ------------------------------------------------------------------------ */
/* conv2d                                                                    */

typedef struct {
  int B, C, H, W, O;
  float *inp, *w, *b, *out, *R, *scratch;
} ConvCtx;

static double
conv_objective (gpointer p)
{
  ConvCtx *c = p;
  fw_conv2d_forward (c->out, c->scratch, c->inp, c->w, c->b, c->B, c->C, c->H, c->W, c->O);
  return dot (c->out, c->R, (gsize) c->B * c->O * c->H * c->W);
}

static void
test_conv2d_naive (void)
{
  int sizes[][5] = {
    { 1, 1, 1, 1, 1 }, { 3, 2, 7, 7, 5 }, { 2, 3, 5, 8, 4 }, { 1, 1, 2, 9, 3 }, { 4, 16, 14, 14, 32 },
    { 0, 0, 0, 0, 0 },
  };
  guint64 rng = 21;
  int *last = sizes[G_N_ELEMENTS (sizes) - 1];
  for (int k = 0; k < 5; k++)
    last[k] = g_test_rand_int_range (1, 10);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3], O = sizes[s][4];
      gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nout = (gsize) B * O * H * W;
      g_autofree float *scratch = g_new (float, fw_conv2d_scratch_floats (B, C, H, W, O));
      g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *w = rand_buf (&rng, nw, -1, 1);
      g_autofree float *b = rand_buf (&rng, O, -1, 1);
      g_autofree float *out = rand_buf (&rng, nout, -9, 9);
      g_autofree float *out_n = rand_buf (&rng, nout, -9, 9);
      g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
      g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *dw = rand_buf (&rng, nw, -1, 1);
      g_autofree float *db = rand_buf (&rng, O, -1, 1);
      g_autofree float *dinp_n = copy_buf (dinp, nin);
      g_autofree float *dw_n = copy_buf (dw, nw);
      g_autofree float *db_n = copy_buf (db, O);
      g_autofree char *tag = g_strdup_printf ("conv2d B=%d C=%d H=%d W=%d O=%d", B, C, H, W, O);
      g_autofree char *t1 = g_strconcat (tag, " fwd", NULL);
      g_autofree char *t2 = g_strconcat (tag, " dinp", NULL);
      g_autofree char *t3 = g_strconcat (tag, " dw", NULL);
      g_autofree char *t4 = g_strconcat (tag, " db", NULL);

      fw_conv2d_forward (out, scratch, inp, w, b, B, C, H, W, O);
      fw_conv2d_forward_naive (out_n, inp, w, b, B, C, H, W, O);
      check_agree (t1, out, out_n, nout, 1e-5);

      fw_conv2d_backward (dinp, dw, db, scratch, dout, inp, w, B, C, H, W, O);
      fw_conv2d_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, C, H, W, O);
      check_agree (t2, dinp, dinp_n, nin, 1e-5);
      check_agree (t3, dw, dw_n, nw, 1e-5);
      check_agree (t4, db, db_n, O, 1e-5);

      /* NULL gradients: dinp alone must equal the full call's share */
      g_autofree float *only = g_new0 (float, MAX (nin, 1));
      g_autofree float *full = g_new0 (float, MAX (nin, 1));
      g_autofree float *dw_full = g_new0 (float, nw);
      fw_conv2d_backward (only, NULL, NULL, scratch, dout, inp, w, B, C, H, W, O);
      fw_conv2d_backward (full, dw_full, NULL, scratch, dout, inp, w, B, C, H, W, O);
      for (gsize i = 0; i < nin; i++)
        g_assert_cmpfloat_with_epsilon (only[i], full[i], 1e-6);
    }
}

static void
test_conv2d_grad (void)
{
  guint64 rng = 22;
  ConvCtx c = { .B = 2, .C = 2, .H = 5, .W = 4, .O = 3 };
  gsize nin = (gsize) c.B * c.C * c.H * c.W, nw = (gsize) c.O * c.C * 9;
  gsize nout = (gsize) c.B * c.O * c.H * c.W;
  c.scratch = g_new (float, fw_conv2d_scratch_floats (c.B, c.C, c.H, c.W, c.O));
  c.inp = rand_buf (&rng, nin, -1, 1);
  c.w = rand_buf (&rng, nw, -1, 1);
  c.b = rand_buf (&rng, c.O, -1, 1);
  c.out = g_new (float, nout);
  c.R = rand_buf (&rng, nout, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, nin, -1, 1);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, c.O, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, nin);
  g_autofree float *dw = copy_buf (dw0, nw);
  g_autofree float *db = copy_buf (db0, c.O);

  fw_conv2d_backward (dinp, dw, db, c.scratch, c.R, c.inp, c.w, c.B, c.C, c.H, c.W, c.O);
  check_fd ("conv2d dinp", c.inp, nin, dinp, dinp0, conv_objective, &c, 1e-2f, FD_TOL);
  check_fd ("conv2d dw", c.w, nw, dw, dw0, conv_objective, &c, 1e-2f, FD_TOL);
  check_fd ("conv2d db", c.b, c.O, db, db0, conv_objective, &c, 1e-2f, FD_TOL);

  g_free (c.inp); g_free (c.w); g_free (c.b); g_free (c.out); g_free (c.R); g_free (c.scratch);
}

/* ------------------------------------------------------------------------ */
/* max-pool                                                                  */

typedef struct {
  int B, C, H, W;
  float *inp, *out, *R;
  int *argmax;
} PoolCtx;

static double
pool_objective (gpointer p)
{
  PoolCtx *c = p;
  fw_maxpool2_forward (c->out, c->argmax, c->inp, c->B, c->C, c->H, c->W);
  return dot (c->out, c->R, (gsize) c->B * c->C * (c->H / 2) * (c->W / 2));
}

static void
test_maxpool (void)
{
  guint64 rng = 31;
  /* odd H: the last row is dropped (floor) and must get no gradient */
  PoolCtx c = { .B = 2, .C = 3, .H = 5, .W = 6 };
  gsize nin = (gsize) c.B * c.C * c.H * c.W, nout = (gsize) c.B * c.C * (c.H / 2) * (c.W / 2);
  g_autofree int *perm = g_new (int, nin);
  c.inp = g_new (float, nin);
  /* distinct values 0.05 apart: a ±1e-3 probe never changes an argmax */
  for (gsize i = 0; i < nin; i++)
    perm[i] = (int) i;
  fw_rng_shuffle (&rng, perm, (int) nin);
  for (gsize i = 0; i < nin; i++)
    c.inp[i] = 0.05f * (float) perm[i] - 1.0f;
  c.out = g_new (float, nout);
  c.argmax = g_new (int, nout);
  c.R = rand_buf (&rng, nout, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, nin, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, nin);

  pool_objective (&c);
  /* forward picks the max of each window */
  for (int p = 0; p < c.B * c.C; p++)
    for (int y = 0; y < c.H / 2; y++)
      for (int x = 0; x < c.W / 2; x++)
        {
          const float *pl = c.inp + (gsize) p * c.H * c.W;
          float m = MAX (MAX (pl[2 * y * c.W + 2 * x], pl[2 * y * c.W + 2 * x + 1]),
                         MAX (pl[(2 * y + 1) * c.W + 2 * x], pl[(2 * y + 1) * c.W + 2 * x + 1]));
          gsize o = ((gsize) p * (c.H / 2) + y) * (c.W / 2) + x;
          g_assert_cmpfloat (c.out[o], ==, m);
          g_assert_cmpfloat (c.inp[c.argmax[o]], ==, m);
        }

  fw_maxpool2_backward (dinp, c.R, c.argmax, c.B, c.C, c.H, c.W);
  check_fd ("maxpool dinp", c.inp, nin, dinp, dinp0, pool_objective, &c, 1e-3f, FD_TOL);

  g_free (c.inp); g_free (c.out); g_free (c.R); g_free (c.argmax);
}

/* ------------------------------------------------------------------------ */
/* element-wise activations                                                  */

typedef void (*ActForward) (float *out, const float *inp, gsize n);
typedef void (*ActBackward) (float *dinp, const float *dout, const float *out, gsize n);

typedef struct {
  ActForward forward;
  gsize n;
  float *inp, *out, *R;
} ActCtx;

static double
act_objective (gpointer p)
{
  ActCtx *c = p;
  c->forward (c->out, c->inp, c->n);
  return dot (c->out, c->R, c->n);
}

static void
check_activation (const char *what, ActForward forward, ActBackward backward,
                  float lo, float hi, float eps, guint64 seed)
{
  guint64 rng = seed;
  ActCtx c = { .forward = forward, .n = 64 };
  c.inp = rand_buf (&rng, c.n, lo, hi);
  /* keep ReLU's kink out of reach of the probe */
  for (gsize i = 0; i < c.n; i++)
    if (fabsf (c.inp[i]) < 0.05f)
      c.inp[i] = c.inp[i] < 0 ? -0.1f : 0.1f;
  c.out = g_new (float, c.n);
  c.R = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, c.n);

  act_objective (&c);
  backward (dinp, c.R, c.out, c.n);
  check_fd (what, c.inp, c.n, dinp, dinp0, act_objective, &c, eps, FD_TOL);

  g_free (c.inp); g_free (c.out); g_free (c.R);
}

static void
test_relu (void)
{
  check_activation ("relu dinp", fw_relu_forward, fw_relu_backward, -2, 2, 1e-3f, 41);

  /* the overwriting twin: what the adding one adds, whatever was there */
  guint64 rng = 44;
  gsize n = 257;
  g_autofree float *inp = rand_buf (&rng, n, -2, 2);
  g_autofree float *out = g_new (float, n);
  g_autofree float *dout = rand_buf (&rng, n, -1, 1);
  g_autofree float *added = g_new0 (float, n);
  g_autofree float *set = rand_buf (&rng, n, -9, 9);
  fw_relu_forward (out, inp, n);
  fw_relu_backward (added, dout, out, n);
  fw_relu_backward_set (set, dout, out, n);
  g_assert_cmpmem (added, n * sizeof (float), set, n * sizeof (float));
  g_assert_cmpfloat (max_abs (set, n), >, 0.1);
}

static void
test_tanh (void)
{
  check_activation ("tanh dinp", fw_tanh_forward, fw_tanh_backward, -3, 3, 1e-2f, 42);
}

static void
test_sigmoid (void)
{
  check_activation ("sigmoid dinp", fw_sigmoid_forward, fw_sigmoid_backward, -6, 6, 1e-2f, 43);

  /* large |x|: finite, saturated, and the tiny side not flushed to 1 − 1 */
  float inp[4] = { -100.0f, -30.0f, 30.0f, 100.0f }, out[4];
  fw_sigmoid_forward (out, inp, 4);
  for (int i = 0; i < 4; i++)
    g_assert_true (isfinite (out[i]));
  g_assert_cmpfloat (out[0], >=, 0.0f);
  g_assert_cmpfloat (out[1], >, 0.0f);
  g_assert_cmpfloat_with_epsilon (out[1], expf (-30.0f), 1e-15);
  g_assert_cmpfloat (out[3], ==, 1.0f);
}

/* ------------------------------------------------------------------------ */
/* dropout                                                                   */

typedef struct {
  gsize n;
  float p;
  guint64 seed;
  float *inp, *out, *mask, *R;
} DropCtx;

static double
drop_objective (gpointer p)
{
  DropCtx *c = p;
  guint64 rng = c->seed; /* same seed, same mask: the mask is held fixed */
  fw_dropout_forward (c->out, c->mask, c->inp, c->p, c->n, &rng);
  return dot (c->out, c->R, c->n);
}

static void
test_dropout (void)
{
  guint64 rng = 51;
  DropCtx c = { .n = 400, .p = 0.3f, .seed = 5151 };
  c.inp = rand_buf (&rng, c.n, -1, 1);
  c.out = g_new (float, c.n);
  c.mask = g_new (float, c.n);
  c.R = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, c.n, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, c.n);

  drop_objective (&c);
  gsize dropped = 0;
  for (gsize i = 0; i < c.n; i++)
    {
      if (c.mask[i] == 0.0f)
        dropped++;
      else
        g_assert_cmpfloat_with_epsilon (c.mask[i], 1.0f / (1.0f - c.p), 1e-6);
      g_assert_cmpfloat (c.out[i], ==, c.inp[i] * c.mask[i]);
    }
  /* 400 draws at p = 0.3: 120 ± 9.2 expected */
  g_assert_cmpuint (dropped, >, 80);
  g_assert_cmpuint (dropped, <, 160);

  fw_dropout_backward (dinp, c.R, c.mask, c.n);
  check_fd ("dropout dinp", c.inp, c.n, dinp, dinp0, drop_objective, &c, 1e-2f, FD_TOL);

  /* p = 0 copies and leaves the stream where it was */
  guint64 s = 7, s0 = 7;
  fw_dropout_forward (c.out, c.mask, c.inp, 0.0f, c.n, &s);
  g_assert_cmpuint (s, ==, s0);
  for (gsize i = 0; i < c.n; i++)
    {
      g_assert_cmpfloat (c.out[i], ==, c.inp[i]);
      g_assert_cmpfloat (c.mask[i], ==, 1.0f);
    }

  g_free (c.inp); g_free (c.out); g_free (c.mask); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* softmax cross-entropy                                                     */

typedef struct {
  int B, K;
  float scale;
  float *logits, *probs, *losses;
  int *targets;
} XentCtx;

static double
xent_objective (gpointer p)
{
  XentCtx *c = p;
  fw_softmax_xent_forward (c->losses, c->probs, c->logits, c->targets, c->B, c->K);
  double s = 0.0;
  for (int b = 0; b < c->B; b++)
    s += c->losses[b];
  return c->scale * s;
}

static void
test_softmax_xent (void)
{
  guint64 rng = 61;
  XentCtx c = { .B = 5, .K = 4 };
  gsize n = (gsize) c.B * c.K;
  c.scale = 1.0f / c.B;
  c.logits = rand_buf (&rng, n, -3, 3);
  c.probs = g_new (float, n);
  c.losses = g_new (float, c.B);
  c.targets = g_new (int, c.B);
  for (int b = 0; b < c.B; b++)
    c.targets[b] = (int) fw_rng_below (&rng, c.K);
  g_autofree float *d0 = rand_buf (&rng, n, -1, 1);
  g_autofree float *d = copy_buf (d0, n);

  xent_objective (&c);
  for (int b = 0; b < c.B; b++)
    {
      double s = 0.0;
      for (int k = 0; k < c.K; k++)
        s += c.probs[b * c.K + k];
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-5);
      g_assert_cmpfloat_with_epsilon (c.losses[b], -logf (c.probs[b * c.K + c.targets[b]]), 1e-4);
    }

  fw_softmax_xent_backward (d, c.probs, c.targets, c.scale, c.B, c.K);
  check_fd ("softmax-xent dlogits", c.logits, n, d, d0, xent_objective, &c, 1e-2f, FD_TOL);

  /* huge logits: no overflow, and a hopeless target costs its margin */
  float big[3] = { 1000.0f, 0.0f, -1000.0f }, probs[3], loss;
  int target = 2;
  fw_softmax_xent_forward (&loss, probs, big, &target, 1, 3);
  g_assert_true (isfinite (loss));
  g_assert_cmpfloat_with_epsilon (loss, 2000.0f, 1e-2);
  g_assert_cmpfloat_with_epsilon (probs[0], 1.0f, 1e-6);

  /* plain softmax matches the probabilities of the loss (re-run: the
   * probes left the last perturbed logits' probabilities behind) */
  g_autofree float *p2 = g_new (float, n);
  xent_objective (&c);
  fw_softmax_forward (p2, c.logits, c.B, c.K);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (p2[i], c.probs[i], 1e-7);

  g_free (c.logits); g_free (c.probs); g_free (c.losses); g_free (c.targets);
}

/* ------------------------------------------------------------------------ */
/* embeddings                                                                */

typedef struct {
  int B, L, E;
  const int *tokens, *lens;
  float *table, *out, *R;
} EmbCtx;

static double
emb_objective (gpointer p)
{
  EmbCtx *c = p;
  fw_embedding_forward (c->out, c->tokens, c->table, c->B, c->L, c->E);
  return dot (c->out, c->R, (gsize) c->L * c->B * c->E);
}

static double
bag_objective (gpointer p)
{
  EmbCtx *c = p;
  fw_embedding_bag_mean_forward (c->out, c->tokens, c->lens, c->table, c->B, c->L, c->E);
  return dot (c->out, c->R, (gsize) c->B * c->E);
}

static void
test_embedding (void)
{
  guint64 rng = 71;
  enum { V = 6, B = 3, L = 4, E = 3 };
  /* (B, L) row-major; token 2 repeats so its gradient must sum */
  static const int tokens[B * L] = { 1, 2, 2, 0,   5, 3, 2, 1,   4, 4, 0, 2 };
  EmbCtx c = { .B = B, .L = L, .E = E, .tokens = tokens };
  c.table = rand_buf (&rng, V * E, -1, 1);
  c.out = g_new (float, L * B * E);
  c.R = rand_buf (&rng, L * B * E, -1, 1);
  g_autofree float *d0 = rand_buf (&rng, V * E, -1, 1);
  g_autofree float *d = copy_buf (d0, V * E);

  emb_objective (&c);
  /* time-major: out[t, b] is the row of tokens[b, t] */
  for (int t = 0; t < L; t++)
    for (int b = 0; b < B; b++)
      for (int e = 0; e < E; e++)
        g_assert_cmpfloat (c.out[(t * B + b) * E + e], ==, c.table[tokens[b * L + t] * E + e]);

  fw_embedding_backward (d, c.R, tokens, B, L, E);
  check_fd ("embedding dtable", c.table, V * E, d, d0, emb_objective, &c, 1e-2f, FD_TOL);

  g_free (c.table); g_free (c.out); g_free (c.R);
}

static void
test_embedding_bag (void)
{
  guint64 rng = 72;
  enum { V = 7, B = 4, L = 5, E = 3, PAD = 6 };
  /* PAD appears only past each row's length: it must get no gradient */
  static const int tokens[B * L] = {
    1, 2, 2, PAD, PAD,
    PAD, PAD, PAD, PAD, PAD, /* lens 0: zeros out, no gradient */
    0, 3, 5, 4, 1,
    2, PAD, PAD, PAD, PAD,
  };
  static const int lens[B] = { 3, 0, 5, 1 };
  EmbCtx c = { .B = B, .L = L, .E = E, .tokens = tokens, .lens = lens };
  c.table = rand_buf (&rng, V * E, -1, 1);
  c.out = g_new (float, B * E);
  c.R = rand_buf (&rng, B * E, -1, 1);
  g_autofree float *d0 = rand_buf (&rng, V * E, -1, 1);
  g_autofree float *d = copy_buf (d0, V * E);

  bag_objective (&c);
  for (int b = 0; b < B; b++)
    for (int e = 0; e < E; e++)
      {
        float m = 0.0f;
        for (int t = 0; t < lens[b]; t++)
          m += c.table[tokens[b * L + t] * E + e];
        if (lens[b] > 0)
          m /= lens[b];
        g_assert_cmpfloat_with_epsilon (c.out[b * E + e], m, 1e-6);
      }

  fw_embedding_bag_mean_backward (d, c.R, tokens, lens, B, L, E);
  for (int e = 0; e < E; e++)
    g_assert_cmpfloat (d[PAD * E + e], ==, d0[PAD * E + e]);
  check_fd ("embedding-bag dtable", c.table, V * E, d, d0, bag_objective, &c, 1e-2f, FD_TOL);

  g_free (c.table); g_free (c.out); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* GRU                                                                       */

static void
test_gru_naive (void)
{
  int sizes[][4] = { { 1, 1, 1, 1 }, { 3, 7, 5, 6 }, { 8, 12, 16, 20 }, { 5, 3, 9, 1 }, { 0, 0, 0, 0 } };
  guint64 rng = 81;
  int *last = sizes[G_N_ELEMENTS (sizes) - 1];
  for (int k = 0; k < 4; k++)
    last[k] = g_test_rand_int_range (1, 17);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int with_lens = 0; with_lens < 2; with_lens++)
      {
        int B = sizes[s][0], L = sizes[s][1], E = sizes[s][2], G = sizes[s][3];
        gsize nx = (gsize) L * B * E, nh = (gsize) (L + 1) * B * G;
        g_autofree float *scratch = g_new (float, fw_gru_scratch_floats (B, L, G));
        g_autofree float *x = rand_buf (&rng, nx, -1, 1);
        g_autofree float *w_ih = rand_buf (&rng, (gsize) 3 * G * E, -0.5f, 0.5f);
        g_autofree float *w_hh = rand_buf (&rng, (gsize) 3 * G * G, -0.5f, 0.5f);
        g_autofree float *b_ih = rand_buf (&rng, 3 * G, -0.5f, 0.5f);
        g_autofree float *b_hh = rand_buf (&rng, 3 * G, -0.5f, 0.5f);
        g_autofree float *h = rand_buf (&rng, nh, -9, 9);
        g_autofree float *h_n = rand_buf (&rng, nh, -9, 9);
        g_autofree float *gates = g_new (float, (gsize) L * B * 4 * G);
        g_autofree int *lens = g_new (int, B);
        /* first row full, second empty (when B > 1), the rest anywhere */
        for (int b = 0; b < B; b++)
          lens[b] = b == 0 ? L : b == 1 ? 0 : (int) fw_rng_below (&rng, L + 1);
        g_autofree char *tag = g_strdup_printf ("gru B=%d L=%d E=%d G=%d %s fwd",
                                                B, L, E, G, with_lens ? "lens" : "nolens");

        fw_gru_forward (h, gates, scratch, x, with_lens ? lens : NULL,
                        w_ih, w_hh, b_ih, b_hh, B, L, E, G);
        fw_gru_forward_naive (h_n, x, with_lens ? lens : NULL,
                              w_ih, w_hh, b_ih, b_hh, B, L, E, G);
        check_agree (tag, h, h_n, nh, 1e-5);
        if (with_lens && B > 1)
          for (int g = 0; g < G; g++)
            g_assert_cmpfloat (h[((gsize) L * B + 1) * G + g], ==, 0.0f);
      }
}

typedef struct {
  int B, L, E, G;
  const int *lens;
  float *x, *w_ih, *w_hh, *b_ih, *b_hh, *h_all, *gates, *scratch, *R;
} GruCtx;

static double
gru_objective (gpointer p)
{
  GruCtx *c = p;
  fw_gru_forward (c->h_all, c->gates, c->scratch, c->x, c->lens,
                  c->w_ih, c->w_hh, c->b_ih, c->b_hh, c->B, c->L, c->E, c->G);
  return dot (c->h_all + (gsize) c->L * c->B * c->G, c->R, (gsize) c->B * c->G);
}

static void
test_gru_grad (void)
{
  guint64 rng = 82;
  static const int lens[] = { 5, 0, 2, 3 };
  GruCtx c = { .B = 4, .L = 5, .E = 3, .G = 4, .lens = lens };
  int G3 = 3 * c.G;
  gsize nx = (gsize) c.L * c.B * c.E, nwi = (gsize) G3 * c.E, nwh = (gsize) G3 * c.G;
  c.scratch = g_new (float, fw_gru_scratch_floats (c.B, c.L, c.G));
  c.x = rand_buf (&rng, nx, -1, 1);
  c.w_ih = rand_buf (&rng, nwi, -0.8f, 0.8f);
  c.w_hh = rand_buf (&rng, nwh, -0.8f, 0.8f);
  c.b_ih = rand_buf (&rng, G3, -0.5f, 0.5f);
  c.b_hh = rand_buf (&rng, G3, -0.5f, 0.5f);
  c.h_all = g_new (float, (gsize) (c.L + 1) * c.B * c.G);
  c.gates = g_new (float, (gsize) c.L * c.B * 4 * c.G);
  c.R = rand_buf (&rng, (gsize) c.B * c.G, -1, 1);
  g_autofree float *dx0 = rand_buf (&rng, nx, -1, 1);
  g_autofree float *dwi0 = rand_buf (&rng, nwi, -1, 1);
  g_autofree float *dwh0 = rand_buf (&rng, nwh, -1, 1);
  g_autofree float *dbi0 = rand_buf (&rng, G3, -1, 1);
  g_autofree float *dbh0 = rand_buf (&rng, G3, -1, 1);
  g_autofree float *dx = copy_buf (dx0, nx);
  g_autofree float *dwi = copy_buf (dwi0, nwi);
  g_autofree float *dwh = copy_buf (dwh0, nwh);
  g_autofree float *dbi = copy_buf (dbi0, G3);
  g_autofree float *dbh = copy_buf (dbh0, G3);

  gru_objective (&c);
  /* the saved gates are what the equations say, for a step that ran */
  {
    int t = 1, b = 0;
    const float *gb = c.gates + ((gsize) t * c.B + b) * 4 * c.G;
    const float *h = c.h_all + ((gsize) t * c.B + b) * c.G;
    for (int g = 0; g < c.G; g++)
      {
        double hn = c.b_hh[2 * c.G + g];
        for (int j = 0; j < c.G; j++)
          hn += c.w_hh[(2 * c.G + g) * c.G + j] * h[j];
        g_assert_cmpfloat_with_epsilon (gb[3 * c.G + g], hn, 1e-5);
        float hnext = (1 - gb[c.G + g]) * gb[2 * c.G + g] + gb[c.G + g] * h[g];
        g_assert_cmpfloat_with_epsilon (c.h_all[((gsize) (t + 1) * c.B + b) * c.G + g], hnext, 1e-6);
      }
  }

  fw_gru_backward (dx, dwi, dwh, dbi, dbh, c.scratch, c.R, c.h_all, c.gates, c.x, c.lens,
                   c.w_ih, c.w_hh, c.B, c.L, c.E, c.G);
  /* an empty row's inputs and the steps past a row's end get nothing */
  for (int t = 0; t < c.L; t++)
    for (int b = 0; b < c.B; b++)
      if (t >= lens[b])
        for (int e = 0; e < c.E; e++)
          {
            gsize i = ((gsize) t * c.B + b) * c.E + e;
            g_assert_cmpfloat (dx[i], ==, dx0[i]);
          }
  check_fd ("gru dx", c.x, nx, dx, dx0, gru_objective, &c, 1e-2f, FD_TOL);
  check_fd ("gru dw_ih", c.w_ih, nwi, dwi, dwi0, gru_objective, &c, 1e-2f, FD_TOL);
  check_fd ("gru dw_hh", c.w_hh, nwh, dwh, dwh0, gru_objective, &c, 1e-2f, FD_TOL);
  check_fd ("gru db_ih", c.b_ih, G3, dbi, dbi0, gru_objective, &c, 1e-2f, FD_TOL);
  check_fd ("gru db_hh", c.b_hh, G3, dbh, dbh0, gru_objective, &c, 1e-2f, FD_TOL);

  /* NULL gradients: dx alone matches its share of the full call */
  g_autofree float *only = g_new0 (float, nx);
  gru_objective (&c);
  fw_gru_backward (only, NULL, NULL, NULL, NULL, c.scratch, c.R, c.h_all, c.gates, c.x, c.lens,
                   c.w_ih, c.w_hh, c.B, c.L, c.E, c.G);
  for (gsize i = 0; i < nx; i++)
    g_assert_cmpfloat_with_epsilon (only[i], dx[i] - dx0[i], 1e-5);

  g_free (c.x); g_free (c.w_ih); g_free (c.w_hh); g_free (c.b_ih); g_free (c.b_hh);
  g_free (c.h_all); g_free (c.gates); g_free (c.scratch); g_free (c.R);
}

/* ------------------------------------------------------------------------ */
/* the training path's kernels, split over a pool                            */

/* 1 thread, and more threads than this machine has cores, so tasks are
 * claimed by whichever thread gets there first */
static const int pool_sizes[] = { 1, 3 };

typedef struct {
  int B, C, H, W, O;
  float *inp, *w, *b, *out, *R, *col;
} ConvColCtx;

static double
conv_col_objective (gpointer p)
{
  ConvColCtx *c = p;
  fw_conv2d_forward_col (c->out, c->col, c->inp, c->w, c->b, c->B, c->C, c->H, c->W, c->O);
  return dot (c->out, c->R, (gsize) c->B * c->O * c->H * c->W);
}

/* the im2col-keeping conv against its naive twin: thin first layers (1 and
 * 3 channels, plain loops) and wider ones (sgemm), NULL gradients, and the
 * same numbers on every repeat for the same pool size */
static void
test_conv2d_col_naive (void)
{
  int sizes[][5] = {
    { 1, 1, 1, 1, 1 }, { 5, 1, 7, 9, 16 }, { 3, 3, 6, 5, 4 }, { 3, 2, 7, 7, 5 },
    { 4, 16, 14, 14, 32 }, { 7, 4, 3, 2, 2 }, { 19, 1, 6, 6, 3 }, { 17, 5, 4, 3, 6 },
  };
  guint64 rng = 91;
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3], O = sizes[s][4];
          gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nout = (gsize) B * O * H * W;
          g_autofree float *col = g_new (float, B * fw_conv2d_col_floats (C, H, W));
          g_autofree float *work = g_new (float, fw_conv2d_work_floats (C, H, W, O));
          g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
          g_autofree float *w = rand_buf (&rng, nw, -1, 1);
          g_autofree float *b = rand_buf (&rng, O, -1, 1);
          g_autofree float *out = rand_buf (&rng, nout, -9, 9);
          g_autofree float *out_n = rand_buf (&rng, nout, -9, 9);
          g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
          g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
          g_autofree float *dw = rand_buf (&rng, nw, -1, 1);
          g_autofree float *db = rand_buf (&rng, O, -1, 1);
          g_autofree float *dinp_n = copy_buf (dinp, nin);
          g_autofree float *dw_n = copy_buf (dw, nw);
          g_autofree float *db_n = copy_buf (db, O);
          g_autofree float *dw_again = copy_buf (dw, nw);
          g_autofree char *tag = g_strdup_printf ("conv2d-col threads=%d B=%d C=%d H=%d W=%d O=%d",
                                                  pool_sizes[ps], B, C, H, W, O);

          fw_conv2d_forward_col (out, col, inp, w, b, B, C, H, W, O);
          fw_conv2d_forward_naive (out_n, inp, w, b, B, C, H, W, O);
          check_agree (tag, out, out_n, nout, 1e-5);

          fw_conv2d_backward_col (dinp, dw, db, work, dout, col, w, B, C, H, W, O);
          fw_conv2d_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, C, H, W, O);
          check_agree (tag, dinp, dinp_n, nin, 1e-5);
          check_agree (tag, dw, dw_n, nw, 1e-5);
          check_agree (tag, db, db_n, O, 1e-5);

          /* dw alone, twice from the same start: bit-identical */
          g_autofree float *dw_once = copy_buf (dw_again, nw);
          fw_conv2d_backward_col (NULL, dw_once, NULL, work, dout, col, w, B, C, H, W, O);
          for (int rep = 0; rep < 3; rep++)
            {
              g_autofree float *dw_rep = copy_buf (dw_again, nw);
              fw_conv2d_backward_col (NULL, dw_rep, NULL, work, dout, col, w, B, C, H, W, O);
              g_assert_cmpmem (dw_rep, nw * sizeof (float), dw_once, nw * sizeof (float));
            }
        }
      fw_pool_make_current (NULL);
    }
}

/* the first layer's direct path (fw-conv-direct.c) against the naive
 * twin and finite differences: shapes that take it (asserted), with a
 * partial last block of pixels (W = 18, 28), a partial block of output
 * channels (O = 17), one to four channels, at 1 and 3 threads; dinp (not
 * the direct path's own) and db alone too */
static void
test_conv2d_direct (void)
{
  int sizes[][5] = {
    { 2, 3, 6, 18, 17 }, { 3, 1, 28, 28, 16 }, { 2, 3, 16, 16, 16 }, { 1, 4, 5, 33, 3 },
    { 9, 2, 4, 17, 1 },
  };
  guint64 rng = 93;
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3], O = sizes[s][4];
          g_assert_true (fw_conv_direct_fits (C, H, W));
          gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nout = (gsize) B * O * H * W;
          g_autofree float *col = g_new (float, B * fw_conv2d_col_floats (C, H, W));
          g_autofree float *work = g_new (float, fw_conv2d_work_floats (C, H, W, O));
          g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
          g_autofree float *w = rand_buf (&rng, nw, -1, 1);
          g_autofree float *b = rand_buf (&rng, O, -1, 1);
          g_autofree float *out = rand_buf (&rng, nout, -9, 9);
          g_autofree float *out_n = rand_buf (&rng, nout, -9, 9);
          g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
          g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
          g_autofree float *dw = rand_buf (&rng, nw, -1, 1);
          g_autofree float *db = rand_buf (&rng, O, -1, 1);
          g_autofree float *dinp_n = copy_buf (dinp, nin);
          g_autofree float *dw_n = copy_buf (dw, nw);
          g_autofree float *db_n = copy_buf (db, O);
          g_autofree float *db_alone = copy_buf (db, O);
          g_autofree char *tag = g_strdup_printf ("conv2d-direct threads=%d B=%d C=%d H=%d W=%d O=%d",
                                                  pool_sizes[ps], B, C, H, W, O);

          fw_conv2d_forward_col (out, col, inp, w, b, B, C, H, W, O);
          fw_conv2d_forward_naive (out_n, inp, w, b, B, C, H, W, O);
          check_agree (tag, out, out_n, nout, 1e-5);
          fw_conv2d_backward_col (dinp, dw, db, work, dout, col, w, B, C, H, W, O);
          fw_conv2d_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, C, H, W, O);
          check_agree (tag, dinp, dinp_n, nin, 1e-5);
          check_agree (tag, dw, dw_n, nw, 1e-5);
          check_agree (tag, db, db_n, O, 1e-5);
          /* db without dw: the same sums */
          fw_conv2d_backward_col (NULL, NULL, db_alone, work, dout, col, w, B, C, H, W, O);
          check_agree (tag, db_alone, db_n, O, 1e-5);
        }
      fw_pool_make_current (NULL);
    }

  /* finite differences through the direct path */
  ConvColCtx c = { .B = 2, .C = 3, .H = 4, .W = 18, .O = 17 };
  g_assert_true (fw_conv_direct_fits (c.C, c.H, c.W));
  gsize nin = (gsize) c.B * c.C * c.H * c.W, nw = (gsize) c.O * c.C * 9;
  gsize nout = (gsize) c.B * c.O * c.H * c.W;
  g_autofree float *work = g_new (float, fw_conv2d_work_floats (c.C, c.H, c.W, c.O));
  c.col = g_new (float, c.B * fw_conv2d_col_floats (c.C, c.H, c.W));
  c.inp = rand_buf (&rng, nin, -1, 1);
  c.w = rand_buf (&rng, nw, -1, 1);
  c.b = rand_buf (&rng, c.O, -1, 1);
  c.out = g_new (float, nout);
  c.R = rand_buf (&rng, nout, -1, 1);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, c.O, -1, 1);
  g_autofree float *dw = copy_buf (dw0, nw);
  g_autofree float *db = copy_buf (db0, c.O);
  conv_col_objective (&c);
  fw_conv2d_backward_col (NULL, dw, db, work, c.R, c.col, c.w, c.B, c.C, c.H, c.W, c.O);
  check_fd ("conv2d-direct dw", c.w, nw, dw, dw0, conv_col_objective, &c, 1e-2f, FD_TOL);
  check_fd ("conv2d-direct db", c.b, c.O, db, db0, conv_col_objective, &c, 1e-2f, FD_TOL);
  g_free (c.inp); g_free (c.w); g_free (c.b); g_free (c.out); g_free (c.R); g_free (c.col);
}

/* ReLU + pool eight windows at a time (fw-relu-pool.c): rows of at least
 * eight windows, a last step that overlaps the one before (Wo = 18, 14),
 * exactly eight (Wo = 8), four to seven (spilling into the next row: Wo =
 * 7, 4) and three (one by one), odd sizes; values on a coarse grid so windows
 * tie often; forward and backward against the naive twin bit for bit,
 * and ties broken as PyTorch in every lane */
static void
test_relu_maxpool_wide (void)
{
  int sizes[][4] = { { 2, 3, 9, 37 }, { 1, 2, 28, 28 }, { 3, 1, 4, 17 }, { 2, 3, 14, 14 },
                     { 2, 2, 15, 9 }, { 1, 2, 6, 7 } };
  guint64 rng = 17;
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3];
      gsize nin = (gsize) B * C * H * W, nout = (gsize) B * C * (H / 2) * (W / 2);
      g_autofree float *inp = g_new (float, nin);
      for (gsize i = 0; i < nin; i++)
        inp[i] = 0.5f * (float) (int) (fw_rng_uniform (&rng) * 7.0f) - 1.5f;
      g_autofree float *out = g_new (float, nout), *out_n = g_new (float, nout);
      g_autofree int *argmax = g_new (int, nout), *argmax_n = g_new (int, nout);
      fw_relu_maxpool2_forward (out, argmax, inp, B, C, H, W);
      fw_relu_maxpool2_forward_naive (out_n, argmax_n, inp, B, C, H, W);
      g_assert_cmpmem (out, nout * sizeof (float), out_n, nout * sizeof (float));
      for (gsize i = 0; i < nout; i++)
        if (out[i] > 0.0f)
          g_assert_cmpint (argmax[i], ==, argmax_n[i]);
      g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
      g_autofree float *dinp = rand_buf (&rng, nin, -1, 1), *dinp_n = g_new (float, nin);
      fw_relu_maxpool2_backward_set (dinp, dout, out, argmax, B, C, H, W);
      fw_relu_maxpool2_backward_set_naive (dinp_n, dout, out, argmax, B, C, H, W);
      g_assert_cmpmem (dinp, nin * sizeof (float), dinp_n, nin * sizeof (float));
    }

  /* the four kinds of tie, repeated across sixteen windows of one plane */
  float plane[2 * 32], out[16];
  int argmax[16];
  const float kinds[4][4] = { { 1, 1, 1, 1 }, { 0, 2, 2, 0 }, { -1, -1, -1, -1 }, { 0, 0, 3, 3 } };
  for (int x = 0; x < 16; x++)
    {
      const float *k = kinds[x % 4];
      plane[2 * x] = k[0], plane[2 * x + 1] = k[1], plane[32 + 2 * x] = k[2], plane[32 + 2 * x + 1] = k[3];
    }
  fw_relu_maxpool2_forward (out, argmax, plane, 1, 1, 2, 32);
  for (int x = 0; x < 16; x++)
    {
      int first[4] = { 0, 1, 0, 32 };   /* top left, top right, (ReLU 0), bottom left */
      if (x % 4 == 2)
        g_assert_cmpfloat (out[x], ==, 0);
      else
        g_assert_cmpint (argmax[x], ==, 2 * x + first[x % 4]);
    }
}

typedef struct {
  int B, C, H, W, O;
  float *inp, *w, *b, *pooled, *conv, *col, *work, *R;
  int *argmax;
} ConvPoolCtx;

static double
conv_pool_objective (gpointer p)
{
  ConvPoolCtx *c = p;
  fw_conv2d_relu_pool_forward (c->pooled, c->argmax, c->conv, c->col, c->work, c->inp, c->w, c->b,
                               c->B, c->C, c->H, c->W, c->O);
  return dot (c->pooled, c->R, (gsize) c->B * c->O * (c->H / 2) * (c->W / 2));
}

/* dw and db of the fused layer against finite differences (a small step:
 * a larger one moved some window's maximum) */
static void
check_conv_pool_fd (const char *name, int B, int C, int H, int W, int O, guint64 rng)
{
  ConvPoolCtx c = { .B = B, .C = C, .H = H, .W = W, .O = O };
  g_assert_true (fw_conv_direct_fits (c.C, c.H, c.W));
  gsize nin = (gsize) c.B * c.C * c.H * c.W, nw = (gsize) c.O * c.C * 9;
  gsize npool = (gsize) c.B * c.O * (c.H / 2) * (c.W / 2);
  c.col = g_new (float, c.B * fw_conv2d_col_floats (c.C, c.H, c.W));
  c.work = g_new (float, fw_conv2d_relu_pool_work_floats (c.C, c.H, c.W, c.O));
  c.conv = g_new (float, (gsize) c.B * c.O * c.H * c.W);
  c.inp = rand_buf (&rng, nin, -1, 1);
  c.w = rand_buf (&rng, nw, -1, 1);
  c.b = rand_buf (&rng, c.O, -1, 1);
  c.pooled = g_new (float, npool);
  c.argmax = g_new (int, npool);
  c.R = rand_buf (&rng, npool, -1, 1);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1), *db0 = rand_buf (&rng, c.O, -1, 1);
  g_autofree float *dw = copy_buf (dw0, nw), *db = copy_buf (db0, c.O);
  g_autofree char *n_dw = g_strconcat (name, " dw", NULL);
  g_autofree char *n_db = g_strconcat (name, " db", NULL);
  conv_pool_objective (&c);
  fw_conv2d_relu_pool_backward (NULL, dw, db, c.conv, c.work, c.R, c.pooled, c.argmax, c.col,
                                c.w, c.B, c.C, c.H, c.W, c.O);
  check_fd (n_dw, c.w, nw, dw, dw0, conv_pool_objective, &c, 1e-4f, FD_TOL);
  check_fd (n_db, c.b, c.O, db, db0, conv_pool_objective, &c, 1e-4f, FD_TOL);
  g_free (c.inp); g_free (c.w); g_free (c.b); g_free (c.pooled); g_free (c.argmax);
  g_free (c.conv); g_free (c.col); g_free (c.work); g_free (c.R);
}

/* a[i] and b[i] within rel of the larger magnitude, and of rel near 0
 * (sums of thousands of products of order one, in two orders) */
static void
assert_rel_close (const float *a, const float *b, gsize n, double rel)
{
  for (gsize i = 0; i < n; i++)
    {
      double scale = MAX (MAX (fabs (a[i]), fabs (b[i])), 1.0);
      if (fabs ((double) a[i] - b[i]) > rel * scale)
        g_error ("element %" G_GSIZE_FORMAT ": %.9g against %.9g", i, a[i], b[i]);
    }
}

/* a convolution fused with ReLU and pool: bit for bit the unfused
 * composition (fw_conv2d_forward_col, then fw_relu_maxpool2_forward;
 * backward fw_relu_maxpool2_backward_set, then fw_conv2d_backward_col).
 * The first layer's (1-4 channels, image by image) on shapes that take the
 * fused path (asserted), odd sizes, a group of one image (64×64) and a
 * partial chunk; the Winograd path's (5 or more channels: conv2 at 14×14,
 * odd sizes, several chunks and blocks); at 1 and 3 threads; with dinp
 * too; one channel (pixel-major) within 1e-4 for dw and db; and finite
 * differences of dw and db through it (a small step: a larger one moved
 * some window's maximum) */
static void
test_conv2d_relu_pool (void)
{
  int sizes[][5] = {
    { 11, 1, 28, 28, 16 }, { 3, 3, 64, 64, 16 }, { 9, 2, 7, 19, 17 }, { 2, 5, 6, 6, 8 },
    { 5, 1, 9, 31, 32 }, { 3, 1, 5, 7, 16 },
    { 19, 16, 14, 14, 32 }, { 3, 16, 7, 9, 32 }, { 4, 8, 13, 10, 16 },
  };
  guint64 rng = 41;
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
        for (int with_dinp = 0; with_dinp < 2; with_dinp++)
          {
            int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3], O = sizes[s][4];
            g_assert_true (fw_conv_direct_fits (C, H, W) == (C <= 4));
            gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nconv = (gsize) B * O * H * W;
            gsize npool = (gsize) B * O * (H / 2) * (W / 2);
            g_autofree float *col = g_new (float, B * fw_conv2d_col_floats (C, H, W));
            g_autofree float *work = g_new (float, fw_conv2d_relu_pool_work_floats (C, H, W, O));
            g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
            g_autofree float *w = rand_buf (&rng, nw, -1, 1);
            g_autofree float *b = rand_buf (&rng, O, -1, 1);
            g_autofree float *dpool = rand_buf (&rng, npool, -1, 1);
            g_autofree float *conv = g_new (float, nconv), *conv_u = g_new (float, nconv);
            g_autofree float *dconv = g_new (float, nconv), *dconv_u = g_new (float, nconv);
            g_autofree float *pooled = g_new (float, npool), *pooled_u = g_new (float, npool);
            g_autofree int *argmax = g_new (int, npool), *argmax_u = g_new (int, npool);
            g_autofree float *dw = rand_buf (&rng, nw, -1, 1), *db = rand_buf (&rng, O, -1, 1);
            g_autofree float *dw_u = copy_buf (dw, nw), *db_u = copy_buf (db, O);
            g_autofree float *dinp = g_new0 (float, nin), *dinp_u = g_new0 (float, nin);

            fw_conv2d_relu_pool_forward (pooled, argmax, conv, col, work, inp, w, b, B, C, H, W, O);
            fw_conv2d_relu_pool_backward (with_dinp ? dinp : NULL, dw, db, dconv, work, dpool,
                                          pooled, argmax, col, w, B, C, H, W, O);
            fw_conv2d_forward_col (conv_u, col, inp, w, b, B, C, H, W, O);
            fw_relu_maxpool2_forward (pooled_u, argmax_u, conv_u, B, O, H, W);
            fw_relu_maxpool2_backward_set (dconv_u, dpool, pooled_u, argmax_u, B, O, H, W);
            fw_conv2d_backward_col (with_dinp ? dinp_u : NULL, dw_u, db_u, work, dconv_u, col, w,
                                    B, C, H, W, O);
            g_assert_cmpmem (pooled, npool * sizeof (float), pooled_u, npool * sizeof (float));
            /* pixel-major, the positions are kept as winner codes alone */
            if (!fw_conv_nhwc_fits (C, H, W, O))
              g_assert_cmpmem (argmax, npool * sizeof (int), argmax_u, npool * sizeof (int));
            if (!with_dinp && fw_conv_nhwc_fits (C, H, W, O))
              {
                /* pixel-major dw and db: the same products in another order */
                assert_rel_close (dw, dw_u, nw, 1e-4);
                assert_rel_close (db, db_u, O, 1e-4);
              }
            else
              {
                g_assert_cmpmem (dw, nw * sizeof (float), dw_u, nw * sizeof (float));
                g_assert_cmpmem (db, O * sizeof (float), db_u, O * sizeof (float));
              }
            g_assert_cmpmem (dinp, nin * sizeof (float), dinp_u, nin * sizeof (float));
          }
      fw_pool_make_current (NULL);
    }

  check_conv_pool_fd ("conv2d-relu-pool", 3, 2, 5, 18, 17, 43);
  g_assert_true (fw_conv_nhwc_fits (1, 5, 18, 16));   /* the pixel-major path too */
  check_conv_pool_fd ("conv2d-relu-pool pixel-major", 3, 1, 5, 18, 16, 47);
}

/* the pixel-major kernels (fw-conv-nhwc.c) against their channel-major
 * twins, image by image: the convolution bit for bit (transposed), ReLU +
 * pool's values and positions (image 0: all ties), and dw and db from the
 * pooled gradient (the same products in another order; odd last rows and
 * columns have none); then the fused layer on that path gives the same
 * dw at 1 and 3 threads */
static void
test_conv_nhwc (void)
{
  int sizes[][3] = { { 28, 28, 16 }, { 9, 31, 32 }, { 7, 9, 16 } };
  guint64 rng = 53;
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int H = sizes[s][0], W = sizes[s][1], O = sizes[s][2], n_img = 3;
      g_assert_true (fw_conv_nhwc_fits (1, H, W, O));
      g_assert_false (fw_conv_nhwc_fits (2, H, W, O) || fw_conv_nhwc_fits (1, H, W, O + 8));
      gsize HW = (gsize) H * W, n = (gsize) (H / 2) * (W / 2), slot = fw_conv2d_col_floats (1, H, W);
      gsize nw = (gsize) O * 9;
      g_autofree float *slots = g_new (float, slot * n_img);
      g_autofree float *inp = rand_buf (&rng, HW * n_img, -1, 1);
      g_autofree float *w = rand_buf (&rng, nw, -1, 1), *b = rand_buf (&rng, O, -1, 1);
      memset (inp, 0, HW * sizeof (float));   /* image 0: every window a four-way tie */
      g_autofree float *chw = g_new (float, O * HW * n_img), *hwc = g_new (float, O * HW * n_img);
      g_autofree float *dchw = g_new (float, O * HW * n_img);
      g_autofree float *pooled = g_new (float, O * n), *pooled_n = g_new (float, O * n);
      g_autofree int *argmax = g_new (int, O * n), *argmax_n = g_new (int, O * n);
      g_autofree float *dconv_n = g_new (float, O * HW);
      g_autofree float *dpooled = rand_buf (&rng, O * n * n_img, -1, 1);
      g_autofree float *dw = rand_buf (&rng, nw, -1, 1), *db = rand_buf (&rng, O, -1, 1);
      g_autofree float *dw_n = copy_buf (dw, nw), *db_n = copy_buf (db, O);
      for (int i = 0; i < n_img; i++)
        {
          gsize base = (gsize) (i + 1) * O * HW;   /* as image i + 1 of a batch */
          float *c = chw + i * O * HW, *h = hwc + i * O * HW, *dc = dchw + i * O * HW;
          fw_conv_direct_pad (slots + i * slot, inp + i * HW, 1, H, W);
          fw_conv_direct_forward (c, slots + i * slot, w, b, 1, H, W, O);
          fw_conv_nhwc_forward (h, slots + i * slot, w, b, H, W, O);
          for (int o = 0; o < O; o++)
            for (gsize p = 0; p < HW; p++)
              g_assert_true (memcmp (&c[o * HW + p], &h[p * O + o], sizeof (float)) == 0);
          for (int o = 0; o < O; o++)
            fw_relu_pool_plane (pooled + o * n, argmax + o * n, c + o * HW, base + o * HW, H, W);
          int *winners = fw_conv_nhwc_winners (slots + i * slot, H, W);
          fw_relu_pool_nhwc (pooled_n, argmax_n, winners, h, base, H, W, O);
          g_assert_cmpmem (pooled, O * n * sizeof (float), pooled_n, O * n * sizeof (float));
          g_assert_cmpmem (argmax, O * n * sizeof (int), argmax_n, O * n * sizeof (int));
          for (int o = 0; o < O; o++)
            fw_relu_pool_backward_plane (dc + o * HW, dpooled + i * O * n + o * n,
                                         pooled + o * n, argmax + o * n, base + o * HW, H, W);
          /* the winner codes give ReLU + pool's backward the same numbers */
          fw_relu_pool_nhwc_backward (dconv_n, dpooled + i * O * n, winners, H, W, O);
          g_assert_cmpmem (dconv_n, O * HW * sizeof (float), dc, O * HW * sizeof (float));
        }
      /* dw and db straight from the pooled gradient, against ReLU + pool's
       * backward then channel-major dw (base: image 0 is image 1 of a batch) */
      fw_conv_direct_dw (dw, db, dchw, slots, slot, n_img, 1, H, W, O);
      fw_conv_nhwc_pool_dw (dw_n, db_n, dpooled, slots, slot, n_img, H, W, O);
      assert_rel_close (dw_n, dw, nw, 1e-4);
      assert_rel_close (db_n, db, O, 1e-4);
    }

  /* the fused layer's dw and db: the same bits at any thread count */
  int B = 19, H = 28, W = 28, O = 16;
  gsize nin = (gsize) B * H * W, npool = (gsize) B * O * (H / 2) * (W / 2), nw = (gsize) O * 9;
  g_autofree float *col = g_new (float, B * fw_conv2d_col_floats (1, H, W));
  g_autofree float *work = g_new (float, fw_conv2d_relu_pool_work_floats (1, H, W, O));
  g_autofree float *inp = rand_buf (&rng, nin, -1, 1), *dpool = rand_buf (&rng, npool, -1, 1);
  g_autofree float *w = rand_buf (&rng, nw, -1, 1), *b = rand_buf (&rng, O, -1, 1);
  g_autofree float *pooled = g_new (float, npool);
  g_autofree int *argmax = g_new (int, npool);
  float *dw[2], *db[2];
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      dw[ps] = g_new0 (float, nw);
      db[ps] = g_new0 (float, O);
      fw_conv2d_relu_pool_forward (pooled, argmax, NULL, col, work, inp, w, b, B, 1, H, W, O);
      fw_conv2d_relu_pool_backward (NULL, dw[ps], db[ps], NULL, work, dpool, pooled, argmax, col,
                                    w, B, 1, H, W, O);
      fw_pool_make_current (NULL);
    }
  g_assert_cmpmem (dw[0], nw * sizeof (float), dw[1], nw * sizeof (float));
  g_assert_cmpmem (db[0], O * sizeof (float), db[1], O * sizeof (float));
  for (int k = 0; k < 2; k++)
    {
      g_free (dw[k]);
      g_free (db[k]);
    }
}

/* the Winograd path (fw-conv-winograd.c) against the naive twin and finite
 * differences: shapes that take it (asserted), odd and tiny images (tiles
 * past the edge), channel counts that are not multiples of eight, B = 19
 * and 131 (several chunks, more images a chunk), at 1 and 3 threads; every
 * result bit-identical at either thread count; dinp, dw and db each alone */
/* dinp, dw and db of fw_conv2d_backward_col against finite differences of
 * conv_col_objective, for one shape (the shape picks the kernel path) */
static void
check_conv_col_fd (const char *name, int B, int C, int H, int W, int O, guint64 rng)
{
  ConvColCtx c = { .B = B, .C = C, .H = H, .W = W, .O = O };
  gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nout = (gsize) B * O * H * W;
  g_autofree float *work = g_new (float, fw_conv2d_work_floats (C, H, W, O));
  c.col = g_new (float, B * fw_conv2d_col_floats (C, H, W));
  c.inp = rand_buf (&rng, nin, -1, 1);
  c.w = rand_buf (&rng, nw, -1, 1);
  c.b = rand_buf (&rng, O, -1, 1);
  c.out = g_new (float, nout);
  c.R = rand_buf (&rng, nout, -1, 1);
  g_autofree float *dinp0 = rand_buf (&rng, nin, -1, 1);
  g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
  g_autofree float *db0 = rand_buf (&rng, O, -1, 1);
  g_autofree float *dinp = copy_buf (dinp0, nin);
  g_autofree float *dw = copy_buf (dw0, nw);
  g_autofree float *db = copy_buf (db0, O);
  g_autofree char *n_dinp = g_strconcat (name, " dinp", NULL);
  g_autofree char *n_dw = g_strconcat (name, " dw", NULL);
  g_autofree char *n_db = g_strconcat (name, " db", NULL);

  conv_col_objective (&c);   /* backward reads the col this forward kept */
  fw_conv2d_backward_col (dinp, dw, db, work, c.R, c.col, c.w, B, C, H, W, O);
  check_fd (n_dinp, c.inp, nin, dinp, dinp0, conv_col_objective, &c, 1e-2f, FD_TOL);
  check_fd (n_dw, c.w, nw, dw, dw0, conv_col_objective, &c, 1e-2f, FD_TOL);
  check_fd (n_db, c.b, O, db, db0, conv_col_objective, &c, 1e-2f, FD_TOL);
  g_free (c.inp); g_free (c.w); g_free (c.b); g_free (c.out); g_free (c.R); g_free (c.col);
}

static void
test_conv2d_winograd (void)
{
  int sizes[][5] = {
    { 4, 16, 14, 14, 32 }, { 3, 5, 7, 9, 6 }, { 2, 8, 1, 1, 3 }, { 19, 6, 5, 4, 9 },
    { 2, 16, 32, 32, 32 }, { 131, 5, 2, 3, 2 }, { 2, 32, 3, 17, 1 },
  };
  guint64 rng = 95;
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int B = sizes[s][0], C = sizes[s][1], H = sizes[s][2], W = sizes[s][3], O = sizes[s][4];
      g_assert_true (fw_conv_winograd_fits (C, O));
      gsize nin = (gsize) B * C * H * W, nw = (gsize) O * C * 9, nout = (gsize) B * O * H * W;
      g_autofree float *col = g_new (float, B * fw_conv2d_col_floats (C, H, W));
      g_autofree float *work = g_new (float, fw_conv2d_work_floats (C, H, W, O));
      g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *w = rand_buf (&rng, nw, -1, 1);
      g_autofree float *b = rand_buf (&rng, O, -1, 1);
      g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
      g_autofree float *dinp0 = rand_buf (&rng, nin, -1, 1);
      g_autofree float *dw0 = rand_buf (&rng, nw, -1, 1);
      g_autofree float *db0 = rand_buf (&rng, O, -1, 1);
      g_autofree float *out_n = g_new (float, nout);
      g_autofree float *dinp_n = copy_buf (dinp0, nin);
      g_autofree float *dw_n = copy_buf (dw0, nw);
      g_autofree float *db_n = copy_buf (db0, O);
      fw_conv2d_forward_naive (out_n, inp, w, b, B, C, H, W, O);
      fw_conv2d_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, C, H, W, O);

      float *first[4] = { NULL };   /* out, dinp, dw, db at one thread */
      for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
        {
          g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
          fw_pool_make_current (pool);
          g_autofree char *tag = g_strdup_printf ("conv2d-winograd threads=%d B=%d C=%d H=%d W=%d O=%d",
                                                  pool_sizes[ps], B, C, H, W, O);
          float *out = rand_buf (&rng, nout, -9, 9);
          float *dinp = copy_buf (dinp0, nin), *dw = copy_buf (dw0, nw), *db = copy_buf (db0, O);
          fw_conv2d_forward_col (out, col, inp, w, b, B, C, H, W, O);
          check_agree (tag, out, out_n, nout, 1e-5);
          fw_conv2d_backward_col (dinp, dw, db, work, dout, col, w, B, C, H, W, O);
          check_agree (tag, dinp, dinp_n, nin, 1e-5);
          check_agree (tag, dw, dw_n, nw, 1e-5);
          check_agree (tag, db, db_n, O, 1e-5);

          /* each gradient alone gives the same numbers */
          g_autofree float *dinp_alone = copy_buf (dinp0, nin);
          g_autofree float *dw_alone = copy_buf (dw0, nw);
          g_autofree float *db_alone = copy_buf (db0, O);
          fw_conv2d_backward_col (dinp_alone, NULL, NULL, work, dout, col, w, B, C, H, W, O);
          fw_conv2d_backward_col (NULL, dw_alone, NULL, work, dout, col, w, B, C, H, W, O);
          fw_conv2d_backward_col (NULL, NULL, db_alone, work, dout, col, w, B, C, H, W, O);
          g_assert_cmpmem (dinp_alone, nin * sizeof (float), dinp, nin * sizeof (float));
          g_assert_cmpmem (dw_alone, nw * sizeof (float), dw, nw * sizeof (float));
          g_assert_cmpmem (db_alone, O * sizeof (float), db, O * sizeof (float));

          float *now[4] = { out, dinp, dw, db };
          gsize len[4] = { nout, nin, nw, O };
          for (int k = 0; k < 4; k++)
            if (ps == 0)
              first[k] = now[k];
            else
              {
                g_assert_cmpmem (now[k], len[k] * sizeof (float), first[k], len[k] * sizeof (float));
                g_free (now[k]);
              }
          fw_pool_make_current (NULL);
        }
      for (int k = 0; k < 4; k++)
        g_free (first[k]);
    }

  /* finite differences through the Winograd path, an odd image */
  g_assert_true (fw_conv_winograd_fits (6, 4));
  check_conv_col_fd ("conv2d-winograd", 2, 6, 5, 3, 4, rng);
}

static void
test_conv2d_col_grad (void)
{
  /* C = 1 takes the thin path, C = 4 the sgemm one */
  int channels[] = { 1, 4 };
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    for (gsize k = 0; k < G_N_ELEMENTS (channels); k++)
      {
        g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
        fw_pool_make_current (pool);
        check_conv_col_fd ("conv2d-col", 3, channels[k], 5, 4, 3, 92 + k);
        fw_pool_make_current (NULL);
      }
}

typedef struct {
  int B, C, H, W;
  float *inp, *out, *R;
  int *argmax;
} ReluPoolCtx;

static double
relu_pool_objective (gpointer p)
{
  ReluPoolCtx *c = p;
  fw_relu_maxpool2_forward (c->out, c->argmax, c->inp, c->B, c->C, c->H, c->W);
  return dot (c->out, c->R, (gsize) c->B * c->C * (c->H / 2) * (c->W / 2));
}

/* fused ReLU + pool: against the naive twin (ties included: inputs on a
 * coarse grid repeat), finite differences, and "backward sets" */
static void
test_relu_maxpool (void)
{
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      guint64 rng = 93;
      /* odd H and W: the last row and column get no gradient, and zero */
      ReluPoolCtx c = { .B = 3, .C = 2, .H = 7, .W = 5 };
      gsize nin = (gsize) c.B * c.C * c.H * c.W, nout = (gsize) c.B * c.C * (c.H / 2) * (c.W / 2);
      g_autofree int *perm = g_new (int, nin);
      c.inp = g_new (float, nin);
      for (gsize i = 0; i < nin; i++)
        perm[i] = (int) i;
      fw_rng_shuffle (&rng, perm, (int) nin);
      /* distinct values 0.05 apart, half of them negative */
      for (gsize i = 0; i < nin; i++)
        c.inp[i] = 0.05f * (float) perm[i] - 0.025f * (float) nin + 0.025f;
      c.out = g_new (float, nout);
      c.argmax = g_new (int, nout);
      c.R = rand_buf (&rng, nout, -1, 1);
      g_autofree float *out_n = g_new (float, nout);
      g_autofree int *argmax_n = g_new (int, nout);

      relu_pool_objective (&c);
      fw_relu_maxpool2_forward_naive (out_n, argmax_n, c.inp, c.B, c.C, c.H, c.W);
      g_assert_cmpmem (c.out, nout * sizeof (float), out_n, nout * sizeof (float));
      for (gsize i = 0; i < nout; i++)
        if (c.out[i] > 0.0f)
          g_assert_cmpint (c.argmax[i], ==, argmax_n[i]);

      /* backward sets: noise in dinp must not survive */
      g_autofree float *dinp = rand_buf (&rng, nin, -1, 1);
      g_autofree float *zeros = g_new0 (float, nin);
      g_autofree float *dinp_n = rand_buf (&rng, nin, -1, 1);
      fw_relu_maxpool2_backward_set (dinp, c.R, c.out, c.argmax, c.B, c.C, c.H, c.W);
      fw_relu_maxpool2_backward_set_naive (dinp_n, c.R, c.out, c.argmax, c.B, c.C, c.H, c.W);
      g_assert_cmpmem (dinp, nin * sizeof (float), dinp_n, nin * sizeof (float));
      check_fd ("relu-maxpool dinp", c.inp, nin, dinp, zeros, relu_pool_objective, &c, 1e-3f, FD_TOL);

      /* ties, as PyTorch breaks them: the first maximum of each window */
      float tie[] = { 1, 1, 1, 1,   0, 2, 2, 0,   -1, -1, -1, -1,   0, 0, 3, 3 };
      float tie_out[4];
      int tie_arg[4];
      /* one plane 4x4 read as two rows of 2x2 windows */
      float plane[16] = { tie[0], tie[1], tie[4], tie[5], tie[2], tie[3], tie[6], tie[7],
                          tie[8], tie[9], tie[12], tie[13], tie[10], tie[11], tie[14], tie[15] };
      fw_relu_maxpool2_forward (tie_out, tie_arg, plane, 1, 1, 4, 4);
      g_assert_cmpint (tie_arg[0], ==, 0);    /* 1 1 / 1 1: top left */
      g_assert_cmpint (tie_arg[1], ==, 3);    /* 0 2 / 2 0: top right of the window */
      g_assert_cmpfloat (tie_out[2], ==, 0);  /* all negative: ReLU gives 0 */
      g_assert_cmpint (tie_arg[3], ==, 14);   /* 0 0 / 3 3: bottom left */

      fw_pool_make_current (NULL);
      g_free (c.inp); g_free (c.out); g_free (c.R); g_free (c.argmax);
    }
}

/* linear layers split by output column over a pool: the same numbers as
 * the naive twin, and bit-identical across repeats */
static void
test_linear_pool (void)
{
  /* above and below the size a layer is split from */
  int sizes[][3] = { { 64, 784, 256 }, { 64, 130, 10 }, { 5, 1000, 300 } };
  guint64 rng = 94;
  for (gsize ps = 0; ps < G_N_ELEMENTS (pool_sizes); ps++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (pool_sizes[ps]);
      fw_pool_make_current (pool);
      for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          int B = sizes[s][0], I = sizes[s][1], O = sizes[s][2];
          gsize nin = (gsize) B * I, nw = (gsize) O * I, nout = (gsize) B * O;
          g_autofree float *inp = rand_buf (&rng, nin, -1, 1);
          g_autofree float *w = rand_buf (&rng, nw, -1, 1);
          g_autofree float *b = rand_buf (&rng, O, -1, 1);
          g_autofree float *out = g_new (float, nout), *out_n = g_new (float, nout);
          g_autofree float *dout = rand_buf (&rng, nout, -1, 1);
          g_autofree float *dinp = rand_buf (&rng, nin, -1, 1), *dw = rand_buf (&rng, nw, -1, 1);
          g_autofree float *db = rand_buf (&rng, O, -1, 1);
          g_autofree float *dinp_n = copy_buf (dinp, nin), *dw_n = copy_buf (dw, nw);
          g_autofree float *db_n = copy_buf (db, O);
          g_autofree char *tag = g_strdup_printf ("linear threads=%d B=%d I=%d O=%d",
                                                  pool_sizes[ps], B, I, O);
          fw_linear_forward (out, inp, w, b, B, I, O);
          fw_linear_forward_naive (out_n, inp, w, b, B, I, O);
          check_agree (tag, out, out_n, nout, 1e-5);
          fw_linear_backward (dinp, dw, db, dout, inp, w, B, I, O);
          fw_linear_backward_naive (dinp_n, dw_n, db_n, dout, inp, w, B, I, O);
          check_agree (tag, dinp, dinp_n, nin, 1e-5);
          check_agree (tag, dw, dw_n, nw, 1e-5);
          check_agree (tag, db, db_n, O, 1e-5);
        }
      fw_pool_make_current (NULL);
    }
}

/* every task runs exactly once, whoever claims it, job after job */
typedef struct {
  gint runs[FW_PARALLEL_MAX_TASKS];
  gsize covered;
} PoolJob;

static void
count_task (int task, int n_tasks, gpointer data)
{
  PoolJob *j = data;
  gsize s, e;
  g_atomic_int_inc (&j->runs[task]);
  fw_parallel_range (task, n_tasks, 1001, 16, &s, &e);
  __atomic_add_fetch (&j->covered, e - s, __ATOMIC_RELAXED);
}

static void
test_pool (void)
{
  g_assert_cmpint (fw_parallel_tasks (8), ==, 1);   /* no pool: serial */
  for (int threads = 1; threads <= 4; threads++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (threads);
      fw_pool_make_current (pool);
      g_assert_cmpint (fw_parallel_tasks (100), ==, threads);
      g_assert_cmpint (fw_parallel_tasks (1), ==, 1);
      for (int job = 0; job < 2000; job++)
        {
          PoolJob j = { { 0 }, 0 };
          int n = 1 + job % FW_PARALLEL_MAX_TASKS;
          fw_parallel_run (n, count_task, &j);
          for (int t = 0; t < FW_PARALLEL_MAX_TASKS; t++)
            g_assert_cmpint (j.runs[t], ==, t < n ? 1 : 0);
          g_assert_cmpuint (j.covered, ==, 1001);
        }
    }
  g_assert_null (fw_pool_current ());   /* freeing the current pool unsets it */
}

/* the GRU split by batch rows (and its weight gradients by weight rows)
 * over three threads: the same checks as without a pool */
static void
test_gru_pool (void)
{
  g_autoptr (FwPool) pool = fw_pool_new (3);
  fw_pool_make_current (pool);
  test_gru_naive ();
  test_gru_grad ();
  fw_pool_make_current (NULL);
}

/* OpenBLAS's generic fallback kernels are replaced on a CPU with AVX2 and
 * FMA; a family it chose itself is left alone */
static void
test_blas_kernels (void)
{
  g_assert_null (fw_blas_better_kernels ("Haswell"));
  g_assert_null (fw_blas_better_kernels ("SkylakeX"));
  g_assert_null (fw_blas_better_kernels ("Zen"));
  g_assert_null (fw_blas_better_kernels (NULL));
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    {
      const char *better = fw_blas_better_kernels ("Prescott");
      g_assert_nonnull (better);
      g_assert_true (g_str_equal (better, "Haswell") || g_str_equal (better, "SkylakeX"));
    }
  else
    g_assert_null (fw_blas_better_kernels ("Prescott"));
#endif
  g_test_message ("OpenBLAS runs its %s kernels", fw_blas_kernels ());
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/kernels/linear", test_linear_naive);
  g_test_add_func ("/core/kernels/linear-grad", test_linear_grad);
  g_test_add_func ("/core/kernels/linear-accumulate", test_linear_accumulate);
  g_test_add_func ("/core/kernels/linear-sparse", test_linear_sparse);
  g_test_add_func ("/core/kernels/conv2d", test_conv2d_naive);
  g_test_add_func ("/core/kernels/conv2d-grad", test_conv2d_grad);
  g_test_add_func ("/core/kernels/maxpool", test_maxpool);
  g_test_add_func ("/core/kernels/conv2d-col", test_conv2d_col_naive);
  g_test_add_func ("/core/kernels/conv2d-col-grad", test_conv2d_col_grad);
  g_test_add_func ("/core/kernels/conv2d-direct", test_conv2d_direct);
  g_test_add_func ("/core/kernels/conv2d-winograd", test_conv2d_winograd);
  g_test_add_func ("/core/kernels/conv2d-relu-pool", test_conv2d_relu_pool);
  g_test_add_func ("/core/kernels/conv-nhwc", test_conv_nhwc);
  g_test_add_func ("/core/kernels/relu-maxpool", test_relu_maxpool);
  g_test_add_func ("/core/kernels/relu-maxpool-wide", test_relu_maxpool_wide);
  g_test_add_func ("/core/kernels/linear-pool", test_linear_pool);
  g_test_add_func ("/core/kernels/pool", test_pool);
  g_test_add_func ("/core/kernels/blas-kernels", test_blas_kernels);
  g_test_add_func ("/core/kernels/relu", test_relu);
  g_test_add_func ("/core/kernels/tanh", test_tanh);
  g_test_add_func ("/core/kernels/sigmoid", test_sigmoid);
  g_test_add_func ("/core/kernels/dropout", test_dropout);
  g_test_add_func ("/core/kernels/softmax-xent", test_softmax_xent);
  g_test_add_func ("/core/kernels/embedding", test_embedding);
  g_test_add_func ("/core/kernels/embedding-bag", test_embedding_bag);
  g_test_add_func ("/core/kernels/gru", test_gru_naive);
  g_test_add_func ("/core/kernels/gru-grad", test_gru_grad);
  g_test_add_func ("/core/kernels/gru-pool", test_gru_pool);

  int status = g_test_run ();
  /* one summary line for the log (a test that cannot fail would be noise) */
  g_test_message ("worst fast-vs-naive rel diff %.3g, worst finite-difference rel error %.3g",
                  worst_naive, worst_fd);
  return status;
}
