/* fw-parallel.h — our own small thread pool, so a training step can split
 * its work (a batch's images, a layer's output columns) over threads that
 * each run single-threaded sgemm.  OpenBLAS's own threads busy-wait between
 * the many small products of a step and lose when other processes share
 * the cores; these workers block instead, and the calling thread claims
 * tasks too, so a worker that is not scheduled only costs its share.
 *
 * Kernels that add up partial results cut their work into tasks whose
 * number and sizes depend on the shapes alone, and add the partials in task
 * order: the numbers are the same whichever thread ran which task and for
 * any thread count (fw-kernels.c).  Element-wise work may simply ask
 * fw_parallel_tasks for one task per thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* per-task scratch in kernels is sized for at most this many tasks */
#define FW_PARALLEL_MAX_TASKS 16

typedef struct _FwPool FwPool;

/* threads counts the calling thread: threads - 1 workers are started;
 * 0 means one per processor */
FwPool *fw_pool_new (int threads);
void fw_pool_free (FwPool *pool);
int fw_pool_threads (const FwPool *pool);

/* the worker threads running: none until a job first runs on the pool
 * (threads - 1 from then on) */
int fw_pool_workers_started (const FwPool *pool);

/* the workers blocked, waiting to be woken (for tests: a worker polls a
 * moment after a job, FW_WORKER_LINGER_US after one its site chose to
 * split, then blocks) */
int fw_pool_workers_asleep (FwPool *pool);

/* TRUE (the default, unless the environment has FW_PARALLEL=always): each
 * call site of fw_parallel_run runs on the pool or on the calling thread
 * alone, whichever its own timings say is faster (fw-parallel-choice.h),
 * and every site alone while the process has had less than one and a half
 * cores lately (fw-spare-cores.h; FW_PARALLEL=sites leaves that gate out,
 * for benchmarks); FALSE: always on the pool, as tests of the split and
 * benchmarks of the pool itself need */
void fw_pool_set_adaptive (FwPool *pool, gboolean adaptive);

/* the pool the calling thread's kernels split work over; NULL (the
 * default) runs every task on the calling thread */
void fw_pool_make_current (FwPool *pool);
FwPool *fw_pool_current (void);

/* how many tasks a kernel should cut its work into on this thread: the
 * current pool's thread count, at most max_tasks (and FW_PARALLEL_MAX_TASKS),
 * at least 1 */
int fw_parallel_tasks (int max_tasks);

/* runs fn (task, n_tasks, data) for every task in [0, n_tasks) on the
 * current pool's threads and the caller's, and returns when all are done */
typedef void (*FwTaskFunc) (int task, int n_tasks, gpointer data);
void fw_parallel_run (int n_tasks, FwTaskFunc fn, gpointer data);

/* [*start, *end) of n items for task `task` of n_tasks: contiguous, in
 * order, sizes differing by at most one (aligned down to `align` items
 * except the last task's end) */
void fw_parallel_range (int task, int n_tasks, gsize n, gsize align, gsize *start, gsize *end);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwPool, fw_pool_free)

G_END_DECLS
