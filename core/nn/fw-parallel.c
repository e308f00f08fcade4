/* fw-parallel.c — the thread pool of fw-parallel.h.  One job at a time:
 * the caller publishes it with one atomic store of its claim word and
 * claims tasks from it alongside the workers.  A step is many short jobs
 * with short serial stretches between them, so a worker that finished one
 * job polls for the next a little while before it blocks, and the caller
 * takes the lock to wake workers only when one is asleep: back-to-back
 * jobs then cost no system call and no wake-up of an idle (virtual) CPU.
 * While a site runs on the pool by choice, a worker polls longer after its
 * job, across a small model's whole step, so the site's next call finds it
 * awake; and a site trying the pool (warm-up, probe) first wakes a sleeping
 * worker outside its timing: otherwise a site left alone only ever times
 * the pool cold, a futex wake of an idle vCPU (tens of µs), and stays
 * alone however well it would split warm.
 * Whether a job runs on the pool or on the caller alone is the site
 * choice's business (fw-parallel-choice.h), once there is a spare core
 * at all (fw-spare-cores.h). */
#include "fw-parallel.h"
#include "fw-parallel-choice.h"
#include "fw-spare-cores.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define fw_cpu_relax() _mm_pause ()
#else
#define fw_cpu_relax() ((void) 0)
#endif

/* How long a worker keeps polling for the next job after one, and the
 * caller for its workers' last tasks, before blocking.  Long enough to span
 * the serial kernels between two parallel ones of a small model's step
 * (tens of µs), short enough that an idle pool gives its cores back at once
 * and a pool sharing its cores with another process wastes little. */
#define FW_WORKER_POLL_US 60

#define FW_CALLER_POLL_US 40

/* How long a worker polls after a job whose site chose the pool: a small
 * model's whole step (0.2-0.5 ms for text:mlp:bow), so the next step's
 * pooled sites find it awake.  Past FW_WORKER_POLL_US it yields the CPU
 * at each look, so it never holds a core another thread wants; with the
 * cores shared, the spare-core gate sends no jobs at all and the worker
 * sleeps after its last one. */
#define FW_WORKER_LINGER_US 1000

/* How long a site trying the pool waits for a worker it woke to be
 * polling, before timing the call anyway */
#define FW_WAKE_WAIT_US 500

/* The claim word: generation (24 bits) | task count (20) | next task (20).
 * One compare-and-swap claims a task and proves its job is still current,
 * and a job cannot end, so cannot be replaced, while a task of it runs:
 * fn and data are read after the claim and are that job's. */
#define CLAIM_BITS 20
#define CLAIM_MASK ((G_GUINT64_CONSTANT (1) << CLAIM_BITS) - 1)
#define GEN_MASK 0xffffffu
#define FW_JOB_MAX_TASKS ((int) CLAIM_MASK)

static inline guint32 claim_gen (guint64 c) { return (guint32) (c >> (2 * CLAIM_BITS)) & GEN_MASK; }
static inline int claim_n (guint64 c) { return (int) ((c >> CLAIM_BITS) & CLAIM_MASK); }
static inline int claim_next (guint64 c) { return (int) (c & CLAIM_MASK); }

struct _FwPool {
  int threads;
  GThread **workers;          /* threads - 1, started by the first job on the pool */
  gboolean started;
  GMutex lock;
  GCond wake;                 /* sleeping workers wait here for a new job */
  GCond done_cond;            /* a blocked caller waits here for the last task */
  gint quit;                  /* atomic */
  /* the current job, written before its claim word is published */
  FwTaskFunc fn;
  gpointer data;
  guint64 claim;              /* atomic */
  gint done;                  /* atomic: tasks of the current job finished */
  gint sleepers;              /* atomic: workers blocked (or about to) on wake */
  gint caller_waiting;        /* atomic: the caller blocked on done_cond */
  gint linger;                /* atomic: the current job's site chose the pool (FW_WORKER_LINGER_US) */
  gint nudge;                 /* atomic: bumped to get sleeping workers polling without a job */
  FwParallelChoice *choice;   /* the caller's: only ever touched by it */
  FwSpareCores *spare;        /* the caller's too */
  gboolean adaptive;
  gboolean gated;             /* FALSE: FW_PARALLEL=sites, the sites' choice alone */
};

static GPrivate current_pool;

static inline guint64
load_claim (FwPool *p)
{
  return __atomic_load_n (&p->claim, __ATOMIC_SEQ_CST);
}

/* claims the next task of job `gen`; -1 when there is none left */
static int
claim_task (FwPool *p, guint32 gen, int *n_tasks)
{
  guint64 c = load_claim (p);
  for (;;)
    {
      if (claim_gen (c) != gen || claim_next (c) >= claim_n (c))
        return -1;
      if (__atomic_compare_exchange_n (&p->claim, &c, c + 1, FALSE, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST))
        {
          *n_tasks = claim_n (c);
          return claim_next (c);
        }
    }
}

static void
run_claimed (FwPool *p, guint32 gen)
{
  int task, n_tasks;
  while ((task = claim_task (p, gen, &n_tasks)) >= 0)
    {
      p->fn (task, n_tasks, p->data);
      /* seq_cst both here and in the caller's "waiting, then check done":
       * either it sees this task done or this sees it waiting */
      if (g_atomic_int_add (&p->done, 1) + 1 == n_tasks && g_atomic_int_get (&p->caller_waiting))
        {
          g_mutex_lock (&p->lock);
          g_cond_signal (&p->done_cond);
          g_mutex_unlock (&p->lock);
        }
    }
}

/* polls for a job newer than `seen`, then sleeps; returns its generation,
 * or -1 when the pool is being freed.  A nudge without a job sends it back
 * to polling. */
static gint64
wait_for_job (FwPool *p, guint32 seen)
{
  gint64 poll_us = g_atomic_int_get (&p->linger) ? FW_WORKER_LINGER_US : FW_WORKER_POLL_US;
  for (;;)
    {
      /* read before polling: a nudge during the poll keeps it from sleeping */
      gint nudge = g_atomic_int_get (&p->nudge);
      gint64 start = g_get_monotonic_time ();
      gint64 spin_until = start + FW_WORKER_POLL_US, deadline = start + poll_us;
      gboolean yielding = FALSE;
      for (int spin = 1;; spin++)
        {
          if (g_atomic_int_get (&p->quit))
            return -1;
          guint32 gen = claim_gen (load_claim (p));
          if (gen != seen)
            return gen;
          if (yielding || spin % 32 == 0)
            {
              gint64 now = g_get_monotonic_time ();
              if (now > deadline)
                break;
              yielding = now > spin_until;
            }
          /* past the short poll, it lingers yielding: a runnable thread
           * on this CPU (the caller, another process) runs first */
          if (yielding)
            g_thread_yield ();
          else
            fw_cpu_relax ();
        }
      g_mutex_lock (&p->lock);
      /* seq_cst, as the caller's "publish, then count sleepers": either it
       * sees this worker asleep and wakes it, or this sees the new job */
      g_atomic_int_inc (&p->sleepers);
      guint32 gen = seen;
      while (!g_atomic_int_get (&p->quit) && (gen = claim_gen (load_claim (p))) == seen
             && g_atomic_int_get (&p->nudge) == nudge)
        g_cond_wait (&p->wake, &p->lock);
      g_atomic_int_add (&p->sleepers, -1);
      g_mutex_unlock (&p->lock);
      if (g_atomic_int_get (&p->quit))
        return -1;
      if (gen != seen)
        return gen;
      /* nudged: a job follows as soon as the caller sees this awake,
       * which on a busy vCPU may take a while */
      poll_us = FW_WORKER_LINGER_US;
    }
}

/* gets sleeping workers polling, and waits (a bounded while) until they
 * are: a site trying the pool then times the split, not the wake-up */
static void
wake_workers (FwPool *p)
{
  if (g_atomic_int_get (&p->sleepers) == 0)
    return;
  g_atomic_int_inc (&p->nudge);
  g_mutex_lock (&p->lock);
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);
  gint64 deadline = g_get_monotonic_time () + FW_WAKE_WAIT_US;
  for (int spin = 1; g_atomic_int_get (&p->sleepers) > 0; spin++)
    {
      if (spin % 32 == 0 && g_get_monotonic_time () > deadline)
        break;
      fw_cpu_relax ();
    }
}

static gpointer
worker_main (gpointer data)
{
  FwPool *p = data;
  guint32 seen = 0;
  for (;;)
    {
      gint64 gen = wait_for_job (p, seen);
      if (gen < 0)
        return NULL;
      seen = (guint32) gen;
      run_claimed (p, seen);
    }
}

FwPool *
fw_pool_new (int threads)
{
  if (threads <= 0)
    threads = (int) g_get_num_processors ();
  FwPool *p = g_new0 (FwPool, 1);
  p->threads = CLAMP (threads, 1, FW_PARALLEL_MAX_TASKS);
  g_mutex_init (&p->lock);
  g_cond_init (&p->wake);
  g_cond_init (&p->done_cond);
  p->choice = fw_parallel_choice_new ();
  p->spare = fw_spare_cores_new ();
  /* tests set it, so every kernel call exercises the split */
  p->adaptive = g_strcmp0 (g_getenv ("FW_PARALLEL"), "always") != 0;
  /* benchmarks set it to see the sites' choice on a machine whose other
   * core is busy with work of lower priority (bench-train.sh -H), as the
   * gate would let it run on a quiet machine */
  p->gated = g_strcmp0 (g_getenv ("FW_PARALLEL"), "sites") != 0;
  p->workers = g_new0 (GThread *, MAX (p->threads - 1, 1));
  return p;
}

/* The workers start with the first job that runs on the pool, not with the
 * pool: a run whose every region stays on the calling thread (a model too
 * small to split, a machine without a spare core) then runs exactly as at
 * one thread, with no threads made, polling and put to sleep for nothing. */
static void
start_workers (FwPool *p)
{
  for (int i = 0; i < p->threads - 1; i++)
    p->workers[i] = g_thread_new ("fw-worker", worker_main, p);
  p->started = TRUE;
}

int
fw_pool_workers_started (const FwPool *p)
{
  return p != NULL && p->started ? p->threads - 1 : 0;
}

int
fw_pool_workers_asleep (FwPool *p)
{
  return p != NULL ? g_atomic_int_get (&p->sleepers) : 0;
}

void
fw_pool_free (FwPool *p)
{
  if (!p)
    return;
  g_mutex_lock (&p->lock);
  g_atomic_int_set (&p->quit, TRUE);
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);
  for (int i = 0; p->started && i < p->threads - 1; i++)
    g_thread_join (p->workers[i]);
  if (g_private_get (&current_pool) == p)
    g_private_set (&current_pool, NULL);
  fw_parallel_choice_free (p->choice);
  fw_spare_cores_free (p->spare);
  g_free (p->workers);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->wake);
  g_cond_clear (&p->done_cond);
  g_free (p);
}

int
fw_pool_threads (const FwPool *p)
{
  return p != NULL ? p->threads : 1;
}

void
fw_pool_make_current (FwPool *pool)
{
  g_private_set (&current_pool, pool);
}

void
fw_pool_set_adaptive (FwPool *p, gboolean adaptive)
{
  g_return_if_fail (p != NULL);
  p->adaptive = adaptive;
}

FwPool *
fw_pool_current (void)
{
  return g_private_get (&current_pool);
}

int
fw_parallel_tasks (int max_tasks)
{
  int n = fw_pool_threads (fw_pool_current ());
  return CLAMP (MIN (n, max_tasks), 1, FW_PARALLEL_MAX_TASKS);
}

/* one job of at most FW_JOB_MAX_TASKS tasks on the pool's threads */
static void
run_job (FwPool *p, int n_tasks, FwTaskFunc fn, gpointer data, gboolean linger)
{
  g_assert (p->started);
  p->fn = fn;
  p->data = data;
  g_atomic_int_set (&p->linger, linger);
  g_atomic_int_set (&p->done, 0);
  guint32 gen = (claim_gen (load_claim (p)) + 1) & GEN_MASK;
  __atomic_store_n (&p->claim, ((guint64) gen << (2 * CLAIM_BITS)) | ((guint64) n_tasks << CLAIM_BITS),
                    __ATOMIC_SEQ_CST);
  if (g_atomic_int_get (&p->sleepers) > 0)
    {
      g_mutex_lock (&p->lock);
      g_cond_broadcast (&p->wake);
      g_mutex_unlock (&p->lock);
    }

  run_claimed (p, gen);

  /* a worker may still be inside its task: poll a moment, then block */
  if (g_atomic_int_get (&p->done) < n_tasks)
    {
      gint64 deadline = g_get_monotonic_time () + FW_CALLER_POLL_US;
      for (int spin = 1; g_atomic_int_get (&p->done) < n_tasks; spin++)
        {
          if (spin % 32 == 0 && g_get_monotonic_time () > deadline)
            break;
          fw_cpu_relax ();
        }
    }
  if (g_atomic_int_get (&p->done) < n_tasks)
    {
      g_mutex_lock (&p->lock);
      g_atomic_int_set (&p->caller_waiting, TRUE);
      while (g_atomic_int_get (&p->done) < n_tasks)
        g_cond_wait (&p->done_cond, &p->lock);
      g_atomic_int_set (&p->caller_waiting, FALSE);
      g_mutex_unlock (&p->lock);
    }
}

/* a job too long for one claim word, as consecutive jobs */
typedef struct {
  FwTaskFunc fn;
  gpointer data;
  int first, n_tasks;
} Slice;

static void
slice_task (int task, int n_tasks, gpointer data)
{
  const Slice *s = data;
  s->fn (s->first + task, s->n_tasks, s->data);
}

void
fw_parallel_run (int n_tasks, FwTaskFunc fn, gpointer data)
{
  FwPool *p = fw_pool_current ();
  if (n_tasks <= 0)
    return;
  if (p == NULL || p->threads == 1 || n_tasks == 1)
    {
      for (int t = 0; t < n_tasks; t++)
        fn (t, n_tasks, data);
      return;
    }
  gint64 t0 = g_get_monotonic_time ();
  /* with less than half a core beside the caller's, a worker would only
   * take turns with another process (or with the caller): no region pays,
   * and none is timed, so the sites keep what they learnt on spare cores.
   * Until the first window is measured, the same: alone never loses much */
  if (p->adaptive && p->gated && !fw_spare_cores_split_pays (p->spare, t0))
    {
      for (int t = 0; t < n_tasks; t++)
        fn (t, n_tasks, data);
      return;
    }
  FwParallelSite *site = fw_parallel_choice_site (p->choice, fn, n_tasks);
  gboolean pooled = !p->adaptive || fw_parallel_site_pick (site);
  /* a warm-up call or probe on the pool: the pool is timed warm, as it
   * runs once chosen (its workers then linger between jobs) */
  gboolean trying = p->adaptive && pooled && fw_parallel_site_trying (site, pooled);
  if (pooled && !p->started)
    {
      /* outside the timing: making threads is no cost of this site's split */
      start_workers (p);
      t0 = g_get_monotonic_time ();
    }
  if (trying)
    {
      wake_workers (p);
      t0 = g_get_monotonic_time ();
    }
  gboolean linger = p->adaptive && pooled && !trying;
  if (!pooled)
    for (int t = 0; t < n_tasks; t++)
      fn (t, n_tasks, data);
  else if (n_tasks <= FW_JOB_MAX_TASKS)
    run_job (p, n_tasks, fn, data, linger);
  else
    for (int first = 0; first < n_tasks; first += FW_JOB_MAX_TASKS)
      {
        Slice s = { fn, data, first, n_tasks };
        run_job (p, MIN (FW_JOB_MAX_TASKS, n_tasks - first), slice_task, &s, linger);
      }
  fw_parallel_site_record (site, pooled, g_get_monotonic_time () - t0);
}

void
fw_parallel_range (int task, int n_tasks, gsize n, gsize align, gsize *start, gsize *end)
{
  if (align == 0)
    align = 1;
  gsize s = n * (gsize) task / (gsize) n_tasks;
  gsize e = n * (gsize) (task + 1) / (gsize) n_tasks;
  s -= s % align;
  if (task + 1 < n_tasks)
    e -= e % align;
  *start = s;
  *end = MAX (s, e);
}
