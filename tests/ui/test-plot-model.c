/* test-plot-model.c — what the training plots draw of a long run: a
 * bounded number of points that keep every extreme of the series. */
#include <math.h>

#include "fw-plot-model.h"
#include "fw-rng.h"

/* 60,000 noisy steps on 500 columns: at most 4 points a column, in x order,
 * each one a point of the series, and per column the same lowest and highest
 * value as the whole series has there */
static void
test_decimate_long_series (void)
{
  enum { N = 60000, COLUMNS = 500 };
  g_autofree double *x = g_new (double, N), *y = g_new (double, N);
  g_autofree double *dx = g_new (double, 4 * COLUMNS), *dy = g_new (double, 4 * COLUMNS);
  double col_min[COLUMNS], col_max[COLUMNS], got_min[COLUMNS], got_max[COLUMNS];
  guint64 rng = 7;

  for (int c = 0; c < COLUMNS; c++)
    {
      col_min[c] = got_min[c] = INFINITY;
      col_max[c] = got_max[c] = -INFINITY;
    }
  for (int i = 0; i < N; i++)
    {
      x[i] = i + 1;
      /* a decaying loss with noise and a few spikes */
      y[i] = 2.0 * exp (-i / 8000.0) + 0.3 * fw_rng_uniform (&rng) + (i % 9973 == 0 ? 5.0 : 0.0);
      int c = CLAMP ((int) floor ((x[i] - 1) / (N - 1) * COLUMNS), 0, COLUMNS - 1);
      col_min[c] = MIN (col_min[c], y[i]);
      col_max[c] = MAX (col_max[c], y[i]);
    }
  guint m = fw_plot_model_decimate (x, y, N, 1, N, COLUMNS, dx, dy);
  g_test_message ("%u points drawn of %d", m, N);
  g_assert_cmpuint (m, <=, 4 * COLUMNS);
  g_assert_cmpuint (m, >=, 2 * COLUMNS);
  g_assert_cmpfloat (dx[0], ==, x[0]);          /* the ends stay */
  g_assert_cmpfloat (dx[m - 1], ==, x[N - 1]);
  for (guint k = 0; k < m; k++)
    {
      int i = (int) dx[k] - 1;
      g_assert_cmpfloat (dy[k], ==, y[i]);        /* real points, not averages */
      if (k > 0)
        g_assert_cmpfloat (dx[k], >, dx[k - 1]);
      int c = CLAMP ((int) floor ((dx[k] - 1) / (N - 1) * COLUMNS), 0, COLUMNS - 1);
      got_min[c] = MIN (got_min[c], dy[k]);
      got_max[c] = MAX (got_max[c], dy[k]);
    }
  for (int c = 0; c < COLUMNS; c++)
    {
      g_assert_cmpfloat (got_min[c], ==, col_min[c]);
      g_assert_cmpfloat (got_max[c], ==, col_max[c]);
    }
}

/* a series shorter than the budget is drawn as it is */
static void
test_decimate_short_series (void)
{
  double x[] = { 1, 2, 3, 4, 5 }, y[] = { 3, 1, 4, 1, 5 };
  double dx[40], dy[40];
  guint m = fw_plot_model_decimate (x, y, 5, 1, 5, 10, dx, dy);
  g_assert_cmpuint (m, ==, 5);
  g_assert_cmpmem (dy, sizeof y, y, sizeof y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/plot-model/decimate-long-series", test_decimate_long_series);
  g_test_add_func ("/ui/plot-model/decimate-short-series", test_decimate_short_series);
  return g_test_run ();
}
