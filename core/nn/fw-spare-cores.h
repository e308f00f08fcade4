/* fw-spare-cores.h — how many cores this process could have used lately:
 * the machine's idle time plus the process's own CPU time, over the last
 * window of some tens of milliseconds.  A second compute thread only pays
 * when there is a core for it: with another process holding the other
 * core, our worker takes turns with it or with our own calling thread, and
 * every region waits for whichever task was left behind (fw-parallel.c
 * then runs everything on the calling thread).  Linux's /proc/stat; where
 * it cannot be read the answer is "unknown". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FwSpareCores FwSpareCores;

FwSpareCores *fw_spare_cores_new (void);
void fw_spare_cores_free (FwSpareCores *meter);

/* cores available to this process (idle + its own use) over the last
 * complete window, remeasured when `now_us` (monotonic) is a window past the
 * last measurement; < 0 while unknown */
double fw_spare_cores_available (FwSpareCores *meter, gint64 now_us);

/* FALSE once /proc/stat turned out unreadable: the answer stays unknown */
gboolean fw_spare_cores_readable (const FwSpareCores *meter);

/* whether splitting work over a second thread can pay now: TRUE when the
 * last window had FW_SPARE_CORES_TO_SPLIT cores for us, or when the meter
 * cannot tell; FALSE before the first window, which ends
 * FW_SPARE_FIRST_WINDOW_US after the meter was made (a short run decides
 * sooner).  Closed, it opens a window on trial now and then: a core may
 * have come free, or may be ours for the taking from processes of lower
 * priority, and only our own use during a split shows that.  A trial
 * costs the run a window of splits that wait for a busy core, so after
 * each trial that found no spare core the next comes twice as many
 * windows later: one window in FW_SPARE_TRIAL_EVERY at first, at most one
 * in FW_SPARE_TRIAL_MAX (8 s) beside a process that keeps the other core */
#define FW_SPARE_CORES_TO_SPLIT 1.5
#define FW_SPARE_FIRST_WINDOW_US 30000
#define FW_SPARE_TRIAL_EVERY 20
#define FW_SPARE_TRIAL_MAX 160
gboolean fw_spare_cores_split_pays (FwSpareCores *meter, gint64 now_us);

/* the trials' state: windows closed since the last open one, the current
 * interval between trials, and whether the open window is a trial */
typedef struct {
  guint closed;
  guint every;
  gboolean trial;
} FwSpareTrials;
#define FW_SPARE_TRIALS_INIT { 0, FW_SPARE_TRIAL_EVERY, FALSE }

/* the rule, for tests: whether the next window is open after one that
 * measured `available` cores */
gboolean fw_spare_cores_next_open (double available, FwSpareTrials *trials);

/* the same from two readings, for tests: idle and process CPU seconds at
 * the window's start and end, and its wall seconds */
double fw_spare_cores_from (double idle0, double idle1, double cpu0, double cpu1, double wall);

G_END_DECLS
