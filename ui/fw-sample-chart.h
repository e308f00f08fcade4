/* fw-sample-chart.h — the Sample inspector's pictures, drawn in snapshot
 * from an FwSample: the image with its integrated-gradients heatmap, the
 * caption's tokens shaded by score, or the class probabilities. */
#pragma once

#include <gtk/gtk.h>

#include "fw-sample.h"

G_BEGIN_DECLS

typedef enum {
  FW_SAMPLE_CHART_IMAGE,
  FW_SAMPLE_CHART_TOKENS,
  FW_SAMPLE_CHART_PROBS,
  FW_SAMPLE_CHART_N_KINDS
} FwSampleChartKind;

#define FW_TYPE_SAMPLE_CHART (fw_sample_chart_get_type ())
G_DECLARE_FINAL_TYPE (FwSampleChart, fw_sample_chart, FW, SAMPLE_CHART, GtkWidget)

void fw_sample_chart_set_sample (FwSampleChart *self, FwSample *sample);
void fw_sample_chart_draw (FwSampleChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg,
                           const GdkRGBA *bg);

G_END_DECLS
