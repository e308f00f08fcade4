/* fw-parallel.c — the thread pool of fw-parallel.h.  One job at a time:
 * the caller publishes it under the lock, wakes the workers, and claims
 * tasks from a counter alongside them; tasks carry the job's generation,
 * so a worker that wakes late can never run a task of the next job. */
#include "fw-parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define fw_cpu_relax() _mm_pause ()
#else
#define fw_cpu_relax() ((void) 0)
#endif

struct _FwPool {
  int threads;
  GThread **workers;          /* threads - 1 */
  GMutex lock;
  GCond wake;                 /* workers wait here for a new job */
  GCond done_cond;            /* the caller waits here for the last task */
  gboolean quit;
  /* the current job; written under lock */
  FwTaskFunc fn;
  gpointer data;
  int n_tasks;
  /* (generation << 32) | next unclaimed task; claimed by compare-and-swap */
  gint64 claim;               /* atomic */
  gint done;                  /* atomic: tasks of the current job finished */
};

static GPrivate current_pool;

/* claims the next task of job `gen`; -1 when there is none left */
static int
claim_task (FwPool *p, guint32 gen, int n_tasks)
{
  for (;;)
    {
      gint64 c = __atomic_load_n (&p->claim, __ATOMIC_ACQUIRE);
      if ((guint32) ((guint64) c >> 32) != gen || (int) (c & 0xffffffff) >= n_tasks)
        return -1;
      if (__atomic_compare_exchange_n (&p->claim, &c, c + 1, FALSE, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE))
        return (int) (c & 0xffffffff);
    }
}

static void
run_claimed (FwPool *p, guint32 gen, FwTaskFunc fn, gpointer data, int n_tasks)
{
  int task;
  while ((task = claim_task (p, gen, n_tasks)) >= 0)
    {
      fn (task, n_tasks, data);
      if (g_atomic_int_add (&p->done, 1) + 1 == n_tasks)
        {
          g_mutex_lock (&p->lock);
          g_cond_signal (&p->done_cond);
          g_mutex_unlock (&p->lock);
        }
    }
}

static gpointer
worker_main (gpointer data)
{
  FwPool *p = data;
  guint32 seen = 0;
  for (;;)
    {
      g_mutex_lock (&p->lock);
      while (!p->quit && (guint32) ((guint64) __atomic_load_n (&p->claim, __ATOMIC_ACQUIRE) >> 32) == seen)
        g_cond_wait (&p->wake, &p->lock);
      if (p->quit)
        {
          g_mutex_unlock (&p->lock);
          return NULL;
        }
      seen = (guint32) ((guint64) __atomic_load_n (&p->claim, __ATOMIC_ACQUIRE) >> 32);
      FwTaskFunc fn = p->fn;
      gpointer job = p->data;
      int n = p->n_tasks;
      g_mutex_unlock (&p->lock);
      run_claimed (p, seen, fn, job, n);
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
  p->workers = g_new0 (GThread *, MAX (p->threads - 1, 1));
  for (int i = 0; i < p->threads - 1; i++)
    p->workers[i] = g_thread_new ("fw-worker", worker_main, p);
  return p;
}

void
fw_pool_free (FwPool *p)
{
  if (!p)
    return;
  g_mutex_lock (&p->lock);
  p->quit = TRUE;
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);
  for (int i = 0; i < p->threads - 1; i++)
    g_thread_join (p->workers[i]);
  if (g_private_get (&current_pool) == p)
    g_private_set (&current_pool, NULL);
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

  g_mutex_lock (&p->lock);
  guint32 gen = (guint32) ((guint64) __atomic_load_n (&p->claim, __ATOMIC_ACQUIRE) >> 32) + 1;
  p->fn = fn;
  p->data = data;
  p->n_tasks = n_tasks;
  g_atomic_int_set (&p->done, 0);
  __atomic_store_n (&p->claim, (gint64) ((guint64) gen << 32), __ATOMIC_RELEASE);
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);

  run_claimed (p, gen, fn, data, n_tasks);

  /* a worker may still be inside its task: wait a moment, then block */
  for (int spin = 0; spin < 2000 && g_atomic_int_get (&p->done) < n_tasks; spin++)
    fw_cpu_relax ();
  if (g_atomic_int_get (&p->done) < n_tasks)
    {
      g_mutex_lock (&p->lock);
      while (g_atomic_int_get (&p->done) < n_tasks)
        g_cond_wait (&p->done_cond, &p->lock);
      g_mutex_unlock (&p->lock);
    }
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
