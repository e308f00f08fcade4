/* fw-tuning-window.h — the tuning view, beside the main window: a sweep
 * (options and their values, every combination or N at random) queued into
 * the main window's run queue, the parallel-coordinates chart, the runs
 * table, and Continue training, Duplicate settings and a diff of two
 * selected runs.  Training is the main window's: this window asks through
 * its signals. */
#pragma once

#include <gtk/gtk.h>

#include "fw-parallel-chart.h"
#include "fw-runs-table.h"

G_BEGIN_DECLS

#define FW_TYPE_TUNING_WINDOW (fw_tuning_window_get_type ())
G_DECLARE_FINAL_TYPE (FwTuningWindow, fw_tuning_window, FW, TUNING_WINDOW, GtkWindow)

/* runs: the main window's run list (GListModel of FwRun) */
FwTuningWindow *fw_tuning_window_new (GtkWindow *parent, GListModel *runs);
FwRunsTable *fw_tuning_window_get_table (FwTuningWindow *self);
FwParallelChart *fw_tuning_window_get_chart (FwTuningWindow *self);

/* what the Queue button does: checks the grid; TRUE when it emitted
 * "queue-sweep" (grid text, random count; 0 = every combination) */
gboolean fw_tuning_window_queue (FwTuningWindow *self, const char *grid, guint n_random);
/* how many runs wait in the main window's queue (shown in the window) */
void fw_tuning_window_set_queued (FwTuningWindow *self, guint n_queued);
/* the diff of the two selected runs' options, as shown ("" unless two) */
const char *fw_tuning_window_get_diff (FwTuningWindow *self);

G_END_DECLS
