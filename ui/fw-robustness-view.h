/* fw-robustness-view.h — the Robustness view: for every finished run in
 * the list, accuracy on the test split as the chosen perturbation grows
 * (core/challenges/fw-robustness.h), one curve per run in its colour; or
 * the learning curve of the current settings.  Each run's model file is
 * read into a copy the worker owns, so nothing is shared with training or
 * the Contributions view.  Actions: robustness.compute, .cancel,
 * .learning-curve, .export. */
#pragma once

#include <gtk/gtk.h>

#include "fw-config.h"
#include "fw-dataset.h"
#include "fw-learning-curve.h"
#include "fw-robustness.h"

G_BEGIN_DECLS

#define FW_TYPE_ROBUSTNESS_VIEW (fw_robustness_view_get_type ())
G_DECLARE_FINAL_TYPE (FwRobustnessView, fw_robustness_view, FW, ROBUSTNESS_VIEW, GtkWidget)

/* Borrows the window's runs (FwRun items). */
void fw_robustness_view_attach (FwRobustnessView *self, GListModel *runs);
/* Call before the window frees the dataset: cancels and waits for the
 * worker, and forgets the curves (they were of the old data). */
void fw_robustness_view_set_dataset (FwRobustnessView *self, const FwDataset *ds);

void fw_robustness_view_set_perturbation (FwRobustnessView *self, FwPerturbation kind);
FwPerturbation fw_robustness_view_get_perturbation (FwRobustnessView *self);
/* Starts the worker for every finished run with a model file. */
void fw_robustness_view_compute (FwRobustnessView *self);
/* Starts training config on growing shares of the train split. */
void fw_robustness_view_learning_curve (FwRobustnessView *self, const FwConfig *config);
void fw_robustness_view_cancel (FwRobustnessView *self);
gboolean fw_robustness_view_is_busy (FwRobustnessView *self);

/* The curves shown, one per run, in list order (robustness mode). */
guint fw_robustness_view_get_n_curves (FwRobustnessView *self);
const FwRobustnessCurve *fw_robustness_view_get_curve (FwRobustnessView *self, guint i);
/* The learning curve shown, NULL in robustness mode. */
const FwLearningCurve *fw_robustness_view_get_learning_curve (FwRobustnessView *self);
/* The status line (a skipped run, an error, "Saved …"). */
const char *fw_robustness_view_get_status (FwRobustnessView *self);

/* .png or .svg (the chart) or .json (the robustness command's JSON per run,
 * under "runs"; or the learning-curve command's). */
gboolean fw_robustness_view_export (FwRobustnessView *self, const char *path, GError **error);

G_END_DECLS
