/* fw-plot.h — a chart widget drawing the runs of an FwPlotModel: loss per
 * step (smoothed) with validation loss per epoch, or accuracy per epoch.
 * It draws in snapshot with Cairo, redraws when the model says "changed",
 * shows exact values under the pointer, and exports to PNG, SVG or PDF. */
#pragma once

#include <gtk/gtk.h>

#include "fw-chart-draw.h"
#include "fw-chart-table.h"
#include "fw-plot-model.h"

G_BEGIN_DECLS

typedef enum {
  FW_PLOT_LOSS,
  FW_PLOT_ACCURACY,
  FW_PLOT_N_KINDS
} FwPlotKind;

#define FW_TYPE_PLOT (fw_plot_get_type ())
G_DECLARE_FINAL_TYPE (FwPlot, fw_plot, FW, PLOT, GtkWidget)

GtkWidget *fw_plot_new (FwPlotKind kind);
void fw_plot_set_model (FwPlot *self, FwPlotModel *model);
FwPlotModel *fw_plot_get_model (FwPlot *self);
FwPlotKind fw_plot_get_kind (FwPlot *self);
void fw_plot_set_kind (FwPlot *self, FwPlotKind kind);
void fw_plot_set_log_scale (FwPlot *self, gboolean log_scale);
gboolean fw_plot_get_log_scale (FwPlot *self);
void fw_plot_set_smoothing (FwPlot *self, double smoothing);   /* [0, 0.99] */
double fw_plot_get_smoothing (FwPlot *self);

/* The accuracy of guessing (1 / classes), drawn as a dashed line on the
 * accuracy chart; NAN for none. */
void fw_plot_set_chance_level (FwPlot *self, double accuracy);
double fw_plot_get_chance_level (FwPlot *self);
/* Where the legend and the data go at width × height: the legend is
 * always outside the data area. */
void fw_plot_get_layout (FwPlot *self, int width, int height, FwChartRect *legend, FwChartRect *data);

/* What the chart shows, in words (its accessible description): each
 * visible run's latest figures. */
char *fw_plot_describe (FwPlot *self);
/* Its numbers, one row per run and epoch: the table alternative. */
FwChartTable *fw_plot_get_table (FwPlot *self);

/* Draws the chart into cr at width × height with the given colours; bg may
 * be NULL for a transparent background. */
void fw_plot_draw (FwPlot *self, cairo_t *cr, int width, int height,
                   const GdkRGBA *fg, const GdkRGBA *bg);
/* How many times the widget drew its layer of everything but the runs
 * still training (it draws the live runs over that copy on each frame,
 * and the layer again only when something in it changed): for tests. */
guint fw_plot_get_layer_renders (FwPlot *self);
/* Writes the chart as it is shown; the format follows the file's
 * extension: .png, .svg or .pdf. */
gboolean fw_plot_export (FwPlot *self, const char *path, GError **error);

G_END_DECLS
