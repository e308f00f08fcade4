/* fw-spare-cores.c — the meter of fw-spare-cores.h.  Idle time comes from
 * /proc/stat's first line (idle + iowait, in clock ticks), the process's
 * CPU time from CLOCK_PROCESS_CPUTIME_ID. */
#include "fw-spare-cores.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "fw-parallel"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* 50 ms: /proc/stat counts in 10 ms ticks, so on two cores a window holds
 * ten ticks of each; long enough for that, short enough that a short run
 * (an epoch of a small model takes a few hundred ms) sees several.  The
 * first window (FW_SPARE_FIRST_WINDOW_US, from the meter's making) is
 * shorter, so the smallest models (an epoch in 60-200 ms) do not spend a
 * third of it alone; at 30 ms one tick of idle time is a third of a core,
 * so a busy machine's rounding (at most one tick) still reads below 1.5
 * with our one core, and a quiet one's idle core at least two ticks */
#define FW_SPARE_WINDOW_US 50000

struct _FwSpareCores {
  gboolean broken;            /* /proc/stat could not be read: unknown */
  gint64 t0;                  /* the window's start, µs; 0: none yet */
  double idle0, cpu0;         /* seconds at t0 */
  double available;           /* the last complete window's answer; < 0: none */
  gboolean open;              /* fw_spare_cores_split_pays' answer for this window */
  gint64 window_us;           /* the current window's length */
  FwSpareTrials trials;
  guint n_windows, n_open, n_trials;   /* for the debug summary */
  double tick;                /* seconds per clock tick */
};

FwSpareCores *
fw_spare_cores_new (void)
{
  FwSpareCores *m = g_new0 (FwSpareCores, 1);
  long hz = sysconf (_SC_CLK_TCK);
  m->tick = 1.0 / (double) (hz > 0 ? hz : 100);
  m->available = -1;
  m->trials = (FwSpareTrials) FW_SPARE_TRIALS_INIT;
  /* the first window starts now: the pool is made just before the work */
  m->window_us = FW_SPARE_FIRST_WINDOW_US;
  fw_spare_cores_available (m, g_get_monotonic_time ());
  return m;
}

void
fw_spare_cores_free (FwSpareCores *m)
{
  if (m == NULL)
    return;
  /* G_MESSAGES_DEBUG=fw-parallel: how often the gate let regions split
   * (nothing from a pool that never had a region to decide for) */
  if (m->n_windows > 0 || m->broken)
    g_debug ("spare cores: %u windows decided, %u open (%u of them trials)%s",
             m->n_windows, m->n_open, m->n_trials, m->broken ? ", /proc/stat unreadable" : "");
  g_free (m);
}

/* idle + iowait of every CPU, seconds; < 0 when unreadable */
static double
read_idle (const FwSpareCores *m)
{
  char buf[512];
  int fd = open ("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 4)
    return -1;
  buf[n] = '\0';
  if (!g_str_has_prefix (buf, "cpu "))
    return -1;
  /* cpu user nice system idle iowait ... */
  char *p = buf + 4, *end;
  guint64 v[5];
  for (int i = 0; i < 5; i++)
    {
      v[i] = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        return -1;
      p = end;
    }
  return (double) (v[3] + v[4]) * m->tick;
}

static double
process_cpu (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

gboolean
fw_spare_cores_readable (const FwSpareCores *m)
{
  return !m->broken;
}

double
fw_spare_cores_from (double idle0, double idle1, double cpu0, double cpu1, double wall)
{
  if (wall <= 0)
    return -1;
  return MAX (idle1 - idle0, 0) / wall + MAX (cpu1 - cpu0, 0) / wall;
}

double
fw_spare_cores_available (FwSpareCores *m, gint64 now_us)
{
  if (m->broken)
    return -1;
  if (m->t0 != 0 && now_us - m->t0 < m->window_us)
    return m->available;
  double idle = read_idle (m), cpu = process_cpu ();
  if (idle < 0)
    {
      m->broken = TRUE;
      return -1;
    }
  if (m->t0 != 0)
    {
      m->available = fw_spare_cores_from (m->idle0, idle, m->cpu0, cpu, (now_us - m->t0) * 1e-6);
      m->window_us = FW_SPARE_WINDOW_US;
    }
  m->t0 = now_us;
  m->idle0 = idle;
  m->cpu0 = cpu;
  return m->available;
}

gboolean
fw_spare_cores_next_open (double available, FwSpareTrials *t)
{
  if (available >= FW_SPARE_CORES_TO_SPLIT)
    {
      *t = (FwSpareTrials) FW_SPARE_TRIALS_INIT;
      return TRUE;
    }
  if (t->trial)   /* the trial found no spare core: the next one later */
    t->every = MIN (t->every * 2, FW_SPARE_TRIAL_MAX);
  t->trial = ++t->closed >= t->every;
  if (t->trial)
    t->closed = 0;
  return t->trial;
}

gboolean
fw_spare_cores_split_pays (FwSpareCores *m, gint64 now_us)
{
  if (m->broken)
    return TRUE;
  if (m->t0 != 0 && now_us - m->t0 < m->window_us)
    return m->open;
  double a = fw_spare_cores_available (m, now_us);
  if (m->broken)
    return TRUE;
  m->open = a >= 0 && fw_spare_cores_next_open (a, &m->trials);
  m->n_windows++;
  m->n_open += m->open;
  m->n_trials += m->open && m->trials.trial;
  return m->open;
}
