/* fw-model.c — builds a fusion model from an FwConfig and runs it forward
 * and backward on a batch.  Parameters, gradients and activations are each
 * one block; every module holds named pointers into them.  Kernels do the
 * arithmetic (fw-kernels.c); filling inputs from a dataset is fw-batch.c.
 *
 * Shape key: B batch, P pixels per image (C·S·S), V vocabulary,
 * E embedding width, L tokens, H encoder width, F fused width,
 * N head hidden units, K classes. */
#include "fw-model-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "fw-kernels.h"
#include "fw-rng.h"

/* Modules register their parameters and activations (fw-model-build.c);
 * one block of each is allocated at the end and every pointer patched. */

/* ---- image encoder ---------------------------------------------------- */

static void
image_encoder_build (FwModel *m, ImageEncoder *e, const char *prefix)
{
  const FwShape *s = &m->shape;
  int H = m->config.hidden;
  e->kind = m->config.image_encoder;
  e->tokens = fw_model_fuses_tokens (m);
  if (e->kind == FW_IMAGE_MLP && e->tokens)
    return;   /* the fusion cuts the pixels into patches itself */
  if (e->kind != FW_IMAGE_CNN)   /* mlp on pixels, features on the row's vector: P wide */
    {
      g_autofree char *n0 = g_strdup_printf ("%s.0", prefix);
      fw_linear_build (m, &e->fc, n0, m->P, H);
    }
  else
    {
      int S = s->size, S2 = S / 2, S4 = S2 / 2;
      e->c_in = s->channels;
      e->s1 = S;
      e->s2 = S2;
      g_autofree char *w1 = g_strdup_printf ("%s.0.weight", prefix);
      g_autofree char *b1 = g_strdup_printf ("%s.0.bias", prefix);
      g_autofree char *w2 = g_strdup_printf ("%s.3.weight", prefix);
      g_autofree char *b2 = g_strdup_printf ("%s.3.bias", prefix);
      g_autofree char *n7 = g_strdup_printf ("%s.7", prefix);
      float bound1 = 1.0f / sqrtf ((float) (e->c_in * 9));
      float bound2 = 1.0f / sqrtf ((float) (16 * 9));
      fw_param (m, &e->conv1_w, bound1, w1, 4, 16, e->c_in, 3, 3);
      fw_param (m, &e->conv1_b, bound1, b1, 1, 16);
      fw_param (m, &e->conv2_w, bound2, w2, 4, 32, 16, 3, 3);
      fw_param (m, &e->conv2_b, bound2, b2, 1, 32);
      if (!e->tokens)
        fw_linear_build (m, &e->fc, n7, 32 * S4 * S4, H);
      /* the conv outputs' gradients are set by the fused ReLU+pool backward
       * alone: megabytes a step that need no zeroing.  ReLU and pool are one
       * pass (max-pool commutes with ReLU), so no ReLU output is kept.  conv1
       * and its gradient serve only the unfused path (an input gradient:
       * integrated gradients), conv2 and its gradient only shapes neither
       * the direct nor the Winograd path serves; training keeps them in
       * scratch, an image or a block of images at a time
       * (fw_conv2d_relu_pool_forward). */
      fw_act (m, &e->conv1, 16 * S * S);
      fw_act_grad (m, GRAD_SET);
      fw_act (m, &e->col1, fw_conv2d_col_floats (e->c_in, S, S));
      fw_act_grad (m, GRAD_NEVER);
      fw_act (m, &e->pool1, 16 * S2 * S2);
      fw_act (m, &e->conv2, 32 * S2 * S2);
      fw_act_grad (m, GRAD_SET);
      fw_act (m, &e->col2, fw_conv2d_col_floats (16, S2, S2));
      fw_act_grad (m, GRAD_NEVER);
      fw_act (m, &e->pool2, 32 * S4 * S4);
      fw_iact (m, &e->argmax1, 16 * S2 * S2);
      fw_iact (m, &e->argmax2, 32 * S4 * S4);
      fw_scratch_need (m, fw_conv2d_relu_pool_work_floats (e->c_in, S, S, 16));
      fw_scratch_need (m, fw_conv2d_relu_pool_work_floats (16, S2, S2, 32));
      if (e->tokens)
        return;   /* pool2's positions are the tokens */
    }
  fw_act (m, &e->pre, H);
  fw_act (m, &e->out, H);
}

static void
image_encoder_fw (FwModel *m, ImageEncoder *e, const float *x, int B)
{
  int H = m->config.hidden;
  const float *flat = x;
  if (e->kind == FW_IMAGE_MLP && e->tokens)
    return;
  if (e->kind == FW_IMAGE_CNN)
    {
      int C = e->c_in, S = e->s1, S2 = e->s2;
      fw_conv2d_relu_pool_forward (e->pool1, e->argmax1, e->conv1, e->col1, m->scratch, x,
                                   e->conv1_w, e->conv1_b, B, C, S, S, 16);
      fw_conv2d_relu_pool_forward (e->pool2, e->argmax2, e->conv2, e->col2, m->scratch, e->pool1,
                                   e->conv2_w, e->conv2_b, B, 16, S2, S2, 32);
      if (e->tokens)
        return;
      flat = e->pool2;
    }
  fw_linear_fw (&e->fc, e->pre, flat, B);
  fw_relu_forward (e->out, e->pre, (gsize) B * H);
}

static void
image_encoder_bw (FwModel *m, ImageEncoder *e, float *dx, const float *x, int B)
{
  int H = m->config.hidden;
  if (e->kind == FW_IMAGE_MLP && e->tokens)
    return;   /* the fusion's patches hold the pixels' gradient */
  if (!e->tokens)
    fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
  if (e->kind != FW_IMAGE_CNN)   /* mlp, features: one Linear */
    {
      fw_linear_bw (m, &e->fc, dx, DA (m, e->pre), x, B);
      return;
    }
  int C = e->c_in, S = e->s1, S2 = e->s2;
  if (!e->tokens)   /* else the fusion filled pool2's gradient */
    fw_linear_bw (m, &e->fc, DA (m, e->pool2), DA (m, e->pre), e->pool2, B);
  fw_conv2d_relu_pool_backward (DA (m, e->pool1), DP (m, e->conv2_w), DP (m, e->conv2_b),
                                DA (m, e->conv2), m->scratch, DA (m, e->pool2), e->pool2,
                                e->argmax2, e->col2, e->conv2_w, B, 16, S2, S2, 32);
  fw_conv2d_relu_pool_backward (dx, DP (m, e->conv1_w), DP (m, e->conv1_b), DA (m, e->conv1),
                                m->scratch, DA (m, e->pool1), e->pool1, e->argmax1, e->col1,
                                e->conv1_w, B, C, S, S, 16);
}

/* ---- text encoder ----------------------------------------------------- */

static void
text_encoder_build (FwModel *m, TextEncoder *e, const char *prefix)
{
  int H = m->config.hidden, V = m->shape.vocab, E = FW_EMBED_DIM, L = FW_MAX_TOKENS;
  e->kind = m->config.text_encoder;
  e->per_token = fw_model_fuses_tokens (m);
  g_autofree char *emb = g_strdup_printf ("%s.embedding.weight", prefix);
  switch (e->kind)
    {
    case FW_TEXT_BOW:
      {
        g_autofree char *n0 = g_strdup_printf ("%s.0", prefix);
        fw_linear_build (m, &e->fc, n0, V, H);
        /* V + 2 a row covers the B + 1 row starts; the values use scratch */
        fw_iact (m, &e->nz_index, (gsize) V + 2);
        fw_scratch_need (m, (gsize) m->max_batch * V);
        fw_act (m, &e->pre, H);
        fw_act (m, &e->out, H);
      }
      break;
    case FW_TEXT_FEATURES:
      {
        /* dense: a precomputed vector, not a handful of counts */
        g_autofree char *n0 = g_strdup_printf ("%s.0", prefix);
        fw_linear_build (m, &e->fc, n0, m->T, H);
        fw_act (m, &e->pre, H);
        fw_act (m, &e->out, H);
      }
      break;
    case FW_TEXT_EMBED:
      {
        g_autofree char *nl = g_strdup_printf ("%s.linear", prefix);
        fw_param (m, &e->table, -1.0f, emb, 2, V, E);
        if (e->per_token)
          {
            /* every token's embedding, time-major like gru's (L, B, E) */
            fw_act (m, &e->embedded, (gsize) L * E);
            break;
          }
        fw_linear_build (m, &e->fc, nl, E, H);
        fw_act (m, &e->embedded, E);
        fw_act (m, &e->pre, H);
        fw_act (m, &e->out, H);
      }
      break;
    case FW_TEXT_GRU:
      {
        g_autofree char *wih = g_strdup_printf ("%s.gru.weight_ih_l0", prefix);
        g_autofree char *whh = g_strdup_printf ("%s.gru.weight_hh_l0", prefix);
        g_autofree char *bih = g_strdup_printf ("%s.gru.bias_ih_l0", prefix);
        g_autofree char *bhh = g_strdup_printf ("%s.gru.bias_hh_l0", prefix);
        float bound = 1.0f / sqrtf ((float) H);
        fw_param (m, &e->table, -1.0f, emb, 2, V, E);
        fw_param (m, &e->w_ih, bound, wih, 2, 3 * H, E);
        fw_param (m, &e->w_hh, bound, whh, 2, 3 * H, H);
        fw_param (m, &e->b_ih, bound, bih, 1, 3 * H);
        fw_param (m, &e->b_hh, bound, bhh, 1, 3 * H);
        fw_act (m, &e->embedded, (gsize) L * E);
        fw_act (m, &e->h_all, (gsize) (L + 1) * H);
        fw_act (m, &e->gates, (gsize) L * 4 * H);
        fw_act (m, &e->out, H);
        fw_scratch_need (m, fw_gru_scratch_floats (m->max_batch, L, H));
      }
      break;
    case FW_TEXT_TRANSFORMER:
      fw_text_transformer_build (m, e, prefix);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
text_encoder_fw (FwModel *m, TextEncoder *e, int B)
{
  int H = m->config.hidden, E = FW_EMBED_DIM, L = FW_MAX_TOKENS;
  switch (e->kind)
    {
    case FW_TEXT_BOW:
      /* counts are a handful of words out of the vocabulary */
      fw_linear_forward_sparse (e->pre, e->nz_index, m->scratch, m->in_counts, e->fc.w, e->fc.b,
                                B, e->fc.in, e->fc.out);
      fw_relu_forward (e->out, e->pre, (gsize) B * H);
      break;
    case FW_TEXT_FEATURES:
      fw_linear_fw (&e->fc, e->pre, m->in_counts, B);
      fw_relu_forward (e->out, e->pre, (gsize) B * H);
      break;
    case FW_TEXT_EMBED:
      if (e->per_token)
        {
          if (!m->text_from_embeddings)
            fw_embedding_forward (e->embedded, m->in_tokens, e->table, B, L, E);
          break;
        }
      if (!m->text_from_embeddings)
        fw_embedding_bag_mean_forward (e->embedded, m->in_tokens, m->in_lens, e->table, B, L, E);
      fw_linear_fw (&e->fc, e->pre, e->embedded, B);
      fw_relu_forward (e->out, e->pre, (gsize) B * H);
      break;
    case FW_TEXT_GRU:
      if (!m->text_from_embeddings)
        fw_embedding_forward (e->embedded, m->in_tokens, e->table, B, L, E);
      /* only as many steps as the batch's longest caption: past it every
       * row just carries its state (time-major, so the first steps of the
       * buffers are the same whatever the count) */
      e->steps = 0;
      for (int b = 0; b < B; b++)
        e->steps = MAX (e->steps, MIN (m->in_lens[b], L));
      fw_gru_forward (e->h_all, e->gates, m->scratch, e->embedded, m->in_lens,
                      e->w_ih, e->w_hh, e->b_ih, e->b_hh, B, e->steps, E, H);
      memcpy (e->out, e->h_all + (gsize) e->steps * B * H, sizeof (float) * B * H);
      break;
    case FW_TEXT_TRANSFORMER:
      fw_text_transformer_fw (m, e, B);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
text_encoder_bw (FwModel *m, TextEncoder *e, int B)
{
  int H = m->config.hidden, E = FW_EMBED_DIM, L = FW_MAX_TOKENS;
  switch (e->kind)
    {
    case FW_TEXT_BOW:
      fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
      fw_linear_backward_sparse (fw_input_grad (m, m->in_counts), DP (m, e->fc.w), DP (m, e->fc.b),
                                 e->nz_index, m->scratch, DA (m, e->pre), m->in_counts,
                                 e->fc.w, B, e->fc.in, e->fc.out);
      break;
    case FW_TEXT_FEATURES:
      fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
      fw_linear_bw (m, &e->fc, fw_input_grad (m, m->in_counts), DA (m, e->pre), m->in_counts, B);
      break;
    case FW_TEXT_EMBED:
      if (e->per_token)
        {
          if (!m->text_from_embeddings)
            fw_embedding_backward (DP (m, e->table), DA (m, e->embedded), m->in_tokens, B, L, E);
          break;
        }
      fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
      fw_linear_bw (m, &e->fc, DA (m, e->embedded), DA (m, e->pre), e->embedded, B);
      if (!m->text_from_embeddings)
        fw_embedding_bag_mean_backward (DP (m, e->table), DA (m, e->embedded), m->in_tokens,
                                        m->in_lens, B, L, E);
      break;
    case FW_TEXT_GRU:
      /* attention fusion reads every step's state, so every state has a gradient */
      fw_gru_backward_steps (DA (m, e->embedded), DP (m, e->w_ih), DP (m, e->w_hh), DP (m, e->b_ih),
                             DP (m, e->b_hh), m->scratch, DA (m, e->out),
                             e->per_token ? DA (m, e->h_all) : NULL, e->h_all, e->gates,
                             e->embedded, m->in_lens, e->w_ih, e->w_hh, B, e->steps, E, H);
      if (!m->text_from_embeddings)
        fw_embedding_backward (DP (m, e->table), DA (m, e->embedded), m->in_tokens, B, L, E);
      break;
    case FW_TEXT_TRANSFORMER:
      fw_text_transformer_bw (m, e, B);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- head: Linear(F→N) + ReLU + Linear(N→K), or Linear(F→K) ----------- */

static void
head_build (FwModel *m, Head *h, const char *prefix, int in)
{
  int N = m->config.head_hidden, K = m->shape.classes;
  g_autofree char *n0 = g_strdup_printf ("%s.0", prefix);
  g_autofree char *n2 = g_strdup_printf ("%s.2", prefix);
  h->hidden = N;
  if (N > 0)
    {
      fw_linear_build (m, &h->fc1, n0, in, N);
      fw_linear_build (m, &h->fc2, n2, N, K);
      fw_act (m, &h->pre, N);
      fw_act (m, &h->mid, N);
    }
  else
    fw_linear_build (m, &h->fc2, n0, in, K);
  fw_act (m, &h->logits, K);
}

static void
head_fw (FwModel *m, Head *h, const float *x, int B)
{
  if (h->hidden > 0)
    {
      fw_linear_fw (&h->fc1, h->pre, x, B);
      fw_relu_forward (h->mid, h->pre, (gsize) B * h->hidden);
      fw_linear_fw (&h->fc2, h->logits, h->mid, B);
    }
  else
    fw_linear_fw (&h->fc2, h->logits, x, B);
}

static void
head_bw (FwModel *m, Head *h, float *dx, const float *x, int B)
{
  if (h->hidden > 0)
    {
      fw_linear_bw (m, &h->fc2, DA (m, h->mid), DA (m, h->logits), h->mid, B);
      fw_relu_backward (DA (m, h->pre), DA (m, h->mid), h->mid, (gsize) B * h->hidden);
      fw_linear_bw (m, &h->fc1, dx, DA (m, h->pre), x, B);
    }
  else
    fw_linear_bw (m, &h->fc2, dx, DA (m, h->logits), x, B);
}

/* ---- intermediate fusion operators ------------------------------------ */

static int
fusion_build (FwModel *m)
{
  Fusion *f = &m->fusion;
  int H = m->config.hidden, R = FW_LOWRANK_RANK;
  f->op = m->config.fusion_op;
  switch (f->op)
    {
    case FW_OP_CONCAT:
      f->width = 2 * H;
      break;
    case FW_OP_SUM:
    case FW_OP_PRODUCT:
      f->width = H;
      break;
    case FW_OP_GATED:
      fw_linear_build (m, &f->image_proj, "fusion.image_proj", H, H);
      fw_linear_build (m, &f->text_proj, "fusion.text_proj", H, H);
      fw_linear_build (m, &f->gate, "fusion.gate", 2 * H, H);
      fw_act (m, &f->hi_pre, H);
      fw_act (m, &f->hi, H);
      fw_act (m, &f->ht_pre, H);
      fw_act (m, &f->ht, H);
      fw_act (m, &f->both, 2 * H);
      fw_act (m, &f->z_pre, H);
      fw_act (m, &f->z, H);
      f->width = H;
      break;
    case FW_OP_TENSOR:
      f->width = (H + 1) * (H + 1);
      break;
    case FW_OP_ATTENTION:
      f->width = fw_attention_fusion_build (m);
      break;
    case FW_OP_LOWRANK:
      /* W·[x;1] is a Linear with bias: one factor per modality, R·H wide */
      fw_linear_build (m, &f->image_proj, "fusion.image_factor", H, R * H);
      fw_linear_build (m, &f->text_proj, "fusion.text_factor", H, R * H);
      fw_act (m, &f->hi, (gsize) R * H);
      fw_act (m, &f->ht, (gsize) R * H);
      f->width = H;
      break;
    default:
      g_assert_not_reached ();
    }
  fw_act (m, &f->out, f->width);
  return f->width;
}

static void
fusion_fw (FwModel *m, const float *xi, const float *xt, int B)
{
  Fusion *f = &m->fusion;
  int H = m->config.hidden, R = FW_LOWRANK_RANK, W = f->width;
  float *out = f->out;
  switch (f->op)
    {
    case FW_OP_ATTENTION:
      fw_attention_fusion_fw (m, B);
      break;
    case FW_OP_CONCAT:
      for (int b = 0; b < B; b++)
        {
          memcpy (out + (gsize) b * W, xi + (gsize) b * H, sizeof (float) * H);
          memcpy (out + (gsize) b * W + H, xt + (gsize) b * H, sizeof (float) * H);
        }
      break;
    case FW_OP_SUM:
      for (gsize i = 0; i < (gsize) B * H; i++)
        out[i] = xi[i] + xt[i];
      break;
    case FW_OP_PRODUCT:
      for (gsize i = 0; i < (gsize) B * H; i++)
        out[i] = xi[i] * xt[i];
      break;
    case FW_OP_GATED:
      fw_linear_fw (&f->image_proj, f->hi_pre, xi, B);
      fw_tanh_forward (f->hi, f->hi_pre, (gsize) B * H);
      fw_linear_fw (&f->text_proj, f->ht_pre, xt, B);
      fw_tanh_forward (f->ht, f->ht_pre, (gsize) B * H);
      for (int b = 0; b < B; b++)
        {
          memcpy (f->both + (gsize) b * 2 * H, xi + (gsize) b * H, sizeof (float) * H);
          memcpy (f->both + (gsize) b * 2 * H + H, xt + (gsize) b * H, sizeof (float) * H);
        }
      fw_linear_fw (&f->gate, f->z_pre, f->both, B);
      fw_sigmoid_forward (f->z, f->z_pre, (gsize) B * H);
      for (gsize i = 0; i < (gsize) B * H; i++)
        out[i] = f->z[i] * f->hi[i] + (1.0f - f->z[i]) * f->ht[i];
      break;
    case FW_OP_TENSOR:
      for (int b = 0; b < B; b++)
        {
          const float *a = xi + (gsize) b * H, *c = xt + (gsize) b * H;
          float *o = out + (gsize) b * W;
          for (int i = 0; i <= H; i++)
            {
              float ai = i < H ? a[i] : 1.0f;
              float *row = o + (gsize) i * (H + 1);
              for (int j = 0; j < H; j++)
                row[j] = ai * c[j];
              row[H] = ai;
            }
        }
      break;
    case FW_OP_LOWRANK:
      fw_linear_fw (&f->image_proj, f->hi, xi, B);
      fw_linear_fw (&f->text_proj, f->ht, xt, B);
      for (int b = 0; b < B; b++)
        {
          const float *a = f->hi + (gsize) b * R * H, *c = f->ht + (gsize) b * R * H;
          float *o = out + (gsize) b * H;
          for (int h = 0; h < H; h++)
            o[h] = 0;
          for (int r = 0; r < R; r++)
            for (int h = 0; h < H; h++)
              o[h] += a[r * H + h] * c[r * H + h];
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
fusion_bw (FwModel *m, float *dxi, float *dxt, const float *xi, const float *xt, int B)
{
  Fusion *f = &m->fusion;
  int H = m->config.hidden, R = FW_LOWRANK_RANK, W = f->width;
  const float *dout = DA (m, f->out);
  switch (f->op)
    {
    case FW_OP_ATTENTION:
      fw_attention_fusion_bw (m, B);
      break;
    case FW_OP_CONCAT:
      for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
          {
            dxi[(gsize) b * H + h] += dout[(gsize) b * W + h];
            dxt[(gsize) b * H + h] += dout[(gsize) b * W + H + h];
          }
      break;
    case FW_OP_SUM:
      for (gsize i = 0; i < (gsize) B * H; i++)
        {
          dxi[i] += dout[i];
          dxt[i] += dout[i];
        }
      break;
    case FW_OP_PRODUCT:
      for (gsize i = 0; i < (gsize) B * H; i++)
        {
          dxi[i] += dout[i] * xt[i];
          dxt[i] += dout[i] * xi[i];
        }
      break;
    case FW_OP_GATED:
      {
        float *dhi = DA (m, f->hi), *dht = DA (m, f->ht), *dz = DA (m, f->z);
        for (gsize i = 0; i < (gsize) B * H; i++)
          {
            dhi[i] += dout[i] * f->z[i];
            dht[i] += dout[i] * (1.0f - f->z[i]);
            dz[i] += dout[i] * (f->hi[i] - f->ht[i]);
          }
        fw_sigmoid_backward (DA (m, f->z_pre), dz, f->z, (gsize) B * H);
        fw_linear_bw (m, &f->gate, DA (m, f->both), DA (m, f->z_pre), f->both, B);
        const float *dboth = DA (m, f->both);
        for (int b = 0; b < B; b++)
          for (int h = 0; h < H; h++)
            {
              dxi[(gsize) b * H + h] += dboth[(gsize) b * 2 * H + h];
              dxt[(gsize) b * H + h] += dboth[(gsize) b * 2 * H + H + h];
            }
        fw_tanh_backward (DA (m, f->hi_pre), dhi, f->hi, (gsize) B * H);
        fw_linear_bw (m, &f->image_proj, dxi, DA (m, f->hi_pre), xi, B);
        fw_tanh_backward (DA (m, f->ht_pre), dht, f->ht, (gsize) B * H);
        fw_linear_bw (m, &f->text_proj, dxt, DA (m, f->ht_pre), xt, B);
      }
      break;
    case FW_OP_TENSOR:
      for (int b = 0; b < B; b++)
        {
          const float *a = xi + (gsize) b * H, *c = xt + (gsize) b * H;
          const float *d = dout + (gsize) b * W;
          float *da = dxi + (gsize) b * H, *dc = dxt + (gsize) b * H;
          for (int i = 0; i <= H; i++)
            {
              float ai = i < H ? a[i] : 1.0f;
              const float *row = d + (gsize) i * (H + 1);
              float s = 0;
              for (int j = 0; j < H; j++)
                {
                  s += row[j] * c[j];
                  dc[j] += row[j] * ai;
                }
              s += row[H];
              if (i < H)
                da[i] += s;
            }
        }
      break;
    case FW_OP_LOWRANK:
      {
        float *dhi = DA (m, f->hi), *dht = DA (m, f->ht);
        for (int b = 0; b < B; b++)
          for (int r = 0; r < R; r++)
            for (int h = 0; h < H; h++)
              {
                gsize k = (gsize) b * R * H + (gsize) r * H + h;
                float g = dout[(gsize) b * H + h];
                dhi[k] += g * f->ht[k];
                dht[k] += g * f->hi[k];
              }
        fw_linear_bw (m, &f->image_proj, dxi, dhi, xi, B);
        fw_linear_bw (m, &f->text_proj, dxt, dht, xt, B);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- early fusion: [pixels ; text vector] → Linear + ReLU -------------- */

static void
early_build (FwModel *m)
{
  Early *e = &m->early;
  int H = m->config.hidden;
  e->text_width = m->uses_tokens ? FW_EMBED_DIM : m->T;   /* bow counts or text vectors */
  if (m->config.text_encoder == FW_TEXT_EMBED)
    {
      fw_param (m, &e->table, -1.0f, "text_embedding.weight", 2, m->shape.vocab, FW_EMBED_DIM);
      fw_act (m, &e->embedded, FW_EMBED_DIM);
    }
  fw_act (m, &e->joined, (gsize) m->P + e->text_width);
  if (m->config.text_encoder != FW_TEXT_EMBED)  /* e->table is not patched in yet */
    fw_act_grad (m, GRAD_INPUT);   /* see early_bw */
  fw_linear_build (m, &e->fc, "encoder.0", m->P + e->text_width, H);
  fw_act (m, &e->pre, H);
  fw_act (m, &e->out, H);
}

static void
early_fw (FwModel *m, int B)
{
  Early *e = &m->early;
  int P = m->P, T = e->text_width, J = P + T, H = m->config.hidden;
  const float *text = m->in_counts;
  if (e->table)
    {
      if (!m->text_from_embeddings)
        fw_embedding_bag_mean_forward (e->embedded, m->in_tokens, m->in_lens, e->table, B,
                                       FW_MAX_TOKENS, FW_EMBED_DIM);
      text = e->embedded;
    }
  for (int b = 0; b < B; b++)
    {
      memcpy (e->joined + (gsize) b * J, m->in_image + (gsize) b * P, sizeof (float) * P);
      memcpy (e->joined + (gsize) b * J + P, text + (gsize) b * T, sizeof (float) * T);
    }
  fw_linear_fw (&e->fc, e->pre, e->joined, B);
  fw_relu_forward (e->out, e->pre, (gsize) B * H);
}

static void
early_bw (FwModel *m, int B)
{
  Early *e = &m->early;
  int P = m->P, T = e->text_width, J = P + T, H = m->config.hidden;
  fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
  if (!e->table && !m->want_input_grads)
    {
      fw_linear_bw (m, &e->fc, NULL, DA (m, e->pre), e->joined, B);
      return;
    }
  fw_linear_bw (m, &e->fc, DA (m, e->joined), DA (m, e->pre), e->joined, B);
  const float *dj = DA (m, e->joined);
  float *dimg = DA (m, m->in_image);
  float *dtext = e->table ? DA (m, e->embedded) : DA (m, m->in_counts);
  for (int b = 0; b < B; b++)
    {
      /* unwanted input gradients are not zeroed (fw_model_backward) */
      for (int i = 0; m->want_input_grads && i < P; i++)
        dimg[(gsize) b * P + i] += dj[(gsize) b * J + i];
      for (int i = 0; i < T; i++)
        dtext[(gsize) b * T + i] += dj[(gsize) b * J + P + i];
    }
  if (e->table && !m->text_from_embeddings)
    fw_embedding_bag_mean_backward (DP (m, e->table), DA (m, e->embedded), m->in_tokens,
                                    m->in_lens, B, FW_MAX_TOKENS, FW_EMBED_DIM);
}

/* ---- late fusion: combine the two branches' predictions --------------- */

static void
late_build (FwModel *m)
{
  int K = m->shape.classes;
  Late *l = &m->late;
  l->combine = m->config.late_combine;
  if (l->combine == FW_LATE_WEIGHTED)
    fw_param (m, &l->weights, 0.0f, "late.weights", 1, 2);
  else if (l->combine == FW_LATE_STACKING)
    {
      fw_linear_build (m, &l->stack, "late.stack", 2 * K, K);
      fw_act (m, &l->both, 2 * K);
    }
  fw_act (m, &l->probs_i, K);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &l->probs_t, K);
  fw_act_grad (m, GRAD_NEVER);
  fw_scratch_need (m, (gsize) m->max_batch * K);  /* fw_model_backward_probs */
  fw_act (m, &l->losses_i, 1);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &l->losses_t, 1);
  fw_act_grad (m, GRAD_NEVER);
}

/* the two modality weights of late-weighted fusion, softmax of the params */
static void
late_weights (const Late *l, float w[2])
{
  float a = l->weights[0], b = l->weights[1], mx = MAX (a, b);
  float ea = expf (a - mx), eb = expf (b - mx);
  w[0] = ea / (ea + eb);
  w[1] = eb / (ea + eb);
}

static void
late_fw (FwModel *m, int B)
{
  Late *l = &m->late;
  int K = m->shape.classes;
  const float *li = m->image_head.logits, *lt = m->text_head.logits;
  fw_softmax_xent_forward (l->losses_i, l->probs_i, li, m->in_labels, B, K);
  fw_softmax_xent_forward (l->losses_t, l->probs_t, lt, m->in_labels, B, K);
  if (l->combine == FW_LATE_STACKING)
    {
      for (int b = 0; b < B; b++)
        {
          memcpy (l->both + (gsize) b * 2 * K, li + (gsize) b * K, sizeof (float) * K);
          memcpy (l->both + (gsize) b * 2 * K + K, lt + (gsize) b * K, sizeof (float) * K);
        }
      fw_linear_fw (&l->stack, m->logits, l->both, B);
      fw_softmax_xent_forward (m->losses, m->probs, m->logits, m->in_labels, B, K);
      return;
    }
  float w[2] = { 0.5f, 0.5f };
  if (l->combine == FW_LATE_WEIGHTED)
    late_weights (l, w);
  for (gsize i = 0; i < (gsize) B * K; i++)
    {
      m->probs[i] = w[0] * l->probs_i[i] + w[1] * l->probs_t[i];
      m->logits[i] = logf (MAX (m->probs[i], 1e-30f));
    }
  for (int b = 0; b < B; b++)
    m->losses[b] = -m->logits[(gsize) b * K + m->in_labels[b]];
}

static void
late_bw (FwModel *m, int B)
{
  Late *l = &m->late;
  int K = m->shape.classes;
  float inv_b = 1.0f / (float) B;
  float *dli = DA (m, m->image_head.logits), *dlt = DA (m, m->text_head.logits);
  /* each branch also learns on its own: the auxiliary losses */
  fw_softmax_xent_backward (dli, l->probs_i, m->in_labels, inv_b, B, K);
  fw_softmax_xent_backward (dlt, l->probs_t, m->in_labels, inv_b, B, K);
  if (l->combine == FW_LATE_STACKING)
    {
      fw_softmax_xent_backward (DA (m, m->logits), m->probs, m->in_labels, inv_b, B, K);
      fw_linear_bw (m, &l->stack, DA (m, l->both), DA (m, m->logits), l->both, B);
      const float *db = DA (m, l->both);
      for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++)
          {
            dli[(gsize) b * K + k] += db[(gsize) b * 2 * K + k];
            dlt[(gsize) b * K + k] += db[(gsize) b * 2 * K + K + k];
          }
      return;
    }
  /* loss = −log Σ_m w_m p_m[y]; through each branch's softmax */
  float w[2] = { 0.5f, 0.5f };
  if (l->combine == FW_LATE_WEIGHTED)
    late_weights (l, w);
  double dw[2] = { 0, 0 };
  for (int b = 0; b < B; b++)
    {
      int y = m->in_labels[b];
      const float *pi = l->probs_i + (gsize) b * K, *pt = l->probs_t + (gsize) b * K;
      float p = MAX (m->probs[(gsize) b * K + y], 1e-30f);
      float gi = -w[0] * pi[y] / p * inv_b, gt = -w[1] * pt[y] / p * inv_b;
      for (int k = 0; k < K; k++)
        {
          float delta = k == y ? 1.0f : 0.0f;
          dli[(gsize) b * K + k] += gi * (delta - pi[k]);
          dlt[(gsize) b * K + k] += gt * (delta - pt[k]);
        }
      dw[0] += -pi[y] / p * inv_b;
      dw[1] += -pt[y] / p * inv_b;
    }
  if (l->combine == FW_LATE_WEIGHTED)
    {
      float *da = DP (m, l->weights);
      for (int k = 0; k < 2; k++)
        for (int j = 0; j < 2; j++)
          da[k] += (float) (dw[j] * w[j] * ((j == k) - w[k]));
    }
}

/* ---------------------------------------------------------------------- */

FwModel *
fw_model_new (const FwConfig *config, const FwShape *shape, int max_batch, GError **error)
{
  return fw_model_new_limited (config, shape, max_batch, 0, error);
}

/* The model's layout (its parameter list and the offsets of its parameters
 * and activations) with nothing allocated yet. */
static FwModel *
model_layout (const FwConfig *config, const FwShape *shape, int max_batch, GError **error)
{
  if (!fw_config_validate (config, error))
    return NULL;
  if (shape->classes < 2 || shape->vocab < 2 || shape->size < 1
      || (shape->channels != 1 && shape->channels != 3))
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("the data needs at least two classes (it has %d)"), shape->classes);
      return NULL;
    }

  gboolean image_features = config->image_encoder == FW_IMAGE_FEATURES
                            && config->fusion != FW_FUSION_TEXT;
  gboolean text_features = config->text_encoder == FW_TEXT_FEATURES
                           && config->fusion != FW_FUSION_IMAGE;
  if ((image_features && shape->image_features < 1) || (text_features && shape->text_features < 1))
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   image_features && shape->image_features < 1
                   ? _("--image-encoder features reads one precomputed vector per row: give "
                       "them with --image-features FILE (safetensors or .npy, rows × D)")
                   : _("--text-encoder features reads one precomputed vector per row: give "
                       "them with --text-features FILE (safetensors or .npy, rows × D)"));
      return NULL;
    }

  FwModel *m = g_new0 (FwModel, 1);
  m->config = *config;
  m->shape = *shape;
  /* a shape carries only the vector widths its model reads */
  if (!image_features)
    m->shape.image_features = 0;
  if (!text_features)
    m->shape.text_features = 0;
  m->max_batch = max_batch;
  m->P = image_features ? shape->image_features : shape->channels * shape->size * shape->size;
  m->T = text_features ? shape->text_features : shape->vocab;
  m->param_list = g_array_new (FALSE, TRUE, sizeof (FwParam));
  m->param_init = g_array_new (FALSE, TRUE, sizeof (float));
  m->param_patches = g_array_new (FALSE, TRUE, sizeof (FloatPatch));
  m->act_patches = g_array_new (FALSE, TRUE, sizeof (FloatPatch));
  m->iact_patches = g_array_new (FALSE, TRUE, sizeof (IntPatch));

  FwFusion fusion = config->fusion;
  m->uses_tokens = config->text_encoder != FW_TEXT_BOW && config->text_encoder != FW_TEXT_FEATURES;

  /* inputs live in the activation block, so their gradients come for free */
  fw_act (m, &m->in_image, m->P);
  fw_act_grad (m, GRAD_INPUT);
  if (!m->uses_tokens)
    {
      fw_act (m, &m->in_counts, m->T);
      fw_act_grad (m, GRAD_INPUT);
    }
  fw_iact (m, &m->in_tokens, FW_MAX_TOKENS);
  fw_iact (m, &m->in_lens, 1);
  fw_iact (m, &m->in_labels, 1);

  switch (fusion)
    {
    case FW_FUSION_EARLY:
      early_build (m);
      head_build (m, &m->head, "head", config->hidden);
      break;
    case FW_FUSION_INTERMEDIATE:
      image_encoder_build (m, &m->image_encoder, "image_encoder");
      text_encoder_build (m, &m->text_encoder, "text_encoder");
      head_build (m, &m->head, "head", fusion_build (m));
      break;
    case FW_FUSION_LATE:
      image_encoder_build (m, &m->image_encoder, "image_encoder");
      head_build (m, &m->image_head, "image_head", config->hidden);
      text_encoder_build (m, &m->text_encoder, "text_encoder");
      head_build (m, &m->text_head, "text_head", config->hidden);
      late_build (m);
      break;
    case FW_FUSION_IMAGE:
      image_encoder_build (m, &m->image_encoder, "image_encoder");
      head_build (m, &m->head, "head", config->hidden);
      break;
    case FW_FUSION_TEXT:
      text_encoder_build (m, &m->text_encoder, "text_encoder");
      head_build (m, &m->head, "head", config->hidden);
      break;
    default:
      g_assert_not_reached ();
    }
  if (fusion == FW_FUSION_LATE)
    fw_act (m, &m->logits, shape->classes);
  fw_act (m, &m->probs, shape->classes);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &m->losses, 1);
  fw_act_grad (m, GRAD_NEVER);
  return m;
}

FwModel *
fw_model_new_limited (const FwConfig *config, const FwShape *shape, int max_batch,
                      gsize max_params, GError **error)
{
  g_return_val_if_fail (config && shape && max_batch > 0, NULL);
  FwModel *m = model_layout (config, shape, max_batch, error);
  if (!m)
    return NULL;

  /* a model file's config must not make us allocate more than its tensors hold */
  if (max_params > 0 && m->n_params > max_params)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("its config needs %zu parameters but the file holds %zu"),
                   m->n_params, max_params);
      fw_model_free (m);
      return NULL;
    }

  m->params = g_new0 (float, MAX (m->n_params, 1));
  m->grads = g_new0 (float, MAX (m->n_params, 1));
  m->act = g_new0 (float, m->n_act);
  m->dact = g_new0 (float, m->n_act);
  m->iact = g_new0 (int, m->n_iact);
  m->scratch = g_new0 (float, MAX (m->n_scratch, 1));
  for (guint i = 0; i < m->param_patches->len; i++)
    {
      FloatPatch *p = &g_array_index (m->param_patches, FloatPatch, i);
      *p->pp = m->params + p->offset;
    }
  for (guint i = 0; i < m->act_patches->len; i++)
    {
      FloatPatch *p = &g_array_index (m->act_patches, FloatPatch, i);
      *p->pp = m->act + p->offset;
    }
  for (guint i = 0; i < m->iact_patches->len; i++)
    {
      IntPatch *p = &g_array_index (m->iact_patches, IntPatch, i);
      *p->pp = m->iact + p->offset;
    }
  if (config->fusion != FW_FUSION_LATE)
    m->logits = m->head.logits;
  fw_model_init_params (m, config->seed);
  return m;
}

void
fw_model_free (FwModel *m)
{
  if (!m)
    return;
  for (guint i = 0; i < m->param_list->len; i++)
    g_free (g_array_index (m->param_list, FwParam, i).name);
  g_array_unref (m->param_list);
  g_free (m->training_rows);
  g_array_unref (m->param_init);
  g_array_unref (m->param_patches);
  g_array_unref (m->act_patches);
  g_array_unref (m->iact_patches);
  g_free (m->params);
  g_free (m->grads);
  g_free (m->act);
  g_free (m->dact);
  g_free (m->iact);
  g_free (m->scratch);
  g_free (m);
}

void
fw_model_init_params (FwModel *m, guint64 seed)
{
  guint64 rng = seed ^ G_GUINT64_CONSTANT (0x5EED0F1A7E5EED00);
  for (guint i = 0; i < m->param_list->len; i++)
    {
      const FwParam *p = &g_array_index (m->param_list, FwParam, i);
      float bound = g_array_index (m->param_init, float, i);
      float *v = m->params + p->offset;
      for (gsize j = 0; j < p->size; j++)
        {
          if (bound == FW_INIT_ONES)
            v[j] = 1.0f;
          else if (bound > 0)
            v[j] = (2.0f * fw_rng_uniform (&rng) - 1.0f) * bound;
          else if (bound < 0)
            v[j] = fw_rng_normal (&rng);
          else
            v[j] = 0.0f;
        }
    }
}

const FwConfig *fw_model_get_config (const FwModel *m) { return &m->config; }
const char *fw_model_get_training_rows (const FwModel *m) { return m->training_rows; }

void
fw_model_set_training_rows (FwModel *m, const char *fingerprint)
{
  g_return_if_fail (m != NULL);
  g_free (m->training_rows);
  m->training_rows = g_strdup (fingerprint);
}
const FwShape *fw_model_get_shape (const FwModel *m) { return &m->shape; }
int fw_model_max_batch (const FwModel *m) { return m->max_batch; }
float *fw_model_params (FwModel *m) { return m->params; }
float *fw_model_grads (FwModel *m) { return m->grads; }
gsize fw_model_n_params (const FwModel *m) { return m->n_params; }

GArray *
fw_model_count_block_params (const FwConfig *config, const FwShape *shape, GError **error)
{
  g_return_val_if_fail (config && shape, NULL);
  FwModel *m = model_layout (config, shape, 1, error);
  if (!m)
    return NULL;

  GArray *blocks = g_array_new (FALSE, TRUE, sizeof (FwBlockParams));
  for (guint i = 0; i < m->param_list->len; i++)
    {
      const FwParam *p = &g_array_index (m->param_list, FwParam, i);
      gsize len = strcspn (p->name, ".");
      FwBlockParams *last = blocks->len ? &g_array_index (blocks, FwBlockParams, blocks->len - 1) : NULL;
      if (!last || strlen (last->name) != len || strncmp (last->name, p->name, len) != 0)
        {
          FwBlockParams b = { { 0 }, 0 };
          g_strlcpy (b.name, p->name, MIN (len + 1, sizeof b.name));
          g_array_append_val (blocks, b);
          last = &g_array_index (blocks, FwBlockParams, blocks->len - 1);
        }
      last->params += p->size;
    }
  fw_model_free (m);
  return blocks;
}

gsize
fw_model_activation_bytes (const FwModel *m)
{
  /* act and dact are twins; scratch holds at least one float */
  return 2 * m->n_act * sizeof (float) + m->n_iact * sizeof (int)
         + MAX (m->n_scratch, 1) * sizeof (float);
}
float *fw_model_input_image (FwModel *m) { return m->in_image; }
float *fw_model_input_counts (FwModel *m) { return m->in_counts; }
int *fw_model_input_tokens (FwModel *m) { return m->in_tokens; }
int *fw_model_input_lens (FwModel *m) { return m->in_lens; }
int *fw_model_input_labels (FwModel *m) { return m->in_labels; }
gboolean fw_model_uses_tokens (const FwModel *m) { return m->uses_tokens; }
const float *fw_model_probs (const FwModel *m) { return m->probs; }
const float *fw_model_logits (const FwModel *m) { return m->logits; }
const float *fw_model_losses (const FwModel *m) { return m->losses; }
const float *fw_model_input_image_grad (const FwModel *m) { return DA (m, m->in_image); }
void fw_model_want_input_grads (FwModel *m, gboolean want) { m->want_input_grads = want; }

const float *
fw_model_input_text_grad (const FwModel *m)
{
  if (!m->uses_tokens)
    return DA (m, m->in_counts);
  if (m->config.fusion == FW_FUSION_EARLY)
    return DA (m, m->early.embedded);
  return DA (m, m->text_encoder.embedded);
}

const FwParam *
fw_model_param_list (const FwModel *m, int *n)
{
  if (n)
    *n = (int) m->param_list->len;
  return (const FwParam *) m->param_list->data;
}

const FwParam *
fw_model_find_param (const FwModel *m, const char *name)
{
  for (guint i = 0; i < m->param_list->len; i++)
    {
      const FwParam *p = &g_array_index (m->param_list, FwParam, i);
      if (strcmp (p->name, name) == 0)
        return p;
    }
  return NULL;
}

static double
mean (const float *v, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  return n > 0 ? s / n : 0.0;
}

double
fw_model_forward (FwModel *m, int B)
{
  g_return_val_if_fail (B > 0 && B <= m->max_batch, NAN);
  int K = m->shape.classes;
  m->batch = B;
  switch (m->config.fusion)
    {
    case FW_FUSION_EARLY:
      early_fw (m, B);
      head_fw (m, &m->head, m->early.out, B);
      break;
    case FW_FUSION_INTERMEDIATE:
      image_encoder_fw (m, &m->image_encoder, m->in_image, B);
      text_encoder_fw (m, &m->text_encoder, B);
      fusion_fw (m, m->image_encoder.out, m->text_encoder.out, B);
      head_fw (m, &m->head, m->fusion.out, B);
      break;
    case FW_FUSION_LATE:
      image_encoder_fw (m, &m->image_encoder, m->in_image, B);
      head_fw (m, &m->image_head, m->image_encoder.out, B);
      text_encoder_fw (m, &m->text_encoder, B);
      head_fw (m, &m->text_head, m->text_encoder.out, B);
      late_fw (m, B);
      return mean (m->losses, B);
    case FW_FUSION_IMAGE:
      image_encoder_fw (m, &m->image_encoder, m->in_image, B);
      head_fw (m, &m->head, m->image_encoder.out, B);
      break;
    case FW_FUSION_TEXT:
      text_encoder_fw (m, &m->text_encoder, B);
      head_fw (m, &m->head, m->text_encoder.out, B);
      break;
    default:
      g_assert_not_reached ();
    }
  fw_softmax_xent_forward (m->losses, m->probs, m->logits, m->in_labels, B, K);
  return mean (m->losses, B);
}

gboolean
fw_model_has_features (const FwModel *m)
{
  /* attention fusion has tokens, not one feature vector per modality */
  return (m->config.fusion == FW_FUSION_INTERMEDIATE && !fw_model_fuses_tokens (m))
         || m->config.fusion == FW_FUSION_LATE;
}

float *fw_model_image_features (FwModel *m) { return m->image_encoder.out; }
float *fw_model_text_features (FwModel *m) { return m->text_encoder.out; }

void
fw_model_encode (FwModel *m, int B)
{
  g_return_if_fail (fw_model_has_features (m) && B > 0 && B <= m->max_batch);
  m->batch = 0;   /* no backward through a half forward */
  image_encoder_fw (m, &m->image_encoder, m->in_image, B);
  text_encoder_fw (m, &m->text_encoder, B);
}

double
fw_model_forward_features (FwModel *m, int B)
{
  g_return_val_if_fail (fw_model_has_features (m) && B > 0 && B <= m->max_batch, NAN);
  m->batch = 0;
  if (m->config.fusion == FW_FUSION_LATE)
    {
      head_fw (m, &m->image_head, m->image_encoder.out, B);
      head_fw (m, &m->text_head, m->text_encoder.out, B);
      late_fw (m, B);
      return mean (m->losses, B);
    }
  fusion_fw (m, m->image_encoder.out, m->text_encoder.out, B);
  head_fw (m, &m->head, m->fusion.out, B);
  fw_softmax_xent_forward (m->losses, m->probs, m->logits, m->in_labels, B, m->shape.classes);
  return mean (m->losses, B);
}

double
fw_model_objective (FwModel *m, int B)
{
  double loss = mean (m->losses, B);
  if (m->config.fusion == FW_FUSION_LATE)
    loss += mean (m->late.losses_i, B) + mean (m->late.losses_t, B);
  return loss;
}

/* Zero only the gradients something adds into, and only B rows of them:
 * the whole block of a CNN is megabytes, and the input gradients alone
 * are pixels plus vocabulary per row. */
static void
zero_gradients (FwModel *m, int B)
{
  memset (m->grads, 0, sizeof (float) * m->n_params);
  for (guint i = 0; i < m->act_patches->len; i++)
    {
      const FloatPatch *p = &g_array_index (m->act_patches, FloatPatch, i);
      if (p->grad == GRAD_ALWAYS || (p->grad == GRAD_INPUT && m->want_input_grads))
        memset (m->dact + p->offset, 0, sizeof (float) * p->per_row * B);
    }
}

/* Everything below the logits of every head, once their gradients are seeded. */
static void
backward_body (FwModel *m, int B)
{
  ImageEncoder *ie = &m->image_encoder;
  TextEncoder *te = &m->text_encoder;
  switch (m->config.fusion)
    {
    case FW_FUSION_EARLY:
      head_bw (m, &m->head, DA (m, m->early.out), m->early.out, B);
      early_bw (m, B);
      break;
    case FW_FUSION_INTERMEDIATE:
      head_bw (m, &m->head, DA (m, m->fusion.out), m->fusion.out, B);
      if (fw_model_fuses_tokens (m))   /* the encoders have no pooled outputs */
        fusion_bw (m, NULL, NULL, NULL, NULL, B);
      else
        fusion_bw (m, DA (m, ie->out), DA (m, te->out), ie->out, te->out, B);
      image_encoder_bw (m, ie, fw_input_grad (m, m->in_image), m->in_image, B);
      text_encoder_bw (m, te, B);
      break;
    case FW_FUSION_LATE:
      head_bw (m, &m->image_head, DA (m, ie->out), ie->out, B);
      head_bw (m, &m->text_head, DA (m, te->out), te->out, B);
      image_encoder_bw (m, ie, fw_input_grad (m, m->in_image), m->in_image, B);
      text_encoder_bw (m, te, B);
      break;
    case FW_FUSION_IMAGE:
      head_bw (m, &m->head, DA (m, ie->out), ie->out, B);
      image_encoder_bw (m, ie, fw_input_grad (m, m->in_image), m->in_image, B);
      break;
    case FW_FUSION_TEXT:
      head_bw (m, &m->head, DA (m, te->out), te->out, B);
      text_encoder_bw (m, te, B);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
fw_model_backward (FwModel *m, int B)
{
  g_return_if_fail (B == m->batch);
  int K = m->shape.classes;
  zero_gradients (m, B);
  if (m->config.fusion == FW_FUSION_LATE)
    late_bw (m, B);
  else
    fw_softmax_xent_backward (DA (m, m->logits), m->probs, m->in_labels, 1.0f / (float) B, B, K);
  backward_body (m, B);
}

/* dlogits += J_softmaxᵀ·dprobs, row by row: p_k (dp_k − Σ_j p_j dp_j) */
static void
softmax_seed (float *dlogits, const float *probs, const float *dprobs, int B, int K)
{
  for (int b = 0; b < B; b++)
    {
      const float *p = probs + (gsize) b * K, *dp = dprobs + (gsize) b * K;
      double dot = 0;
      for (int k = 0; k < K; k++)
        dot += (double) p[k] * dp[k];
      for (int k = 0; k < K; k++)
        dlogits[(gsize) b * K + k] += p[k] * (float) (dp[k] - dot);
    }
}

void
fw_model_backward_probs (FwModel *m, int B, const float *dprobs)
{
  g_return_if_fail (B == m->batch && dprobs != NULL);
  int K = m->shape.classes;
  zero_gradients (m, B);
  if (m->config.fusion != FW_FUSION_LATE)
    softmax_seed (DA (m, m->logits), m->probs, dprobs, B, K);
  else if (m->late.combine == FW_LATE_STACKING)
    {
      Late *l = &m->late;
      softmax_seed (DA (m, m->logits), m->probs, dprobs, B, K);
      fw_linear_bw (m, &l->stack, DA (m, l->both), DA (m, m->logits), l->both, B);
      const float *db = DA (m, l->both);
      float *dli = DA (m, m->image_head.logits), *dlt = DA (m, m->text_head.logits);
      for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++)
          {
            dli[(gsize) b * K + k] += db[(gsize) b * 2 * K + k];
            dlt[(gsize) b * K + k] += db[(gsize) b * 2 * K + K + k];
          }
    }
  else
    {
      /* probs = w_i p_i + w_t p_t: each branch sees its weight times dprobs */
      Late *l = &m->late;
      float w[2] = { 0.5f, 0.5f };
      if (l->combine == FW_LATE_WEIGHTED)
        late_weights (l, w);
      float *scaled = m->scratch;   /* free between passes; holds (B, K) easily */
      double dw[2] = { 0, 0 };
      for (gsize i = 0; i < (gsize) B * K; i++)
        {
          dw[0] += (double) dprobs[i] * l->probs_i[i];
          dw[1] += (double) dprobs[i] * l->probs_t[i];
        }
      for (gsize i = 0; i < (gsize) B * K; i++)
        scaled[i] = w[0] * dprobs[i];
      softmax_seed (DA (m, m->image_head.logits), l->probs_i, scaled, B, K);
      for (gsize i = 0; i < (gsize) B * K; i++)
        scaled[i] = w[1] * dprobs[i];
      softmax_seed (DA (m, m->text_head.logits), l->probs_t, scaled, B, K);
      if (l->combine == FW_LATE_WEIGHTED)
        {
          float *da = DP (m, l->weights);
          for (int k = 0; k < 2; k++)
            for (int j = 0; j < 2; j++)
              da[k] += (float) (dw[j] * w[j] * ((j == k) - w[k]));
        }
    }
  backward_body (m, B);
}

/* ---- text from embeddings ------------------------------------------------ */

static float *
text_embedded (const FwModel *m)
{
  if (!m->uses_tokens)
    return NULL;
  if (m->config.fusion == FW_FUSION_EARLY)
    return m->early.embedded;
  if (m->config.fusion == FW_FUSION_IMAGE)
    return NULL;
  return m->text_encoder.embedded;
}

gboolean
fw_model_text_from_embeddings (FwModel *m, gboolean on)
{
  g_return_val_if_fail (!on || text_embedded (m) != NULL, FALSE);
  gboolean was = m->text_from_embeddings;
  m->text_from_embeddings = on;
  return was;
}

float *
fw_model_input_embedded (FwModel *m)
{
  return text_embedded (m);
}

void
fw_model_embed_tokens (FwModel *m, int B)
{
  g_return_if_fail (B > 0 && B <= m->max_batch);
  float *out = text_embedded (m);
  g_return_if_fail (out != NULL);
  const float *table = m->config.fusion == FW_FUSION_EARLY ? m->early.table : m->text_encoder.table;
  if (fw_model_embeds_per_token (m))
    fw_embedding_forward (out, m->in_tokens, table, B, FW_MAX_TOKENS, FW_EMBED_DIM);
  else
    fw_embedding_bag_mean_forward (out, m->in_tokens, m->in_lens, table, B, FW_MAX_TOKENS,
                                   FW_EMBED_DIM);
}

gboolean
fw_model_embeds_per_token (const FwModel *m)
{
  return text_embedded (m) != NULL
         && (m->config.text_encoder == FW_TEXT_GRU || m->config.text_encoder == FW_TEXT_TRANSFORMER
             || fw_model_fuses_tokens (m));
}

const float *
fw_model_embedding_table (const FwModel *m)
{
  if (!m->uses_tokens || m->config.fusion == FW_FUSION_IMAGE)
    return NULL;
  return m->config.fusion == FW_FUSION_EARLY ? m->early.table : m->text_encoder.table;
}
