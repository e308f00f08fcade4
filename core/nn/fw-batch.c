/* fw-batch.c — turns dataset rows into a model's input buffers: pixels
 * scaled to [0,1], captions as bag-of-words counts or padded token ids,
 * missing modalities and modality dropout as blanks.  Loading the rows is
 * fw-dataset.c's job; what the model does with them is fw-model.c's. */
#include "fw-model-private.h"

#include <math.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fw-rng.h"

void
fw_model_blank_image (FwModel *m, int b)
{
  memset (m->in_image + (gsize) b * m->P, 0, sizeof (float) * m->P);
}

void
fw_model_blank_text (FwModel *m, int b)
{
  if (m->uses_tokens)
    {
      memset (m->in_tokens + (gsize) b * FW_MAX_TOKENS, 0, sizeof (int) * FW_MAX_TOKENS);
      m->in_lens[b] = 0;
    }
  else
    memset (m->in_counts + (gsize) b * m->T, 0, sizeof (float) * m->T);
}

gboolean
fw_model_image_is_features (const FwModel *m)
{
  return m->shape.image_features > 0;
}

gboolean
fw_model_text_is_features (const FwModel *m)
{
  return m->shape.text_features > 0;
}

int fw_model_text_width (const FwModel *m) { return m->T; }

gboolean
fw_model_check_dataset (const FwModel *m, const FwDataset *ds, GError **error)
{
  static const char *const flag[2] = { "--image-features", "--text-features" };
  const int want[2] = { m->shape.image_features, m->shape.text_features };
  for (int k = 0; k < 2; k++)
    {
      if (want[k] == 0)
        continue;
      if (ds->features_dim[k] == 0)
        {
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                       k == 0 ? _("the model reads precomputed image vectors %d wide: give them "
                                  "with %s FILE")
                              : _("the model reads precomputed text vectors %d wide: give them "
                                  "with %s FILE"), want[k], flag[k]);
          return FALSE;
        }
      if (ds->features_dim[k] != want[k])
        {
          g_autofree char *shown = g_filename_display_name (ds->features_file[k]);
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                       _("%s: its vectors are %d wide but the model reads %d"), shown,
                       ds->features_dim[k], want[k]);
          return FALSE;
        }
    }
  if (!want[0] && ds->channels * ds->size * ds->size != m->P)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                   _("the data's images are %d×%d×%d but the model reads %d values"),
                   ds->channels, ds->size, ds->size, m->P);
      return FALSE;
    }
  return TRUE;
}

/* copies dataset row r's vector of one modality into an input row */
static void
set_vector (float *x, const FwDataset *ds, int modality, int r)
{
  int D = ds->features_dim[modality];
  memcpy (x, ds->features[modality] + (gsize) r * D, sizeof (float) * D);
}

static void
set_image (FwModel *m, int b, const guint8 *pixels)
{
  static float scale[256];
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      for (int i = 0; i < 256; i++)
        scale[i] = (float) i / 255.0f;
      g_once_init_leave (&init, 1);
    }
  float *x = m->in_image + (gsize) b * m->P;
  for (int i = 0; i < m->P; i++)
    x[i] = scale[pixels[i]];
}

static void
set_text (FwModel *m, int b, const int *words, int n_words, const int *lexmap)
{
  fw_model_blank_text (m, b);
  if (m->uses_tokens)
    {
      int n = MIN (n_words, FW_MAX_TOKENS);
      int *t = m->in_tokens + (gsize) b * FW_MAX_TOKENS;
      for (int i = 0; i < n; i++)
        t[i] = lexmap[words[i]];
      m->in_lens[b] = n;
    }
  else
    {
      float *c = m->in_counts + (gsize) b * m->T;
      for (int i = 0; i < n_words; i++)
        c[lexmap[words[i]]] += 1.0f;
    }
}

void
fw_model_set_text_ids (FwModel *m, int b, const int *ids, int n)
{
  g_return_if_fail (b >= 0 && b < m->max_batch && n >= 0);
  g_return_if_fail (!fw_model_text_is_features (m));   /* no words to replace */
  fw_model_blank_text (m, b);
  if (m->uses_tokens)
    {
      int k = MIN (n, FW_MAX_TOKENS);
      memcpy (m->in_tokens + (gsize) b * FW_MAX_TOKENS, ids, sizeof (int) * k);
      m->in_lens[b] = k;
    }
  else
    {
      float *c = m->in_counts + (gsize) b * m->T;
      for (int i = 0; i < n; i++)
        c[ids[i]] += 1.0f;
    }
}

/* the row's pixels, or its image vector for a features model */
static void
set_image_row (FwModel *m, int b, const FwDataset *ds, int r)
{
  if (fw_model_image_is_features (m))
    set_vector (m->in_image + (gsize) b * m->P, ds, 0, r);
  else
    set_image (m, b, ds->pixels + (gsize) r * m->P);
}

static void
set_text_row (FwModel *m, int b, const FwDataset *ds, const int *lexmap, int r)
{
  if (fw_model_text_is_features (m))
    set_vector (m->in_counts + (gsize) b * m->T, ds, 1, r);
  else
    set_text (m, b, ds->words + ds->word_start[r], ds->word_start[r + 1] - ds->word_start[r],
              lexmap);
}

void
fw_model_set_text_row (FwModel *m, int b, const FwDataset *ds, const int *lexmap, int r)
{
  g_return_if_fail (b >= 0 && b < m->max_batch && r >= 0 && r < ds->n);
  if (ds->has_text[r])
    set_text_row (m, b, ds, lexmap, r);
  else
    fw_model_blank_text (m, b);
}

gboolean
fw_model_reads_image (const FwModel *m)
{
  return m->config.fusion != FW_FUSION_TEXT;
}

gboolean
fw_model_reads_text (const FwModel *m)
{
  return m->config.fusion != FW_FUSION_IMAGE;
}

/* With every_modality FALSE, a modality the model never reads is left as it
 * was: gathering a text-only model's images was ~16% of its training step.
 * The dropout draws are made either way, so the rng stays in step. */
static void
set_rows (FwModel *m, const FwDataset *ds, const int *lexmap, const int *labels,
          const int *rows, int B, guint64 *rng, double modality_dropout,
          gboolean every_modality)
{
  g_return_if_fail (B > 0 && B <= m->max_batch);
  g_return_if_fail (fw_model_check_dataset (m, ds, NULL));
  if (!labels)
    labels = ds->label;
  gboolean want_image = every_modality || fw_model_reads_image (m);
  gboolean want_text = every_modality || fw_model_reads_text (m);
  for (int b = 0; b < B; b++)
    {
      int r = rows[b];
      gboolean image = ds->has_image[r], text = ds->has_text[r];
      if (rng && modality_dropout > 0 && fw_rng_uniform (rng) < modality_dropout)
        {
          if (fw_rng_below (rng, 2) == 0)
            image = FALSE;
          else
            text = FALSE;
        }
      if (want_image && image)
        set_image_row (m, b, ds, r);
      else if (want_image)
        fw_model_blank_image (m, b);
      if (want_text && text)
        set_text_row (m, b, ds, lexmap, r);
      else if (want_text)
        fw_model_blank_text (m, b);
      m->in_labels[b] = labels[r];
    }
}

void
fw_model_set_rows (FwModel *m, const FwDataset *ds, const int *lexmap, const int *labels,
                   const int *rows, int B, guint64 *rng, double modality_dropout)
{
  set_rows (m, ds, lexmap, labels, rows, B, rng, modality_dropout, TRUE);
}

void
fw_model_set_read_rows (FwModel *m, const FwDataset *ds, const int *lexmap, const int *labels,
                        const int *rows, int B, guint64 *rng, double modality_dropout)
{
  set_rows (m, ds, lexmap, labels, rows, B, rng, modality_dropout, FALSE);
}

void
fw_model_set_pair (FwModel *m, int b, const FwDataset *ds, const int *lexmap, int image_row,
                   int text_row, int label)
{
  if (ds->has_image[image_row])
    set_image_row (m, b, ds, image_row);
  else
    fw_model_blank_image (m, b);
  fw_model_set_text_row (m, b, ds, lexmap, text_row);
  m->in_labels[b] = label;
}

void
fw_model_evaluate (FwModel *m, const FwDataset *ds, const int *lexmap, const int *labels,
                   const int *rows, int n, double *loss, double *accuracy)
{
  double total = 0;
  int correct = 0, K = m->shape.classes;
  for (int start = 0; start < n; start += m->max_batch)
    {
      int B = MIN (m->max_batch, n - start);
      fw_model_set_read_rows (m, ds, lexmap, labels, rows + start, B, NULL, 0);
      total += fw_model_forward (m, B) * B;
      for (int b = 0; b < B; b++)
        correct += fw_argmax (m->probs + (gsize) b * K, K) == m->in_labels[b];
    }
  if (loss)
    *loss = n > 0 ? total / n : NAN;
  if (accuracy)
    *accuracy = n > 0 ? (double) correct / n : NAN;
}

int
fw_argmax (const float *v, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}
