/* fw-kernel-check.h — what the kernel tests share: random buffers, the
 * fast-against-plain comparison and the finite-difference check of a
 * backward (J = Σ out ⊙ R; gradients pre-filled with noise, so a backward
 * that overwrites instead of adding fails).  Each test program reports
 * worst_naive and worst_fd, the largest differences it saw. */
#pragma once

#include <glib.h>
#include <math.h>

#include "fw-rng.h"

static inline float *
rand_buf (guint64 *rng, gsize n, float lo, float hi)
{
  float *v = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * fw_rng_uniform (rng);
  return v;
}

static inline float *
copy_buf (const float *v, gsize n)
{
  return g_memdup2 (v, MAX (n, 1) * sizeof (float));
}

static inline double
dot (const float *a, const float *b, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * (double) b[i];
  return s;
}

static inline double
max_abs (const float *a, gsize n)
{
  double m = 0.0;
  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a[i]));
  return m;
}

/* max |a − b| relative to the larger magnitude of b (floored, so all-zero
 * buffers compare as absolute) */
static inline double
max_rel_diff (const float *a, const float *b, gsize n)
{
  double d = 0.0;
  for (gsize i = 0; i < n; i++)
    d = MAX (d, fabs ((double) a[i] - (double) b[i]));
  return d / MAX (max_abs (b, n), 1e-6);
}

/* largest differences seen, reported at the end of the run */
static double worst_naive = 0.0, worst_fd = 0.0;

static inline void
check_agree (const char *what, const float *fast, const float *naive, gsize n, double tol)
{
  double d = max_rel_diff (fast, naive, n);
  g_test_message ("%s: max rel diff fast vs naive %.3g", what, d);
  worst_naive = MAX (worst_naive, d);
  g_assert_cmpfloat (d, <=, tol);
}

/* ---- finite differences ----
 * objective() runs the forward pass on the current parameters and returns
 * J = Σ out ⊙ R in double.  The analytic gradient comes from a backward
 * call with dout = R into a buffer pre-filled with noise, minus that noise:
 * a backward that overwrites instead of adding fails here. */
typedef double (*ObjectiveFunc) (gpointer ctx);

#define FD_MAX_PROBES 400

static inline void
check_fd (const char *what, float *param, gsize n, const float *grad_after,
          const float *grad_before, ObjectiveFunc objective, gpointer ctx,
          float eps, double tol)
{
  g_autofree float *analytic = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    analytic[i] = grad_after[i] - grad_before[i];

  /* probe every entry of small tensors, a stride of the big ones */
  gsize stride = n > FD_MAX_PROBES ? n / FD_MAX_PROBES + 1 : 1;
  double err = 0.0, scale = max_abs (analytic, n);
  for (gsize i = 0; i < n; i += stride)
    {
      float v = param[i];
      param[i] = v + eps;
      double jp = objective (ctx);
      param[i] = v - eps;
      double jm = objective (ctx);
      param[i] = v;
      /* divide by the step actually taken in float, not the nominal one */
      double h = (double) (v + eps) - (double) (v - eps);
      double fd = (jp - jm) / h;
      err = MAX (err, fabs (fd - analytic[i]));
      scale = MAX (scale, fabs (fd));
    }
  double rel = err / MAX (scale, 1e-12);
  g_test_message ("%s: max |fd - analytic| %.3g, max |grad| %.3g, rel %.3g",
                  what, err, scale, rel);
  worst_fd = MAX (worst_fd, rel);
  /* a gradient that is zero everywhere would pass vacuously */
  g_assert_cmpfloat (scale, >, 1e-3);
  g_assert_cmpfloat (rel, <=, tol);
}

#define FD_TOL 1e-2
