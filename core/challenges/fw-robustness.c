/* fw-robustness.c — perturbed evaluation: the model's inputs are filled
 * from the dataset exactly as fw_model_evaluate fills them, then changed in
 * place per row before the forward pass.  The conventions (which rows,
 * which pixels, which words) are in fw-robustness.h; the JSON report is
 * fw-robustness-json.c's. */
#include "fw-robustness.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-config.h"
#include "fw-rng.h"

static const char *const perturbation_names[FW_PERTURB_N_KINDS] = {
  "missing_image", "missing_text", "image_noise", "text_noise", "misaligned",
};
G_STATIC_ASSERT (G_N_ELEMENTS (perturbation_names) == FW_PERTURB_N_KINDS);

static const double default_p[] = { 0, 0.1, 0.25, 0.5, 0.75, 1 };
static const double default_sigma[] = { 0, 0.05, 0.1, 0.2, 0.4, 0.8 };

const char *
fw_perturbation_name (FwPerturbation kind)
{
  g_return_val_if_fail (kind < FW_PERTURB_N_KINDS, NULL);
  return perturbation_names[kind];
}

gboolean
fw_perturbation_parse (const char *name, FwPerturbation *out)
{
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    if (g_strcmp0 (name, perturbation_names[k]) == 0)
      {
        *out = (FwPerturbation) k;
        return TRUE;
      }
  return FALSE;
}

gboolean
fw_perturbation_is_sigma (FwPerturbation kind)
{
  return kind == FW_PERTURB_IMAGE_NOISE;
}

const double *
fw_perturbation_default_levels (FwPerturbation kind, int *n)
{
  *n = G_N_ELEMENTS (default_p);
  return fw_perturbation_is_sigma (kind) ? default_sigma : default_p;
}

gboolean
fw_perturbation_check_levels (FwPerturbation kind, const double *levels, int n, GError **error)
{
  if (n < 1)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("%s needs at least one level"), fw_perturbation_name (kind));
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      double l = levels[i];
      gboolean sigma = fw_perturbation_is_sigma (kind);
      if (!isfinite (l) || l < 0 || (!sigma && l > 1))
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_ascii_formatd (buf, sizeof buf, "%g", l);
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       sigma ? _("level %s of %s is not a noise σ ≥ 0")
                             : _("level %s of %s is not a fraction in [0, 1]"),
                       buf, fw_perturbation_name (kind));
          return FALSE;
        }
      if (i > 0 && l <= levels[i - 1])
        {
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       _("the levels of %s must increase"), fw_perturbation_name (kind));
          return FALSE;
        }
    }
  return TRUE;
}

void
fw_robustness_curve_free (FwRobustnessCurve *c)
{
  if (!c)
    return;
  g_free (c->levels);
  g_free (c->accuracy);
  g_free (c->loss);
  g_free (c);
}

double
fw_robustness_auc (const double *x, const double *y, int n)
{
  if (n < 1)
    return NAN;
  if (n == 1 || x[n - 1] <= x[0])
    return y[0];
  double area = 0;
  for (int i = 0; i + 1 < n; i++)
    area += 0.5 * (y[i] + y[i + 1]) * (x[i + 1] - x[i]);
  return area / (x[n - 1] - x[0]);
}

/* One random stream per (seed, perturbation, row): the same row gets the
 * same pixels and words whatever the batch it falls in. */
static guint64
stream (guint64 seed, FwPerturbation kind, guint64 row)
{
  guint64 s = seed ^ (G_GUINT64_CONSTANT (0xD1B54A32D192ED03) * (kind + 1));
  s ^= G_GUINT64_CONSTANT (0x8CB92BA72F3D8DD7) * (row + 1);
  fw_rng_next (&s);
  return s;
}

typedef struct {
  FwModel *model;
  const FwDataset *ds;
  const int *lexmap;
  const int *rows;
  int n;
  FwPerturbation kind;
  guint64 seed;
  int *order;                /* (n) positions into rows, in the order rows get perturbed */
  int *rank;                 /* (n) rank[pos]: where pos falls in order */
  int *ids;                  /* (longest caption) scratch */
  int *positions;            /* (longest caption) scratch */
  float *z;                  /* (P) scratch: the noise of one image */
} Sweep;

static int
share (double p, int n)
{
  return (int) MIN (floor (p * n + 0.5), (double) n);
}

static int
caption_ids (const Sweep *s, int r, int *ids)
{
  const FwDataset *ds = s->ds;
  int m = ds->word_start[r + 1] - ds->word_start[r];
  for (int i = 0; i < m; i++)
    ids[i] = s->lexmap[ds->words[ds->word_start[r] + i]];
  return m;
}

static void
add_noise (Sweep *s, int b, int r, double sigma)
{
  if (sigma <= 0 || !s->ds->has_image[r])
    return;
  /* pixels, or the image vector of a features model (not clamped: an
   * embedding has no range) */
  gboolean vector = fw_model_image_is_features (s->model);
  int P = vector ? s->ds->features_dim[0] : s->ds->channels * s->ds->size * s->ds->size;
  guint64 rng = stream (s->seed, s->kind, r);
  for (int i = 0; i < P; i++)
    s->z[i] = fw_rng_normal (&rng);
  float *x = fw_model_input_image (s->model) + (gsize) b * P;
  for (int i = 0; i < P; i++)
    x[i] = vector ? x[i] + (float) sigma * s->z[i]
                  : CLAMP (x[i] + (float) sigma * s->z[i], 0.0f, 1.0f);
}

static void
replace_words (Sweep *s, int b, int r, double p)
{
  int V = fw_model_get_shape (s->model)->vocab;
  /* a text vector has no words to replace: its curve stays flat */
  if (p <= 0 || !s->ds->has_text[r] || V <= 2 || fw_model_text_is_features (s->model))
    return;
  int m = caption_ids (s, r, s->ids);
  int k = share (p, m);
  if (k == 0)
    return;
  /* positions first, then one replacement per position: both independent
   * of p, so a word replaced at p stays replaced (by the same word) above */
  guint64 rng = stream (s->seed, s->kind, r);
  for (int i = 0; i < m; i++)
    s->positions[i] = i;
  fw_rng_shuffle (&rng, s->positions, m);
  for (int i = 0; i < m; i++)
    {
      int word = FW_VOCAB_UNK + 1 + (int) fw_rng_below (&rng, (guint32) (V - FW_VOCAB_UNK - 1));
      if (i < k)
        s->ids[s->positions[i]] = word;
    }
  fw_model_set_text_ids (s->model, b, s->ids, m);
}

/* Row at position pos takes the caption of the next chosen row, in order */
static void
swap_caption (Sweep *s, int b, int pos, int chosen)
{
  int next = s->rows[s->order[(s->rank[pos] + 1) % chosen]];
  fw_model_set_text_row (s->model, b, s->ds, s->lexmap, next);
}

static void
perturb_row (Sweep *s, int b, int pos, double level, int chosen)
{
  int r = s->rows[pos];
  switch (s->kind)
    {
    case FW_PERTURB_MISSING_IMAGE:
      if (s->rank[pos] < chosen)
        fw_model_blank_image (s->model, b);
      break;
    case FW_PERTURB_MISSING_TEXT:
      if (s->rank[pos] < chosen)
        fw_model_blank_text (s->model, b);
      break;
    case FW_PERTURB_IMAGE_NOISE:
      add_noise (s, b, r, level);
      break;
    case FW_PERTURB_TEXT_NOISE:
      replace_words (s, b, r, level);
      break;
    case FW_PERTURB_MISALIGNED:
      /* one chosen row cannot be deranged: it keeps its caption */
      if (s->rank[pos] < chosen && chosen >= 2)
        swap_caption (s, b, pos, chosen);
      break;
    default:
      g_assert_not_reached ();
    }
}

FwRobustnessCurve *
fw_robustness_curve (FwModel *model, const FwDataset *ds, const int *lexmap, const int *labels,
                     const int *rows, int n, FwPerturbation kind, const double *levels,
                     int n_levels, guint64 seed, FwProgressFunc progress, gpointer progress_data,
                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (model && ds && lexmap && rows && n > 0, NULL);
  g_return_val_if_fail (kind < FW_PERTURB_N_KINDS, NULL);
  if (!fw_perturbation_check_levels (kind, levels, n_levels, error))
    return NULL;

  Sweep s = { model, ds, lexmap, rows, n, kind, seed };
  s.order = g_new (int, n);
  s.rank = g_new (int, n);
  int longest = 1;
  for (int i = 0; i < n; i++)
    longest = MAX (longest, ds->word_start[rows[i] + 1] - ds->word_start[rows[i]]);
  s.ids = g_new (int, longest);
  s.positions = g_new (int, longest);
  s.z = g_new (float, MAX ((gsize) ds->channels * ds->size * ds->size, (gsize) ds->features_dim[0]) + 1);
  guint64 rng = stream (seed, kind, G_MAXUINT64 - 1);
  for (int i = 0; i < n; i++)
    s.order[i] = i;
  fw_rng_shuffle (&rng, s.order, n);
  for (int i = 0; i < n; i++)
    s.rank[s.order[i]] = i;

  g_autoptr (FwRobustnessCurve) c = g_new0 (FwRobustnessCurve, 1);
  c->kind = kind;
  c->n_levels = n_levels;
  c->levels = g_memdup2 (levels, sizeof (double) * n_levels);
  c->accuracy = g_new (double, n_levels);
  c->loss = g_new (double, n_levels);
  c->effective_robustness = NAN;

  /* the batches of fw_model_evaluate, so that level 0 is eval's figure */
  int max_batch = fw_model_max_batch (model), K = fw_model_get_shape (model)->classes;
  int n_batches = (n + max_batch - 1) / max_batch;
  gboolean cancelled = FALSE;
  for (int li = 0; li < n_levels && !cancelled; li++)
    {
      double level = levels[li], total = 0;
      int chosen = share (level, n), correct = 0;
      for (int start = 0, batch = 0; start < n; start += max_batch, batch++)
        {
          if (g_cancellable_is_cancelled (cancellable))
            {
              cancelled = TRUE;
              break;
            }
          int B = MIN (max_batch, n - start);
          fw_model_set_rows (model, ds, lexmap, labels, rows + start, B, NULL, 0);
          if (level > 0)
            for (int b = 0; b < B; b++)
              perturb_row (&s, b, start + b, level, chosen);
          total += fw_model_forward (model, B) * B;
          const float *probs = fw_model_probs (model);
          const int *y = fw_model_input_labels (model);
          for (int b = 0; b < B; b++)
            correct += fw_argmax (probs + (gsize) b * K, K) == y[b];
          if (progress)
            progress ((li + (batch + 1.0) / n_batches) / n_levels, progress_data);
        }
      c->accuracy[li] = (double) correct / n;
      c->loss[li] = total / n;
    }
  g_free (s.order);
  g_free (s.rank);
  g_free (s.ids);
  g_free (s.positions);
  g_free (s.z);
  if (cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  if (levels[0] == 0)
    c->clean_accuracy = c->accuracy[0];
  else
    fw_model_evaluate (model, ds, lexmap, labels, rows, n, NULL, &c->clean_accuracy);
  c->auc = fw_robustness_auc (c->levels, c->accuracy, n_levels);
  c->relative_robustness = c->clean_accuracy > 0 ? c->auc / c->clean_accuracy : NAN;
  return g_steal_pointer (&c);
}

gboolean
fw_robustness_curve_compare (FwRobustnessCurve *curve, const FwRobustnessCurve *baseline)
{
  g_return_val_if_fail (curve && baseline, FALSE);
  if (curve->kind != baseline->kind || curve->n_levels != baseline->n_levels)
    return FALSE;
  int n = curve->n_levels;
  g_autofree double *gain = g_new (double, n);
  for (int i = 0; i < n; i++)
    {
      if (curve->levels[i] != baseline->levels[i])
        return FALSE;
      /* the model's accuracy above the baseline's curve moved to the
       * model's clean accuracy (MultiBench's β) */
      gain[i] = (curve->accuracy[i] - curve->clean_accuracy)
                - (baseline->accuracy[i] - baseline->clean_accuracy);
    }
  curve->effective_robustness = fw_robustness_auc (curve->levels, gain, n);
  return TRUE;
}

FwRobustnessCurve *
fw_robustness_curve_on_split (FwModel *model, const FwVocab *vocab, const FwDataset *ds,
                              FwSplit split, FwPerturbation kind, const double *levels,
                              int n_levels, guint64 seed, GError **error)
{
  g_return_val_if_fail (model && vocab && ds, NULL);
  if (!levels)
    levels = fw_perturbation_default_levels (kind, &n_levels);
  g_autofree int *rows = g_new (int, MAX (ds->n, 1));
  int n = fw_dataset_split_rows (ds, split, rows);
  if (n == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY, _("%s has no %s rows"), ds->name,
                   fw_split_name (split));
      return NULL;
    }
  g_autofree int *lexmap = fw_vocab_map_lexicon (vocab, ds);
  return fw_robustness_curve (model, ds, lexmap, NULL, rows, n, kind, levels, n_levels, seed,
                              NULL, NULL, NULL, error);
}
