/* fw-parallel-choice.c — the per-site choice of fw-parallel-choice.h: a
 * running mean of each way's time, the faster way kept, the slower one
 * tried again at intervals that double (by far: quadruple) while it
 * keeps losing and halve while it wins (so a pool that got its core back is back within tens of
 * calls, and one that keeps losing costs a probe every hundred). */
#include "fw-parallel-choice.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "fw-parallel"

/* calls that alternate the two ways, alone first, before the first
 * choice: a short run (an epoch of a small model is some hundred steps)
 * must not spend much of itself learning */
#define FW_CHOICE_WARMUP 4
/* how often the other way is tried again, in calls of the site (a site
 * runs about once per training step) */
#define FW_CHOICE_PROBE_MIN 8
#define FW_CHOICE_PROBE_MAX 128
/* a table of this many sites: a model has a few dozen */
#define FW_CHOICE_SITES 256

struct _FwParallelSite {
  gconstpointer fn;           /* NULL: a free slot */
  int n_tasks;
  double mean_us[2];          /* [0] on the caller alone, [1] on the pool; < 0: none yet */
  guint calls, since_probe, probe_every;
  gboolean pooled;            /* the current choice */
};

struct _FwParallelChoice {
  FwParallelSite sites[FW_CHOICE_SITES];
};

FwParallelChoice *
fw_parallel_choice_new (void)
{
  return g_new0 (FwParallelChoice, 1);
}

void
fw_parallel_choice_free (FwParallelChoice *choice)
{
  if (choice == NULL)
    return;
  /* G_MESSAGES_DEBUG=fw-parallel lists every site's timings and choice */
  for (guint i = 0; i < FW_CHOICE_SITES; i++)
    {
      const FwParallelSite *s = &choice->sites[i];
      if (s->fn != NULL && s->calls > 0)
        g_debug ("site %p × %d tasks: %u calls, alone %.1f µs, pooled %.1f µs: %s",
                 s->fn, s->n_tasks, s->calls, s->mean_us[0], s->mean_us[1],
                 s->pooled ? "pooled" : "alone");
    }
  g_free (choice);
}

FwParallelSite *
fw_parallel_choice_site (FwParallelChoice *choice, gconstpointer fn, int n_tasks)
{
  g_return_val_if_fail (choice != NULL && fn != NULL, NULL);
  guint h = (guint) (((guintptr) fn >> 4) * 2654435761u + (guint) n_tasks * 40503u);
  for (guint i = 0; i < FW_CHOICE_SITES; i++)
    {
      FwParallelSite *s = &choice->sites[(h + i) % FW_CHOICE_SITES];
      if (s->fn == fn && s->n_tasks == n_tasks)
        return s;
      if (s->fn == NULL)
        {
          *s = (FwParallelSite) { .fn = fn, .n_tasks = n_tasks, .mean_us = { -1, -1 },
                                  .probe_every = FW_CHOICE_PROBE_MIN, .pooled = TRUE };
          return s;
        }
    }
  return NULL;
}

gboolean
fw_parallel_site_pick (FwParallelSite *s)
{
  if (s == NULL)
    return TRUE;
  if (s->calls < FW_CHOICE_WARMUP)
    return s->calls % 2 == 1;
  if (s->since_probe + 1 >= s->probe_every)
    return !s->pooled;
  return s->pooled;
}

void
fw_parallel_site_record (FwParallelSite *s, gboolean pooled, gint64 microseconds)
{
  if (s == NULL)
    return;
  double *m = &s->mean_us[pooled ? 1 : 0], us = (double) MAX (microseconds, 0);
  gboolean probe = s->calls >= FW_CHOICE_WARMUP && pooled != s->pooled;
  /* the site's first call is not counted: it pays for cold caches.  A
   * site runs about once a step, so the means must follow a change of load
   * within some tens of steps: a quarter weight for the way in use, half
   * for a probe of the other */
  if (s->calls > 0)
    *m = *m < 0 ? us : *m + (us - *m) / (probe ? 2 : 4);
  s->calls++;
  s->since_probe = probe ? 0 : s->since_probe + 1;
  if (s->calls < FW_CHOICE_WARMUP || s->mean_us[0] < 0 || s->mean_us[1] < 0)
    return;
  gboolean best = s->mean_us[1] <= s->mean_us[0];
  if (best != s->pooled)
    {
      s->pooled = best;
      s->probe_every = FW_CHOICE_PROBE_MIN;
      s->since_probe = 0;
    }
  else if (probe && us >= s->mean_us[s->pooled ? 1 : 0])   /* lost again: less often */
    s->probe_every = MIN ((us >= 1.5 * s->mean_us[s->pooled ? 1 : 0] ? 4 : 2) * s->probe_every,
                          FW_CHOICE_PROBE_MAX);
  else if (probe)   /* beat the way in use, but not yet its mean: sooner */
    s->probe_every = MAX (s->probe_every / 2, FW_CHOICE_PROBE_MIN);
}

gboolean
fw_parallel_site_trying (const FwParallelSite *s, gboolean pooled)
{
  return s != NULL && (s->calls < FW_CHOICE_WARMUP || pooled != s->pooled);
}

gboolean
fw_parallel_site_pooled (const FwParallelSite *s)
{
  return s == NULL || s->pooled;
}
