/* fw-onnx.c — builds the ONNX graph of a model, node by node, with the
 * same arithmetic as fw-model.c's forward pass: every parameter is an
 * initializer under its own name; the GRU is unrolled over the 32 token
 * steps (a row's state stops changing after its last real token, so empty
 * captions keep the zero state); the masked mean embedding is Gather +
 * ReduceSum / count.  Packing is protobuf-c's (fw-onnx.pb-c.c). */
#include "fw-file.h"
#include "fw-onnx.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fw-kernels-attention.h"
#include "fw-model-file.h"
#include "fw-onnx.pb-c.h"

/* Every message, string and array lives in one arena freed at the end. */
typedef struct {
  GPtrArray *arena;
  GPtrArray *nodes;          /* Onnx__NodeProto */
  GPtrArray *inits;          /* Onnx__TensorProto */
  Onnx__NodeProto *last;     /* attributes go to the node made last */
  int counter;
  const FwModel *model;
  const char *batch;         /* [1] int64: the batch size N */
  const char *mask;          /* [N, L] bool: token is not padding (embed, gru) */
} Onnx;

static gpointer
alloc (Onnx *o, gsize size)
{
  gpointer p = g_malloc0 (MAX (size, 1));
  g_ptr_array_add (o->arena, p);
  return p;
}

static char *
astr (Onnx *o, const char *s)
{
  char *p = g_strdup (s);
  g_ptr_array_add (o->arena, p);
  return p;
}

static const char *
fresh (Onnx *o)
{
  char *p = g_strdup_printf ("t%d", o->counter++);
  g_ptr_array_add (o->arena, p);
  return p;
}

/* ---- nodes and attributes --------------------------------------------- */

/* op with n_out outputs (named in out[] when non-NULL) */
static Onnx__NodeProto *
node_v (Onnx *o, const char *type, int n_in, const char *const *in, int n_out, const char **out)
{
  Onnx__NodeProto *n = alloc (o, sizeof *n);
  onnx__node_proto__init (n);
  n->op_type = astr (o, type);
  n->n_input = n_in;
  n->input = alloc (o, sizeof (char *) * n_in);
  for (int i = 0; i < n_in; i++)
    n->input[i] = astr (o, in[i]);
  n->n_output = n_out;
  n->output = alloc (o, sizeof (char *) * n_out);
  for (int i = 0; i < n_out; i++)
    {
      n->output[i] = (char *) fresh (o);
      if (out)
        out[i] = n->output[i];
    }
  n->name = g_strdup_printf ("%s_%d", type, o->counter);
  g_ptr_array_add (o->arena, n->name);
  n->attribute = alloc (o, sizeof (Onnx__AttributeProto *) * 4);
  g_ptr_array_add (o->nodes, n);
  o->last = n;
  return n;
}

/* one-output op; the inputs end with NULL */
static const char *
op (Onnx *o, const char *type, ...)
{
  const char *in[8];
  int n_in = 0;
  va_list ap;
  va_start (ap, type);
  for (const char *s; (s = va_arg (ap, const char *)) != NULL;)
    {
      g_assert (n_in < (int) G_N_ELEMENTS (in));
      in[n_in++] = s;
    }
  va_end (ap);
  const char *out;
  node_v (o, type, n_in, in, 1, &out);
  return out;
}

static Onnx__AttributeProto *
attr (Onnx *o, const char *name, Onnx__AttributeProto__AttributeType type)
{
  Onnx__NodeProto *n = o->last;
  g_assert (n->n_attribute < 4);
  Onnx__AttributeProto *a = alloc (o, sizeof *a);
  onnx__attribute_proto__init (a);
  a->name = astr (o, name);
  a->has_type = TRUE;
  a->type = type;
  n->attribute[n->n_attribute++] = a;
  return a;
}

static void
attr_i (Onnx *o, const char *name, gint64 v)
{
  Onnx__AttributeProto *a = attr (o, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = TRUE;
  a->i = v;
}

static void
attr_ints (Onnx *o, const char *name, int n, const gint64 *v)
{
  Onnx__AttributeProto *a = attr (o, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = n;
  a->ints = alloc (o, sizeof (int64_t) * n);
  memcpy (a->ints, v, sizeof (int64_t) * n);
}

static Onnx__TensorProto *
tensor (Onnx *o, const char *name, int elem_type, int ndim, const gint64 *dims,
        const void *data, gsize nbytes)
{
  Onnx__TensorProto *t = alloc (o, sizeof *t);
  onnx__tensor_proto__init (t);
  if (name)
    t->name = astr (o, name);
  t->has_data_type = TRUE;
  t->data_type = elem_type;
  t->n_dims = ndim;
  t->dims = alloc (o, sizeof (int64_t) * MAX (ndim, 1));
  for (int i = 0; i < ndim; i++)
    t->dims[i] = dims[i];
  t->has_raw_data = TRUE;
  t->raw_data.len = nbytes;
  t->raw_data.data = alloc (o, nbytes);
  memcpy (t->raw_data.data, data, nbytes);   /* little-endian, as ONNX wants */
  return t;
}

static void
attr_tensor (Onnx *o, const char *name, Onnx__TensorProto *t)
{
  Onnx__AttributeProto *a = attr (o, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  a->t = t;
}

/* ---- constants -------------------------------------------------------- */

static const char *
init_tensor (Onnx *o, const char *name, int elem_type, int ndim, const gint64 *dims,
             const void *data, gsize nbytes)
{
  if (!name)
    name = fresh (o);
  Onnx__TensorProto *t = tensor (o, name, elem_type, ndim, dims, data, nbytes);
  g_ptr_array_add (o->inits, t);
  return t->name;
}

/* 1-D int64 constant (axes, shapes) */
static const char *
ints (Onnx *o, int n, const gint64 *v)
{
  gint64 dims[1] = { n };
  return init_tensor (o, NULL, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, dims, v,
                      sizeof (gint64) * n);
}

static const char *
int1 (Onnx *o, gint64 v)
{
  return ints (o, 1, &v);
}

/* 0-D int64 constant: a Gather index that drops the axis */
static const char *
index0 (Onnx *o, gint64 v)
{
  return init_tensor (o, NULL, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 0, NULL, &v, sizeof v);
}

static const char *
scalar (Onnx *o, float v)
{
  return init_tensor (o, NULL, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &v, sizeof v);
}

/* a parameter of the model, added as initializer under its own name */
static const char *
param (Onnx *o, const char *name)
{
  const FwParam *p = fw_model_find_param (o->model, name);
  g_assert (p != NULL);
  return p->name;
}

/* ---- layers ----------------------------------------------------------- */

/* Linear: x · Wᵀ + b */
static const char *
linear (Onnx *o, const char *x, const char *prefix)
{
  g_autofree char *w = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *b = g_strdup_printf ("%s.bias", prefix);
  const char *y = op (o, "Gemm", x, param (o, w), param (o, b), NULL);
  attr_i (o, "transB", 1);
  return y;
}

static const char *
linear_relu (Onnx *o, const char *x, const char *prefix)
{
  return op (o, "Relu", linear (o, x, prefix), NULL);
}

/* [N, a] zeros or ones */
static const char *
filled (Onnx *o, gint64 width, float value)
{
  gint64 w = width;
  const char *dims = op (o, "Concat", o->batch, ints (o, 1, &w), NULL);
  attr_i (o, "axis", 0);
  gint64 one = 1;
  Onnx__TensorProto *v = tensor (o, NULL, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &one,
                                 &value, sizeof value);
  const char *y = op (o, "ConstantOfShape", dims, NULL);
  attr_tensor (o, "value", v);
  return y;
}

/* the CNN's two conv + ReLU + max-pool blocks: (N, 32, S/4, S/4) */
static const char *
conv_blocks (Onnx *o)
{
  static const gint64 k3[2] = { 3, 3 }, pad1[4] = { 1, 1, 1, 1 }, k2[2] = { 2, 2 };
  const char *x = "image";
  for (int block = 0; block < 2; block++)
    {
      const char *w = block == 0 ? "image_encoder.0.weight" : "image_encoder.3.weight";
      const char *b = block == 0 ? "image_encoder.0.bias" : "image_encoder.3.bias";
      x = op (o, "Conv", x, param (o, w), param (o, b), NULL);
      attr_ints (o, "kernel_shape", 2, k3);
      attr_ints (o, "pads", 4, pad1);
      x = op (o, "Relu", x, NULL);
      x = op (o, "MaxPool", x, NULL);
      attr_ints (o, "kernel_shape", 2, k2);
      attr_ints (o, "strides", 2, k2);
    }
  return x;
}

static const char *
image_encoder (Onnx *o)
{
  const FwConfig *c = fw_model_get_config (o->model);
  const char *x = "image";
  if (c->image_encoder == FW_IMAGE_CNN)
    x = conv_blocks (o);
  x = op (o, "Flatten", x, NULL);
  attr_i (o, "axis", 1);
  return linear_relu (o, x, c->image_encoder == FW_IMAGE_CNN ? "image_encoder.7"
                                                              : "image_encoder.0");
}

/* mean of the embeddings of the real (non-padding) tokens; 0 for none */
static const char *
mean_embedding (Onnx *o, const char *table)
{
  const char *emb = op (o, "Gather", param (o, table), "text", NULL);   /* (N, L, E) */
  const char *maskf = op (o, "Cast", o->mask, NULL);                    /* (N, L) */
  attr_i (o, "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  const char *m3 = op (o, "Unsqueeze", maskf, int1 (o, 2), NULL);       /* (N, L, 1) */
  const char *sum = op (o, "ReduceSum", op (o, "Mul", emb, m3, NULL), int1 (o, 1), NULL);
  attr_i (o, "keepdims", 0);                                            /* (N, E) */
  const char *count = op (o, "ReduceSum", maskf, int1 (o, 1), NULL);    /* (N, 1) */
  attr_i (o, "keepdims", 1);
  const char *den = op (o, "Max", count, scalar (o, 1.0f), NULL);
  return op (o, "Div", sum, den, NULL);
}

/* PyTorch's GRU, unrolled; a step past a row's last token keeps its
 * state.  With every non-NULL, every step's state (N, H) goes there too
 * (attention fusion reads them all). */
static const char *
gru (Onnx *o, const char **every)
{
  int H = fw_model_get_config (o->model)->hidden;
  const char *emb = op (o, "Gather", param (o, "text_encoder.embedding.weight"), "text", NULL);
  const char *wih_t = op (o, "Transpose", param (o, "text_encoder.gru.weight_ih_l0"), NULL);
  const char *xg = op (o, "Add", op (o, "MatMul", emb, wih_t, NULL),
                       param (o, "text_encoder.gru.bias_ih_l0"), NULL);  /* (N, L, 3H) */
  const char *mask3 = op (o, "Unsqueeze", o->mask, int1 (o, 2), NULL);   /* (N, L, 1) */
  const char *one = scalar (o, 1.0f);
  const char *h = filled (o, H, 0.0f);
  for (int t = 0; t < FW_MAX_TOKENS; t++)
    {
      const char *idx = index0 (o, t);
      const char *xt = op (o, "Gather", xg, idx, NULL);
      attr_i (o, "axis", 1);
      const char *x3[3], *h3[3];
      node_v (o, "Split", 1, &xt, 3, x3);
      attr_i (o, "axis", 1);
      const char *hg = op (o, "Gemm", h, param (o, "text_encoder.gru.weight_hh_l0"),
                           param (o, "text_encoder.gru.bias_hh_l0"), NULL);
      attr_i (o, "transB", 1);
      node_v (o, "Split", 1, &hg, 3, h3);
      attr_i (o, "axis", 1);
      const char *r = op (o, "Sigmoid", op (o, "Add", x3[0], h3[0], NULL), NULL);
      const char *z = op (o, "Sigmoid", op (o, "Add", x3[1], h3[1], NULL), NULL);
      const char *n = op (o, "Tanh", op (o, "Add", x3[2], op (o, "Mul", r, h3[2], NULL), NULL),
                          NULL);
      const char *hn = op (o, "Add", op (o, "Mul", op (o, "Sub", one, z, NULL), n, NULL),
                           op (o, "Mul", z, h, NULL), NULL);
      const char *mt = op (o, "Gather", mask3, idx, NULL);                 /* (N, 1) */
      attr_i (o, "axis", 1);
      h = op (o, "Where", mt, hn, h, NULL);
      if (every)
        every[t] = h;
    }
  return h;
}

/* ---- the Transformer text encoder: the full 32 positions, padding keys
 * masked by a -1e9 score (exactly 0 weight after softmax); an empty row
 * then spreads evenly over its padding, whose states the mean ignores ---- */

/* x (…, in) · Wᵀ + b for x of any rank */
static const char *
linear_nd (Onnx *o, const char *x, const char *w, const char *b)
{
  return op (o, "Add", op (o, "MatMul", x, op (o, "Transpose", param (o, w), NULL), NULL),
             param (o, b), NULL);
}

/* nn.LayerNorm over the last axis, from opset-13 operators */
static const char *
layer_norm (Onnx *o, const char *x, const char *prefix)
{
  static const gint64 last[1] = { -1 };
  g_autofree char *w = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *b = g_strdup_printf ("%s.bias", prefix);
  const char *mean = op (o, "ReduceMean", x, NULL);
  attr_ints (o, "axes", 1, last);
  const char *d = op (o, "Sub", x, mean, NULL);
  const char *var = op (o, "ReduceMean", op (o, "Mul", d, d, NULL), NULL);
  attr_ints (o, "axes", 1, last);
  const char *den = op (o, "Sqrt", op (o, "Add", var, scalar (o, FW_LAYERNORM_EPS), NULL), NULL);
  return op (o, "Add", op (o, "Mul", op (o, "Div", d, den, NULL), param (o, w), NULL),
             param (o, b), NULL);
}

/* (N, L, E) → (N, nh, L, hd) */
static const char *
split_heads (Onnx *o, const char *x, int nh)
{
  gint64 shape[4] = { 0, 0, nh, FW_EMBED_DIM / nh };
  static const gint64 perm[4] = { 0, 2, 1, 3 };
  const char *y = op (o, "Transpose", op (o, "Reshape", x, ints (o, 4, shape), NULL), NULL);
  attr_ints (o, "perm", 4, perm);
  return y;
}

static const char *
self_attention (Onnx *o, const char *x, const char *prefix, const char *key_bias, int nh)
{
  static const gint64 perm_k[4] = { 0, 1, 3, 2 }, perm_back[4] = { 0, 2, 1, 3 };
  g_autofree char *ipw = g_strdup_printf ("%s.in_proj_weight", prefix);
  g_autofree char *ipb = g_strdup_printf ("%s.in_proj_bias", prefix);
  g_autofree char *opw = g_strdup_printf ("%s.out_proj.weight", prefix);
  g_autofree char *opb = g_strdup_printf ("%s.out_proj.bias", prefix);
  const char *qkv = linear_nd (o, x, ipw, ipb);                      /* (N, L, 3E) */
  const char *p3[3];
  node_v (o, "Split", 1, &qkv, 3, p3);
  attr_i (o, "axis", 2);
  const char *q = split_heads (o, p3[0], nh), *k = split_heads (o, p3[1], nh);
  const char *v = split_heads (o, p3[2], nh);
  const char *kt = op (o, "Transpose", k, NULL);
  attr_ints (o, "perm", 4, perm_k);
  const char *scores = op (o, "Mul", op (o, "MatMul", q, kt, NULL),
                           scalar (o, 1.0f / sqrtf ((float) (FW_EMBED_DIM / nh))), NULL);
  const char *att = op (o, "Softmax", op (o, "Add", scores, key_bias, NULL), NULL);
  attr_i (o, "axis", -1);
  const char *ctx = op (o, "Transpose", op (o, "MatMul", att, v, NULL), NULL);
  attr_ints (o, "perm", 4, perm_back);
  gint64 shape[3] = { 0, 0, FW_EMBED_DIM };
  return linear_nd (o, op (o, "Reshape", ctx, ints (o, 3, shape), NULL), opw, opb);
}

static const char *
gelu (Onnx *o, const char *x)
{
  const char *erf = op (o, "Erf", op (o, "Mul", x, scalar (o, (float) M_SQRT1_2), NULL), NULL);
  return op (o, "Mul", op (o, "Mul", x, scalar (o, 0.5f), NULL),
             op (o, "Add", erf, scalar (o, 1.0f), NULL), NULL);
}

/* per_token: the final LayerNorm's output (N, L, E), for attention fusion */
static const char *
transformer (Onnx *o, gboolean per_token)
{
  const FwConfig *c = fw_model_get_config (o->model);
  const char *x = op (o, "Add", op (o, "Gather", param (o, "text_encoder.embedding.weight"), "text", NULL),
                      param (o, "text_encoder.position.weight"), NULL);   /* (N, L, E) */
  /* (N, 1, 1, L): 0 for a real key, -1e9 for padding */
  const char *maskf = op (o, "Cast", o->mask, NULL);
  attr_i (o, "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  static const gint64 axes12[2] = { 1, 2 };
  const char *key_bias = op (o, "Mul", op (o, "Sub", maskf, scalar (o, 1.0f), NULL),
                             scalar (o, 1e9f), NULL);
  key_bias = op (o, "Unsqueeze", key_bias, ints (o, 2, axes12), NULL);
  for (int i = 0; i < c->layers; i++)
    {
      g_autofree char *p = g_strdup_printf ("text_encoder.encoder.layers.%d", i);
      g_autofree char *n1 = g_strconcat (p, ".norm1", NULL), *n2 = g_strconcat (p, ".norm2", NULL);
      g_autofree char *sa = g_strconcat (p, ".self_attn", NULL);
      g_autofree char *w1 = g_strconcat (p, ".linear1.weight", NULL), *b1 = g_strconcat (p, ".linear1.bias", NULL);
      g_autofree char *w2 = g_strconcat (p, ".linear2.weight", NULL), *b2 = g_strconcat (p, ".linear2.bias", NULL);
      x = op (o, "Add", x, self_attention (o, layer_norm (o, x, n1), sa, key_bias, c->heads), NULL);
      const char *ff = gelu (o, linear_nd (o, layer_norm (o, x, n2), w1, b1));
      x = op (o, "Add", x, linear_nd (o, ff, w2, b2), NULL);
    }
  x = layer_norm (o, x, "text_encoder.encoder.norm");
  if (per_token)
    return x;
  /* the mean over the real tokens; 0 for none */
  const char *m3 = op (o, "Unsqueeze", maskf, int1 (o, 2), NULL);
  const char *sum = op (o, "ReduceSum", op (o, "Mul", x, m3, NULL), int1 (o, 1), NULL);
  attr_i (o, "keepdims", 0);
  const char *count = op (o, "ReduceSum", maskf, int1 (o, 1), NULL);
  attr_i (o, "keepdims", 1);
  const char *pooled = op (o, "Div", sum, op (o, "Max", count, scalar (o, 1.0f), NULL), NULL);
  return linear_relu (o, pooled, "text_encoder.linear");
}

static const char *
text_encoder (Onnx *o)
{
  switch (fw_model_get_config (o->model)->text_encoder)
    {
    case FW_TEXT_BOW:
    case FW_TEXT_FEATURES:   /* counts or a precomputed vector: the same Linear */
      return linear_relu (o, "text", "text_encoder.0");
    case FW_TEXT_EMBED:
      return linear_relu (o, mean_embedding (o, "text_encoder.embedding.weight"),
                          "text_encoder.linear");
    case FW_TEXT_GRU:
      return gru (o, NULL);
    case FW_TEXT_TRANSFORMER:
      return transformer (o, FALSE);
    default:
      g_assert_not_reached ();
    }
}

static const char *
head (Onnx *o, const char *x, const char *prefix)
{
  g_autofree char *n0 = g_strdup_printf ("%s.0", prefix);
  g_autofree char *n2 = g_strdup_printf ("%s.2", prefix);
  if (fw_model_get_config (o->model)->head_hidden > 0)
    return linear (o, linear_relu (o, x, n0), n2);
  return linear (o, x, n0);
}

static const char *
fusion (Onnx *o, const char *xi, const char *xt)
{
  const FwConfig *c = fw_model_get_config (o->model);
  int H = c->hidden;
  const char *y;
  switch (c->fusion_op)
    {
    case FW_OP_CONCAT:
      y = op (o, "Concat", xi, xt, NULL);
      attr_i (o, "axis", 1);
      return y;
    case FW_OP_SUM:
      return op (o, "Add", xi, xt, NULL);
    case FW_OP_PRODUCT:
      return op (o, "Mul", xi, xt, NULL);
    case FW_OP_GATED:
      {
        const char *hi = op (o, "Tanh", linear (o, xi, "fusion.image_proj"), NULL);
        const char *ht = op (o, "Tanh", linear (o, xt, "fusion.text_proj"), NULL);
        const char *both = op (o, "Concat", xi, xt, NULL);
        attr_i (o, "axis", 1);
        const char *z = op (o, "Sigmoid", linear (o, both, "fusion.gate"), NULL);
        return op (o, "Add", op (o, "Mul", z, hi, NULL),
                   op (o, "Mul", op (o, "Sub", scalar (o, 1.0f), z, NULL), ht, NULL), NULL);
      }
    case FW_OP_TENSOR:
      {
        /* [x;1] ⊗ [y;1], flattened row-major: (N, (H+1)·(H+1)) */
        const char *ones = filled (o, 1, 1.0f);
        const char *a = op (o, "Concat", xi, ones, NULL);
        attr_i (o, "axis", 1);
        const char *b = op (o, "Concat", xt, ones, NULL);
        attr_i (o, "axis", 1);
        const char *outer = op (o, "Mul", op (o, "Unsqueeze", a, int1 (o, 2), NULL),
                                op (o, "Unsqueeze", b, int1 (o, 1), NULL), NULL);
        y = op (o, "Flatten", outer, NULL);
        attr_i (o, "axis", 1);
        return y;
      }
    case FW_OP_LOWRANK:
      {
        gint64 shape[3] = { 0, FW_LOWRANK_RANK, H };
        const char *prod = op (o, "Mul", linear (o, xi, "fusion.image_factor"),
                               linear (o, xt, "fusion.text_factor"), NULL);  /* (N, R·H) */
        const char *r3 = op (o, "Reshape", prod, ints (o, 3, shape), NULL);  /* (N, R, H) */
        y = op (o, "ReduceSum", r3, int1 (o, 1), NULL);
        attr_i (o, "keepdims", 0);
        return y;
      }
    default:
      g_assert_not_reached ();
    }
}

/* ---- attention fusion (fw-fusion-attention.c): tokens, one cross-
 * attention block each way, the means; every word position is computed
 * and the padded ones masked, as in model.py ---- */

/* (N, Li, Di): the CNN's positions, or 4 × 4 pixel patches (c, y, x) */
static const char *
attention_image_tokens (Onnx *o)
{
  const FwConfig *c = fw_model_get_config (o->model);
  const FwShape *s = fw_model_get_shape (o->model);
  gint64 g = s->size / FW_IMAGE_PATCH, p = FW_IMAGE_PATCH, C = s->channels;
  if (c->image_encoder == FW_IMAGE_CNN)
    {
      gint64 shape[3] = { 0, 32, g * g };
      static const gint64 perm[3] = { 0, 2, 1 };
      const char *y = op (o, "Transpose", op (o, "Reshape", conv_blocks (o), ints (o, 3, shape), NULL), NULL);
      attr_ints (o, "perm", 3, perm);
      return y;
    }
  const char *x = "image";
  if (s->size != g * p)   /* pixels past the last whole patch are in no token */
    {
      gint64 starts[2] = { 0, 0 }, ends[2] = { g * p, g * p }, axes[2] = { 2, 3 };
      x = op (o, "Slice", x, ints (o, 2, starts), ints (o, 2, ends), ints (o, 2, axes), NULL);
    }
  gint64 six[6] = { 0, C, g, p, g, p }, three[3] = { 0, g * g, C * p * p };
  static const gint64 perm[6] = { 0, 2, 4, 1, 3, 5 };
  x = op (o, "Transpose", op (o, "Reshape", x, ints (o, 6, six), NULL), NULL);
  attr_ints (o, "perm", 6, perm);
  return op (o, "Reshape", x, ints (o, 3, three), NULL);
}

/* (N, L, Dt): every word's embedding, GRU state or Transformer token */
static const char *
attention_text_tokens (Onnx *o)
{
  switch (fw_model_get_config (o->model)->text_encoder)
    {
    case FW_TEXT_EMBED:
      return op (o, "Gather", param (o, "text_encoder.embedding.weight"), "text", NULL);
    case FW_TEXT_TRANSFORMER:
      return transformer (o, TRUE);
    case FW_TEXT_GRU:
      {
        const char *every[FW_MAX_TOKENS], *steps[FW_MAX_TOKENS];
        gru (o, every);
        for (int t = 0; t < FW_MAX_TOKENS; t++)
          steps[t] = op (o, "Unsqueeze", every[t], int1 (o, 1), NULL);
        node_v (o, "Concat", FW_MAX_TOKENS, steps, 1, NULL);
        attr_i (o, "axis", 1);
        return o->last->output[0];
      }
    default:
      g_assert_not_reached ();
    }
}

/* x + out_proj (MHA (q = nx, k = v = ny)), then + FF (LN (·)).
 * key_bias (N, 1, 1, Lk) is 0 or -1e9; key_any (N, 1, 1, 1) is 0 for a
 * row without keys, whose weights are then zeros as in the core. */
static const char *
cross_attention (Onnx *o, const char *x, const char *nx, const char *ny, const char *prefix,
                 const char *key_bias, const char *key_any)
{
  static const gint64 perm_k[4] = { 0, 1, 3, 2 }, perm_back[4] = { 0, 2, 1, 3 };
  int nh = fw_model_get_config (o->model)->heads;
  g_autofree char *ipw = g_strdup_printf ("%s.attn.in_proj_weight", prefix);
  g_autofree char *ipb = g_strdup_printf ("%s.attn.in_proj_bias", prefix);
  g_autofree char *opw = g_strdup_printf ("%s.attn.out_proj.weight", prefix);
  g_autofree char *opb = g_strdup_printf ("%s.attn.out_proj.bias", prefix);
  g_autofree char *norm = g_strdup_printf ("%s.norm", prefix);
  g_autofree char *w1 = g_strdup_printf ("%s.linear1.weight", prefix);
  g_autofree char *b1 = g_strdup_printf ("%s.linear1.bias", prefix);
  g_autofree char *w2 = g_strdup_printf ("%s.linear2.weight", prefix);
  g_autofree char *b2 = g_strdup_printf ("%s.linear2.bias", prefix);
  /* the stacked projection on both sides; q from one, k and v from the other */
  const char *qkv_x = linear_nd (o, nx, ipw, ipb), *qkv_y = linear_nd (o, ny, ipw, ipb);
  const char *px[3], *py[3];
  node_v (o, "Split", 1, &qkv_x, 3, px);
  attr_i (o, "axis", 2);
  node_v (o, "Split", 1, &qkv_y, 3, py);
  attr_i (o, "axis", 2);
  const char *q = split_heads (o, px[0], nh), *k = split_heads (o, py[1], nh);
  const char *v = split_heads (o, py[2], nh);
  const char *kt = op (o, "Transpose", k, NULL);
  attr_ints (o, "perm", 4, perm_k);
  const char *scores = op (o, "Mul", op (o, "MatMul", q, kt, NULL),
                           scalar (o, 1.0f / sqrtf ((float) (FW_ATTENTION_DIM / nh))), NULL);
  if (key_bias)
    scores = op (o, "Add", scores, key_bias, NULL);
  const char *att = op (o, "Softmax", scores, NULL);
  attr_i (o, "axis", -1);
  if (key_any)
    att = op (o, "Mul", att, key_any, NULL);
  const char *ctx = op (o, "Transpose", op (o, "MatMul", att, v, NULL), NULL);
  attr_ints (o, "perm", 4, perm_back);
  gint64 shape[3] = { 0, -1, FW_ATTENTION_DIM };
  const char *res = op (o, "Add", x, linear_nd (o, op (o, "Reshape", ctx, ints (o, 3, shape), NULL),
                                                opw, opb), NULL);
  const char *ff = gelu (o, linear_nd (o, layer_norm (o, res, norm), w1, b1));
  return op (o, "Add", res, linear_nd (o, ff, w2, b2), NULL);
}

static const char *
attention_fusion (Onnx *o)
{
  static const gint64 axes12[2] = { 1, 2 }, axis1[1] = { 1 };
  const char *ti = op (o, "Add", linear_nd (o, attention_image_tokens (o), "fusion.image_proj.weight",
                                            "fusion.image_proj.bias"),
                       param (o, "fusion.image_pos"), NULL);             /* (N, Li, D) */
  const char *tt = linear_nd (o, attention_text_tokens (o), "fusion.text_proj.weight",
                              "fusion.text_proj.bias");                  /* (N, L, D) */
  const char *ni = layer_norm (o, ti, "fusion.image_norm");
  const char *nt = layer_norm (o, tt, "fusion.text_norm");
  const char *maskf = op (o, "Cast", o->mask, NULL);                    /* (N, L) */
  attr_i (o, "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  const char *key_bias = op (o, "Mul", op (o, "Sub", maskf, scalar (o, 1.0f), NULL),
                             scalar (o, 1e9f), NULL);
  key_bias = op (o, "Unsqueeze", key_bias, ints (o, 2, axes12), NULL);  /* (N, 1, 1, L) */
  /* opset 13: ReduceMax and ReduceMean take axes as an attribute */
  const char *any = op (o, "ReduceMax", maskf, NULL);                  /* (N, 1) */
  attr_ints (o, "axes", 1, axis1);
  attr_i (o, "keepdims", 1);
  any = op (o, "Unsqueeze", any, ints (o, 2, axes12), NULL);            /* (N, 1, 1, 1) */
  const char *ut = cross_attention (o, tt, nt, ni, "fusion.text_to_image", NULL, NULL);
  const char *ui = cross_attention (o, ti, ni, nt, "fusion.image_to_text", key_bias, any);
  const char *pool_i = op (o, "ReduceMean", ui, NULL);
  attr_ints (o, "axes", 1, axis1);
  attr_i (o, "keepdims", 0);
  const char *m3 = op (o, "Unsqueeze", maskf, int1 (o, 2), NULL);
  const char *sum = op (o, "ReduceSum", op (o, "Mul", ut, m3, NULL), int1 (o, 1), NULL);
  attr_i (o, "keepdims", 0);
  const char *count = op (o, "ReduceSum", maskf, int1 (o, 1), NULL);
  attr_i (o, "keepdims", 1);
  const char *pool_t = op (o, "Div", sum, op (o, "Max", count, scalar (o, 1.0f), NULL), NULL);
  const char *y = op (o, "Concat", pool_i, pool_t, NULL);
  attr_i (o, "axis", 1);
  return y;
}

/* sets *logits and returns the probabilities */
static const char *
late (Onnx *o, const char *li, const char *lt, const char **logits)
{
  const FwConfig *c = fw_model_get_config (o->model);
  if (c->late_combine == FW_LATE_STACKING)
    {
      const char *both = op (o, "Concat", li, lt, NULL);
      attr_i (o, "axis", 1);
      *logits = linear (o, both, "late.stack");
      const char *p = op (o, "Softmax", *logits, NULL);
      attr_i (o, "axis", 1);
      return p;
    }
  const char *pi = op (o, "Softmax", li, NULL);
  attr_i (o, "axis", 1);
  const char *pt = op (o, "Softmax", lt, NULL);
  attr_i (o, "axis", 1);
  const char *wi, *wt;
  if (c->late_combine == FW_LATE_WEIGHTED)
    {
      const char *w = op (o, "Softmax", param (o, "late.weights"), NULL);
      attr_i (o, "axis", 0);
      wi = op (o, "Gather", w, index0 (o, 0), NULL);
      wt = op (o, "Gather", w, index0 (o, 1), NULL);
    }
  else
    wi = wt = scalar (o, 0.5f);
  const char *p = op (o, "Add", op (o, "Mul", pi, wi, NULL), op (o, "Mul", pt, wt, NULL), NULL);
  *logits = op (o, "Log", op (o, "Max", p, scalar (o, 1e-30f), NULL), NULL);
  return p;
}

/* ---- graph inputs, outputs and metadata -------------------------------- */

static Onnx__ValueInfoProto *
value_info (Onnx *o, const char *name, int elem_type, int ndim, const gint64 *dims)
{
  Onnx__ValueInfoProto *v = alloc (o, sizeof *v);
  onnx__value_info_proto__init (v);
  v->name = astr (o, name);
  Onnx__TypeProto *type = alloc (o, sizeof *type);
  onnx__type_proto__init (type);
  Onnx__TypeProto__Tensor *tt = alloc (o, sizeof *tt);
  onnx__type_proto__tensor__init (tt);
  tt->has_elem_type = TRUE;
  tt->elem_type = elem_type;
  Onnx__TensorShapeProto *shape = alloc (o, sizeof *shape);
  onnx__tensor_shape_proto__init (shape);
  shape->n_dim = ndim;
  shape->dim = alloc (o, sizeof (Onnx__TensorShapeProto__Dimension *) * ndim);
  for (int i = 0; i < ndim; i++)
    {
      Onnx__TensorShapeProto__Dimension *d = alloc (o, sizeof *d);
      onnx__tensor_shape_proto__dimension__init (d);
      if (dims[i] < 0)
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          d->dim_param = astr (o, "N");
        }
      else
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          d->dim_value = dims[i];
        }
      shape->dim[i] = d;
    }
  tt->shape = shape;
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tt;
  v->type = type;
  return v;
}

static char *
strings_json (const char *const *v, int n)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static Onnx__StringStringEntryProto *
prop (Onnx *o, const char *key, const char *value)
{
  Onnx__StringStringEntryProto *e = alloc (o, sizeof *e);
  onnx__string_string_entry_proto__init (e);
  e->key = astr (o, key);
  e->value = astr (o, value);
  return e;
}

gboolean
fw_onnx_export (const FwModel *model, const FwVocab *vocab, const char *const *classes,
                const char *path, GError **error)
{
  g_return_val_if_fail (model && vocab && classes && path, FALSE);
  const FwConfig *c = fw_model_get_config (model);
  const FwShape *s = fw_model_get_shape (model);
  gboolean tokens = fw_model_uses_tokens (model);
  Onnx o = { 0 };
  o.arena = g_ptr_array_new_with_free_func (g_free);
  o.nodes = g_ptr_array_new ();
  o.inits = g_ptr_array_new ();
  o.model = model;

  /* every parameter, under its own name */
  int n_params = 0;
  const FwParam *params = fw_model_param_list (model, &n_params);
  const float *data = fw_model_params ((FwModel *) model);
  for (int i = 0; i < n_params; i++)
    {
      gint64 dims[4];
      for (int d = 0; d < params[i].ndim; d++)
        dims[d] = params[i].shape[d];
      init_tensor (&o, params[i].name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, params[i].ndim,
                   dims, data + params[i].offset, sizeof (float) * params[i].size);
    }

  o.batch = op (&o, "Gather", op (&o, "Shape", "image", NULL), int1 (&o, 0), NULL);
  if (tokens)
    o.mask = op (&o, "Greater", "text", index0 (&o, FW_VOCAB_PAD), NULL);

  const char *logits = NULL, *probs = NULL;
  switch (c->fusion)
    {
    case FW_FUSION_EARLY:
      {
        const char *pixels = op (&o, "Flatten", "image", NULL);
        attr_i (&o, "axis", 1);
        const char *text = tokens ? mean_embedding (&o, "text_embedding.weight") : "text";
        const char *joined = op (&o, "Concat", pixels, text, NULL);
        attr_i (&o, "axis", 1);
        logits = head (&o, linear_relu (&o, joined, "encoder.0"), "head");
      }
      break;
    case FW_FUSION_INTERMEDIATE:
      if (c->fusion_op == FW_OP_ATTENTION)
        {
          logits = head (&o, attention_fusion (&o), "head");
          break;
        }
      {
        const char *xi = image_encoder (&o);
        const char *xt = text_encoder (&o);
        logits = head (&o, fusion (&o, xi, xt), "head");
      }
      break;
    case FW_FUSION_LATE:
      {
        const char *li = head (&o, image_encoder (&o), "image_head");
        const char *lt = head (&o, text_encoder (&o), "text_head");
        probs = late (&o, li, lt, &logits);
      }
      break;
    case FW_FUSION_IMAGE:
      logits = head (&o, image_encoder (&o), "head");
      break;
    case FW_FUSION_TEXT:
      logits = head (&o, text_encoder (&o), "head");
      break;
    default:
      g_assert_not_reached ();
    }
  if (!probs)
    {
      probs = op (&o, "Softmax", logits, NULL);
      attr_i (&o, "axis", 1);
    }
  const char *in_logits = logits, *in_probs = probs;
  node_v (&o, "Identity", 1, &in_logits, 1, NULL);
  o.last->output[0] = astr (&o, "logits");
  node_v (&o, "Identity", 1, &in_probs, 1, NULL);
  o.last->output[0] = astr (&o, "probabilities");

  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  graph.name = (char *) "fusion_workbench";
  graph.n_node = o.nodes->len;
  graph.node = (Onnx__NodeProto **) o.nodes->pdata;
  graph.n_initializer = o.inits->len;
  graph.initializer = (Onnx__TensorProto **) o.inits->pdata;
  /* a features model reads (N, D) vectors where others read pixels or counts */
  gint64 image_dims[4] = { -1, s->channels, s->size, s->size };
  if (fw_model_image_is_features (model))
    image_dims[1] = s->image_features;
  gint64 text_dims[2] = { -1, tokens ? FW_MAX_TOKENS : fw_model_text_width (model) };
  gint64 out_dims[2] = { -1, s->classes };
  Onnx__ValueInfoProto *inputs[2] = {
    value_info (&o, "image", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
                fw_model_image_is_features (model) ? 2 : 4, image_dims),
    value_info (&o, "text", tokens ? ONNX__TENSOR_PROTO__DATA_TYPE__INT64
                                   : ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, text_dims),
  };
  Onnx__ValueInfoProto *outputs[2] = {
    value_info (&o, "logits", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, out_dims),
    value_info (&o, "probabilities", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, out_dims),
  };
  graph.n_input = 2;
  graph.input = inputs;
  graph.n_output = 2;
  graph.output = outputs;

  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  opset.domain = (char *) "";
  opset.has_version = TRUE;
  opset.version = FW_ONNX_OPSET;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };

  g_autoptr (JsonNode) config_node = fw_config_to_json (c);
  g_autofree char *config = json_to_string (config_node, FALSE);
  g_autofree char *labels = strings_json (classes, s->classes);
  g_autofree char *vocab_json = strings_json ((const char *const *) vocab->tokens->pdata,
                                             (int) vocab->tokens->len);
  g_autofree char *pre = fw_model_preprocess_json (model);
  Onnx__StringStringEntryProto *props[] = {
    prop (&o, "format", FW_MODEL_FILE_FORMAT),
    prop (&o, "version", FW_MODEL_FILE_VERSION),
    prop (&o, "config", config),
    prop (&o, "labels", labels),
    prop (&o, "vocab", vocab_json),
    prop (&o, "preprocess", pre),
  };

  Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
  m.has_ir_version = TRUE;
  m.ir_version = FW_ONNX_IR_VERSION;
  m.n_opset_import = 1;
  m.opset_import = opsets;
  m.producer_name = (char *) "fusion-workbench";
  m.producer_version = (char *) FW_VERSION;
  m.graph = &graph;
  m.n_metadata_props = G_N_ELEMENTS (props);
  m.metadata_props = props;

  gsize size = onnx__model_proto__get_packed_size (&m);
  g_autofree guint8 *buf = g_malloc (MAX (size, 1));
  onnx__model_proto__pack (&m, buf);
  g_ptr_array_unref (o.nodes);
  g_ptr_array_unref (o.inits);
  g_ptr_array_unref (o.arena);

  /* durably, through a temporary file renamed into place */
  g_autoptr (GError) local = NULL;
  if (!fw_file_write (path, buf, size, 0666, &local))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}
