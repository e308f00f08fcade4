/* fw-fusion-attention.c — intermediate fusion by cross-modal attention
 * (--fusion-op attention): the image as tokens (the CNN's last feature map
 * positions, or for mlp non-overlapping FW_IMAGE_PATCH² pixel patches),
 * the caption as tokens (every word's embedding for embed, every step's
 * state for gru, the final layer norm's output for transformer), both projected to D = FW_ATTENTION_DIM; then one pre-LN
 * cross-attention block in each direction, side by side:
 *
 *   ti = image_proj (xi) + image_pos        tt = text_proj (xt)
 *   ni = LN_image (ti)                      nt = LN_text (tt)
 *   text_to_image: rt = tt + MHA (q = nt, k = v = ni)
 *                  ut = rt + FF (LN (rt))
 *   image_to_text: ri = ti + MHA (q = ni, k = v = nt, padded words masked)
 *                  ui = ri + FF (LN (ri))
 *   out = [ mean over the image tokens of ui ; mean over the real words of ut ]
 *
 * with FF = Linear (4D → D) · GELU · Linear (D → 4D), as a Transformer
 * layer's.  Each modality is normalised once and read by both blocks (as
 * queries in one, keys and values in the other).  The feed-forward is
 * needed: without it each pooled vector is linear in its tokens but for
 * the attention weights, and the mean of linearly projected patches forgets
 * the shape (shapes-xor stalled near chance for epochs).
 * The image tokens get learned positions (the CNN's features and the
 * patches do not say where they are; the words of gru do, by order).  The
 * encoders' own parts (convolutions, embedding, GRU) stay in fw-model.c;
 * the kernels are fw-kernels-attention.h's.  Names follow PyTorch:
 * fusion.text_to_image.attn.in_proj_weight is nn.MultiheadAttention's.
 *
 * Shape key: B batch, Li image tokens of Di features, Lt text tokens of
 * Dt features, D token width, nh heads. */
#include "fw-model-private.h"

#include <string.h>

#include "fw-kernels-attention.h"
#include "fw-kernels.h"

#define D FW_ATTENTION_DIM

static void
cross_attention_build (FwModel *m, CrossAttention *a, const char *prefix, int lq, int lk)
{
  g_autofree char *wn = g_strdup_printf ("%s.attn.in_proj_weight", prefix);
  g_autofree char *bn = g_strdup_printf ("%s.attn.in_proj_bias", prefix);
  g_autofree char *on = g_strdup_printf ("%s.attn.out_proj", prefix);
  /* nn.MultiheadAttention: xavier_uniform on the stacked (3D, D) in_proj
   * weight, zero biases; out_proj a Linear with zero bias */
  fw_param (m, &a->in_w, sqrtf (6.0f / (float) (3 * D + D)), wn, 2, 3 * D, D);
  fw_param (m, &a->in_b, 0.0f, bn, 1, 3 * D);
  g_autofree char *ow = g_strdup_printf ("%s.weight", on);
  g_autofree char *ob = g_strdup_printf ("%s.bias", on);
  a->out_proj.in = a->out_proj.out = D;
  fw_param (m, &a->out_proj.w, 1.0f / sqrtf ((float) D), ow, 2, D, D);
  fw_param (m, &a->out_proj.b, 0.0f, ob, 1, D);
  fw_act (m, &a->q, (gsize) lq * D);
  fw_act (m, &a->k, (gsize) lk * D);
  fw_act (m, &a->v, (gsize) lk * D);
  fw_act (m, &a->ctx, (gsize) lq * D);
  fw_act (m, &a->att, (gsize) m->config.heads * lq * lk);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &a->res, (gsize) lq * D);
  g_autofree char *nw = g_strdup_printf ("%s.norm.weight", prefix);
  g_autofree char *nb = g_strdup_printf ("%s.norm.bias", prefix);
  g_autofree char *l1 = g_strdup_printf ("%s.linear1", prefix);
  g_autofree char *l2 = g_strdup_printf ("%s.linear2", prefix);
  fw_param (m, &a->norm_w, FW_INIT_ONES, nw, 1, D);
  fw_param (m, &a->norm_b, 0.0f, nb, 1, D);
  fw_linear_build (m, &a->linear1, l1, D, 4 * D);
  fw_linear_build (m, &a->linear2, l2, 4 * D, D);
  fw_act (m, &a->nres, (gsize) lq * D);
  fw_act (m, &a->mean, lq);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &a->rstd, lq);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &a->hid, (gsize) lq * 4 * D);
  fw_act (m, &a->act, (gsize) lq * 4 * D);
  fw_act (m, &a->out, (gsize) lq * D);
  fw_scratch_need (m, fw_attention_scratch_floats (m->max_batch, lq, lk, m->config.heads));
}

/* the three slices of the stacked in_proj as Linears */
static Linear
in_proj (const CrossAttention *a, int which)
{
  Linear l = { a->in_w + (gsize) which * D * D, a->in_b + (gsize) which * D, D, D };
  return l;
}

/* res = x + out_proj (attention (q = nx, k = v = ny)); out = res + FF (LN (res)) */
static void
cross_attention_fw (FwModel *m, CrossAttention *a, const float *x, const float *nx,
                    const float *ny, const int *key_lens, int B, int lq, int lk)
{
  int nh = m->config.heads;
  Linear wq = in_proj (a, 0), wk = in_proj (a, 1), wv = in_proj (a, 2);
  fw_linear_fw (&wq, a->q, nx, B * lq);
  fw_linear_fw (&wk, a->k, ny, B * lk);
  fw_linear_fw (&wv, a->v, ny, B * lk);
  fw_attention_forward (a->ctx, a->att, a->q, a->k, a->v, key_lens, B, lq, lk, nh, D);
  fw_linear_fw (&a->out_proj, a->res, a->ctx, B * lq);
  gsize n = (gsize) B * lq * D;
  for (gsize i = 0; i < n; i++)
    a->res[i] += x[i];
  fw_layernorm_forward (a->nres, a->mean, a->rstd, a->res, a->norm_w, a->norm_b, B * lq, D);
  fw_linear_fw (&a->linear1, a->hid, a->nres, B * lq);
  fw_gelu_forward (a->act, a->hid, 4 * n);
  fw_linear_fw (&a->linear2, a->out, a->act, B * lq);
  for (gsize i = 0; i < n; i++)
    a->out[i] += a->res[i];
}

/* from DA(out): adds into dx, dnx, dny */
static void
cross_attention_bw (FwModel *m, CrossAttention *a, float *dx, float *dnx, float *dny,
                    const float *nx, const float *ny, const int *key_lens, int B, int lq, int lk)
{
  int nh = m->config.heads;
  gsize n = (gsize) B * lq * D;
  const float *dout = DA (m, a->out);
  float *dres = DA (m, a->res);
  for (gsize i = 0; i < n; i++)
    dres[i] += dout[i];
  fw_linear_bw (m, &a->linear2, DA (m, a->act), dout, a->act, B * lq);
  fw_gelu_backward (DA (m, a->hid), DA (m, a->act), a->hid, 4 * n);
  fw_linear_bw (m, &a->linear1, DA (m, a->nres), DA (m, a->hid), a->nres, B * lq);
  fw_layernorm_backward (dres, DP (m, a->norm_w), DP (m, a->norm_b), DA (m, a->nres), a->res,
                         a->mean, a->rstd, a->norm_w, B * lq, D);
  for (gsize i = 0; i < n; i++)
    dx[i] += dres[i];
  fw_linear_bw (m, &a->out_proj, DA (m, a->ctx), dres, a->ctx, B * lq);
  fw_attention_backward (DA (m, a->q), DA (m, a->k), DA (m, a->v), m->scratch, DA (m, a->ctx),
                         a->att, a->q, a->k, a->v, key_lens, B, lq, lk, nh, D);
  Linear wq = in_proj (a, 0), wk = in_proj (a, 1), wv = in_proj (a, 2);
  fw_linear_bw (m, &wq, dnx, DA (m, a->q), nx, B * lq);
  fw_linear_bw (m, &wk, dny, DA (m, a->k), ny, B * lk);
  fw_linear_bw (m, &wv, dny, DA (m, a->v), ny, B * lk);
}

int
fw_attention_fusion_build (FwModel *m)
{
  AttentionFusion *f = &m->fusion.attn;
  int C = m->shape.channels, L = FW_MAX_TOKENS;
  f->heads = m->config.heads;
  /* the CNN pools twice (floor each time) and the patches are 4 pixels:
   * either way a grid of ⌊S/4⌋ cells of 4 × 4 pixels */
  f->grid = m->shape.size / FW_IMAGE_PATCH;
  f->li = f->grid * f->grid;
  f->di = m->config.image_encoder == FW_IMAGE_CNN ? 32 : C * FW_IMAGE_PATCH * FW_IMAGE_PATCH;
  f->dt = m->config.text_encoder == FW_TEXT_GRU ? m->config.hidden : FW_EMBED_DIM;  /* E: embed, transformer */

  fw_linear_build (m, &f->image_proj, "fusion.image_proj", f->di, D);
  fw_param (m, &f->image_pos, 0.0f, "fusion.image_pos", 3, 1, f->li, D);
  fw_linear_build (m, &f->text_proj, "fusion.text_proj", f->dt, D);
  fw_param (m, &f->image_norm_w, FW_INIT_ONES, "fusion.image_norm.weight", 1, D);
  fw_param (m, &f->image_norm_b, 0.0f, "fusion.image_norm.bias", 1, D);
  fw_param (m, &f->text_norm_w, FW_INIT_ONES, "fusion.text_norm.weight", 1, D);
  fw_param (m, &f->text_norm_b, 0.0f, "fusion.text_norm.bias", 1, D);
  cross_attention_build (m, &f->text_to_image, "fusion.text_to_image", L, f->li);
  cross_attention_build (m, &f->image_to_text, "fusion.image_to_text", f->li, L);

  fw_act (m, &f->xi, (gsize) f->li * f->di);
  if (m->config.image_encoder != FW_IMAGE_CNN)
    fw_act_grad (m, GRAD_INPUT);   /* pixels: only attribution wants their gradient */
  fw_act (m, &f->ti, (gsize) f->li * D);
  fw_act (m, &f->ni, (gsize) f->li * D);
  fw_act (m, &f->mean_i, f->li);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &f->rstd_i, f->li);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &f->xt, (gsize) L * f->dt);
  fw_act (m, &f->tt, (gsize) L * D);
  fw_act (m, &f->nt, (gsize) L * D);
  fw_act (m, &f->mean_t, L);
  fw_act_grad (m, GRAD_NEVER);
  fw_act (m, &f->rstd_t, L);
  fw_act_grad (m, GRAD_NEVER);
  fw_iact (m, &f->text_lens, 1);
  fw_act (m, &f->pool_i, D);
  fw_act (m, &f->pool_t, D);
  return 2 * D;
}

/* xi (B, Li, Di) from the CNN's pool2 (B, 32, g, g), or from the pixels
 * (B, C, S, S) cut into patches, each flattened (c, y, x) as a Conv2d
 * weight of kernel and stride FW_IMAGE_PATCH would read it */
static void
image_tokens (FwModel *m, AttentionFusion *f, int B)
{
  int li = f->li, di = f->di, g = f->grid;
  if (m->config.image_encoder == FW_IMAGE_CNN)
    {
      const float *pool = m->image_encoder.pool2;
      for (int b = 0; b < B; b++)
        for (int c = 0; c < di; c++)
          for (int t = 0; t < li; t++)
            f->xi[((gsize) b * li + t) * di + c] = pool[((gsize) b * di + c) * li + t];
      return;
    }
  int C = m->shape.channels, S = m->shape.size, p = FW_IMAGE_PATCH;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < li; t++)
      {
        int y0 = (t / g) * p, x0 = (t % g) * p;
        float *o = f->xi + ((gsize) b * li + t) * di;
        for (int c = 0; c < C; c++)
          for (int y = 0; y < p; y++)
            memcpy (o + (c * p + y) * p,
                    m->in_image + (((gsize) b * C + c) * S + y0 + y) * S + x0,
                    sizeof (float) * p);
      }
}

static void
image_tokens_bw (FwModel *m, AttentionFusion *f, int B)
{
  int li = f->li, di = f->di, g = f->grid;
  const float *dxi = DA (m, f->xi);
  if (m->config.image_encoder == FW_IMAGE_CNN)
    {
      float *dpool = DA (m, m->image_encoder.pool2);
      for (int b = 0; b < B; b++)
        for (int c = 0; c < di; c++)
          for (int t = 0; t < li; t++)
            dpool[((gsize) b * di + c) * li + t] += dxi[((gsize) b * li + t) * di + c];
      return;
    }
  if (!m->want_input_grads)
    return;
  int C = m->shape.channels, S = m->shape.size, p = FW_IMAGE_PATCH;
  float *dimg = DA (m, m->in_image);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < li; t++)
      {
        int y0 = (t / g) * p, x0 = (t % g) * p;
        const float *d = dxi + ((gsize) b * li + t) * di;
        for (int c = 0; c < C; c++)
          for (int y = 0; y < p; y++)
            for (int x = 0; x < p; x++)
              dimg[(((gsize) b * C + c) * S + y0 + y) * S + x0 + x] += d[(c * p + y) * p + x];
      }
}

/* xt (B, Lt, Dt) from the text encoder's states: time-major (·, B, Dt)
 * for the embeddings (L, B, E) and the GRU's h_all (steps + 1, B, H),
 * whose state after word t is h_all[t + 1]; batch-first (B, steps, E) for
 * the Transformer's tokens.  Words past the batch's longest caption are
 * not computed; those a row lacks are masked downstream.  Returns the
 * buffer; *first is the step of word 0, and element (b, t) is at
 * (t + first) · step_stride + b · row_stride rows of Dt. */
static float *
text_states (FwModel *m, int B, int *first, gsize *step_stride, gsize *row_stride)
{
  TextEncoder *e = &m->text_encoder;
  *first = e->kind == FW_TEXT_GRU ? 1 : 0;
  if (e->kind == FW_TEXT_TRANSFORMER)
    {
      *step_stride = 1;
      *row_stride = (gsize) e->steps;
      return e->tokens;
    }
  *step_stride = (gsize) B;
  *row_stride = 1;
  return e->kind == FW_TEXT_GRU ? e->h_all : e->embedded;
}

static int
text_available (FwModel *m)
{
  TextEncoder *e = &m->text_encoder;
  return e->kind == FW_TEXT_EMBED ? FW_MAX_TOKENS : e->steps;
}

static void
text_tokens (FwModel *m, AttentionFusion *f, int B)
{
  int first, lt = f->lt, dt = f->dt, avail = text_available (m);
  gsize ss, rs;
  const float *s = text_states (m, B, &first, &ss, &rs);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < lt; t++)
      {
        float *o = f->xt + ((gsize) b * lt + t) * dt;
        if (t < avail)
          memcpy (o, s + ((gsize) (t + first) * ss + b * rs) * dt, sizeof (float) * dt);
        else
          memset (o, 0, sizeof (float) * dt);
      }
}

static void
text_tokens_bw (FwModel *m, AttentionFusion *f, int B)
{
  int first, lt = f->lt, dt = f->dt, avail = text_available (m);
  gsize ss, rs;
  float *ds = DA (m, text_states (m, B, &first, &ss, &rs));
  const float *dxt = DA (m, f->xt);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < MIN (lt, avail); t++)
      {
        const float *d = dxt + ((gsize) b * lt + t) * dt;
        float *o = ds + ((gsize) (t + first) * ss + b * rs) * dt;
        for (int k = 0; k < dt; k++)
          o[k] += d[k];
      }
}

void
fw_attention_fusion_fw (FwModel *m, int B)
{
  AttentionFusion *f = &m->fusion.attn;
  int li = f->li;
  f->lt = 1;
  for (int b = 0; b < B; b++)
    {
      f->text_lens[b] = CLAMP (m->in_lens[b], 0, FW_MAX_TOKENS);
      f->lt = MAX (f->lt, f->text_lens[b]);
    }
  int lt = f->lt;

  image_tokens (m, f, B);
  fw_linear_fw (&f->image_proj, f->ti, f->xi, B * li);
  for (int b = 0; b < B; b++)
    for (gsize i = 0; i < (gsize) li * D; i++)
      f->ti[(gsize) b * li * D + i] += f->image_pos[i];
  fw_layernorm_forward (f->ni, f->mean_i, f->rstd_i, f->ti, f->image_norm_w, f->image_norm_b,
                        B * li, D);

  text_tokens (m, f, B);
  fw_linear_fw (&f->text_proj, f->tt, f->xt, B * lt);
  fw_layernorm_forward (f->nt, f->mean_t, f->rstd_t, f->tt, f->text_norm_w, f->text_norm_b,
                        B * lt, D);

  cross_attention_fw (m, &f->text_to_image, f->tt, f->nt, f->ni, NULL, B, lt, li);
  cross_attention_fw (m, &f->image_to_text, f->ti, f->ni, f->nt, f->text_lens, B, li, lt);

  fw_masked_mean_forward (f->pool_i, f->image_to_text.out, NULL, B, li, D);
  fw_masked_mean_forward (f->pool_t, f->text_to_image.out, f->text_lens, B, lt, D);
  float *out = m->fusion.out;
  for (int b = 0; b < B; b++)
    {
      memcpy (out + (gsize) b * 2 * D, f->pool_i + (gsize) b * D, sizeof (float) * D);
      memcpy (out + (gsize) b * 2 * D + D, f->pool_t + (gsize) b * D, sizeof (float) * D);
    }
}

void
fw_attention_fusion_bw (FwModel *m, int B)
{
  AttentionFusion *f = &m->fusion.attn;
  int li = f->li, lt = f->lt;
  const float *dout = DA (m, m->fusion.out);
  float *dpi = DA (m, f->pool_i), *dpt = DA (m, f->pool_t);
  for (int b = 0; b < B; b++)
    for (int k = 0; k < D; k++)
      {
        dpi[(gsize) b * D + k] += dout[(gsize) b * 2 * D + k];
        dpt[(gsize) b * D + k] += dout[(gsize) b * 2 * D + D + k];
      }
  fw_masked_mean_backward (DA (m, f->image_to_text.out), dpi, NULL, B, li, D);
  fw_masked_mean_backward (DA (m, f->text_to_image.out), dpt, f->text_lens, B, lt, D);

  float *dti = DA (m, f->ti), *dni = DA (m, f->ni), *dtt = DA (m, f->tt), *dnt = DA (m, f->nt);
  cross_attention_bw (m, &f->image_to_text, dti, dni, dnt, f->ni, f->nt, f->text_lens, B, li, lt);
  cross_attention_bw (m, &f->text_to_image, dtt, dnt, dni, f->nt, f->ni, NULL, B, lt, li);

  fw_layernorm_backward (dtt, DP (m, f->text_norm_w), DP (m, f->text_norm_b), dnt, f->tt,
                         f->mean_t, f->rstd_t, f->text_norm_w, B * lt, D);
  fw_linear_bw (m, &f->text_proj, DA (m, f->xt), dtt, f->xt, B * lt);
  text_tokens_bw (m, f, B);

  fw_layernorm_backward (dti, DP (m, f->image_norm_w), DP (m, f->image_norm_b), dni, f->ti,
                         f->mean_i, f->rstd_i, f->image_norm_w, B * li, D);
  float *dpos = DP (m, f->image_pos);
  for (int b = 0; b < B; b++)
    for (gsize i = 0; i < (gsize) li * D; i++)
      dpos[i] += dti[(gsize) b * li * D + i];
  gboolean need_dxi = m->config.image_encoder == FW_IMAGE_CNN || m->want_input_grads;
  fw_linear_bw (m, &f->image_proj, need_dxi ? DA (m, f->xi) : NULL, dti, f->xi, B * li);
  if (need_dxi)
    image_tokens_bw (m, f, B);
}

const float *
fw_model_attention (const FwModel *m, FwAttentionDirection direction, int *heads, int *lq,
                    int *lk)
{
  g_return_val_if_fail (m != NULL && direction < FW_ATTENTION_N_DIRECTIONS, NULL);
  if (!fw_model_fuses_tokens (m))
    return NULL;
  const AttentionFusion *f = &m->fusion.attn;
  gboolean t2i = direction == FW_ATTENTION_TEXT_TO_IMAGE;
  if (heads)
    *heads = f->heads;
  if (lq)
    *lq = t2i ? f->lt : f->li;
  if (lk)
    *lk = t2i ? f->li : f->lt;
  return t2i ? f->text_to_image.att : f->image_to_text.att;
}

gboolean
fw_model_image_token_grid (const FwModel *m, int *grid, int *cell)
{
  g_return_val_if_fail (m != NULL, FALSE);
  gboolean on = fw_model_fuses_tokens (m);
  if (grid)
    *grid = on ? m->fusion.attn.grid : 0;
  if (cell)
    *cell = on ? FW_IMAGE_PATCH : 0;
  return on;
}

gboolean
fw_model_row_attention (const FwModel *m, FwAttentionDirection direction, int b, float *out)
{
  g_return_val_if_fail (m != NULL && out != NULL && direction < FW_ATTENTION_N_DIRECTIONS, FALSE);
  g_return_val_if_fail (b >= 0 && b < MAX (m->batch, 1), FALSE);
  int heads, lq, lk;
  const float *att = fw_model_attention (m, direction, &heads, &lq, &lk);
  if (!att)
    return FALSE;
  const AttentionFusion *f = &m->fusion.attn;
  int L = FW_MAX_TOKENS, li = f->li, len = f->text_lens[b];
  gboolean t2i = direction == FW_ATTENTION_TEXT_TO_IMAGE;
  int fq = t2i ? L : li, fk = t2i ? li : L;
  memset (out, 0, sizeof (float) * heads * fq * fk);
  for (int h = 0; h < heads; h++)
    for (int i = 0; i < (t2i ? MIN (len, lq) : lq); i++)
      memcpy (out + ((gsize) h * fq + i) * fk, att + (((gsize) b * heads + h) * lq + i) * lk,
              sizeof (float) * lk);
  return TRUE;
}
