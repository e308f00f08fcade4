/* fw-runs-table.h — every run as a row of a sortable table: one column for
 * each option whose value differs between the runs, then the metrics.
 * A search filters the rows ("lr=0.001", "late", any words of a row), and
 * brushes — a value range on any column, set by FwParallelChart — filter
 * them too.  The columns double as the chart's axes. */
#pragma once

#include <gtk/gtk.h>

#include "fw-run.h"

G_BEGIN_DECLS

#define FW_TYPE_RUNS_TABLE (fw_runs_table_get_type ())
G_DECLARE_FINAL_TYPE (FwRunsTable, fw_runs_table, FW, RUNS_TABLE, GtkWidget)

GtkWidget *fw_runs_table_new (void);
/* a GListModel of FwRun (the window's run list); borrowed for its lifetime */
void fw_runs_table_set_runs (FwRunsTable *self, GListModel *runs);
GListModel *fw_runs_table_get_runs (FwRunsTable *self);   /* every run, unfiltered; NULL before set */

/* ---- columns (also the parallel-coordinates axes) ---- */
guint fw_runs_table_get_n_columns (FwRunsTable *self);
const char *fw_runs_table_get_column_id (FwRunsTable *self, guint column);  /* "lr", "test_accuracy" */
const char *fw_runs_table_get_column_title (FwRunsTable *self, guint column);
gboolean fw_runs_table_column_is_metric (FwRunsTable *self, guint column);
/* a run's value on a column as a number: the option's or metric's value,
 * or for words (fusion names) their index among the column's sorted
 * values; NAN when the run has none */
double fw_runs_table_get_value (FwRunsTable *self, guint column, FwRun *run);
/* for word columns: their sorted values (NULL for numbers); borrowed */
const char *const *fw_runs_table_get_labels (FwRunsTable *self, guint column);
/* the text shown in a cell (g_free) */
char *fw_runs_table_get_text (FwRunsTable *self, guint column, FwRun *run);

/* ---- sorting and filtering ---- */
void fw_runs_table_sort_by (FwRunsTable *self, const char *column_id, gboolean ascending);
void fw_runs_table_set_search (FwRunsTable *self, const char *text);
/* keeps only the runs whose value on column_id is in [lo, hi]; NAN, NAN clears */
void fw_runs_table_set_brush (FwRunsTable *self, const char *column_id, double lo, double hi);
gboolean fw_runs_table_get_brush (FwRunsTable *self, const char *column_id, double *lo, double *hi);
void fw_runs_table_clear_brushes (FwRunsTable *self);
/* passes the search and every brush */
gboolean fw_runs_table_shows (FwRunsTable *self, FwRun *run);

/* the rows as shown (filtered, sorted) */
guint fw_runs_table_get_n_rows (FwRunsTable *self);
FwRun *fw_runs_table_get_row (FwRunsTable *self, guint row);   /* borrowed */
/* the selected runs, in table order (g_list_free; runs borrowed) */
GList *fw_runs_table_get_selected (FwRunsTable *self);
void fw_runs_table_select (FwRunsTable *self, FwRun *run, gboolean add);

G_END_DECLS
