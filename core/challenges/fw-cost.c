/* fw-cost.c — the multiply-adds of each block of fw-model.c, written out
 * from the shapes the model builds (see the convention in fw-cost.h).  A
 * test checks them against hand counts for every encoder and fusion. */
#include "fw-cost.h"

static gint64
image_encoder_macs (const FwConfig *c, const FwShape *s)
{
  gint64 H = c->hidden, S = s->size, P = (gint64) s->channels * S * S;
  gboolean tokens = c->fusion == FW_FUSION_INTERMEDIATE && c->fusion_op == FW_OP_ATTENTION;
  if (c->image_encoder == FW_IMAGE_MLP)
    return tokens ? 0 : P * H;   /* attention: the patches are the fusion's */
  if (c->image_encoder == FW_IMAGE_FEATURES)
    return (gint64) s->image_features * H;
  gint64 S2 = S / 2, S4 = S2 / 2;
  gint64 conv1 = S * S * 16 * s->channels * 9;     /* padding 1: S×S outputs */
  gint64 conv2 = S2 * S2 * 32 * 16 * 9;
  return conv1 + conv2 + (tokens ? 0 : 32 * S4 * S4 * H);
}

static gint64
text_encoder_macs (const FwConfig *c, const FwShape *s)
{
  gint64 H = c->hidden, E = FW_EMBED_DIM;
  switch (c->text_encoder)
    {
    case FW_TEXT_BOW:
      return (gint64) s->vocab * H;
    case FW_TEXT_FEATURES:
      return (gint64) s->text_features * H;
    case FW_TEXT_EMBED:
      if (c->fusion == FW_FUSION_INTERMEDIATE && c->fusion_op == FW_OP_ATTENTION)
        return 0;                                     /* tokens: the lookups alone */
      return E * H;                                   /* the mean of embeddings is free */
    case FW_TEXT_GRU:
      return (gint64) FW_MAX_TOKENS * (3 * H * E + 3 * H * H);
    case FW_TEXT_TRANSFORMER:
      /* per block and token: q, k, v, out (4E²), scores and mixing (2·L·E),
       * the feed-forward (8E²); then the mean's Linear(E→H) */
      return (gint64) c->layers * FW_MAX_TOKENS * (12 * E * E + 2 * FW_MAX_TOKENS * E) + E * H;
    default:
      g_return_val_if_reached (0);
    }
}

static gint64
head_macs (const FwConfig *c, const FwShape *s, gint64 in)
{
  gint64 N = c->head_hidden, K = s->classes;
  return N > 0 ? in * N + N * K : in * K;
}

/* the fusion's own layers and the width it hands the head */
static gint64
fusion_macs (const FwConfig *c, const FwShape *s, gint64 *width)
{
  gint64 H = c->hidden;
  switch (c->fusion_op)
    {
    case FW_OP_CONCAT:
      *width = 2 * H;
      return 0;
    case FW_OP_SUM:
    case FW_OP_PRODUCT:
      *width = H;
      return 0;
    case FW_OP_GATED:
      *width = H;
      return H * H + H * H + 2 * H * H;
    case FW_OP_TENSOR:
      *width = (H + 1) * (H + 1);
      return 0;
    case FW_OP_LOWRANK:
      *width = H;
      return 2 * H * (FW_LOWRANK_RANK * H);
    case FW_OP_ATTENTION:
      {
        /* fw-fusion-attention.c, counted at full captions: projections,
         * both blocks' q, k, v and out projections, the scores and the
         * weighted sums of both directions */
        gint64 D = FW_ATTENTION_DIM, G = s->size / FW_IMAGE_PATCH, Li = G * G;
        gint64 Lt = FW_MAX_TOKENS;
        gint64 Di = c->image_encoder == FW_IMAGE_CNN ? 32 : s->channels * FW_IMAGE_PATCH * FW_IMAGE_PATCH;
        gint64 Dt = c->text_encoder == FW_TEXT_GRU ? H : FW_EMBED_DIM;
        *width = 2 * D;
        return Li * Di * D + Lt * Dt * D + 4 * (Li + Lt) * D * D + 4 * Li * Lt * D;
      }
    default:
      g_return_val_if_reached (0);
    }
}

gint64
fw_cost_macs (const FwConfig *c, const FwShape *s)
{
  g_return_val_if_fail (c && s, 0);
  gint64 H = c->hidden, K = s->classes, P = (gint64) s->channels * s->size * s->size;
  switch (c->fusion)
    {
    case FW_FUSION_EARLY:
      {
        gint64 T = c->text_encoder == FW_TEXT_BOW ? s->vocab
                 : c->text_encoder == FW_TEXT_FEATURES ? s->text_features : FW_EMBED_DIM;
        if (c->image_encoder == FW_IMAGE_FEATURES)
          P = s->image_features;
        return (P + T) * H + head_macs (c, s, H);
      }
    case FW_FUSION_INTERMEDIATE:
      {
        gint64 width = 0;
        gint64 fusion = fusion_macs (c, s, &width);
        return image_encoder_macs (c, s) + text_encoder_macs (c, s) + fusion
               + head_macs (c, s, width);
      }
    case FW_FUSION_LATE:
      return image_encoder_macs (c, s) + text_encoder_macs (c, s) + 2 * head_macs (c, s, H)
             + (c->late_combine == FW_LATE_STACKING ? 2 * K * K : 0);
    case FW_FUSION_IMAGE:
      return image_encoder_macs (c, s) + head_macs (c, s, H);
    case FW_FUSION_TEXT:
      return text_encoder_macs (c, s) + head_macs (c, s, H);
    default:
      g_return_val_if_reached (0);
    }
}

gint64
fw_cost_flops_per_sample (const FwConfig *c, const FwShape *s)
{
  return 2 * fw_cost_macs (c, s);
}
