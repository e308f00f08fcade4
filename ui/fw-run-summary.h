/* fw-run-summary.h — sentences about runs for the status line (and what a
 * screen reader announces): training progress with the time left, how a
 * run ended, and which model won a comparison. */
#pragma once

#include <gtk/gtk.h>

#include "fw-run.h"

G_BEGIN_DECLS

/* "12 s", "3 min 05 s", "1 h 02 min" */
char *fw_format_duration (double seconds);
/* Epoch, step, loss and, once a few steps are done, the time left. */
char *fw_run_describe_progress (FwRun *run, int step, int steps_per_epoch, int epoch, double loss);
/* "… finished: test accuracy 0.970 in 3.1 s", "… stopped after 2 of 5 epochs", "… failed" */
char *fw_run_describe_end (FwRun *run);
/* Every option of the run, "name value" joined by commas (threads left
 * out: they do not change a number). */
char *fw_run_describe_settings (FwRun *run);
/* The winner of a comparison by test accuracy (validation accuracy when
 * there is no test split) and the runner-up, in one line; NULL without a
 * finished run. */
char *fw_compare_summary (GListModel *runs);

G_END_DECLS
