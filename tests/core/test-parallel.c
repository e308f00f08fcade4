/* test-parallel.c — the thread pool (fw-parallel.h) runs every task of
 * every job exactly once with that job's function and data, wakes workers
 * that fell asleep, the per-site choice (fw-parallel-choice.h) keeps the
 * faster way and follows a change of speed, and the spare-core meter
 * (fw-spare-cores.h) adds idle time and our own. */
#include "fw-parallel.h"
#include "fw-parallel-choice.h"
#include "fw-spare-cores.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* the pool                                                                  */

typedef struct {
  int n_tasks;
  int tag;                    /* which function must see this job */
  gint *hits;                 /* (n_tasks) atomic */
  gint wrong;                 /* atomic: calls with another job's n_tasks or function */
} Job;

static void
task_a (int task, int n_tasks, gpointer data)
{
  Job *j = data;
  if (n_tasks != j->n_tasks || j->tag != 0 || task < 0 || task >= n_tasks)
    g_atomic_int_inc (&j->wrong);
  else
    g_atomic_int_inc (&j->hits[task]);
}

static void
task_b (int task, int n_tasks, gpointer data)
{
  Job *j = data;
  if (n_tasks != j->n_tasks || j->tag != 1 || task < 0 || task >= n_tasks)
    g_atomic_int_inc (&j->wrong);
  else
    g_atomic_int_inc (&j->hits[task]);
}

static void
run_checked (int n_tasks, int tag)
{
  Job j = { .n_tasks = n_tasks, .tag = tag, .hits = g_new0 (gint, MAX (n_tasks, 1)) };
  fw_parallel_run (n_tasks, tag ? task_b : task_a, &j);
  g_assert_cmpint (j.wrong, ==, 0);
  for (int t = 0; t < n_tasks; t++)
    g_assert_cmpint (j.hits[t], ==, 1);
  g_free (j.hits);
}

/* back-to-back jobs of two alternating functions, each job's data on the
 * stack: a worker that read one job's function with another's claim would
 * run a task twice, skip one or see the wrong data */
static void
test_every_task_once (void)
{
  for (int threads = 1; threads <= 4; threads++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (threads);
      fw_pool_set_adaptive (pool, FALSE);   /* these tiny jobs would run alone */
      fw_pool_make_current (pool);
      for (int i = 0; i < 3000; i++)
        run_checked (1 + (i * 7) % 37, i % 2);
      run_checked (0, 0);
      fw_pool_make_current (NULL);
    }
}

/* a job of more tasks than one claim word counts runs as several */
static void
test_many_tasks (void)
{
  g_autoptr (FwPool) pool = fw_pool_new (2);
  fw_pool_set_adaptive (pool, FALSE);
  fw_pool_make_current (pool);
  run_checked ((1 << 20) + 5, 1);
  fw_pool_make_current (NULL);
}

/* keeps the calling thread busy for `us` microseconds */
static void
busy_for (gint64 us)
{
  gint64 until = g_get_monotonic_time () + us;
  while (g_get_monotonic_time () < until)
    ;
}

typedef struct {
  GThread *caller;
  gint on_worker;             /* atomic: tasks that ran on a worker */
} WhoJob;

static void
who_task (int task, int n_tasks, gpointer data)
{
  WhoJob *j = data;
  if (g_thread_self () != j->caller)
    g_atomic_int_inc (&j->on_worker);
  busy_for (500);   /* long enough for a woken worker to claim one of the tasks */
}

/* jobs far apart, so the workers stop polling and block between them:
 * they must be woken, and take tasks (if the wake-up were lost, the
 * caller would run every task itself and nothing else would show it) */
static void
test_wakes_sleeping_workers (void)
{
  g_autoptr (FwPool) pool = fw_pool_new (3);
  fw_pool_set_adaptive (pool, FALSE);
  fw_pool_make_current (pool);
  WhoJob j = { .caller = g_thread_self () };
  for (int i = 0; i < 300 && g_atomic_int_get (&j.on_worker) == 0; i++)
    {
      g_usleep (2000);
      fw_parallel_run (6, who_task, &j);
    }
  g_assert_cmpint (g_atomic_int_get (&j.on_worker), >, 0);
  for (int i = 0; i < 20; i++)
    {
      g_usleep (1000);
      run_checked (5, i % 2);
    }
  fw_pool_make_current (NULL);
}

/* pools come and go, with and without work in between */
static void
test_pool_lifecycle (void)
{
  for (int i = 0; i < 50; i++)
    {
      g_autoptr (FwPool) pool = fw_pool_new (1 + i % 4);
      fw_pool_make_current (pool);
      if (i % 2)
        run_checked (3, 0);
      fw_pool_make_current (NULL);
    }
}

/* no worker thread until a job runs on the pool: one-task jobs and a
 * site's first call (always on the caller) start none, so a run that
 * never splits runs as at one thread */
static void
test_workers_start_with_first_job (void)
{
  g_autoptr (FwPool) pool = fw_pool_new (3);
  fw_pool_set_adaptive (pool, TRUE);   /* whatever FW_PARALLEL says */
  fw_pool_make_current (pool);
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 0);
  run_checked (1, 0);
  run_checked (4, 1);   /* adaptive: a site's first call runs alone */
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 0);
  fw_pool_set_adaptive (pool, FALSE);
  run_checked (5, 0);
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 2);
  run_checked (7, 1);
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 2);
  fw_pool_make_current (NULL);
}

/* FW_PARALLEL set to mode for a test; returns what it was, for
 * parallel_mode_restore */
static char *
parallel_mode_set (const char *mode)
{
  char *was = g_strdup (g_getenv ("FW_PARALLEL"));
  g_setenv ("FW_PARALLEL", mode, TRUE);
  return was;
}

static void
parallel_mode_restore (char *was)
{
  if (was)
    g_setenv ("FW_PARALLEL", was, TRUE);
  else
    g_unsetenv ("FW_PARALLEL");
  g_free (was);
}

/* FW_PARALLEL=sites: the sites' choice without the spare-core gate, whose
 * first window would keep a new pool's every call on the caller; a site's
 * second call is its first try on the pool */
static void
test_sites_without_gate (void)
{
  char *was = parallel_mode_set ("sites");
  g_autoptr (FwPool) pool = fw_pool_new (2);
  fw_pool_make_current (pool);
  run_checked (4, 0);
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 0);
  run_checked (4, 0);
  g_assert_cmpint (fw_pool_workers_started (pool), ==, 1);
  fw_pool_make_current (NULL);
  parallel_mode_restore (was);
}

/* Sites that try the pool (warm-up, probes) wake sleeping workers before
 * their job, without one: every task still runs once, with its job's
 * function and data, and the workers go back to sleep and are woken again
 * (a lost wake-up would leave the caller running every task) */
static void
test_trying_sites_wake_workers (void)
{
  char *was = parallel_mode_set ("sites");   /* the sites' choice, not the gate */
  g_autoptr (FwPool) pool = fw_pool_new (3);
  fw_pool_make_current (pool);
  WhoJob j = { .caller = g_thread_self () };
  for (int i = 0; i < 300 && g_atomic_int_get (&j.on_worker) < 4; i++)
    {
      g_usleep (2000);                        /* the workers fall asleep */
      fw_parallel_run (2 + i % 5, who_task, &j);   /* new sites warm up, probe */
      run_checked (2 + i % 3, i % 2);
    }
  g_assert_cmpint (g_atomic_int_get (&j.on_worker), >=, 4);
  fw_pool_make_current (NULL);
  parallel_mode_restore (was);
}

/* the workers asleep when the job's first task starts on the caller */
typedef struct {
  FwPool *pool;
  GThread *caller;
  int asleep;                 /* -1: not seen yet */
  gint on_worker;             /* atomic */
} AsleepJob;

static void
asleep_task (int task, int n_tasks, gpointer data)
{
  AsleepJob *j = data;
  if (g_thread_self () == j->caller && j->asleep < 0)
    j->asleep = fw_pool_workers_asleep (j->pool);
  if (g_thread_self () != j->caller)
    g_atomic_int_inc (&j->on_worker);
  busy_for (300);   /* 300 µs of work a task: two of them split well over two threads */
}

/* Timing, so only in suite slow (-m slow), on a machine with a spare core:
 * a site trying the pool finds the worker it woke awake when its job
 * starts, though the worker had 5 ms to fall asleep; and a site whose
 * choice is the pool keeps its worker polling (FW_WORKER_LINGER_US)
 * between calls a small model's step apart.  Where the worker and the
 * caller share a vCPU (another process on the other), the woken worker
 * can run in the caller's place, so a quarter of the tries suffice. */
static void
test_worker_warm_for_sites (void)
{
  char *was = parallel_mode_set ("sites");
  g_autoptr (FwPool) pool = fw_pool_new (2);
  fw_pool_make_current (pool);
  AsleepJob j = { .pool = pool, .caller = g_thread_self (), .asleep = -1 };
  /* the fewest cores we could have had in a window of the test */
  FwSpareCores *meter = fw_spare_cores_new ();
  double fewest = G_MAXDOUBLE;

  /* sites' warm-up (alone, pool, alone, pool): the pooled calls but the
   * very first (which starts the worker) */
  int warm_tries = 0, warm_awake = 0;
  for (int n_tasks = 2; n_tasks <= 12; n_tasks++)
    for (int i = 0; i < 4; i++)
      {
        g_usleep (5000);
        j.asleep = -1;
        fw_parallel_run (n_tasks, asleep_task, &j);
        if (i % 2 == 1 && !(n_tasks == 2 && i == 1))
          {
            warm_tries++;
            warm_awake += j.asleep == 0;
          }
        double cores = fw_spare_cores_available (meter, g_get_monotonic_time ());
        if (cores >= 0)
          fewest = MIN (fewest, cores);
      }
  /* then calls 200 µs apart settle on the pool */
  for (int i = 0; i < 40; i++)
    {
      g_usleep (200);
      fw_parallel_run (2, asleep_task, &j);
    }
  int lingered = 0, tries = 0;
  for (int i = 0; i < 20; i++)
    {
      int before = g_atomic_int_get (&j.on_worker);
      fw_parallel_run (2, asleep_task, &j);
      if (g_atomic_int_get (&j.on_worker) == before)
        continue;                              /* ran alone */
      tries++;
      g_usleep (300);   /* five times FW_WORKER_POLL_US */
      lingered += fw_pool_workers_asleep (pool) == 0;
    }
  fw_pool_make_current (NULL);
  parallel_mode_restore (was);
  fw_spare_cores_free (meter);
  g_test_message ("woken warm: %d of %d; still polling 300 µs after a pooled job: %d of %d; "
                  "cores for us: at least %.2f", warm_awake, warm_tries, lingered, tries, fewest);
  if (fewest < FW_SPARE_CORES_TO_SPLIT)
    {
      g_test_skip ("no spare core for the worker all along");
      return;
    }
  g_assert_cmpint (warm_awake, >=, warm_tries / 4);
  if (tries == 0)
    {
      g_test_skip ("the pool never won here (no spare core?)");
      return;
    }
  g_assert_cmpint (lingered, >=, (tries + 3) / 4);
}

/* ------------------------------------------------------------------------ */
/* the per-site choice                                                       */

static int site_fn_a, site_fn_b;

/* `calls` calls of a site whose call takes `alone` µs on the caller alone
 * and `pooled` µs on the pool; returns how many ran on the pool */
static int
drive (FwParallelSite *s, int calls, gint64 alone, gint64 pooled)
{
  int n = 0;
  for (int i = 0; i < calls; i++)
    {
      gboolean p = fw_parallel_site_pick (s);
      n += p;
      fw_parallel_site_record (s, p, p ? pooled : alone);
    }
  return n;
}

static void
test_choice_keeps_faster (void)
{
  FwParallelChoice *c = fw_parallel_choice_new ();
  FwParallelSite *fast_pool = fw_parallel_choice_site (c, &site_fn_a, 4);
  FwParallelSite *slow_pool = fw_parallel_choice_site (c, &site_fn_a, 2);
  g_assert_true (fast_pool != slow_pool);
  g_assert_true (fw_parallel_choice_site (c, &site_fn_a, 4) == fast_pool);
  /* 1,000 calls: beyond the warm-up and the probes, the faster way */
  g_assert_cmpint (drive (fast_pool, 1000, 200, 110), >=, 960);
  g_assert_cmpint (drive (slow_pool, 1000, 30, 45), <=, 40);
  g_assert_true (fw_parallel_site_pooled (fast_pool));
  g_assert_false (fw_parallel_site_pooled (slow_pool));
  fw_parallel_choice_free (c);
}

/* warm-up calls and probes try a way; the calls of the choice do not */
static void
test_choice_trying (void)
{
  FwParallelChoice *c = fw_parallel_choice_new ();
  FwParallelSite *s = fw_parallel_choice_site (c, &site_fn_b, 5);
  int tried = 0, settled = 0;
  for (int i = 0; i < 200; i++)
    {
      gboolean p = fw_parallel_site_pick (s);
      gboolean trying = fw_parallel_site_trying (s, p);
      if (i < 4)
        g_assert_true (trying);                          /* the warm-up */
      else if (trying)
        {
          g_assert_cmpint (p, !=, fw_parallel_site_pooled (s));   /* a probe */
          tried++;
        }
      else
        {
          g_assert_cmpint (p, ==, fw_parallel_site_pooled (s));
          settled++;
        }
      fw_parallel_site_record (s, p, p ? 50 : 100);
    }
  g_assert_true (fw_parallel_site_pooled (s));
  g_assert_cmpint (tried, >=, 1);
  g_assert_cmpint (settled, >, 150);
  g_assert_false (fw_parallel_site_trying (NULL, TRUE));
  fw_parallel_choice_free (c);
}

/* a first call that paid for cold caches does not decide */
static void
test_choice_ignores_first_call (void)
{
  FwParallelChoice *c = fw_parallel_choice_new ();
  FwParallelSite *s = fw_parallel_choice_site (c, &site_fn_b, 2);
  gboolean p = fw_parallel_site_pick (s);
  g_assert_false (p);   /* a site starts alone, the way that never waits for a worker */
  fw_parallel_site_record (s, p, 100000);
  g_assert_cmpint (drive (s, 40, 60, 100), <=, 6);
  g_assert_false (fw_parallel_site_pooled (s));
  fw_parallel_choice_free (c);
}

/* the pool wins, then another process takes the worker's core and it
 * loses, then the core comes back: the choice follows within tens of calls */
static void
test_choice_follows_change (void)
{
  FwParallelChoice *c = fw_parallel_choice_new ();
  FwParallelSite *s = fw_parallel_choice_site (c, &site_fn_b, 3);
  drive (s, 500, 200, 110);
  g_assert_true (fw_parallel_site_pooled (s));
  drive (s, 20, 200, 900);
  g_assert_false (fw_parallel_site_pooled (s));
  /* long enough for the probes, whose interval grew while the pool lost */
  int pooled = drive (s, 300, 200, 900);
  g_assert_cmpint (pooled, <=, 20);
  drive (s, 400, 200, 110);
  g_assert_true (fw_parallel_site_pooled (s));
  fw_parallel_choice_free (c);
}

/* a full table still answers: its extra sites run on the pool */
static void
test_choice_full_table (void)
{
  FwParallelChoice *c = fw_parallel_choice_new ();
  int filled = 0;
  for (int n = 1; n <= 1000; n++)
    if (fw_parallel_choice_site (c, &site_fn_a, n) != NULL)
      filled++;
  g_assert_cmpint (filled, >=, 64);
  g_assert_cmpint (filled, <, 1000);
  FwParallelSite *none = fw_parallel_choice_site (c, &site_fn_b, 1);
  g_assert_null (none);
  g_assert_true (fw_parallel_site_pick (none));
  fw_parallel_site_record (none, TRUE, 5);
  g_assert_true (fw_parallel_site_pooled (none));
  fw_parallel_choice_free (c);
}

/* ------------------------------------------------------------------------ */
/* spare cores                                                               */

static void
test_spare_cores_arithmetic (void)
{
  /* alone beside another process: no idle time, one core of our own */
  g_assert_cmpfloat_with_epsilon (fw_spare_cores_from (10, 10, 3, 3.05, 0.05), 1.0, 1e-9);
  /* quiet: half a core idle beside our one and a half */
  g_assert_cmpfloat_with_epsilon (fw_spare_cores_from (10, 10.025, 3, 3.075, 0.05), 2.0, 1e-9);
  g_assert_cmpfloat (fw_spare_cores_from (10, 10, 3, 3, 0), <, 0);
  /* counters never run backwards into a negative share */
  g_assert_cmpfloat (fw_spare_cores_from (10, 9, 3, 2, 0.05), ==, 0);
}

/* closed below one and a half cores but for a trial window now and then,
 * each trial that found no spare core putting the next twice as far off
 * (up to a limit); open at once when a window had them, and the trials
 * start over from the first interval */
static void
test_spare_cores_rule (void)
{
  FwSpareTrials t = FW_SPARE_TRIALS_INIT;
  g_assert_true (fw_spare_cores_next_open (2.0, &t));
  guint expect = FW_SPARE_TRIAL_EVERY, last = 0, trials = 0;
  for (guint w = 1; w <= 2000; w++)
    if (fw_spare_cores_next_open (1.2, &t))
      {
        g_assert_cmpuint (w - last, ==, expect);
        expect = MIN (2 * expect, FW_SPARE_TRIAL_MAX);
        last = w;
        trials++;
      }
  g_assert_cmpuint (expect, ==, FW_SPARE_TRIAL_MAX);
  g_assert_cmpuint (trials, >=, 5);
  /* a trial that found the core: open, and the next trial soon again */
  while (!fw_spare_cores_next_open (1.2, &t))
    ;
  g_assert_true (fw_spare_cores_next_open (1.6, &t));
  g_assert_true (fw_spare_cores_next_open (1.7, &t));
  for (guint w = 1; w < FW_SPARE_TRIAL_EVERY; w++)
    g_assert_false (fw_spare_cores_next_open (1.0, &t));
  g_assert_true (fw_spare_cores_next_open (1.0, &t));
}

static void
test_spare_cores_meter (void)
{
  FwSpareCores *m = fw_spare_cores_new ();
  gint64 t = g_get_monotonic_time ();
  g_assert_cmpfloat (fw_spare_cores_available (m, t), <, 0);   /* no window yet */
  g_assert_false (fw_spare_cores_split_pays (m, t) && fw_spare_cores_readable (m));
  if (!g_file_test ("/proc/stat", G_FILE_TEST_EXISTS))
    {
      fw_spare_cores_free (m);
      g_test_skip ("no /proc/stat");
      return;
    }
  /* busy for a window: whatever share the machine's load leaves us, idle
   * plus our own is a number of cores (ticks read as seconds would be a
   * hundred times too many) */
  volatile double x = 0;
  while (g_get_monotonic_time () < t + 60000)
    x += 1;
  double a = fw_spare_cores_available (m, g_get_monotonic_time ());
  g_assert_true (fw_spare_cores_readable (m));
  g_assert_cmpfloat (a, >, 0);
  g_assert_cmpfloat (a, <=, g_get_num_processors () + 0.5);
  fw_spare_cores_free (m);
}

/* the first window runs from the meter's making and is shorter than the
 * others, so a short run's first splits need not wait a whole window */
static void
test_spare_cores_first_window (void)
{
  if (!g_file_test ("/proc/stat", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /proc/stat");
      return;
    }
  FwSpareCores *m = fw_spare_cores_new ();
  gint64 made = g_get_monotonic_time ();
  g_assert_cmpint (FW_SPARE_FIRST_WINDOW_US, <, 50000);
  g_assert_cmpfloat (fw_spare_cores_available (m, made + FW_SPARE_FIRST_WINDOW_US), >=, 0);
  fw_spare_cores_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/parallel/every-task-once", test_every_task_once);
  g_test_add_func ("/core/parallel/many-tasks", test_many_tasks);
  g_test_add_func ("/core/parallel/wakes-sleeping-workers", test_wakes_sleeping_workers);
  g_test_add_func ("/core/parallel/pool-lifecycle", test_pool_lifecycle);
  g_test_add_func ("/core/parallel/workers-start-with-first-job", test_workers_start_with_first_job);
  g_test_add_func ("/core/parallel/sites-without-gate", test_sites_without_gate);
  g_test_add_func ("/core/parallel/trying-sites-wake-workers", test_trying_sites_wake_workers);
  if (g_test_slow ())
    g_test_add_func ("/core/parallel/worker-warm-for-sites", test_worker_warm_for_sites);
  g_test_add_func ("/core/parallel/choice/keeps-faster", test_choice_keeps_faster);
  g_test_add_func ("/core/parallel/choice/trying", test_choice_trying);
  g_test_add_func ("/core/parallel/choice/ignores-first-call", test_choice_ignores_first_call);
  g_test_add_func ("/core/parallel/choice/follows-change", test_choice_follows_change);
  g_test_add_func ("/core/parallel/choice/full-table", test_choice_full_table);
  g_test_add_func ("/core/parallel/spare-cores/arithmetic", test_spare_cores_arithmetic);
  g_test_add_func ("/core/parallel/spare-cores/rule", test_spare_cores_rule);
  g_test_add_func ("/core/parallel/spare-cores/meter", test_spare_cores_meter);
  g_test_add_func ("/core/parallel/spare-cores/first-window", test_spare_cores_first_window);
  return g_test_run ();
}
