/* fw-contrib-chart.h — the Contributions view's pictures, drawn in
 * snapshot from an FwContribResult: the bars of one method (optionally per
 * class), reliance over epochs, or the confusion matrix. */
#pragma once

#include <gtk/gtk.h>

#include "fw-chart-draw.h"
#include "fw-contrib-result.h"

G_BEGIN_DECLS

typedef enum {
  FW_CONTRIB_CHART_BARS,
  FW_CONTRIB_CHART_RELIANCE,
  FW_CONTRIB_CHART_CONFUSION,
  FW_CONTRIB_CHART_N_KINDS
} FwContribChartKind;

/* The modalities' colours everywhere (bars, lines, heatmap, tokens): a blue
 * and an orange that stay apart for colour-blind viewers and read on light
 * and dark backgrounds alike. */
extern const GdkRGBA fw_image_color, fw_text_color, fw_interaction_color;

#define FW_TYPE_CONTRIB_CHART (fw_contrib_chart_get_type ())
G_DECLARE_FINAL_TYPE (FwContribChart, fw_contrib_chart, FW, CONTRIB_CHART, GtkWidget)

void fw_contrib_chart_set_result (FwContribChart *self, FwContribResult *result);
void fw_contrib_chart_set_method (FwContribChart *self, FwContribMethod method);
void fw_contrib_chart_set_per_class (FwContribChart *self, gboolean per_class);
/* What the chart says, for the accessible description and the tests. */
char *fw_contrib_chart_describe (FwContribChart *self);
/* Where the confusion matrix puts things at w × h: its grid (origin gx,
 * gy; square cells), the "true" and "predicted" axis titles, whether the
 * column names stand up to fit and how large the counts are drawn. */
typedef struct {
  double gx, gy, cell, row_label_width;
  FwChartRect true_title, predicted_title;
  gboolean rotated_headers;
  gboolean numbers_shown;
  double number_scale;       /* of the body font */
} FwConfusionLayout;
void fw_contrib_chart_confusion_layout (FwContribChart *self, int w, int h, FwConfusionLayout *layout);

/* Draws into cr (w × h); bg NULL leaves the background alone. */
void fw_contrib_chart_draw (FwContribChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg,
                            const GdkRGBA *bg);

G_END_DECLS
