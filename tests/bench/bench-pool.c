/* bench-pool.c — what one parallel region of our pool costs: a job of
 * TASKS tasks of WORK µs each, after GAP µs of serial work on the calling
 * thread (a step's small kernels between its big ones), timed at 1 thread
 * and at 2, with the per-site choice and always on the pool.  The overhead of a region is the 2-thread time minus half
 * the work; a region pays when its work is more than twice that.
 *
 * Usage: bench-pool [JOBS [TASKS [WORK_US [GAP_US]]]]   (WORK_US per task) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fw-parallel.h"
#include "bench-util.h"

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
  int tasks = argc > 2 ? atoi (argv[2]) : 2;
  double work = argc > 3 ? atof (argv[3]) : 20, gap = argc > 4 ? atof (argv[4]) : 20;
  iters_per_us = 1;
  /* calibrated in CPU time: the load must not shrink the work */
  double t0 = bench_cpu_seconds ();
  busy (2e7);
  iters_per_us = 2e7 / ((bench_cpu_seconds () - t0) * 1e6);
  static const char *const how[] = { "1 thread", "2 threads, adaptive", "2 threads, always pooled" };
  for (int round = 0; round < 2; round++)
    for (int k = 0; k < 3; k++)
      {
        g_autoptr (FwPool) pool = fw_pool_new (k == 0 ? 1 : 2);
        fw_pool_set_adaptive (pool, k != 2);
        fw_pool_make_current (pool);
        double w0 = bench_wall_seconds (), c0 = bench_cpu_seconds ();
        for (int j = 0; j < jobs; j++)
          {
            busy (gap);
            fw_parallel_run (tasks, task, &work);
          }
        double w = (bench_wall_seconds () - w0) / jobs * 1e6;
        double c = (bench_cpu_seconds () - c0) / jobs * 1e6;
        printf ("%s: %.1f us/job wall (ideal %.1f), %.1f us/job cpu; load %.2f\n",
                how[k], w, gap + tasks * work / (k == 0 ? 1 : 2), c, load_average ());
        fw_pool_make_current (NULL);
      }
  return 0;
}
