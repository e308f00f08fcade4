/* bench-pool.c — what one parallel region of our pool costs: a job of
 * two tasks of WORK µs each, after GAP µs of serial work on the calling
 * thread (a step's small kernels between its big ones), timed at 1 and at
 * 2 threads.  The overhead of a region is the 2-thread time minus half
 * the work; a region pays when its work is more than twice that.
 *
 * Usage: bench-pool [JOBS [WORK_US [GAP_US]]] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fw-parallel.h"

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* about `us` microseconds of arithmetic the compiler cannot drop */
static double
load_average (void)
{
  double l = -1;
  FILE *f = fopen ("/proc/loadavg", "r");
  if (f)
    {
      if (fscanf (f, "%lf", &l) != 1)
        l = -1;
      fclose (f);
    }
  return l;
}

static volatile double sink;
static double iters_per_us;

static void
busy (double us)
{
  double x = 1.0;
  long n = (long) (us * iters_per_us);
  for (long i = 0; i < n; i++)
    x = x * 1.0000001 + 1e-9;
  sink = x;
}

static void
task (int t, int n, gpointer data)
{
  busy (*(double *) data);
}

int
main (int argc, char **argv)
{
  int jobs = argc > 1 ? atoi (argv[1]) : 20000;
  double work = argc > 2 ? atof (argv[2]) : 20, gap = argc > 3 ? atof (argv[3]) : 20;
  iters_per_us = 1;
  /* calibrated in CPU time: the load must not shrink the work */
  double t0 = cpu_seconds ();
  busy (2e7);
  iters_per_us = 2e7 / ((cpu_seconds () - t0) * 1e6);
  for (int round = 0; round < 2; round++)
    for (int threads = 1; threads <= 2; threads++)
      {
        g_autoptr (FwPool) pool = fw_pool_new (threads);
        fw_pool_make_current (pool);
        double w0 = now (), c0 = cpu_seconds ();
        for (int j = 0; j < jobs; j++)
          {
            busy (gap);
            fw_parallel_run (2, task, &work);
          }
        double w = (now () - w0) / jobs * 1e6, c = (cpu_seconds () - c0) / jobs * 1e6;
        printf ("%d thread%s: %.1f us/job wall (ideal %.1f), %.1f us/job cpu; load %.2f\n",
                threads, threads > 1 ? "s" : "", w, gap + 2 * work / threads, c,
                load_average ());
        fw_pool_make_current (NULL);
      }
  return 0;
}
