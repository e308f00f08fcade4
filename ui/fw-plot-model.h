/* fw-plot-model.h — the data behind the training plots: the list of runs
 * whose curves are drawn.  Whoever appends points calls
 * fw_plot_model_changed once for the batch, and every FwPlot showing the
 * model queues one redraw. */
#pragma once

#include "fw-run.h"

G_BEGIN_DECLS

#define FW_TYPE_PLOT_MODEL (fw_plot_model_get_type ())
G_DECLARE_FINAL_TYPE (FwPlotModel, fw_plot_model, FW, PLOT_MODEL, GObject)

FwPlotModel *fw_plot_model_new (void);
GListModel *fw_plot_model_get_runs (FwPlotModel *self);
void fw_plot_model_add_run (FwPlotModel *self, FwRun *run);
void fw_plot_model_remove_all (FwPlotModel *self);
void fw_plot_model_remove_run (FwPlotModel *self, FwRun *run);
/* A removed run put back where it was (its colour and number kept). */
void fw_plot_model_insert_run (FwPlotModel *self, FwRun *run, guint position);
guint fw_plot_model_get_n_runs (FwPlotModel *self);
FwRun *fw_plot_model_get_run (FwPlotModel *self, guint i);   /* borrowed */
void fw_plot_model_changed (FwPlotModel *self);
/* Only step losses were appended (no epoch, run or visibility change):
 * "steps-added" instead of "changed", so what draws per epoch need not
 * redraw. */
void fw_plot_model_steps_added (FwPlotModel *self);
/* A colour for the next run, cycling through a palette legible on light
 * and dark backgrounds. */
void fw_plot_model_next_color (FwPlotModel *self, GdkRGBA *color);

/* What a plot draws of a long series: n points with non-decreasing x,
 * seen over [x0, x1] on `columns` pixel columns, become per column its
 * first, lowest, highest and last point, in x order.  A line through them
 * fills the same pixels as one through all n and keeps every extreme, from
 * at most 4·columns points whatever n is (a 60,000-step run on a 600-pixel
 * plot: 2,400).  out_x and out_y hold 4·columns values; returns how many
 * were written.  Short series come back unchanged. */
guint fw_plot_model_decimate (const double *x, const double *y, guint n,
                              double x0, double x1, guint columns,
                              double *out_x, double *out_y);

G_END_DECLS
