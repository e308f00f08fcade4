/* fw-chart-draw.h — the drawing the three chart widgets (FwPlot,
 * FwContribChart, FwSampleChart) share: text placed by its anchor, a
 * data frame mapping values to pixels, axes with round ticks, a legend laid
 * out in rows outside the data area, and a chance-level line.  The charts
 * decide what to draw; this file only decides how it looks. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  double x, y, width, height;
} FwChartRect;

/* Value ranges and the pixel area they map onto. */
typedef struct {
  double x0, x1, y0, y1;     /* data ranges */
  FwChartRect area;          /* plot area in pixels */
  gboolean log_y;
  const GdkRGBA *paper;      /* an export's background; NULL: the widget's */
} FwChartFrame;

typedef struct {
  const char *label;
  const GdkRGBA *color;
  gboolean line;             /* a short line (curves) rather than a box (bars, areas) */
} FwLegendEntry;

void fw_chart_set_rgba (cairo_t *cr, const GdkRGBA *color, double alpha);
PangoLayout *fw_chart_layout (GtkWidget *widget, const char *text, gboolean bold);
/* Draws text with its box's point (align_x, align_y) — 0 left/top, 1
 * right/bottom — at (x, y); ellipsized to max_width when that is > 0. */
void fw_chart_show_text (GtkWidget *widget, cairo_t *cr, double x, double y,
                         double align_x, double align_y, const char *text,
                         gboolean bold, double max_width);
int fw_chart_text_width (GtkWidget *widget, const char *text);
int fw_chart_text_height (GtkWidget *widget);
/* 1, 2 or 5 times a power of ten, giving about target steps over range. */
double fw_chart_nice_step (double range, int target);

double fw_chart_frame_x (const FwChartFrame *f, double x);
double fw_chart_frame_y (const FwChartFrame *f, double y);
/* Horizontal grid lines with labels on the left, x ticks with labels
 * below (at integer steps when x_integers), the frame and the x title.
 * Labels never crowd: the x step grows until they fit. */
void fw_chart_draw_axes (GtkWidget *widget, cairo_t *cr, const FwChartFrame *f,
                         gboolean x_integers, const char *x_title, const GdkRGBA *fg);

/* The legend wraps into rows of at most width; returns the height it
 * needs, so the caller can put the data area below it. */
double fw_chart_legend_height (GtkWidget *widget, const FwLegendEntry *entries, int n, double width);
void fw_chart_draw_legend (GtkWidget *widget, cairo_t *cr, double x, double y, double width,
                           const FwLegendEntry *entries, int n, const GdkRGBA *fg);

/* What guessing would score: a dashed line from (x0, y0) to (x1, y1)
 * labelled "chance" at its end (horizontal on curves, vertical on bars). */
void fw_chart_draw_chance_line (GtkWidget *widget, cairo_t *cr, double x0, double y0,
                                double x1, double y1, const GdkRGBA *fg);

G_END_DECLS
