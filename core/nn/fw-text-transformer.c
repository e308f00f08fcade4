/* fw-text-transformer.c — the Transformer text encoder: token plus learned
 * position embeddings, `layers` pre-LN encoder blocks (masked multi-head
 * self-attention, then a GELU feed-forward layer 4·E wide), a final
 * LayerNorm, the mean over the real tokens, Linear(E→H) + ReLU.  Parameter
 * names are those of PyTorch's nn.TransformerEncoder(norm=nn.LayerNorm) so
 * the exported state_dict loads as it is.  The arithmetic is in
 * fw-kernels-attention.c and fw-kernels.c; the token lookup is shared with
 * gru (time-major embedded, which contrib also reads).
 *
 * Shape key: B batch, L = FW_MAX_TOKENS, S steps (the batch's longest
 * caption), E = FW_EMBED_DIM, nh heads, H encoder width. */
#include "fw-model-private.h"

#include <math.h>
#include <string.h>

#include "fw-kernels.h"
#include "fw-kernels-attention.h"

#define FF_MULT 4            /* feed-forward width 4·E, as the issue asks */

static void
layer_norm_build (FwModel *m, float **w, float **b, const char *prefix)
{
  g_autofree char *wn = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *bn = g_strdup_printf ("%s.bias", prefix);
  fw_param (m, w, FW_INIT_ONES, wn, 1, FW_EMBED_DIM);
  fw_param (m, b, 0.0f, bn, 1, FW_EMBED_DIM);
}

/* The blocks' activations are sized for FW_MAX_TOKENS but a batch uses
 * its longest caption's steps: their gradients are zeroed by the
 * encoder's backward over B·steps rows (zero_block_grads) instead of over
 * the whole buffer by fw_model_backward. */
static void
act_zeroed_here (FwModel *m, float **pp, gsize per_row)
{
  fw_act (m, pp, per_row);
  fw_act_grad (m, GRAD_NEVER);
}

/* the per-row activations of a LayerNorm over (L, E) rows */
static void
layer_norm_acts (FwModel *m, float **out, float **mean, float **rstd, gboolean zeroed_here)
{
  fw_act (m, out, (gsize) FW_MAX_TOKENS * FW_EMBED_DIM);
  if (zeroed_here)
    fw_act_grad (m, GRAD_NEVER);
  fw_act (m, mean, FW_MAX_TOKENS);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, rstd, FW_MAX_TOKENS);
  fw_act_grad (m, GRAD_NEVER);
}

static void
block_build (FwModel *m, FwTransformerBlock *k, const char *prefix, int nh)
{
  int E = FW_EMBED_DIM, F = FF_MULT * E, L = FW_MAX_TOKENS;
  g_autofree char *ipw = g_strdup_printf ("%s.self_attn.in_proj_weight", prefix);
  g_autofree char *ipb = g_strdup_printf ("%s.self_attn.in_proj_bias", prefix);
  g_autofree char *opw = g_strdup_printf ("%s.self_attn.out_proj.weight", prefix);
  g_autofree char *opb = g_strdup_printf ("%s.self_attn.out_proj.bias", prefix);
  g_autofree char *l1 = g_strdup_printf ("%s.linear1", prefix);
  g_autofree char *l2 = g_strdup_printf ("%s.linear2", prefix);
  g_autofree char *n1 = g_strdup_printf ("%s.norm1", prefix);
  g_autofree char *n2 = g_strdup_printf ("%s.norm2", prefix);

  /* nn.MultiheadAttention._reset_parameters: xavier_uniform_ over the
   * (3E, E) in_proj, zero biases; out_proj's weight keeps nn.Linear's */
  fw_param (m, &k->in_proj_w, sqrtf (6.0f / (float) (E + 3 * E)), ipw, 2, 3 * E, E);
  fw_param (m, &k->in_proj_b, 0.0f, ipb, 1, 3 * E);
  k->out_proj.in = k->out_proj.out = E;
  fw_param (m, &k->out_proj.w, 1.0f / sqrtf ((float) E), opw, 2, E, E);
  fw_param (m, &k->out_proj.b, 0.0f, opb, 1, E);
  fw_linear_build (m, &k->linear1, l1, E, F);
  fw_linear_build (m, &k->linear2, l2, F, E);
  layer_norm_build (m, &k->norm1_w, &k->norm1_b, n1);
  layer_norm_build (m, &k->norm2_w, &k->norm2_b, n2);

  layer_norm_acts (m, &k->ln1, &k->ln1_mean, &k->ln1_rstd, TRUE);
  act_zeroed_here (m, &k->q, (gsize) L * E);
  act_zeroed_here (m, &k->k, (gsize) L * E);
  act_zeroed_here (m, &k->v, (gsize) L * E);
  act_zeroed_here (m, &k->att, (gsize) nh * L * L);   /* its backward works in scratch */
  act_zeroed_here (m, &k->ctx, (gsize) L * E);
  act_zeroed_here (m, &k->x_mid, (gsize) L * E);
  layer_norm_acts (m, &k->ln2, &k->ln2_mean, &k->ln2_rstd, TRUE);
  act_zeroed_here (m, &k->ff_pre, (gsize) L * F);
  act_zeroed_here (m, &k->ff_act, (gsize) L * F);
  act_zeroed_here (m, &k->x_out, (gsize) L * E);
}

static void
zero_block_grads (FwModel *m, FwTransformerBlock *k, gsize N)
{
  gsize E = FW_EMBED_DIM, F = FF_MULT * E;
  float *const rows_e[] = { k->ln1, k->q, k->k, k->v, k->ctx, k->x_mid, k->ln2, k->x_out };
  for (gsize i = 0; i < G_N_ELEMENTS (rows_e); i++)
    memset (DA (m, rows_e[i]), 0, N * E * sizeof (float));
  memset (DA (m, k->ff_pre), 0, N * F * sizeof (float));
  memset (DA (m, k->ff_act), 0, N * F * sizeof (float));
}

void
fw_text_transformer_build (FwModel *m, TextEncoder *e, const char *prefix)
{
  int H = m->config.hidden, V = m->shape.vocab, E = FW_EMBED_DIM, L = FW_MAX_TOKENS;
  e->layers = m->config.layers;
  e->heads = m->config.heads;
  g_return_if_fail (e->layers >= 1 && e->layers <= FW_MAX_LAYERS && E % e->heads == 0);

  g_autofree char *emb = g_strdup_printf ("%s.embedding.weight", prefix);
  g_autofree char *pos = g_strdup_printf ("%s.position.weight", prefix);
  g_autofree char *norm = g_strdup_printf ("%s.encoder.norm", prefix);
  g_autofree char *lin = g_strdup_printf ("%s.linear", prefix);
  /* both nn.Embedding: standard normal */
  fw_param (m, &e->table, -1.0f, emb, 2, V, E);
  fw_param (m, &e->position, -1.0f, pos, 2, L, E);
  fw_act (m, &e->embedded, (gsize) L * E);
  act_zeroed_here (m, &e->x0, (gsize) L * E);
  for (int i = 0; i < e->layers; i++)
    {
      g_autofree char *bp = g_strdup_printf ("%s.encoder.layers.%d", prefix, i);
      block_build (m, &e->blocks[i], bp, e->heads);
    }
  layer_norm_build (m, &e->norm_w, &e->norm_b, norm);
  /* tokens' gradient is zeroed by fw_model_backward: attention fusion
   * adds into it before this encoder's backward runs */
  layer_norm_acts (m, &e->tokens, &e->norm_mean, &e->norm_rstd, FALSE);
  fw_scratch_need (m, fw_attention_scratch_floats (m->max_batch, L, L, e->heads));
  if (e->per_token)
    return;   /* attention fusion reads the tokens: no pooling, no fc */
  fw_act (m, &e->pooled, E);
  fw_linear_build (m, &e->fc, lin, E, H);
  fw_act (m, &e->pre, H);
  fw_act (m, &e->out, H);
}

/* q, k, v = norm1(x) · W{q,k,v}ᵀ + b: the three row blocks of in_proj */
static void
qkv_fw (const FwTransformerBlock *k, int N)
{
  int E = FW_EMBED_DIM;
  float *dst[3] = { k->q, k->k, k->v };
  for (int i = 0; i < 3; i++)
    fw_linear_forward (dst[i], k->ln1, k->in_proj_w + (gsize) i * E * E, k->in_proj_b + i * E,
                       N, E, E);
}

static void
block_fw (FwModel *m, FwTransformerBlock *k, const float *x, int B, int S, int nh)
{
  int E = FW_EMBED_DIM, F = FF_MULT * E, N = B * S;
  gsize n = (gsize) N * E;
  fw_layernorm_forward (k->ln1, k->ln1_mean, k->ln1_rstd, x, k->norm1_w, k->norm1_b, N, E);
  qkv_fw (k, N);
  fw_attention_forward (k->ctx, k->att, k->q, k->k, k->v, m->in_lens, B, S, S, nh, E);
  fw_linear_fw (&k->out_proj, k->x_mid, k->ctx, N);
  for (gsize i = 0; i < n; i++)
    k->x_mid[i] += x[i];
  fw_layernorm_forward (k->ln2, k->ln2_mean, k->ln2_rstd, k->x_mid, k->norm2_w, k->norm2_b, N, E);
  fw_linear_fw (&k->linear1, k->ff_pre, k->ln2, N);
  fw_gelu_forward (k->ff_act, k->ff_pre, (gsize) N * F);
  fw_linear_fw (&k->linear2, k->x_out, k->ff_act, N);
  for (gsize i = 0; i < n; i++)
    k->x_out[i] += k->x_mid[i];
}

/* dx += the block's input gradient, from DA (x_out) */
static void
block_bw (FwModel *m, FwTransformerBlock *k, float *dx, const float *x, int B, int S, int nh)
{
  int E = FW_EMBED_DIM, F = FF_MULT * E, N = B * S;
  gsize n = (gsize) N * E;
  const float *dx_out = DA (m, k->x_out);
  float *dx_mid = DA (m, k->x_mid);
  for (gsize i = 0; i < n; i++)
    dx_mid[i] += dx_out[i];
  fw_linear_bw (m, &k->linear2, DA (m, k->ff_act), dx_out, k->ff_act, N);
  fw_gelu_backward (DA (m, k->ff_pre), DA (m, k->ff_act), k->ff_pre, (gsize) N * F);
  fw_linear_bw (m, &k->linear1, DA (m, k->ln2), DA (m, k->ff_pre), k->ln2, N);
  fw_layernorm_backward (dx_mid, DP (m, k->norm2_w), DP (m, k->norm2_b), DA (m, k->ln2), k->x_mid,
                         k->ln2_mean, k->ln2_rstd, k->norm2_w, N, E);

  for (gsize i = 0; i < n; i++)
    dx[i] += dx_mid[i];
  fw_linear_bw (m, &k->out_proj, DA (m, k->ctx), dx_mid, k->ctx, N);
  fw_attention_backward (DA (m, k->q), DA (m, k->k), DA (m, k->v), m->scratch, DA (m, k->ctx),
                         k->att, k->q, k->k, k->v, m->in_lens, B, S, S, nh, E);
  const float *src[3] = { DA (m, k->q), DA (m, k->k), DA (m, k->v) };
  float *dw = DP (m, k->in_proj_w), *db = DP (m, k->in_proj_b);
  for (int i = 0; i < 3; i++)
    fw_linear_backward (DA (m, k->ln1), dw + (gsize) i * E * E, db + i * E, src[i], k->ln1,
                        k->in_proj_w + (gsize) i * E * E, N, E, E);
  fw_layernorm_backward (dx, DP (m, k->norm1_w), DP (m, k->norm1_b), DA (m, k->ln1), x,
                         k->ln1_mean, k->ln1_rstd, k->norm1_w, N, E);
}

static const float *
block_input (const TextEncoder *e, int i)
{
  return i == 0 ? e->x0 : e->blocks[i - 1].x_out;
}

void
fw_text_transformer_fw (FwModel *m, TextEncoder *e, int B)
{
  int H = m->config.hidden, E = FW_EMBED_DIM, L = FW_MAX_TOKENS;
  if (!m->text_from_embeddings)
    fw_embedding_forward (e->embedded, m->in_tokens, e->table, B, L, E);
  /* only as many positions as the batch's longest caption: padding is
   * masked out of every real token's result, so more would change nothing */
  e->steps = 1;
  for (int b = 0; b < B; b++)
    e->steps = MAX (e->steps, MIN (m->in_lens[b], L));
  int S = e->steps, N = B * S;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < S; t++)
      {
        float *o = e->x0 + ((gsize) b * S + t) * E;
        const float *w = e->embedded + ((gsize) t * B + b) * E, *p = e->position + (gsize) t * E;
        for (int d = 0; d < E; d++)
          o[d] = w[d] + p[d];
      }
  for (int i = 0; i < e->layers; i++)
    block_fw (m, &e->blocks[i], block_input (e, i), B, S, e->heads);
  fw_layernorm_forward (e->tokens, e->norm_mean, e->norm_rstd, block_input (e, e->layers),
                        e->norm_w, e->norm_b, N, E);
  if (e->per_token)
    return;
  fw_masked_mean_forward (e->pooled, e->tokens, m->in_lens, B, S, E);
  fw_linear_fw (&e->fc, e->pre, e->pooled, B);
  fw_relu_forward (e->out, e->pre, (gsize) B * H);
}

void
fw_text_transformer_bw (FwModel *m, TextEncoder *e, int B)
{
  int H = m->config.hidden, E = FW_EMBED_DIM, L = FW_MAX_TOKENS, S = e->steps, N = B * S;
  memset (DA (m, e->x0), 0, (gsize) N * E * sizeof (float));
  for (int i = 0; i < e->layers; i++)
    zero_block_grads (m, &e->blocks[i], N);
  if (!e->per_token)   /* else attention fusion filled the tokens' gradient */
    {
      fw_relu_backward (DA (m, e->pre), DA (m, e->out), e->out, (gsize) B * H);
      fw_linear_bw (m, &e->fc, DA (m, e->pooled), DA (m, e->pre), e->pooled, B);
      fw_masked_mean_backward (DA (m, e->tokens), DA (m, e->pooled), m->in_lens, B, S, E);
    }
  const float *last = block_input (e, e->layers);
  fw_layernorm_backward (DA (m, last), DP (m, e->norm_w), DP (m, e->norm_b), DA (m, e->tokens),
                         last, e->norm_mean, e->norm_rstd, e->norm_w, N, E);
  for (int i = e->layers - 1; i >= 0; i--)
    {
      const float *x = block_input (e, i);
      block_bw (m, &e->blocks[i], DA (m, x), x, B, S, e->heads);
    }

  /* x0 = embedded (time-major) + position */
  const float *dx0 = DA (m, e->x0);
  float *demb = DA (m, e->embedded), *dpos = DP (m, e->position);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < S; t++)
      {
        const float *g = dx0 + ((gsize) b * S + t) * E;
        float *de = demb + ((gsize) t * B + b) * E, *dp = dpos + (gsize) t * E;
        for (int d = 0; d < E; d++)
          {
            de[d] += g[d];
            dp[d] += g[d];
          }
      }
  if (!m->text_from_embeddings)
    fw_embedding_backward (DP (m, e->table), demb, m->in_tokens, B, L, E);
}
