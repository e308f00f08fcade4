/* fw-robustness.h — how a trained model's accuracy falls as its inputs get
 * worse: a modality missing on a growing share of rows, noise on the pixels
 * or the words, captions swapped between rows.  One curve is accuracy and
 * loss per perturbation level; the JSON report is fw-robustness-json.c's
 * and drawing it the window's.
 *
 * Perturbations, all deterministic from the seed (the same rows, pixels and
 * words at every thread count and batch size), nested across levels (what
 * is perturbed at a level is perturbed at every higher one):
 * - missing_image, missing_text (level p ∈ [0,1]): the first round(p·n) rows
 *   of a random order of the n rows lose that modality, exactly as predict
 *   reads an empty cell (fw_model_blank_image / fw_model_blank_text).
 * - image_noise (level σ ≥ 0): every pixel in [0,1] gets σ·z added, z a
 *   standard normal drawn per row and pixel (the same z at every σ), then
 *   is clamped to [0,1].  A missing image stays missing.
 * - text_noise (p ∈ [0,1]): round(p·m) of each m-token caption's tokens,
 *   at random positions, become a random vocabulary word (never pad or
 *   unknown).
 * - misaligned (p ∈ [0,1]): the first round(p·n) rows of a random order
 *   take their captions in a cycle (row i gets row i+1's caption, the last
 *   the first's): a random derangement among them, the data-alignment
 *   challenge.  Labels and images stay.
 *
 * Figures per curve, with acc(l) the accuracy at level l over the levels
 * l_0 < … < l_k and acc_clean the unperturbed accuracy:
 * - auc: the area under acc(l) by the trapezoid rule, divided by the span
 *   l_k − l_0, so that it is the mean accuracy over the levels' range (the
 *   plain area for p from 0 to 1); acc(l_0) with one level.
 * - relative_robustness = auc / acc_clean.  MultiBench (Liang et al. 2021,
 *   eval_scripts/robustness.py) takes the area under the curve as relative
 *   robustness and then min-max normalises it across the methods compared;
 *   dividing by the clean accuracy instead makes one model's figure
 *   meaningful on its own: 1 means no loss at all.
 * - effective_robustness against a baseline curve b on the same levels:
 *   MultiBench shifts the baseline to the model's clean accuracy,
 *   β(l) = b(l) + acc_clean − b_clean, and sums acc(l) − β(l) over the
 *   levels; we take the same difference's auc (mean over the range), so it
 *   does not grow with the number of levels.  Above 0: the model loses less
 *   accuracy than the baseline (MultiBench's baseline is late fusion).
 *
 * Threads: a curve runs the model's kernels, so call it from a thread that
 * owns the model (a worker, never the GUI thread). */
#pragma once

#include <gio/gio.h>

#include "fw-dataset.h"
#include "fw-model.h"

G_BEGIN_DECLS

typedef enum {
  FW_PERTURB_MISSING_IMAGE,
  FW_PERTURB_MISSING_TEXT,
  FW_PERTURB_IMAGE_NOISE,
  FW_PERTURB_TEXT_NOISE,
  FW_PERTURB_MISALIGNED,
  FW_PERTURB_N_KINDS
} FwPerturbation;

const char *fw_perturbation_name (FwPerturbation kind);        /* "missing_image" … */
gboolean fw_perturbation_parse (const char *name, FwPerturbation *out);
/* TRUE for image_noise, whose levels are a σ ≥ 0 rather than a p ∈ [0,1] */
gboolean fw_perturbation_is_sigma (FwPerturbation kind);
/* p ∈ {0, 0.1, 0.25, 0.5, 0.75, 1}; σ ∈ {0, 0.05, 0.1, 0.2, 0.4, 0.8} */
const double *fw_perturbation_default_levels (FwPerturbation kind, int *n);
/* Levels must be finite, strictly increasing, in [0,1] for p and ≥ 0 for σ;
 * FW_CONFIG_ERROR_INVALID naming the level otherwise. */
gboolean fw_perturbation_check_levels (FwPerturbation kind, const double *levels, int n,
                                       GError **error);

typedef struct {
  FwPerturbation kind;
  int n_levels;
  double *levels;            /* (n_levels) */
  double *accuracy;          /* (n_levels) */
  double *loss;              /* (n_levels) mean cross-entropy */
  double clean_accuracy;     /* without perturbation (= accuracy[0] when levels[0] is 0) */
  double auc;
  double relative_robustness;
  double effective_robustness; /* NAN until fw_robustness_curve_compare */
} FwRobustnessCurve;

void fw_robustness_curve_free (FwRobustnessCurve *curve);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwRobustnessCurve, fw_robustness_curve_free)

/* The curve of model on rows[0..n) of ds under one perturbation.  lexmap:
 * lexicon → the model's vocabulary ids (fw_vocab_map_lexicon); labels:
 * every row's class in the model's order (NULL: ds->label).  progress gets
 * this curve's done fraction after every batch (from this thread).  NULL
 * with G_IO_ERROR_CANCELLED when cancelled, or an error for bad levels. */
FwRobustnessCurve *fw_robustness_curve (FwModel *model, const FwDataset *ds, const int *lexmap,
                                        const int *labels, const int *rows, int n,
                                        FwPerturbation kind, const double *levels, int n_levels,
                                        guint64 seed, FwProgressFunc progress,
                                        gpointer progress_data, GCancellable *cancellable,
                                        GError **error);

/* The simple form, for a model trained on ds (the trainer's model and
 * vocabulary, ds's class order): every row of split, levels NULL for the
 * kind's defaults.  No progress, no cancel. */
FwRobustnessCurve *fw_robustness_curve_on_split (FwModel *model, const FwVocab *vocab,
                                                 const FwDataset *ds, FwSplit split,
                                                 FwPerturbation kind, const double *levels,
                                                 int n_levels, guint64 seed, GError **error);

/* Sets curve->effective_robustness against a baseline model's curve under
 * the same perturbation and levels.  FALSE (and nothing set) when they
 * differ in kind or levels. */
gboolean fw_robustness_curve_compare (FwRobustnessCurve *curve, const FwRobustnessCurve *baseline);

/* The trapezoid area of y over the increasing x, divided by x's span. */
double fw_robustness_auc (const double *x, const double *y, int n);

G_END_DECLS
