/* fw-run-row.h — one row of the Runs list: the run's colour, its
 * configuration, its state or final test accuracy, its time, and a toggle
 * that shows or hides its curves. */
#pragma once

#include <gtk/gtk.h>

#include "fw-run.h"

G_BEGIN_DECLS

#define FW_TYPE_RUN_ROW (fw_run_row_get_type ())
G_DECLARE_FINAL_TYPE (FwRunRow, fw_run_row, FW, RUN_ROW, GtkWidget)

GtkWidget *fw_run_row_new (FwRun *run);
FwRun *fw_run_row_get_run (FwRunRow *self);

/* What the row's status and time labels say. */
const char *fw_run_row_get_status (FwRunRow *self);
const char *fw_run_row_get_time (FwRunRow *self);

/* The dataset open in the window: a run trained on another one is marked
 * ("other dataset: shapes-xor") and dimmed. */
void fw_run_row_set_open_dataset (FwRunRow *self, const char *name);
gboolean fw_run_row_is_foreign (FwRunRow *self);

G_END_DECLS
