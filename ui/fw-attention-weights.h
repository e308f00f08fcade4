/* fw-attention-weights.h — one input's attention weights, as the Sample
 * inspector shows them: copied out of an attention-fusion model right
 * after it predicted that one input, cut to the caption's real words.
 * Running the model is the explainer's job; drawing them FwAttentionMap's. */
#pragma once

#include <glib.h>

#include "fw-model.h"

G_BEGIN_DECLS

typedef struct {
  int heads;
  int n_words;               /* the caption's tokens the model read (at most FW_MAX_TOKENS) */
  char **words;              /* (n_words) */
  int grid, cell;            /* the image tokens: grid × grid cells of cell × cell pixels */
  float *text_to_image;      /* (heads, n_words, grid²) */
  float *image_to_text;      /* (heads, grid², n_words) */
} FwAttentionWeights;

/* After a forward of one row (B = 1) whose caption was caption (NULL: no
 * text): that row's weights, or NULL for a model without attention fusion. */
FwAttentionWeights *fw_attention_weights_from_model (const FwModel *model, const char *caption);
void fw_attention_weights_free (FwAttentionWeights *weights);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwAttentionWeights, fw_attention_weights_free)

G_END_DECLS
