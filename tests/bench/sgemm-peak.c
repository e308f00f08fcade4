/* sgemm-peak.c — the machine's practical single-precision peak: the best
 * of a few large square cblas_sgemm calls at a given OpenBLAS thread count.
 * bench-train.sh divides the training step's FLOP rate by it.
 *
 * Usage: sgemm-peak [THREADS [SIZE [REPEATS]]]   prints GFLOP/s */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

extern void openblas_set_num_threads (int n);

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main (int argc, char **argv)
{
  int threads = argc > 1 ? atoi (argv[1]) : 1;
  int n = argc > 2 ? atoi (argv[2]) : 2048;
  int repeats = argc > 3 ? atoi (argv[3]) : 5;
  size_t nn = (size_t) n * n;
  float *a = malloc (nn * sizeof *a), *b = malloc (nn * sizeof *b), *c = malloc (nn * sizeof *c);
  if (!a || !b || !c)
    return 1;
  for (size_t i = 0; i < nn; i++)
    {
      a[i] = (float) (i % 7) * 0.125f;
      b[i] = (float) (i % 5) * 0.25f;
      c[i] = 0.0f;
    }
  openblas_set_num_threads (threads);
  double best = 0;
  for (int r = 0; r <= repeats; r++)
    {
      double t0 = now ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      double gflops = 2.0 * n * (double) nn / (now () - t0) / 1e9;
      if (r > 0 && gflops > best)   /* the first call warms up threads and pages */
        best = gflops;
    }
  printf ("%.1f\n", best);
  free (a);
  free (b);
  free (c);
  return 0;
}
