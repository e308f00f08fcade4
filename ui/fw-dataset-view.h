/* fw-dataset-view.h — the Dataset panel: name and source, rows per split
 * and per class, vocabulary and missing-modality counts, and a scrollable
 * grid of samples (thumbnail, caption, label). */
#pragma once

#include <gtk/gtk.h>

#include "fw-dataset.h"

G_BEGIN_DECLS

#define FW_TYPE_DATASET_VIEW (fw_dataset_view_get_type ())
G_DECLARE_FINAL_TYPE (FwDatasetView, fw_dataset_view, FW, DATASET_VIEW, GtkWidget)

GtkWidget *fw_dataset_view_new (void);
/* Shows ds (borrowed: everything shown is copied); NULL shows nothing.
 * vocab_size is the size of the vocabulary built from the train split
 * (pad and unk included), or -1 when unknown. */
void fw_dataset_view_set_dataset (FwDatasetView *self, const FwDataset *ds, int vocab_size);
guint fw_dataset_view_get_n_samples_shown (FwDatasetView *self);
/* The selected sample's dataset row, or -1.  Signal "sample-activated"
 * (int row) when one is clicked or activated. */
int fw_dataset_view_get_selected_sample (FwDatasetView *self);

G_END_DECLS
