/* fw-explainer.h — the models the Contributions view and the Sample view
 * explain with: it keeps the model of every finished run (taking its joined
 * trainer, or any model opened from a file), follows which run the views
 * show, and runs every kernel they need — contributions, predictions,
 * integrated gradients — in GTask workers, one at a time per model and
 * never on the GUI thread.  Showing the results is the views' business. */
#pragma once

#include <gtk/gtk.h>

#include "fw-attention-weights.h"
#include "fw-contrib-result.h"
#include "fw-dataset.h"
#include "fw-run.h"
#include "fw-trainer.h"

G_BEGIN_DECLS

#define FW_CONTRIB_RELIANCE_ROWS 200   /* validation rows for reliance over epochs */

#define FW_TYPE_EXPLAINER (fw_explainer_get_type ())
G_DECLARE_FINAL_TYPE (FwExplainer, fw_explainer, FW, EXPLAINER, GObject)

FwExplainer *fw_explainer_new (void);

/* Follows the run list: the run shown ("run" property) is the selected
 * row's, or a new run as it starts training; a run that leaves the list
 * drops its model. */
void fw_explainer_attach (FwExplainer *self, GtkListBox *runs_list, GListModel *runs);
FwRun *fw_explainer_get_run (FwExplainer *self);
/* "#3 late·mean was trained on the dataset shapes, not on the open …"
 * for a run of another dataset than the open one, else NULL (g_free). */
char *fw_explainer_describe_other_dataset (FwExplainer *self, FwRun *run);

/* Call before the window frees the dataset: cancels and waits for the
 * workers and drops every kept model (they borrow the old dataset), then
 * emits "dataset-changed".  NULL when the window goes. */
void fw_explainer_set_dataset (FwExplainer *self, const FwDataset *ds);
const FwDataset *fw_explainer_get_dataset (FwExplainer *self);

/* Takes a finished run's joined trainer (its model, vocabulary and config). */
void fw_explainer_take_trainer (FwExplainer *self, FwRun *run, FwTrainer *trainer);
/* Any model to explain run with on the current dataset (a model opened
 * from a file, say): model and vocab belong to owner, freed with
 * free_owner (from any thread) once the workers are done with them — when
 * the run goes, the dataset changes or the window closes.  With free_owner
 * NULL the caller keeps them alive that long and must not run the model
 * meanwhile (the workers do, one at a time).  classes: the model's class
 * order (NULL: the dataset's).  FALSE, freeing owner, when the model cannot
 * take this dataset's images or labels.  Emits "model-added" (run). */
gboolean fw_explainer_take_model (FwExplainer *self, FwRun *run, FwModel *model,
                                  const FwVocab *vocab, const char *const *classes,
                                  gpointer owner, GDestroyNotify free_owner, GError **error);
gboolean fw_explainer_has_model (FwExplainer *self, FwRun *run);
/* The run's trainer when its model came from one (tests, saving). */
FwTrainer *fw_explainer_get_trainer (FwExplainer *self, FwRun *run);
/* Whether any worker still runs. */
gboolean fw_explainer_is_busy (FwExplainer *self);

/* Every contribution of run's model on the test split (else validation,
 * else every row), the confusion matrix and the learned weights.  While it
 * runs, *progress (per mille, atomic) grows; it must outlive the task. */
void fw_explainer_compute_async (FwExplainer *self, FwRun *run, GCancellable *cancellable,
                                 gint *progress, GAsyncReadyCallback callback, gpointer user_data);
FwContribNumbers *fw_explainer_compute_finish (FwExplainer *self, GAsyncResult *result, GError **error);

/* One input through run's model: pixels NULL or caption NULL mean that
 * modality is missing (as predict reads an empty cell). */
typedef struct {
  int n_classes;
  char **classes;            /* (n_classes) the model's class order */
  int label;                 /* the row's class in that order */
  float *probs;              /* (n_classes) */
  int predicted;
  gboolean has_ig;
  FwIgSample ig;             /* when asked for: per pixel and per token */
  FwAttentionWeights *attention;   /* attention fusion, without IG: the input's weights; else NULL */
} FwPrediction;

void fw_prediction_free (FwPrediction *prediction);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwPrediction, fw_prediction_free)

void fw_explainer_predict_async (FwExplainer *self, FwRun *run, int row, const guint8 *pixels,
                                 const char *caption, gboolean want_ig,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* NULL with an error when run has no model (any more). */
FwPrediction *fw_explainer_predict_finish (FwExplainer *self, GAsyncResult *result, GError **error);

G_END_DECLS
