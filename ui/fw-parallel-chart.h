/* fw-parallel-chart.h — parallel coordinates of the runs: one vertical axis
 * per option that differs between them (the FwRunsTable's option columns)
 * plus one chosen metric, one polyline per run in its colour.  Dragging
 * along an axis brushes a range of it, which filters the table; runs the
 * table hides are drawn faint.  A click on an axis clears its brush. */
#pragma once

#include "fw-runs-table.h"

G_BEGIN_DECLS

#define FW_TYPE_PARALLEL_CHART (fw_parallel_chart_get_type ())
G_DECLARE_FINAL_TYPE (FwParallelChart, fw_parallel_chart, FW, PARALLEL_CHART, GtkWidget)

GtkWidget *fw_parallel_chart_new (void);
/* the table whose columns are the axes and whose filter the brushes set */
void fw_parallel_chart_set_table (FwParallelChart *self, FwRunsTable *table);
/* the metric axis: a metric column id of the table ("test_accuracy") */
void fw_parallel_chart_set_metric (FwParallelChart *self, const char *metric_id);

/* the axes drawn, as table column indices */
guint fw_parallel_chart_get_n_axes (FwParallelChart *self);
guint fw_parallel_chart_get_axis_column (FwParallelChart *self, guint axis);
/* where an axis is drawn, and the y of a value on it, in widget pixels */
double fw_parallel_chart_get_axis_x (FwParallelChart *self, guint axis);
double fw_parallel_chart_value_to_y (FwParallelChart *self, guint axis, double value);
/* what a drag along axis from y0 to y1 does (the gesture calls this) */
void fw_parallel_chart_brush (FwParallelChart *self, guint axis, double y0, double y1);

G_END_DECLS
