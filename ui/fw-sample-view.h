/* fw-sample-view.h — the Sample inspector: one dataset row's image with
 * its integrated-gradients heatmap, its caption (editable) with shaded
 * words and the class probabilities, predicted by the run the explainer
 * shows; Hide image and Hide text re-predict with that modality missing;
 * an attention-fusion run adds its attention map (FwAttentionMap).
 * Predictions run in FwExplainer's workers, at most one in flight. */
#pragma once

#include <gtk/gtk.h>

#include "fw-attention-map.h"
#include "fw-dataset-view.h"
#include "fw-explainer.h"
#include "fw-sample.h"

G_BEGIN_DECLS

#define FW_TYPE_SAMPLE_VIEW (fw_sample_view_get_type ())
G_DECLARE_FINAL_TYPE (FwSampleView, fw_sample_view, FW, SAMPLE_VIEW, GtkWidget)

/* Borrows the explainer (models, dataset, the run shown) and the
 * window's dataset grid (a sample activated there opens here). */
void fw_sample_view_attach (FwSampleView *self, FwExplainer *explainer, FwDatasetView *dataset_view);
/* Opens dataset row in the inspector. */
void fw_sample_view_inspect (FwSampleView *self, int row);

/* For tests and the window: */
gboolean fw_sample_view_is_busy (FwSampleView *self);
FwSample *fw_sample_view_get_sample (FwSampleView *self);
GtkEditable *fw_sample_view_get_caption_entry (FwSampleView *self);
const char *fw_sample_view_get_run_text (FwSampleView *self);   /* "Model: #3 late·mean" */
/* Shown only for attention-fusion runs. */
FwAttentionMap *fw_sample_view_get_attention_map (FwSampleView *self);

G_END_DECLS
