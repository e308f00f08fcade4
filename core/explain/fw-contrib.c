/* fw-contrib.c — per-modality contributions of a trained model: ablation,
 * permutation, exact two-player Shapley, integrated gradients, EMAP, and
 * the learned late weights / GMU gate.  Everything runs through the model's
 * own forward and backward in batches; the conventions are at the top of
 * fw-contrib.h.  Writing JSON and drawing are the app's and the GUI's.
 *
 * Shape key: B batch, P pixels, V vocabulary, E embedding width, L tokens,
 * K classes, S integrated-gradient steps. */
#include "fw-contrib.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-model-private.h"
#include "fw-rng.h"

struct _FwContrib {
  FwModel *model;            /* borrowed */
  const FwDataset *ds;       /* borrowed */
  const int *lexmap;         /* borrowed */
  const int *labels;         /* borrowed */
  int P, V, K, E, L;
  gboolean embeds;           /* text goes through an embedding the model reads */
  gboolean gru;
  gboolean use_features;     /* encode each input once where the model allows */
  float *mean_image;         /* (P) */
  float *mean_counts;        /* (V) bow: mean counts; tokens: mean share of each word */
  float *seq;                /* (L, V) gru: share of each word at position t */
  int seq_len;               /* gru: tokens of the mean caption */
  float *mean_embedded;      /* (L, E): embed row 0 only; from the current table */
  float *empty_probs;        /* (K) f(∅,∅) for every class */
  float *dprobs;             /* (max_batch, K) */
};

FwContrib *
fw_contrib_new (FwModel *m, const FwDataset *ds, const int *lexmap, const int *labels,
                const int *train_rows, int n_train)
{
  g_return_val_if_fail (m && ds && lexmap && (train_rows || n_train == 0), NULL);
  g_return_val_if_fail (fw_model_check_dataset (m, ds, NULL), NULL);
  FwContrib *c = g_new0 (FwContrib, 1);
  c->model = m;
  c->ds = ds;
  c->lexmap = lexmap;
  c->labels = labels ? labels : ds->label;
  c->P = m->P;
  c->V = m->T;   /* the vocabulary, or the text vectors' width */
  c->K = m->shape.classes;
  c->E = FW_EMBED_DIM;
  c->L = FW_MAX_TOKENS;
  c->embeds = fw_model_input_embedded (m) != NULL;
  c->gru = fw_model_embeds_per_token (m);   /* every token embedded: gru, transformer, attention */
  c->use_features = TRUE;
  c->mean_image = g_new0 (float, c->P);
  c->mean_counts = g_new0 (float, c->V);
  c->seq = g_new0 (float, (gsize) c->L * c->V);
  c->mean_embedded = g_new0 (float, (gsize) c->L * c->E);
  c->empty_probs = g_new0 (float, c->K);
  c->dprobs = g_new0 (float, (gsize) m->max_batch * c->K);

  /* train means, in double: 10⁴ rows of bytes lose nothing */
  g_autofree double *img = g_new0 (double, c->P);
  g_autofree double *cnt = g_new0 (double, c->V);
  g_autofree double *seq = g_new0 (double, (gsize) c->L * c->V);
  g_autofree int *at_least = g_new0 (int, c->L + 1);  /* captions with > t tokens */
  int n_img = 0, n_txt = 0;
  double len_sum = 0;
  for (int i = 0; i < n_train; i++)
    {
      int r = train_rows[i];
      if (ds->has_image[r] && fw_model_image_is_features (m))
        {
          /* scaled by 255 like pixels, so that one division serves both */
          const float *v = ds->features[0] + (gsize) r * c->P;
          for (int p = 0; p < c->P; p++)
            img[p] += 255.0 * v[p];
          n_img++;
        }
      else if (ds->has_image[r])
        {
          const guint8 *px = ds->pixels + (gsize) r * c->P;
          for (int p = 0; p < c->P; p++)
            img[p] += px[p];
          n_img++;
        }
      if (!ds->has_text[r])
        continue;
      if (fw_model_text_is_features (m))
        {
          const float *v = ds->features[1] + (gsize) r * c->V;
          for (int j = 0; j < c->V; j++)
            cnt[j] += v[j];
          n_txt++;
          continue;
        }
      const int *w = ds->words + ds->word_start[r];
      int n = ds->word_start[r + 1] - ds->word_start[r];
      n_txt++;
      if (!m->uses_tokens)
        {
          for (int j = 0; j < n; j++)
            cnt[lexmap[w[j]]] += 1.0;
          continue;
        }
      int len = MIN (n, c->L);
      len_sum += len;
      for (int j = 0; j < len; j++)
        {
          cnt[lexmap[w[j]]] += 1.0 / len;      /* embed: the mean of the bag means */
          seq[(gsize) j * c->V + lexmap[w[j]]] += 1.0;
          at_least[j]++;
        }
    }
  for (int p = 0; p < c->P; p++)
    c->mean_image[p] = n_img ? (float) (img[p] / (255.0 * n_img)) : 0.0f;
  for (int v = 0; v < c->V; v++)
    c->mean_counts[v] = n_txt ? (float) (cnt[v] / n_txt) : 0.0f;
  c->seq_len = n_txt ? (int) lround (len_sum / n_txt) : 0;
  for (int t = 0; t < c->L; t++)
    for (int v = 0; v < c->V; v++)
      c->seq[(gsize) t * c->V + v] = at_least[t] ? (float) (seq[(gsize) t * c->V + v] / at_least[t]) : 0.0f;
  return c;
}

void
fw_contrib_free (FwContrib *c)
{
  if (!c)
    return;
  g_free (c->mean_image);
  g_free (c->mean_counts);
  g_free (c->seq);
  g_free (c->mean_embedded);
  g_free (c->empty_probs);
  g_free (c->dprobs);
  g_free (c);
}

FwModel *fw_contrib_get_model (FwContrib *c) { return c->model; }
void fw_contrib_set_use_features (FwContrib *c, gboolean use) { c->use_features = use; }
const float *fw_contrib_mean_image (FwContrib *c) { return c->mean_image; }

/* ---- filling inputs --------------------------------------------------- */

/* The mean caption's embeddings from the model's table as it is now. */
static void
refresh_mean_text (FwContrib *c)
{
  if (!c->embeds)
    return;
  const float *table = fw_model_embedding_table (c->model);
  int rows = c->gru ? c->L : 1;
  const float *share = c->gru ? c->seq : c->mean_counts;
  memset (c->mean_embedded, 0, sizeof (float) * (gsize) c->L * c->E);
  for (int t = 0; t < rows; t++)
    for (int v = 0; v < c->V; v++)
      {
        float s = share[(gsize) t * c->V + v];
        if (s == 0.0f)
          continue;
        float *out = c->mean_embedded + (gsize) t * c->E;
        const float *e = table + (gsize) v * c->E;
        for (int d = 0; d < c->E; d++)
          out[d] += s * e[d];
      }
}

static void
text_mode (FwContrib *c, gboolean embedded)
{
  if (c->embeds)
    fw_model_text_from_embeddings (c->model, embedded);
}

/* where row b's token t (gru) or mean (embed) lives in the embedded input */
static float *
embedded_at (FwContrib *c, int B, int b, int t)
{
  float *x = fw_model_input_embedded (c->model);
  return c->gru ? x + ((gsize) t * B + b) * c->E : x + (gsize) b * c->E;
}

static void
fill_mean_image (FwContrib *c, int b)
{
  memcpy (c->model->in_image + (gsize) b * c->P, c->mean_image, sizeof (float) * c->P);
}

/* Row b's text becomes the train mean, scaled by alpha.  For embedding
 * models the forward must then read embeddings (text_mode TRUE) and every
 * row of the batch must be in the embedded buffer. */
static void
fill_mean_text (FwContrib *c, int B, int b, float alpha)
{
  FwModel *m = c->model;
  if (!m->uses_tokens)
    {
      float *x = m->in_counts + (gsize) b * c->V;
      for (int v = 0; v < c->V; v++)
        x[v] = alpha * c->mean_counts[v];
      return;
    }
  m->in_lens[b] = c->gru ? c->seq_len : 1;
  if (!c->embeds)
    return;
  int rows = c->gru ? c->seq_len : 1;
  for (int t = 0; t < rows; t++)
    {
      float *x = embedded_at (c, B, b, t);
      const float *mean = c->mean_embedded + (gsize) t * c->E;
      for (int d = 0; d < c->E; d++)
        x[d] = alpha * mean[d];
    }
}

static gboolean
check_cancel (GCancellable *cancellable, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* f(∅,∅) for every class: one row, both modalities at their mean */
static void
compute_empty (FwContrib *c)
{
  FwModel *m = c->model;
  refresh_mean_text (c);
  fill_mean_image (c, 0);
  fill_mean_text (c, 1, 0, 1.0f);
  m->in_labels[0] = 0;
  text_mode (c, TRUE);
  fw_model_forward (m, 1);
  text_mode (c, FALSE);
  memcpy (c->empty_probs, m->probs, sizeof (float) * c->K);
}

/* ---- encoder features ------------------------------------------------
 * Intermediate and late fusion encode each modality on its own, so an
 * input's features can be computed once and recombined: a removed modality
 * is one encoding of the mean, and EMAP's n² pairs need n encodings. */

static gboolean
use_features (const FwContrib *c)
{
  return c->use_features && fw_model_has_features (c->model);
}

/* (H) features of the mean image and of the mean caption */
static void
mean_features (FwContrib *c, float *fi, float *ft)
{
  FwModel *m = c->model;
  int H = m->config.hidden;
  refresh_mean_text (c);
  fill_mean_image (c, 0);
  fill_mean_text (c, 1, 0, 1.0f);
  m->in_labels[0] = 0;
  text_mode (c, TRUE);
  fw_model_encode (m, 1);
  text_mode (c, FALSE);
  memcpy (fi, fw_model_image_features (m), sizeof (float) * H);
  memcpy (ft, fw_model_text_features (m), sizeof (float) * H);
}

/* (n, H) image and text features of the rows */
static gboolean
encode_rows (FwContrib *c, const int *rows, int n, float *fi, float *ft,
             GCancellable *cancellable, GError **error)
{
  FwModel *m = c->model;
  gsize H = m->config.hidden;
  text_mode (c, FALSE);
  for (int start = 0; start < n; start += m->max_batch)
    {
      if (!check_cancel (cancellable, error))
        return FALSE;
      int B = MIN (m->max_batch, n - start);
      fw_model_set_rows (m, c->ds, c->lexmap, c->labels, rows + start, B, NULL, 0);
      fw_model_encode (m, B);
      memcpy (fi + start * H, fw_model_image_features (m), sizeof (float) * B * H);
      memcpy (ft + start * H, fw_model_text_features (m), sizeof (float) * B * H);
    }
  return TRUE;
}

/* Row b of the features from encoded inputs i and t (indices into fi, ft). */
static void
set_feature_pair (FwContrib *c, int b, const float *fi, const float *ft, int i, int t, int label)
{
  FwModel *m = c->model;
  gsize H = m->config.hidden;
  memcpy (fw_model_image_features (m) + b * H, fi + i * H, sizeof (float) * H);
  memcpy (fw_model_text_features (m) + b * H, ft + t * H, sizeof (float) * H);
  m->in_labels[b] = label;
}

/* ---- ablation + Shapley ---------------------------------------------- */

typedef struct {
  double loss;
  int correct;
} Tally;

static void
tally (FwContrib *c, Tally *t, float *f, int B)
{
  FwModel *m = c->model;
  for (int b = 0; b < B; b++)
    {
      const float *p = m->probs + (gsize) b * c->K;
      int y = m->in_labels[b];
      t->loss += m->losses[b];
      t->correct += fw_argmax (p, c->K) == y;
      if (f)
        f[b] = p[y];
    }
}

gboolean
fw_contrib_ablation_shapley (FwContrib *c, const int *rows, int n, FwAblation *ablation,
                             FwShapleySummary *summary, FwShapleySample *samples,
                             GCancellable *cancellable, FwProgressFunc progress,
                             gpointer progress_data, GError **error)
{
  g_return_val_if_fail (c && (rows || n == 0), FALSE);
  FwModel *m = c->model;
  int max_b = m->max_batch;
  g_autofree float *f_full = g_new (float, max_b);
  g_autofree float *f_no_img = g_new (float, max_b);
  g_autofree float *f_no_txt = g_new (float, max_b);
  Tally full = { 0 }, no_img = { 0 }, no_txt = { 0 };
  double s_img = 0, s_txt = 0, s_int = 0, a_img = 0, a_txt = 0;

  gboolean feat = use_features (c);
  gsize H = m->config.hidden;
  g_autofree float *mean_fi = feat ? g_new (float, H) : NULL;
  g_autofree float *mean_ft = feat ? g_new (float, H) : NULL;
  g_autofree float *saved = feat ? g_new (float, (gsize) max_b * H) : NULL;
  compute_empty (c);
  if (feat)
    mean_features (c, mean_fi, mean_ft);
  text_mode (c, FALSE);
  for (int start = 0; start < n; start += max_b)
    {
      if (!check_cancel (cancellable, error))
        return FALSE;
      int B = MIN (max_b, n - start);
      const int *r = rows + start;
      fw_model_set_rows (m, c->ds, c->lexmap, c->labels, r, B, NULL, 0);
      if (feat)
        {
          /* one encoding; the removed modality is the mean's features */
          float *xi = fw_model_image_features (m), *xt = fw_model_text_features (m);
          fw_model_encode (m, B);
          fw_model_forward_features (m, B);
          tally (c, &full, f_full, B);
          memcpy (saved, xi, sizeof (float) * B * H);
          for (int b = 0; b < B; b++)
            memcpy (xi + b * H, mean_fi, sizeof (float) * H);
          fw_model_forward_features (m, B);
          tally (c, &no_img, f_no_img, B);
          memcpy (xi, saved, sizeof (float) * B * H);
          for (int b = 0; b < B; b++)
            memcpy (xt + b * H, mean_ft, sizeof (float) * H);
          fw_model_forward_features (m, B);
          tally (c, &no_txt, f_no_txt, B);
        }
      else
        {
          fw_model_forward (m, B);
          tally (c, &full, f_full, B);

          for (int b = 0; b < B; b++)
            fill_mean_image (c, b);
          fw_model_forward (m, B);
          tally (c, &no_img, f_no_img, B);

          fw_model_set_rows (m, c->ds, c->lexmap, c->labels, r, B, NULL, 0);
          for (int b = 0; b < B; b++)
            fill_mean_text (c, B, b, 1.0f);
          text_mode (c, TRUE);
          fw_model_forward (m, B);
          text_mode (c, FALSE);
          tally (c, &no_txt, f_no_txt, B);
        }

      for (int b = 0; b < B; b++)
        {
          double f = f_full[b], fi = f_no_txt[b], ft = f_no_img[b];
          double e = c->empty_probs[m->in_labels[b]];
          double phi_i = 0.5 * ((f - ft) + (fi - e));
          double phi_t = 0.5 * ((f - fi) + (ft - e));
          double inter = f - fi - ft + e;
          s_img += phi_i;
          s_txt += phi_t;
          s_int += inter;
          a_img += fabs (phi_i);
          a_txt += fabs (phi_t);
          if (samples)
            samples[start + b] = (FwShapleySample) { r[b], phi_i, phi_t, inter, f, e };
        }
      if (progress)
        progress ((double) (start + B) / n, progress_data);
    }
  if (ablation)
    {
      double inv = n > 0 ? 1.0 / n : NAN;
      *ablation = (FwAblation) {
        full.correct * inv, no_img.correct * inv, no_txt.correct * inv,
        full.loss * inv, no_img.loss * inv, no_txt.loss * inv,
      };
    }
  if (summary)
    {
      double inv = n > 0 ? 1.0 / n : NAN, tot = a_img + a_txt;
      *summary = (FwShapleySummary) {
        s_img * inv, s_txt * inv, s_int * inv,
        tot > 0 ? a_img / tot : 0.5, tot > 0 ? a_txt / tot : 0.5,
      };
    }
  return TRUE;
}

gboolean
fw_contrib_shapley_shares (FwContrib *c, const int *rows, int n, FwShapleySummary *summary,
                           GCancellable *cancellable, GError **error)
{
  return fw_contrib_ablation_shapley (c, rows, n, NULL, summary, NULL, cancellable, NULL, NULL,
                                      error);
}

void
fw_contrib_shapley_by_class (FwContrib *c, const FwShapleySample *samples, int n,
                             double *by_class, int *counts)
{
  g_return_if_fail (c && (samples || n == 0) && by_class && counts);
  int K = c->K;
  memset (by_class, 0, sizeof (double) * K * 3);
  memset (counts, 0, sizeof (int) * K);
  for (int i = 0; i < n; i++)
    {
      int y = c->labels[samples[i].index];
      by_class[y * 3 + 0] += samples[i].image;
      by_class[y * 3 + 1] += samples[i].text;
      by_class[y * 3 + 2] += samples[i].interaction;
      counts[y]++;
    }
  for (int k = 0; k < K; k++)
    for (int j = 0; j < 3 && counts[k]; j++)
      by_class[k * 3 + j] /= counts[k];
}

gboolean
fw_contrib_confusion (FwContrib *c, const int *rows, int n, int *matrix,
                      GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (c && (rows || n == 0) && matrix, FALSE);
  FwModel *m = c->model;
  int K = c->K;
  memset (matrix, 0, sizeof (int) * K * K);
  text_mode (c, FALSE);
  for (int start = 0; start < n; start += m->max_batch)
    {
      if (!check_cancel (cancellable, error))
        return FALSE;
      int B = MIN (m->max_batch, n - start);
      fw_model_set_rows (m, c->ds, c->lexmap, c->labels, rows + start, B, NULL, 0);
      fw_model_forward (m, B);
      for (int b = 0; b < B; b++)
        matrix[m->in_labels[b] * K + fw_argmax (m->probs + (gsize) b * K, K)]++;
    }
  return TRUE;
}

/* ---- permutation ------------------------------------------------------ */

/* Forward rows with the image (which = 0) or caption (which = 1) of
 * perm[i]; from encoded features fi, ft (n, H) when they are non-NULL. */
static void
tally_pairs (FwContrib *c, const int *rows, const int *perm, int n, int which,
             const float *fi, const float *ft, Tally *t)
{
  FwModel *m = c->model;
  for (int start = 0; start < n; start += m->max_batch)
    {
      int B = MIN (m->max_batch, n - start);
      for (int b = 0; b < B; b++)
        {
          int i = start + b, r = rows[i], o = perm[i];
          if (fi)
            set_feature_pair (c, b, fi, ft, which == 0 ? o : i, which == 1 ? o : i, c->labels[r]);
          else
            fw_model_set_pair (m, b, c->ds, c->lexmap, which == 0 ? rows[o] : r,
                               which == 1 ? rows[o] : r, c->labels[r]);
        }
      if (fi)
        fw_model_forward_features (m, B);
      else
        fw_model_forward (m, B);
      tally (c, t, NULL, B);
    }
}

gboolean
fw_contrib_permutation (FwContrib *c, const int *rows, int n, guint64 seed, FwAblation *out,
                        GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (c && out && (rows || n == 0), FALSE);
  /* Sattolo: one cycle, so no row keeps its own modality */
  g_autofree int *perm = g_new (int, MAX (n, 1));
  guint64 rng = seed ^ G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  for (int i = 0; i < n; i++)
    perm[i] = i;
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) fw_rng_below (&rng, (guint32) i);
      int tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
  g_autofree int *ident = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    ident[i] = i;
  Tally full = { 0 }, img = { 0 }, txt = { 0 };
  gsize H = c->model->config.hidden;
  g_autofree float *fi = use_features (c) ? g_new (float, (gsize) MAX (n, 1) * H) : NULL;
  g_autofree float *ft = fi ? g_new (float, (gsize) MAX (n, 1) * H) : NULL;
  if (fi && !encode_rows (c, rows, n, fi, ft, cancellable, error))
    return FALSE;
  text_mode (c, FALSE);
  tally_pairs (c, rows, ident, n, 0, fi, ft, &full);
  if (!check_cancel (cancellable, error))
    return FALSE;
  tally_pairs (c, rows, perm, n, 0, fi, ft, &img);
  if (!check_cancel (cancellable, error))
    return FALSE;
  tally_pairs (c, rows, perm, n, 1, fi, ft, &txt);
  double inv = n > 0 ? 1.0 / n : NAN;
  *out = (FwAblation) {
    full.correct * inv, img.correct * inv, txt.correct * inv,
    full.loss * inv, img.loss * inv, txt.loss * inv,
  };
  return TRUE;
}

/* ---- integrated gradients -------------------------------------------- */

/* One input to explain. */
typedef struct {
  const guint8 *pixels;      /* (P) or NULL: a black image */
  gboolean image_mean;       /* the train mean instead */
  const int *ids;            /* vocab ids, caption order */
  int n_ids;
  gboolean text_mean;        /* the train mean caption instead */
  int target;
  const float *image_vec;    /* (P) features models: the row's image vector, or NULL */
  const float *text_vec;     /* (T) features models: the row's text vector, or NULL */
} Item;

void
fw_ig_sample_clear (FwIgSample *s)
{
  if (!s)
    return;
  g_clear_pointer (&s->pixels, g_free);
  g_clear_pointer (&s->tokens, g_strfreev);
  g_clear_pointer (&s->token_scores, g_free);
  s->n_tokens = 0;
}

static int
item_len (const FwContrib *c, const Item *it)
{
  return c->model->uses_tokens ? MIN (it->n_ids, c->L) : it->n_ids;
}

/* Row b of a batch of B: item at alpha·input.  The token lookup and scaling
 * of embedding models happen after every row is in (finish_embedded). */
static void
fill_item (FwContrib *c, int b, const Item *it, float alpha)
{
  FwModel *m = c->model;
  float *x = m->in_image + (gsize) b * c->P;
  if (it->image_mean)
    for (int p = 0; p < c->P; p++)
      x[p] = alpha * c->mean_image[p];
  else if (it->image_vec)
    for (int p = 0; p < c->P; p++)
      x[p] = alpha * it->image_vec[p];
  else if (it->pixels)
    for (int p = 0; p < c->P; p++)
      x[p] = alpha * (float) it->pixels[p] * (1.0f / 255.0f);
  else
    memset (x, 0, sizeof (float) * c->P);
  m->in_labels[b] = it->target;
  fw_model_blank_text (m, b);
  if (it->text_mean)
    {
      if (!m->uses_tokens)
        fill_mean_text (c, 0, b, alpha);
      return;   /* embedding models: in finish_embedded */
    }
  if (!m->uses_tokens)
    {
      float *cnt = m->in_counts + (gsize) b * c->V;
      for (int j = 0; j < c->V && it->text_vec; j++)
        cnt[j] = alpha * it->text_vec[j];
      for (int j = 0; j < it->n_ids; j++)
        cnt[it->ids[j]] += alpha;
      return;
    }
  int len = item_len (c, it);
  memcpy (m->in_tokens + (gsize) b * c->L, it->ids, sizeof (int) * len);
  m->in_lens[b] = len;
}

static void
finish_embedded (FwContrib *c, int B, const Item *const *items, const float *alphas)
{
  if (!c->embeds)
    return;
  FwModel *m = c->model;
  fw_model_embed_tokens (m, B);
  for (int b = 0; b < B; b++)
    {
      if (items[b]->text_mean)
        {
          fill_mean_text (c, B, b, alphas[b]);
          continue;
        }
      int steps = c->gru ? m->in_lens[b] : 1;
      for (int t = 0; t < steps; t++)
        {
          float *x = embedded_at (c, B, b, t);
          for (int d = 0; d < c->E; d++)
            x[d] *= alphas[b];
        }
    }
}

/* The text's input vector as the encoder reads it, unscaled: counts (V),
 * mean embedding (E) or per-token embeddings (L, E). */
static void
text_input (FwContrib *c, const Item *it, float *out, int width)
{
  FwModel *m = c->model;
  memset (out, 0, sizeof (float) * width);
  if (!m->uses_tokens)
    {
      if (it->text_mean)
        memcpy (out, c->mean_counts, sizeof (float) * c->V);
      else if (it->text_vec)
        memcpy (out, it->text_vec, sizeof (float) * c->V);
      else
        for (int j = 0; j < it->n_ids; j++)
          out[it->ids[j]] += 1.0f;
      return;
    }
  if (!c->embeds)
    return;
  if (it->text_mean)
    {
      memcpy (out, c->mean_embedded, sizeof (float) * width);
      return;
    }
  const float *table = fw_model_embedding_table (m);
  int len = item_len (c, it);
  for (int j = 0; j < len; j++)
    {
      const float *e = table + (gsize) it->ids[j] * c->E;
      float *o = c->gru ? out + (gsize) j * c->E : out;
      float scale = c->gru ? 1.0f : 1.0f / len;
      for (int d = 0; d < c->E; d++)
        o[d] += scale * e[d];
    }
}

/* Steps of the path from the zero baseline.  Layer norm (attention
 * fusion) makes f change fast where its normalised vectors leave the
 * baseline: 32 equal steps missed 40% of f(x) − f(0) there, 128 miss
 * under 5%; the other models keep the documented 32. */
int
fw_contrib_ig_steps (const FwContrib *c)
{
  return fw_model_fuses_tokens (c->model) ? 4 * FW_CONTRIB_IG_STEPS : FW_CONTRIB_IG_STEPS;
}

/* Explains items[0..n): rows are items × (S midpoints, then α = 0 and 1),
 * in groups of items that fill a batch.  words[i] names item i's tokens
 * (may be NULL). */
static gboolean
ig_items (FwContrib *c, const Item *items, char **const *words, int n, int keep_maps,
          FwIgSample *out, GCancellable *cancellable, FwProgressFunc progress,
          gpointer progress_data, GError **error)
{
  FwModel *m = c->model;
  const int S = fw_contrib_ig_steps (c), R = S + 2, P = c->P, K = c->K;
  int max_b = m->max_batch;
  int T = !m->uses_tokens ? c->V : c->gru ? c->L * c->E : c->E;
  gboolean has_text = m->config.fusion != FW_FUSION_IMAGE && (!m->uses_tokens || c->embeds);
  int G = MAX (1, max_b / R);
  g_autofree float *gimg = g_new (float, (gsize) G * P);   /* Σ_α ∂f/∂x */
  g_autofree float *gtxt = g_new (float, (gsize) G * T);
  g_autofree float *xtxt = g_new (float, T);
  g_autofree const Item **row_item = g_new (const Item *, max_b);
  g_autofree float *row_alpha = g_new (float, max_b);
  gboolean want = m->want_input_grads;

  refresh_mean_text (c);
  fw_model_want_input_grads (m, TRUE);
  text_mode (c, TRUE);
  for (int g0 = 0; g0 < n; g0 += G)
    {
      if (!check_cancel (cancellable, error))
        {
          text_mode (c, FALSE);
          fw_model_want_input_grads (m, want);
          return FALSE;
        }
      int gn = MIN (G, n - g0), rows = gn * R;
      memset (gimg, 0, sizeof (float) * (gsize) gn * P);
      memset (gtxt, 0, sizeof (float) * (gsize) gn * T);
      for (int q0 = 0; q0 < rows; q0 += max_b)
        {
          int B = MIN (max_b, rows - q0);
          for (int b = 0; b < B; b++)
            {
              int q = q0 + b, k = q % R;
              row_item[b] = &items[g0 + q / R];
              row_alpha[b] = k < S ? ((float) k + 0.5f) / (float) S : k == S ? 0.0f : 1.0f;
              fill_item (c, b, row_item[b], row_alpha[b]);
            }
          finish_embedded (c, B, row_item, row_alpha);
          fw_model_forward (m, B);
          memset (c->dprobs, 0, sizeof (float) * (gsize) B * K);
          for (int b = 0; b < B; b++)
            if ((q0 + b) % R < S)
              c->dprobs[(gsize) b * K + row_item[b]->target] = 1.0f;
          fw_model_backward_probs (m, B, c->dprobs);
          const float *di = fw_model_input_image_grad (m);
          const float *dt = has_text ? fw_model_input_text_grad (m) : NULL;
          for (int b = 0; b < B; b++)
            {
              int q = q0 + b, k = q % R, s = q / R;
              FwIgSample *o = &out[g0 + s];
              float f = m->probs[(gsize) b * K + row_item[b]->target];
              if (k == S)
                o->zero = f;
              else if (k == S + 1)
                o->full = f;
              if (k >= S)
                continue;
              float *gi = gimg + (gsize) s * P;
              const float *src = di + (gsize) b * P;
              for (int p = 0; p < P; p++)
                gi[p] += src[p];
              if (!dt)
                continue;
              float *gt = gtxt + (gsize) s * T;
              if (c->gru)
                for (int t = 0; t < c->L; t++)
                  {
                    const float *d = dt + ((gsize) t * B + b) * c->E;
                    for (int e = 0; e < c->E; e++)
                      gt[(gsize) t * c->E + e] += d[e];
                  }
              else
                {
                  const float *d = dt + (gsize) b * T;
                  for (int e = 0; e < T; e++)
                    gt[e] += d[e];
                }
            }
        }

      /* attribution = input · mean gradient */
      for (int s = 0; s < gn; s++)
        {
          const Item *it = &items[g0 + s];
          FwIgSample *o = &out[g0 + s];
          o->target = it->target;
          const float *gi = gimg + (gsize) s * P;
          gboolean keep = g0 + s < keep_maps;
          if (keep)
            o->pixels = g_new0 (float, P);
          double sum = 0;
          for (int p = 0; p < P; p++)
            {
              float x = it->image_mean ? c->mean_image[p]
                      : it->image_vec ? it->image_vec[p]
                      : it->pixels ? (float) it->pixels[p] * (1.0f / 255.0f) : 0.0f;
              float a = x * gi[p] / (float) S;
              sum += a;
              if (keep)
                o->pixels[p] = a;
            }
          o->image = sum;

          int len = it->text_mean ? 0 : item_len (c, it);
          o->n_tokens = len;
          o->tokens = g_new0 (char *, len + 1);
          o->token_scores = g_new0 (float, MAX (len, 1));
          for (int j = 0; j < len; j++)
            o->tokens[j] = g_strdup (words && words[g0 + s] ? words[g0 + s][j] : "");
          o->text = 0;
          if (!has_text)
            continue;
          const float *gt = gtxt + (gsize) s * T;
          text_input (c, it, xtxt, T);
          sum = 0;
          for (int e = 0; e < T; e++)
            sum += (double) xtxt[e] * gt[e] / S;
          o->text = sum;
          for (int j = 0; j < len; j++)
            {
              int id = it->ids[j];
              double score = 0;
              if (!m->uses_tokens)
                score = gt[id] / S;   /* count · mean gradient, shared by the count */
              else
                {
                  const float *e = fw_model_embedding_table (m) + (gsize) id * c->E;
                  const float *g = c->gru ? gt + (gsize) j * c->E : gt;
                  for (int d = 0; d < c->E; d++)
                    score += (double) e[d] * g[d];
                  score /= c->gru ? S : (double) S * len;
                }
              o->token_scores[j] = (float) score;
            }
        }
      if (progress)
        progress ((double) (g0 + gn) / n, progress_data);
    }
  text_mode (c, FALSE);
  fw_model_want_input_grads (m, want);
  return TRUE;
}

gboolean
fw_contrib_ig (FwContrib *c, const int *rows, int n, int keep_maps, FwIgSample *samples,
               double *image, double *text, GCancellable *cancellable,
               FwProgressFunc progress, gpointer progress_data, GError **error)
{
  g_return_val_if_fail (c && samples && (rows || n == 0), FALSE);
  const FwDataset *ds = c->ds;
  g_autofree Item *items = g_new0 (Item, MAX (n, 1));
  g_autofree char ***words = g_new0 (char **, MAX (n, 1));
  g_autofree int *ids = g_new0 (int, (gsize) ds->word_start[ds->n] + 1);
  int at = 0;
  for (int i = 0; i < n; i++)
    {
      int r = rows[i];
      Item *it = &items[i];
      memset (&samples[i], 0, sizeof samples[i]);
      samples[i].index = r;
      it->target = c->labels[r];
      if (fw_model_image_is_features (c->model))
        it->image_vec = ds->has_image[r] ? ds->features[0] + (gsize) r * c->P : NULL;
      else
        it->pixels = ds->has_image[r] ? ds->pixels + (gsize) r * c->P : NULL;
      it->ids = ids + at;
      if (!ds->has_text[r])
        continue;
      if (fw_model_text_is_features (c->model))
        {
          /* a vector has no words to score: the text's total only */
          it->text_vec = ds->features[1] + (gsize) r * c->V;
          continue;
        }
      int w0 = ds->word_start[r], nw = ds->word_start[r + 1] - w0;
      words[i] = g_new0 (char *, nw + 1);   /* borrowed strings */
      for (int j = 0; j < nw; j++)
        {
          ids[at + j] = c->lexmap[ds->words[w0 + j]];
          words[i][j] = g_ptr_array_index (ds->lexicon, ds->words[w0 + j]);
        }
      it->n_ids = nw;
      at += nw;
    }
  gboolean ok = ig_items (c, items, (char **const *) words, n, keep_maps, samples, cancellable,
                          progress, progress_data, error);
  for (int i = 0; i < n; i++)
    g_free (words[i]);
  if (!ok)
    {
      for (int i = 0; i < n; i++)
        fw_ig_sample_clear (&samples[i]);
      return FALSE;
    }
  double si = 0, st = 0;
  for (int i = 0; i < n; i++)
    {
      si += samples[i].image;
      st += samples[i].text;
    }
  if (image)
    *image = n ? si / n : NAN;
  if (text)
    *text = n ? st / n : NAN;
  return TRUE;
}

/* ---- EMAP ------------------------------------------------------------ */

gboolean
fw_contrib_emap (FwContrib *c, const int *rows, int n, FwEmap *out, GCancellable *cancellable,
                 FwProgressFunc progress, gpointer progress_data, GError **error)
{
  g_return_val_if_fail (c && out && (rows || n == 0), FALSE);
  FwModel *m = c->model;
  int K = c->K;
  n = MIN (n, FW_CONTRIB_EMAP_MAX);
  g_autofree double *by_image = g_new0 (double, (gsize) MAX (n, 1) * K);  /* Σ_t' f(i,t') */
  g_autofree double *by_text = g_new0 (double, (gsize) MAX (n, 1) * K);   /* Σ_i' f(i',t) */
  g_autofree double *total = g_new0 (double, K);
  g_autofree int *own = g_new0 (int, MAX (n, 1));                        /* argmax f(i,i) */
  gsize pairs = (gsize) n * n, H = m->config.hidden;
  g_autofree float *fi = use_features (c) ? g_new (float, (gsize) MAX (n, 1) * H) : NULL;
  g_autofree float *ft = fi ? g_new (float, (gsize) MAX (n, 1) * H) : NULL;
  if (fi && !encode_rows (c, rows, n, fi, ft, cancellable, error))
    return FALSE;
  text_mode (c, FALSE);
  for (gsize q0 = 0; q0 < pairs; q0 += m->max_batch)
    {
      if (!check_cancel (cancellable, error))
        return FALSE;
      int B = (int) MIN ((gsize) m->max_batch, pairs - q0);
      for (int b = 0; b < B; b++)
        {
          int i = (int) ((q0 + b) / n), j = (int) ((q0 + b) % n);
          if (fi)
            set_feature_pair (c, b, fi, ft, i, j, c->labels[rows[i]]);
          else
            fw_model_set_pair (m, b, c->ds, c->lexmap, rows[i], rows[j], c->labels[rows[i]]);
        }
      if (fi)
        fw_model_forward_features (m, B);
      else
        fw_model_forward (m, B);
      for (int b = 0; b < B; b++)
        {
          int i = (int) ((q0 + b) / n), j = (int) ((q0 + b) % n);
          const float *p = m->probs + (gsize) b * K;
          for (int k = 0; k < K; k++)
            {
              by_image[(gsize) i * K + k] += p[k];
              by_text[(gsize) j * K + k] += p[k];
              total[k] += p[k];
            }
          if (i == j)
            own[i] = fw_argmax (p, K);
        }
      if (progress)
        progress ((double) (q0 + B) / pairs, progress_data);
    }
  int model_ok = 0, additive_ok = 0;
  g_autofree float *proj = g_new (float, K);
  for (int i = 0; i < n; i++)
    {
      int y = c->labels[rows[i]];
      for (int k = 0; k < K; k++)
        proj[k] = (float) (by_image[(gsize) i * K + k] / n + by_text[(gsize) i * K + k] / n
                           - total[k] / ((double) n * n));
      additive_ok += fw_argmax (proj, K) == y;
      model_ok += own[i] == y;
    }
  out->n = n;
  out->model_accuracy = n ? (double) model_ok / n : NAN;
  out->additive_accuracy = n ? (double) additive_ok / n : NAN;
  out->gap = out->model_accuracy - out->additive_accuracy;
  return TRUE;
}

/* ---- learned mixing ---------------------------------------------------- */

gboolean
fw_contrib_late_weights (const FwModel *m, double *image, double *text)
{
  g_return_val_if_fail (m, FALSE);
  if (m->config.fusion != FW_FUSION_LATE || m->config.late_combine != FW_LATE_WEIGHTED)
    return FALSE;
  double a = m->late.weights[0], b = m->late.weights[1], mx = MAX (a, b);
  double ea = exp (a - mx), eb = exp (b - mx);
  if (image)
    *image = ea / (ea + eb);
  if (text)
    *text = eb / (ea + eb);
  return TRUE;
}

gboolean
fw_contrib_mean_gate (FwContrib *c, const int *rows, int n, double *image, double *text)
{
  g_return_val_if_fail (c && (rows || n == 0), FALSE);
  FwModel *m = c->model;
  if (m->config.fusion != FW_FUSION_INTERMEDIATE || m->config.fusion_op != FW_OP_GATED || n == 0)
    return FALSE;
  int H = m->config.hidden;
  double sum = 0;
  text_mode (c, FALSE);
  for (int start = 0; start < n; start += m->max_batch)
    {
      int B = MIN (m->max_batch, n - start);
      fw_model_set_rows (m, c->ds, c->lexmap, c->labels, rows + start, B, NULL, 0);
      fw_model_forward (m, B);
      for (gsize i = 0; i < (gsize) B * H; i++)
        sum += m->fusion.z[i];
    }
  double z = sum / ((double) n * H);
  if (image)
    *image = z;
  if (text)
    *text = 1.0 - z;
  return TRUE;
}

/* ---- one sample -------------------------------------------------------- */

int
fw_contrib_explain (FwContrib *c, const FwVocab *vocab, const guint8 *pixels,
                    const char *caption, gboolean hide_image, gboolean hide_text, int target,
                    float *probs, FwIgSample *ig)
{
  g_return_val_if_fail (c && vocab && probs, -1);
  FwModel *m = c->model;
  /* pixels and a caption: a features model reads neither */
  g_return_val_if_fail (!fw_model_image_is_features (m) && !fw_model_text_is_features (m), -1);
  g_auto (GStrv) words = caption ? fw_tokenize (caption) : g_new0 (char *, 1);
  int nw = (int) g_strv_length (words);
  g_autofree int *ids = g_new0 (int, nw + 1);
  for (int j = 0; j < nw; j++)
    ids[j] = fw_vocab_lookup (vocab, words[j]);
  Item it = { pixels, hide_image, ids, nw, hide_text, 0 };
  const Item *row_item[1] = { &it };
  float alpha[1] = { 1.0f };

  refresh_mean_text (c);
  fill_item (c, 0, &it, 1.0f);
  finish_embedded (c, 1, row_item, alpha);
  text_mode (c, TRUE);
  fw_model_forward (m, 1);
  text_mode (c, FALSE);
  memcpy (probs, m->probs, sizeof (float) * c->K);
  int predicted = fw_argmax (probs, c->K);
  if (!ig)
    return predicted;
  it.target = target >= 0 && target < c->K ? target : predicted;
  memset (ig, 0, sizeof *ig);
  ig->index = -1;
  char **const word_list[1] = { words };
  ig_items (c, &it, word_list, 1, 1, ig, NULL, NULL, NULL, NULL);
  return predicted;
}
