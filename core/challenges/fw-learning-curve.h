/* fw-learning-curve.h — data scarcity: test accuracy of models trained on
 * growing shares of the train split.  Subsets are stratified (each class
 * keeps round(f·n_c) of its n_c train rows, at least one) and nested (the
 * rows of a smaller fraction are in every larger one: one random order per
 * class and repeat, cut at different lengths).  Repeat r draws its order
 * from (seed, r) and trains with seed + r, so repeat 0 at fraction 1 is
 * exactly a plain `train` with the same options.  Validation and test rows
 * never change.  Training goes through FwTrainer like everything else. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fw-config.h"
#include "fw-dataset.h"

G_BEGIN_DECLS

/* ds's split column with the train rows left out of the subset marked
 * FW_SPLIT_N_KINDS (in no split).  (g_free) */
guint8 *fw_learning_curve_subset (const FwDataset *ds, double fraction, guint64 seed, int repeat);

typedef struct {
  int n_fractions, repeats;
  double *fractions;         /* (n_fractions) */
  int *train_n;              /* (n_fractions) rows trained on */
  double *accuracy;          /* (n_fractions, repeats) test accuracy of each run */
  double *test_accuracy;     /* (n_fractions) mean over repeats */
  double *test_accuracy_std; /* (n_fractions) sample standard deviation; 0 for one repeat */
} FwLearningCurve;

void fw_learning_curve_free (FwLearningCurve *lc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwLearningCurve, fw_learning_curve_free)

/* Fractions in (0, 1], increasing.  progress gets the done share after
 * every epoch of every run.  NULL with G_IO_ERROR_CANCELLED, a config or
 * fraction error, or the trainer's message when a run fails. */
FwLearningCurve *fw_learning_curve_run (const FwConfig *config, const FwDataset *ds,
                                        const double *fractions, int n_fractions, int repeats,
                                        FwProgressFunc progress, gpointer progress_data,
                                        GCancellable *cancellable, GError **error);

/* LC.json: {"fractions": [...], "train_n": [...], "test_accuracy": [...],
 * "test_accuracy_std": [...], "repeats": N, "seed": S} (json_node_unref) */
JsonNode *fw_learning_curve_to_json (const FwLearningCurve *lc, guint64 seed);

G_END_DECLS
