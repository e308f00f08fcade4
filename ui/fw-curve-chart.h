/* fw-curve-chart.h — a line chart of a few series over one x axis, drawn
 * with Cairo: accuracy against a perturbation's level (one series per run)
 * or against the share of training data (with a ± band).  The y axis is
 * always accuracy in [0, 1].  Who owns the numbers and when to redraw is
 * the caller's (FwRobustnessView); the same call draws on screen and into
 * an export. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* legend */
  GdkRGBA color;
  int n;
  const double *x, *y;       /* (n) */
  const double *spread;      /* (n) ± drawn as a band; NULL for none */
} FwCurveSeries;

/* fg: ink for axes and text; bg: what the chart is drawn on. */
void fw_curve_chart_draw (cairo_t *cr, int width, int height, const char *title,
                          const char *x_label, const FwCurveSeries *series, int n_series,
                          const GdkRGBA *fg, const GdkRGBA *bg);

G_END_DECLS
