/* fw-contrib-result.h — the numbers the Contributions view shows for one
 * run: every method's global figures, the per-class Shapley breakdown, the
 * confusion matrix, the learned mixing weights, and (through the run's
 * epochs) reliance over time.  Numbers only: computing them is the panel's
 * worker's business (core/explain/fw-contrib.h), drawing them FwContribChart's. */
#pragma once

#include <gtk/gtk.h>

#include "fw-contrib.h"
#include "fw-run.h"

G_BEGIN_DECLS

typedef enum {
  FW_METHOD_SHAPLEY,
  FW_METHOD_ABLATION,
  FW_METHOD_PERMUTATION,
  FW_METHOD_IG,
  FW_METHOD_EMAP,
  FW_METHOD_N_KINDS
} FwContribMethod;

#define FW_CONTRIB_SAMPLES_KEPT 100   /* per-sample lists, as the contrib command */

/* One computation, filled on the worker thread and handed over whole. */
typedef struct {
  char *split;               /* "test", or "val" / "all" when there is no test split */
  int n;                     /* rows explained */
  FwAblation ablation;
  FwAblation permutation;
  FwShapleySummary shapley;
  int ig_n;                  /* rows integrated gradients ran on (the first ig_n) */
  int ig_steps;              /* its path steps (more for attention fusion) */
  double ig_image, ig_text;
  FwEmap emap;
  gboolean has_late;
  double late_image, late_text;
  gboolean has_gate;
  double gate_image, gate_text;
  int n_classes;
  char **classes;            /* (n_classes) */
  double *class_shapley;     /* (n_classes, 3) mean φ_image, φ_text, I by true class */
  int *class_n;              /* (n_classes) */
  int *confusion;            /* (n_classes, n_classes) true × predicted */
  int n_samples;
  FwShapleySample *samples;  /* (n_samples) the first rows */
  FwIgSample *ig_samples;    /* (ig_n) tokens and sums, no pixel maps */
} FwContribNumbers;

void fw_contrib_numbers_free (FwContribNumbers *numbers);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwContribNumbers, fw_contrib_numbers_free)

#define FW_TYPE_CONTRIB_RESULT (fw_contrib_result_get_type ())
G_DECLARE_FINAL_TYPE (FwContribResult, fw_contrib_result, FW, CONTRIB_RESULT, GObject)

FwContribResult *fw_contrib_result_new (void);
/* The run whose numbers and epochs are shown (NULL: none); clears the numbers
 * when it changes.  Emits "changed" on the run's "changed" too (a new epoch). */
void fw_contrib_result_set_run (FwContribResult *self, FwRun *run);
FwRun *fw_contrib_result_get_run (FwContribResult *self);
/* Takes numbers (NULL clears them). */
void fw_contrib_result_set_numbers (FwContribResult *self, FwContribNumbers *numbers);
const FwContribNumbers *fw_contrib_result_get_numbers (FwContribResult *self);
/* Reliance over time: the epochs of the run that measured it. */
guint fw_contrib_result_get_n_reliance (FwContribResult *self);
/* Whether an epoch measured reliance: its shares are finite and sum to one
 * (a run read back without them holds NAN or zeros). */
gboolean fw_epoch_has_reliance (const FwEpochPoint *point);

/* The numbers as JSON, with the contrib command's keys where they overlap
 * (split, n, ablation, permutation, shapley, ig, emap) plus run, classes,
 * per_class, confusion, late_weights, gate and reliance. */
char *fw_contrib_result_to_json (FwContribResult *self);
gboolean fw_contrib_result_write_json (FwContribResult *self, const char *path, GError **error);

G_END_DECLS
