/* fw-attention-weights.c — copies one row's attention out of the model.
 * The model keeps (B, heads, Lq, Lk) with Lq or Lk padded to the batch's
 * longest caption (at least 1); a single row's words are its first
 * min (n, FW_MAX_TOKENS) tokens, the same cut the model's input makes. */
#include <string.h>

#include "fw-attention-weights.h"
#include "fw-dataset.h"

FwAttentionWeights *
fw_attention_weights_from_model (const FwModel *model, const char *caption)
{
  g_autoptr(FwAttentionWeights) a = NULL;
  const float *t2i, *i2t;
  int heads, lq, lk, heads2, lq2, lk2, grid, cell, R, W;
  g_auto (GStrv) tokens = NULL;

  if (!fw_model_image_token_grid (model, &grid, &cell))
    return NULL;
  t2i = fw_model_attention (model, FW_ATTENTION_TEXT_TO_IMAGE, &heads, &lq, &lk);
  i2t = fw_model_attention (model, FW_ATTENTION_IMAGE_TO_TEXT, &heads2, &lq2, &lk2);
  R = grid * grid;
  if (!t2i || !i2t || lk != R || lq2 != R || heads2 != heads || lk2 != lq)
    return NULL;
  tokens = caption ? fw_tokenize (caption) : g_new0 (char *, 1);
  W = MIN ((int) g_strv_length (tokens), MIN (FW_MAX_TOKENS, lq));

  a = g_new0 (FwAttentionWeights, 1);
  a->heads = heads;
  a->n_words = W;
  a->words = g_new0 (char *, W + 1);
  for (int k = 0; k < W; k++)
    a->words[k] = g_strdup (tokens[k]);
  a->grid = grid;
  a->cell = cell;
  a->text_to_image = g_new0 (float, MAX ((gsize) heads * W * R, 1));
  a->image_to_text = g_new0 (float, MAX ((gsize) heads * R * W, 1));
  for (int h = 0; h < heads; h++)
    {
      /* row 0 of the batch: its first W queries over every region */
      memcpy (a->text_to_image + (gsize) h * W * R, t2i + (gsize) h * lq * R, sizeof (float) * W * R);
      for (int r = 0; r < R; r++)
        memcpy (a->image_to_text + ((gsize) h * R + r) * W, i2t + ((gsize) h * R + r) * lq, sizeof (float) * W);
    }
  return g_steal_pointer (&a);
}

void
fw_attention_weights_free (FwAttentionWeights *a)
{
  if (!a)
    return;
  g_strfreev (a->words);
  g_free (a->text_to_image);
  g_free (a->image_to_text);
  g_free (a);
}
