/* fw-model-private.h — the inside of FwModel, shared by the files that
 * build, feed and explain it (fw-model.c, fw-batch.c, fw-contrib.c).
 * Every float pointer points into the model's parameter or activation
 * block; the gradient of any of them is at the same offset in the twin
 * block (see DA/DP in fw-model.c). */
#pragma once

#include "fw-model.h"

#include <math.h>

typedef struct {
  float *w;                  /* (out, in) */
  float *b;                  /* (out) */
  int in, out;
} Linear;

typedef struct {
  FwImageEncoder kind;
  gboolean tokens;           /* attention fusion: stop before fc, the fusion reads tokens */
  /* cnn only */
  int c_in, s1, s2;
  float *conv1_w, *conv1_b;  /* (16, C, 3, 3), (16) */
  float *conv2_w, *conv2_b;  /* (32, 16, 3, 3), (32) */
  float *conv1;              /* (B, 16, S, S) */
  float *col1;               /* (B, C·9, S·S) conv1's im2col, kept for backward */
  float *pool1;              /* (B, 16, S/2, S/2) */
  float *conv2;              /* (B, 32, S/2, S/2) */
  float *col2;               /* (B, 16·9, S/2·S/2) */
  float *pool2;              /* (B, 32, S/4, S/4) */
  int *argmax1, *argmax2;    /* (B, 16, S/2, S/2), (B, 32, S/4, S/4): ReLU+pool's choices */
  /* both */
  Linear fc;
  float *pre, *out;          /* (B, H) */
} ImageEncoder;

/* One pre-LN Transformer encoder block (fw-text-transformer.c), named as
 * nn.TransformerEncoderLayer(norm_first=True, batch_first=True):
 *   x_mid = x + out_proj(attention(q, k, v of norm1(x)))
 *   x_out = x_mid + linear2(GELU(linear1(norm2(x_mid))))
 * Activations are (B, steps, ·) batch-first, steps the batch's longest
 * caption (the buffers are sized for FW_MAX_TOKENS). */
typedef struct {
  float *in_proj_w, *in_proj_b;  /* (3E, E), (3E): q, k, v rows in that order */
  Linear out_proj, linear1, linear2;  /* E→E, E→4E, 4E→E */
  float *norm1_w, *norm1_b, *norm2_w, *norm2_b;  /* (E) */
  float *ln1, *ln1_mean, *ln1_rstd;  /* (B, L, E), (B, L), (B, L) */
  float *q, *k, *v;          /* (B, L, E) */
  float *att;                /* (B, nh, L, L) softmax weights */
  float *ctx;                /* (B, L, E) attention output, heads side by side */
  float *x_mid;              /* (B, L, E) after the attention residual */
  float *ln2, *ln2_mean, *ln2_rstd;
  float *ff_pre, *ff_act;    /* (B, L, 4E) before and after GELU */
  float *x_out;              /* (B, L, E) the block's output */
} FwTransformerBlock;

typedef struct {
  FwTextEncoder kind;
  gboolean per_token;        /* attention fusion: per-token states, no pooling and no fc */
  float *table;              /* (V, E) embed, gru, transformer */
  Linear fc;                 /* bow, embed */
  float *embedded;           /* embed: (B, E) mean; gru: (L, B, E) time-major */
  float *w_ih, *w_hh;        /* gru: (3H, E), (3H, H) */
  float *b_ih, *b_hh;        /* gru: (3H) */
  float *h_all;              /* gru: (steps + 1, B, H) */
  int steps;                 /* gru: steps run, the batch's longest caption */
  float *gates;              /* gru: (L, B, 4H) */
  int *nz_index;             /* bow: the counts' nonzeros (fw_linear_forward_sparse) */
  float *pre;                /* bow, embed, transformer: (B, H) */
  float *out;                /* (B, H) */
  /* transformer (embedded and steps as gru: embedded is (L, B, E)
   * time-major, steps the batch's longest caption, at least 1) */
  int layers, heads;
  float *position;           /* (L, E) learned position embeddings */
  float *x0;                 /* (B, steps, E) embedded + position */
  FwTransformerBlock blocks[FW_MAX_LAYERS];
  float *norm_w, *norm_b;    /* (E) the final LayerNorm */
  float *norm_mean, *norm_rstd;  /* (B, steps) */
  float *pooled;             /* (B, E) masked mean of tokens over the real ones */
  /* Per-token states for attention fusion: transformer fills tokens
   * (B, steps, E) batch-first, the final LayerNorm's output, token t of row
   * b real for t < m->in_lens[b] (clip to steps; a row of 0 is empty).
   * Its gradient twin DA (m, tokens) is read by the encoder's backward, so
   * a consumer adds into it before text_encoder_bw runs. */
  float *tokens;
} TextEncoder;

typedef struct {
  int hidden;                /* N; 0 = one linear layer (fc2 only) */
  Linear fc1, fc2;
  float *pre, *mid;          /* (B, N) */
  float *logits;             /* (B, K) */
} Head;

/* One direction of attention fusion (fw-fusion-attention.c): queries of
 * one modality attend to the other's tokens, as nn.MultiheadAttention,
 * then a feed-forward, as in a Transformer decoder layer.
 * D = FW_ATTENTION_DIM; Lq, Lk the two sides' token counts. */
typedef struct {
  float *in_w, *in_b;        /* (3D, D), (3D): q, k, v projections stacked */
  Linear out_proj;
  float *q;                  /* (B, Lq, D) */
  float *k, *v;              /* (B, Lk, D) */
  float *ctx;                /* (B, Lq, D) attention output, before out_proj */
  float *att;                /* (B, nh, Lq, Lk) the weights the maps show */
  float *res;                /* (B, Lq, D) tokens + out_proj (ctx) */
  /* then a pre-LN feed-forward: out = res + linear2 (GELU (linear1 (norm (res)))) */
  float *norm_w, *norm_b;    /* (D) */
  Linear linear1, linear2;   /* D → 4D → D */
  float *nres;               /* (B, Lq, D) */
  float *mean, *rstd;        /* (B, Lq) */
  float *hid, *act;          /* (B, Lq, 4D) before and after GELU */
  float *out;                /* (B, Lq, D) */
} CrossAttention;

typedef struct {
  int heads;                 /* nh */
  int li, di;                /* image tokens and their features before the projection */
  int grid;                  /* image tokens per side (li = grid²) */
  int dt;                    /* text token features before the projection */
  int lt;                    /* text tokens of the last forward: the batch's longest caption, ≥ 1 */
  Linear image_proj, text_proj;
  float *image_pos;          /* (Li, D) learned positions of the image tokens */
  float *image_norm_w, *image_norm_b, *text_norm_w, *text_norm_b;  /* (D) */
  CrossAttention text_to_image, image_to_text;
  float *xi;                 /* (B, Li, Di) image tokens: CNN positions or pixel patches */
  float *ti, *ni;            /* (B, Li, D) projected (+ positions), layer-normed */
  float *mean_i, *rstd_i;    /* (B, Li) */
  float *xt;                 /* (B, Lt, Dt) text token states */
  float *tt, *nt;            /* (B, Lt, D) */
  float *mean_t, *rstd_t;    /* (B, Lt) */
  int *text_lens;            /* (B) real tokens per row, ≤ FW_MAX_TOKENS */
  float *pool_i, *pool_t;    /* (B, D) masked means */
} AttentionFusion;

typedef struct {
  FwFusionOp op;
  int width;                 /* F */
  AttentionFusion attn;      /* attention */
  Linear image_proj, text_proj, gate;  /* gated; lowrank uses the first two */
  float *hi_pre, *hi;        /* gated (B, H); lowrank hi (B, R·H) */
  float *ht_pre, *ht;
  float *both;               /* gated: (B, 2H) */
  float *z_pre, *z;          /* gated: (B, H) */
  float *out;                /* (B, F) */
} Fusion;

typedef struct {
  int text_width;            /* V for bow, E for embed */
  float *table;              /* embed: (V, E) */
  float *embedded;           /* embed: (B, E) */
  float *joined;             /* (B, P + T) */
  Linear fc;
  float *pre, *out;          /* (B, H) */
} Early;

typedef struct {
  FwLateCombine combine;
  float *weights;            /* weighted: (2) */
  Linear stack;              /* stacking: (K, 2K) */
  float *both;               /* stacking: (B, 2K) */
  float *probs_i, *probs_t;  /* (B, K) */
  float *losses_i, *losses_t;/* (B) */
} Late;

struct _FwModel {
  FwConfig config;
  FwShape shape;
  int max_batch;
  int batch;                 /* B of the last forward */
  int P;                     /* pixels per image, or the image vectors' D (features) */
  int T;                     /* width of in_counts: V (bow) or the text vectors' D (features) */
  gboolean uses_tokens;
  gboolean want_input_grads;
  gboolean text_from_embeddings; /* embed, gru: skip the token lookup */

  GArray *param_list;        /* FwParam */
  GArray *param_init;        /* float: >0 uniform bound, 0 zeros, <0 normal */
  GArray *param_patches, *act_patches, *iact_patches;
  gsize n_params, n_act, n_iact, n_scratch;
  float *params, *grads;
  float *act, *dact;
  int *iact;
  float *scratch;

  /* inputs */
  float *in_image;           /* (B, P) */
  float *in_counts;          /* (B, T) bow counts or text vectors */
  int *in_tokens;            /* (B, L) */
  int *in_lens;              /* (B) */
  int *in_labels;            /* (B) */

  ImageEncoder image_encoder;
  TextEncoder text_encoder;
  Early early;
  Fusion fusion;
  Head head;                 /* early, intermediate, image, text */
  Head image_head, text_head;/* late */
  Late late;

  float *logits;             /* (B, K) */
  float *probs;              /* (B, K) */
  float *losses;             /* (B) */

  char *training_rows;       /* fingerprint of the rows it trained on (fw-row-set.h JSON), or NULL */
};

/* Row b of the inputs from two dataset rows: the image of one, the caption
 * of another (a pair that never occurred: permutation, EMAP). */
void fw_model_set_pair (FwModel *model, int b, const FwDataset *ds, const int *lexmap,
                        int image_row, int text_row, int label);

/* Intermediate and late fusion in two halves, for methods that recombine
 * the features of different inputs (EMAP's n² pairs from n encodings):
 * fw_model_encode runs both encoders into fw_model_{image,text}_features
 * (B, H); fw_model_forward_features runs fusion and head(s) from whatever
 * those hold, filling probs, logits and losses.  Forward only: backward
 * refuses after either. */
gboolean fw_model_has_features (const FwModel *model);
void fw_model_encode (FwModel *model, int B);
double fw_model_forward_features (FwModel *model, int B);
float *fw_model_image_features (FwModel *model);
float *fw_model_text_features (FwModel *model);

/* ---- the Transformer text encoder (fw-text-transformer.c) ---- */
void fw_text_transformer_build (FwModel *m, TextEncoder *e, const char *prefix);
void fw_text_transformer_fw (FwModel *m, TextEncoder *e, int B);
void fw_text_transformer_bw (FwModel *m, TextEncoder *e, int B);

/* ---- building a module (fw-model-build.c) ------------------------------
 * Each module's build function registers its parameters (named as PyTorch
 * would name them) and activations here; fw_model_new allocates one block
 * of each and patches every registered pointer.  Its forward and backward
 * then use the pointers; the gradient of any of them is at DA/DP. */

/* What fw_model_backward must zero of an activation's gradient twin */
typedef enum {
  GRAD_ALWAYS,               /* some backward adds into it */
  GRAD_NEVER,                /* nothing flows back into it (probs, losses) */
  GRAD_INPUT,                /* only when input gradients are wanted */
  GRAD_SET,                  /* its one writer overwrites all B rows */
} GradUse;

typedef struct {
  float **pp;
  gsize offset;
  gsize per_row;
  GradUse grad;
} FloatPatch;

typedef struct {
  int **pp;
  gsize offset;
} IntPatch;


/* registers parameter `name` of shape (ndim sizes…) at *pp; init_bound > 0
 * draws uniform(±bound), 0 zeros, < 0 standard normal (nn.Embedding),
 * FW_INIT_ONES ones (nn.LayerNorm's weight) */
#define FW_INIT_ONES INFINITY
float *fw_param (FwModel *m, float **pp, float init_bound, const char *name, int ndim, ...);
/* registers an activation of per_row floats per batch row at *pp */
void fw_act (FwModel *m, float **pp, gsize per_row);
/* sets the gradient use of the activation registered last */
void fw_act_grad (FwModel *m, GradUse use);
void fw_iact (FwModel *m, int **pp, gsize per_row);
/* the shared scratch block is at least this many floats */
void fw_scratch_need (FwModel *m, gsize floats);

/* gradient twin of an activation or parameter pointer */
#define DA(m, p) ((m)->dact + ((p) - (m)->act))
#define DP(m, p) ((m)->grads + ((p) - (m)->params))

/* nn.Linear named prefix.weight / prefix.bias, PyTorch's initialisation */
void fw_linear_build (FwModel *m, Linear *l, const char *prefix, int in, int out);
void fw_linear_fw (const Linear *l, float *out, const float *in, int B);
void fw_linear_bw (FwModel *m, const Linear *l, float *din, const float *dout, const float *in, int B);
/* the gradient twin of an input, or NULL unless input gradients are wanted */
float *fw_input_grad (FwModel *m, float *input);

/* ---- attention fusion (fw-fusion-attention.c) ---- */
/* intermediate fusion with --fusion-op attention: the encoders stop at tokens */
static inline gboolean
fw_model_fuses_tokens (const FwModel *m)
{
  return m->config.fusion == FW_FUSION_INTERMEDIATE && m->config.fusion_op == FW_OP_ATTENTION;
}
int fw_attention_fusion_build (FwModel *m);     /* returns the fused width, 2·D */
void fw_attention_fusion_fw (FwModel *m, int B);
void fw_attention_fusion_bw (FwModel *m, int B);
