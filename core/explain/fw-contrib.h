/* fw-contrib.h — how much each modality drives a trained model's
 * predictions: ablation, permutation, exact two-player Shapley values,
 * integrated gradients, EMAP, and the learned late weights / GMU gate.
 * Every method batches its inputs through the model itself (fw-model.h);
 * writing the results out (JSON) and drawing them are the callers' jobs.
 *
 * Conventions, shared by every method:
 * - f is the probability the model gives the row's true class (its label
 *   in the model's class order), or a chosen target class in
 *   fw_contrib_explain.
 * - A removed modality is replaced by its train-set mean, taken over the
 *   train rows that have it: the mean image (C·S·S floats in [0,1]); for
 *   bow the mean bag of words; for embed the mean, over captions, of each
 *   caption's mean token embedding; for gru a "mean caption" whose length is
 *   the rounded mean caption length (cut at FW_MAX_TOKENS) and whose t-th
 *   embedding is the mean embedding of the t-th tokens of the captions that
 *   long.  The token statistics are kept, not the embeddings, so the mean
 *   follows the model's embedding table as it trains.
 * - Shapley (two players, exact): with f(i,t) the full input, ∅ a removed
 *   modality,
 *     φ_image = ½[(f(i,t) − f(∅,t)) + (f(i,∅) − f(∅,∅))]
 *     φ_text  = ½[(f(i,t) − f(i,∅)) + (f(∅,t) − f(∅,∅))]
 *     interaction I = f(i,t) − f(i,∅) − f(∅,t) + f(∅,∅)
 *   φ_image and φ_text are the Shapley values: each already holds half of
 *   I, and φ_image + φ_text = f(full) − f(empty) exactly.  The interaction
 *   is reported beside them, not on top: split it out and the main effects
 *   φ_image − I/2 = f(i,∅) − f(∅,∅) and φ_text − I/2 = f(∅,t) − f(∅,∅) sum
 *   with I to f(full) − f(empty) again.
 * - Integrated gradients: zero baseline for both modalities at once (a
 *   black image; zero counts for bow; zero token embeddings, same length,
 *   for embed/gru), 32 midpoint steps, of f.  Per pixel: x·mean gradient;
 *   per token: its embedding · the mean gradient w.r.t. it (embed: the mean
 *   embedding's gradient over the caption length; bow: the word's count
 *   attribution shared between its occurrences).  Completeness:
 *   image + text ≈ f(input) − f(zero input).
 *
 * Threads: an FwContrib borrows the model and runs kernels, so call it from
 * a thread that owns the model (the trainer's compute thread between epochs,
 * or a worker), never from the GUI thread.  The long methods take a
 * GCancellable and a progress callback (called from the same thread). */
#pragma once

#include <json-glib/json-glib.h>

#include "fw-dataset.h"
#include "fw-model.h"

G_BEGIN_DECLS

#define FW_CONTRIB_IG_STEPS 32   /* 4× for attention fusion: fw_contrib_ig_steps */
#define FW_CONTRIB_EMAP_MAX 500

typedef struct _FwContrib FwContrib;

/* Borrows everything (they must outlive it).  lexmap: lexicon → vocab ids
 * (fw_vocab_map_lexicon); labels: each row's class in the model's order
 * (NULL: ds->label); train_rows: the rows whose means stand for a removed
 * modality. */
FwContrib *fw_contrib_new (FwModel *model, const FwDataset *ds, const int *lexmap,
                           const int *labels, const int *train_rows, int n_train);
/* the integrated-gradients steps used for this model */
int fw_contrib_ig_steps (const FwContrib *contrib);
void fw_contrib_free (FwContrib *contrib);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwContrib, fw_contrib_free)

FwModel *fw_contrib_get_model (FwContrib *contrib);
/* Intermediate and late fusion encode each input once and recombine the
 * features (ablation, Shapley, permutation, EMAP); FALSE runs every
 * combination through the whole model instead (tests compare the two). */
void fw_contrib_set_use_features (FwContrib *contrib, gboolean use);
const float *fw_contrib_mean_image (FwContrib *contrib);   /* (C·S·S) in [0,1] */

/* ---- ablation and permutation: accuracy and mean loss of the full input,
 * and with each modality removed (ablation: its train mean) or shuffled
 * across the rows (permutation, the perceptual score of Gat et al. 2021:
 * a fixed derangement from the seed). ---- */
typedef struct {
  double full_accuracy, image_accuracy, text_accuracy;
  double full_loss, image_loss, text_loss;
} FwAblation;

typedef struct {
  int index;                 /* dataset row */
  double image, text;        /* φ_image, φ_text */
  double interaction;        /* I, see the top of this file */
  double full, empty;        /* f(i,t), f(∅,∅) */
} FwShapleySample;

typedef struct {
  double image, text, interaction;   /* means over the rows */
  double image_share, text_share;    /* Σ|φ_image| / (Σ|φ_image| + Σ|φ_text|), and the text's */
} FwShapleySummary;

/* Ablation and exact Shapley in one pass (they share the forwards: full,
 * image removed, text removed, per batch; empty once).  Any of ablation,
 * summary and samples (n entries, row order) may be NULL. */
gboolean fw_contrib_ablation_shapley (FwContrib *contrib, const int *rows, int n,
                                      FwAblation *ablation, FwShapleySummary *summary,
                                      FwShapleySample *samples, GCancellable *cancellable,
                                      FwProgressFunc progress, gpointer progress_data,
                                      GError **error);

/* The image/text Shapley shares on a (validation) subset: what a
 * "reliance over time" plot calls after every epoch.  About 3n forwards. */
gboolean fw_contrib_shapley_shares (FwContrib *contrib, const int *rows, int n,
                                    FwShapleySummary *summary, GCancellable *cancellable,
                                    GError **error);

/* For a per-class breakdown: the means of φ_image, φ_text and I over the
 * samples of each true class into by_class (K, 3), their count into
 * counts (K). */
void fw_contrib_shapley_by_class (FwContrib *contrib, const FwShapleySample *samples, int n,
                                  double *by_class, int *counts);

/* Confusion matrix of the rows: matrix (K, K), [true][predicted] counts. */
gboolean fw_contrib_confusion (FwContrib *contrib, const int *rows, int n, int *matrix,
                               GCancellable *cancellable, GError **error);

gboolean fw_contrib_permutation (FwContrib *contrib, const int *rows, int n, guint64 seed,
                                 FwAblation *out, GCancellable *cancellable, GError **error);

/* ---- integrated gradients ---- */
typedef struct {
  int index;                 /* dataset row; -1 for fw_contrib_explain */
  int target;                /* class explained */
  double image, text;        /* attribution summed per modality */
  double full, zero;         /* f(input), f(zero input) */
  float *pixels;             /* (C·S·S) per-pixel attribution, or NULL */
  int n_tokens;
  char **tokens;             /* (n_tokens) the caption's tokens, NULL-terminated */
  float *token_scores;       /* (n_tokens) */
} FwIgSample;

void fw_ig_sample_clear (FwIgSample *sample);

/* One FwIgSample per row into samples (n entries; clear each); per-pixel
 * maps only for the first keep_maps rows (tokens are always kept).  Means of
 * the per-modality sums into *image, *text when non-NULL. */
gboolean fw_contrib_ig (FwContrib *contrib, const int *rows, int n, int keep_maps,
                        FwIgSample *samples, double *image, double *text,
                        GCancellable *cancellable, FwProgressFunc progress,
                        gpointer progress_data, GError **error);

/* ---- EMAP (Hessel & Lee 2020) on the first min(n, FW_CONTRIB_EMAP_MAX)
 * rows: every image paired with every caption (n² forwards), the additive
 * projection f̂(i,t) = mean_t' f(i,t') + mean_i' f(i',t) − mean f of the
 * probability vector, and the accuracy of its argmax beside the model's
 * own on the same rows.  gap = model − additive. ---- */
typedef struct {
  int n;
  double model_accuracy, additive_accuracy, gap;
} FwEmap;

gboolean fw_contrib_emap (FwContrib *contrib, const int *rows, int n, FwEmap *out,
                          GCancellable *cancellable, FwProgressFunc progress,
                          gpointer progress_data, GError **error);

/* ---- learned mixing, where the model has it ---- */
/* late --late-combine weighted: softmax of late.weights (image, text) */
gboolean fw_contrib_late_weights (const FwModel *model, double *image, double *text);
/* intermediate --fusion-op gated: the mean gate z over rows and units; the
 * fused feature is z·image + (1 − z)·text, so *image = mean z. */
gboolean fw_contrib_mean_gate (FwContrib *contrib, const int *rows, int n, double *image,
                               double *text);

/* ---- one sample, for an inspector: an image (C·S·S bytes) and a caption
 * string tokenized like the data (fw_tokenize, vocab).  Two ways to take a
 * modality away: NULL makes it missing, blank exactly as a data row without
 * it (what `predict` gives for such a row); hide_image / hide_text replace
 * it by the train mean, as ablation and Shapley do.  Fills probs (K) and
 * returns the predicted class; with ig non-NULL also explains target (-1:
 * the predicted class) into it (clear it after).  Cheap without ig (one
 * forward); about 34 rows forward and backward with.  Runs kernels: call
 * it from a worker that owns the model, not from the GUI thread. ---- */
int fw_contrib_explain (FwContrib *contrib, const FwVocab *vocab, const guint8 *pixels,
                        const char *caption, gboolean hide_image, gboolean hide_text,
                        int target, float *probs, FwIgSample *ig);

/* ---- the report of `contrib --out` ---- */
typedef enum {
  FW_CONTRIB_METHOD_ABLATION,
  FW_CONTRIB_METHOD_PERMUTATION,
  FW_CONTRIB_METHOD_SHAPLEY,
  FW_CONTRIB_METHOD_IG,
  FW_CONTRIB_METHOD_EMAP,
  FW_CONTRIB_N_METHODS
} FwContribReportMethod;

/* The JSON text of DESIGN.md's contributions file for rows (named split
 * in it); methods[FW_CONTRIB_N_METHODS] picks them (NULL: all).  progress
 * (may be NULL) is called during the long methods with the method's name
 * as its user_data; summary (may be NULL) gets one line for people per
 * method.  Runs the methods: call it from a worker.  (g_free) */
char *fw_contrib_report_json (FwContrib *contrib, const int *rows, int n, const char *split,
                              const gboolean *methods, FwProgressFunc progress, GString *summary,
                              GError **error);

/* The report's sections, each added as a member of the JsonBuilder's open
 * object; the report above and the GUI's export are built from them.
 * Non-finite figures become null.  shares adds image_share/text_share to
 * "shapley"; pixels > 0 keeps that many per-pixel scores per IG sample;
 * count adds the number of IG samples as "n". */
void fw_contrib_json_number (JsonBuilder *b, double v);
void fw_contrib_json_ablation (JsonBuilder *b, const char *member, const char *removed,
                               const FwAblation *a);
void fw_contrib_json_shapley (JsonBuilder *b, const FwShapleySummary *summary, gboolean shares,
                              const FwShapleySample *samples, int n);
void fw_contrib_json_ig (JsonBuilder *b, double image, double text, const FwIgSample *samples,
                         int n, int pixels, gboolean count);
void fw_contrib_json_emap (JsonBuilder *b, const FwEmap *emap);
void fw_contrib_json_pair (JsonBuilder *b, const char *member, double image, double text);
/* the finished builder as indented JSON text (g_free) */
char *fw_contrib_json_text (JsonBuilder *b);

G_END_DECLS
