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
 * cannot tell; FALSE before the first window.  Closed, it opens one window
 * in FW_SPARE_TRIAL_EVERY on trial: a core may have come free, or may be
 * ours for the taking from processes of lower priority, and only our own
 * use during a split shows that */
#define FW_SPARE_CORES_TO_SPLIT 1.5
#define FW_SPARE_TRIAL_EVERY 20
gboolean fw_spare_cores_split_pays (FwSpareCores *meter, gint64 now_us);

/* the rule, for tests: whether the next window is open after one that
 * measured `available` cores; *closed counts the windows closed since
 * the last open one */
gboolean fw_spare_cores_next_open (double available, guint *closed);

/* the same from two readings, for tests: idle and process CPU seconds at
 * the window's start and end, and its wall seconds */
double fw_spare_cores_from (double idle0, double idle1, double cpu0, double cpu1, double wall);

G_END_DECLS
