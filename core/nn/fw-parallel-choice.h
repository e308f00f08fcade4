/* fw-parallel-choice.h — whether a parallel region pays, decided per call
 * site from its own timings.  Splitting a kernel over the pool pays when
 * its work is large against the cost of handing tasks to a worker, and
 * when that worker gets a core: a small layer's region, or any region
 * while another process keeps the worker off the CPU, runs faster on the
 * calling thread alone.  Neither can be told from the shapes, so each site
 * (a task function and task count) times both ways, alone first, keeps
 * the faster and now and then tries the other again.  The task cut is the kernel's and
 * does not change, so neither do the numbers: only who runs the tasks.
 * Pure bookkeeping, no clock: the pool times the calls (fw-parallel.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FwParallelChoice FwParallelChoice;
typedef struct _FwParallelSite FwParallelSite;

FwParallelChoice *fw_parallel_choice_new (void);
void fw_parallel_choice_free (FwParallelChoice *choice);

/* the site of task function fn cut into n_tasks; NULL when the table is
 * full (such sites always run on the pool) */
FwParallelSite *fw_parallel_choice_site (FwParallelChoice *choice, gconstpointer fn, int n_tasks);

/* TRUE: run this call on the pool; FALSE: on the calling thread alone */
gboolean fw_parallel_site_pick (FwParallelSite *site);

/* how long the call just picked took, and how it ran */
void fw_parallel_site_record (FwParallelSite *site, gboolean pooled, gint64 microseconds);

/* TRUE when the call just picked (pooled or not) tries a way the site
 * does not use now: a warm-up call or a probe */
gboolean fw_parallel_site_trying (const FwParallelSite *site, gboolean pooled);

/* the site's current choice (what pick returns between its probes) */
gboolean fw_parallel_site_pooled (const FwParallelSite *site);

G_END_DECLS
