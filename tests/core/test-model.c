/* test-model.c — whole models: for every fusion type, operator, late
 * combination and encoder, the backward pass must match central finite
 * differences of the objective, for the parameters and for the inputs. */
#include <math.h>
#include <string.h>

#include "fw-model-private.h"
#include "fw-rng.h"

typedef struct {
  const char *path;
  const char *options[10];    /* name, value pairs, NULL-terminated */
} Case;

static const Case cases[] = {
  { "/core/model/gradients/early-bow", { "fusion", "early", NULL } },
  { "/core/model/gradients/early-embed", { "fusion", "early", "text-encoder", "embed", NULL } },
  { "/core/model/gradients/intermediate-concat", { "fusion", "intermediate", "fusion-op", "concat", NULL } },
  { "/core/model/gradients/intermediate-sum", { "fusion-op", "sum", NULL } },
  { "/core/model/gradients/intermediate-product", { "fusion-op", "product", NULL } },
  { "/core/model/gradients/intermediate-gated", { "fusion-op", "gated", NULL } },
  { "/core/model/gradients/intermediate-tensor", { "fusion-op", "tensor", NULL } },
  { "/core/model/gradients/intermediate-lowrank", { "fusion-op", "lowrank", NULL } },
  { "/core/model/gradients/intermediate-cnn-gru", { "image-encoder", "cnn", "text-encoder", "gru", NULL } },
  { "/core/model/gradients/intermediate-embed-head0", { "text-encoder", "embed", "head-hidden", "0", NULL } },
  { "/core/model/gradients/late-mean", { "fusion", "late", "late-combine", "mean", NULL } },
  { "/core/model/gradients/late-weighted", { "fusion", "late", "late-combine", "weighted", NULL } },
  { "/core/model/gradients/late-stacking", { "fusion", "late", "late-combine", "stacking", NULL } },
  { "/core/model/gradients/image-cnn", { "fusion", "image", "image-encoder", "cnn", NULL } },
  { "/core/model/gradients/text-gru", { "fusion", "text", "text-encoder", "gru", NULL } },
  /* one block each: two blocks' chaining is checked against PyTorch (test-reference) */
  { "/core/model/gradients/intermediate-transformer", { "text-encoder", "transformer", "heads", "2", "layers", "1", NULL } },
  { "/core/model/gradients/text-transformer", { "fusion", "text", "text-encoder", "transformer", "layers", "1", NULL } },
  { "/core/model/gradients/attention-cnn-gru",
    { "fusion-op", "attention", "image-encoder", "cnn", "text-encoder", "gru", NULL } },
  { "/core/model/gradients/attention-mlp-embed",
    { "fusion-op", "attention", "text-encoder", "embed", "heads", "2", NULL } },
  { "/core/model/gradients/attention-cnn-transformer",
    { "fusion-op", "attention", "image-encoder", "cnn", "text-encoder", "transformer", "layers", "1", NULL } },
  /* precomputed vectors (IMAGE_D and TEXT_D wide) in place of pixels and words */
  { "/core/model/gradients/intermediate-features", { "image-encoder", "features", "text-encoder", "features",
                                                     "fusion-op", "gated", NULL } },
  { "/core/model/gradients/early-features", { "fusion", "early", "image-encoder", "features",
                                              "text-encoder", "features", NULL } },
  { "/core/model/gradients/late-features-bow", { "fusion", "late", "image-encoder", "features", NULL } },
  { "/core/model/gradients/text-features", { "fusion", "text", "text-encoder", "features", NULL } },
};

enum { B = 5, SIZE = 8, VOCAB = 11, CLASSES = 3, IMAGE_D = 7, TEXT_D = 9 };

static FwModel *
build (const Case *c)
{
  FwConfig config;
  fw_config_init (&config);
  config.image_size = SIZE;
  config.hidden = 6;
  config.head_hidden = 5;
  config.seed = 7;
  for (int i = 0; c->options[i]; i += 2)
    g_assert_true (fw_config_set (&config, c->options[i], c->options[i + 1], NULL));
  FwShape shape = { 1, SIZE, VOCAB, CLASSES, IMAGE_D, TEXT_D };
  g_autoptr (GError) error = NULL;
  FwModel *m = fw_model_new (&config, &shape, B, &error);
  g_assert_no_error (error);

  /* random inputs, including an empty caption and a blank image */
  guint64 rng = 99;
  for (int i = 0; i < B * m->P; i++)
    m->in_image[i] = fw_rng_uniform (&rng);
  for (int b = 0; b < B; b++)
    {
      int len = b == 1 ? 0 : 1 + (int) fw_rng_below (&rng, 9);
      m->in_labels[b] = (int) fw_rng_below (&rng, CLASSES);
      if (m->uses_tokens)
        {
          m->in_lens[b] = len;
          for (int t = 0; t < FW_MAX_TOKENS; t++)
            m->in_tokens[b * FW_MAX_TOKENS + t] = t < len ? 1 + (int) fw_rng_below (&rng, VOCAB - 1) : 0;
        }
      else if (fw_model_text_is_features (m))
        for (int t = 0; t < m->T && len > 0; t++)
          m->in_counts[b * m->T + t] = 2.0f * fw_rng_uniform (&rng) - 1.0f;
      else
        for (int t = 0; t < len; t++)
          m->in_counts[b * VOCAB + fw_rng_below (&rng, VOCAB)] += 1.0f;
    }
  fw_model_blank_image (m, 2);
  /* give the late weights something other than the symmetric start */
  const FwParam *w = fw_model_find_param (m, "late.weights");
  if (w)
    {
      m->params[w->offset] = 0.3f;
      m->params[w->offset + 1] = -0.2f;
    }
  return m;
}

/* With a seed set, the function checked is Σ seed·probs (the gradient
 * fw_model_backward_probs computes) instead of the training objective. */
static const float *probs_seed;

static double
objective (FwModel *m)
{
  fw_model_forward (m, B);
  if (!probs_seed)
    return fw_model_objective (m, B);
  double s = 0;
  for (int i = 0; i < B * CLASSES; i++)
    s += (double) probs_seed[i] * m->probs[i];
  return s;
}

/* Finite differences in float are noisy at small steps and cross ReLU
 * kinks at large ones, so a probe agrees when either step matches the
 * analytic gradient; a tensor passes when 95% of its probes agree.  A wrong
 * gradient (a missing term, a wrong sign or scale) fails most probes. */
static double
central_difference (FwModel *m, float *value, float eps)
{
  float keep = *value;
  *value = keep + eps;
  double up = objective (m);
  *value = keep - eps;
  double down = objective (m);
  *value = keep;
  return (up - down) / (2.0 * eps);
}

static gboolean
probe_agrees (FwModel *m, float *value, float analytic)
{
  double g = analytic;
  if (fabs (central_difference (m, value, 1e-3f) - g) <= 1.5e-4 + 3e-2 * fabs (g))
    return TRUE;
  return fabs (central_difference (m, value, 1e-4f) - g) <= 1e-3 + 3e-2 * fabs (g);
}

/* Probes every stride-th value; returns the share that agree, and the
 * analytic gradient's norm over the probes in *norm. */
static double
agreement (FwModel *m, float *values, const float *analytic, gsize n, gsize stride, double *norm)
{
  int probes = 0, agree = 0;
  double sq = 0;
  for (gsize i = 0; i < n; i += stride)
    {
      probes++;
      agree += probe_agrees (m, &values[i], analytic[i]);
      sq += (double) analytic[i] * analytic[i];
    }
  *norm = sqrt (sq);
  return probes ? (double) agree / probes : 1.0;
}

static void
test_gradients (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FwModel) m = build (c);
  fw_model_want_input_grads (m, TRUE);
  objective (m);
  fw_model_backward (m, B);
  /* analytic gradients are overwritten by the probing forwards: keep them */
  g_autofree float *grads = g_memdup2 (m->grads, sizeof (float) * m->n_params);
  g_autofree float *dimage = g_memdup2 (fw_model_input_image_grad (m), sizeof (float) * B * m->P);
  g_autofree float *dcounts = m->uses_tokens ? NULL
    : g_memdup2 (fw_model_input_text_grad (m), sizeof (float) * B * m->T);

  int n = 0;
  const FwParam *params = fw_model_param_list (m, &n);
  for (int i = 0; i < n; i++)
    {
      double norm = 0;
      gsize stride = MAX (params[i].size / 60, 1);  /* at most ~60 probes a tensor */
      double share = agreement (m, m->params + params[i].offset, grads + params[i].offset,
                                params[i].size, stride, &norm);
      g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", params[i].name, 100 * share, norm);
      g_assert_cmpfloat (share, >=, 0.95);
    }
  /* rows 0-1 only: row 2 is a blank image, whose equal pixels make
   * max-pool ties that a finite difference breaks */
  double norm = 0;
  double share = agreement (m, m->in_image, dimage, 2 * (gsize) m->P, 3, &norm);
  g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", "input image", 100 * share, norm);
  if (m->config.fusion != FW_FUSION_TEXT)
    g_assert_cmpfloat (norm, >, 1e-4);
  g_assert_cmpfloat (share, >=, 0.95);
  if (dcounts)
    {
      share = agreement (m, m->in_counts, dcounts, (gsize) B * m->T, 1, &norm);
      g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", "input counts", 100 * share, norm);
      if (m->config.fusion != FW_FUSION_IMAGE)
        g_assert_cmpfloat (norm, >, 1e-4);
      g_assert_cmpfloat (share, >=, 0.95);
    }
}

/* The gradient of a weighted sum of the probabilities (what attribution
 * differentiates), for parameters, the image, and the text as counts or as
 * the embeddings the encoder reads (from-embeddings mode, so that the
 * finite differences perturb what the forward reads). */
static void
test_probs_gradients (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FwModel) m = build (c);
  float seed[B * CLASSES];
  guint64 rng = 5;
  for (int i = 0; i < B * CLASSES; i++)
    seed[i] = 2.0f * fw_rng_uniform (&rng) - 1.0f;
  float *embedded = fw_model_input_embedded (m);
  gsize n_embedded = embedded && fw_model_embeds_per_token (m) ? (gsize) FW_MAX_TOKENS * B * FW_EMBED_DIM
                                                                : (gsize) B * FW_EMBED_DIM;
  if (embedded)
    {
      fw_model_embed_tokens (m, B);
      g_assert_false (fw_model_text_from_embeddings (m, TRUE));
    }
  fw_model_want_input_grads (m, TRUE);
  probs_seed = seed;
  objective (m);
  fw_model_backward_probs (m, B, seed);
  g_autofree float *grads = g_memdup2 (m->grads, sizeof (float) * m->n_params);
  g_autofree float *dimage = g_memdup2 (fw_model_input_image_grad (m), sizeof (float) * B * m->P);
  g_autofree float *dtext = NULL;
  gsize n_text = embedded ? n_embedded : (gsize) B * m->T;
  if (m->config.fusion != FW_FUSION_IMAGE)
    dtext = g_memdup2 (fw_model_input_text_grad (m), sizeof (float) * n_text);

  int n = 0;
  double norm = 0, share;
  const FwParam *params = fw_model_param_list (m, &n);
  for (int i = 0; i < n; i++)
    {
      gsize stride = MAX (params[i].size / 30, 1);
      share = agreement (m, m->params + params[i].offset, grads + params[i].offset,
                         params[i].size, stride, &norm);
      g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", params[i].name, 100 * share, norm);
      g_assert_cmpfloat (share, >=, 0.95);
    }
  share = agreement (m, m->in_image, dimage, 2 * (gsize) m->P, 3, &norm);
  g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", "input image", 100 * share, norm);
  if (m->config.fusion != FW_FUSION_TEXT)
    g_assert_cmpfloat (norm, >, 1e-5);
  g_assert_cmpfloat (share, >=, 0.95);
  if (dtext)
    {
      float *values = embedded ? embedded : m->in_counts;
      share = agreement (m, values, dtext, n_text, n_text > 400 ? 7 : 1, &norm);
      g_test_message ("%-34s %5.1f%% of probes agree (|g| %.2e)", embedded ? "input embedded" : "input counts",
                      100 * share, norm);
      g_assert_cmpfloat (norm, >, 1e-5);
      g_assert_cmpfloat (share, >=, 0.95);
    }
  probs_seed = NULL;
}

/* From-embeddings mode reads what embed_tokens wrote: the same forward. */
static void
test_embedded_forward_matches (void)
{
  g_autoptr (FwModel) m = build (&cases[8]);
  fw_model_forward (m, B);
  float probs[B * CLASSES];
  memcpy (probs, m->probs, sizeof probs);
  fw_model_embed_tokens (m, B);
  fw_model_text_from_embeddings (m, TRUE);
  memset (m->in_tokens, 0, sizeof (int) * B * FW_MAX_TOKENS);  /* must not be read */
  fw_model_forward (m, B);
  for (int i = 0; i < B * CLASSES; i++)
    g_assert_cmpfloat_with_epsilon (m->probs[i], probs[i], 1e-6);
}

/* Encoding, then fusing the features, is the whole forward. */
static void
test_features_forward (void)
{
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (FwModel) m = build (&cases[c]);
      if (!fw_model_has_features (m))
        continue;
      double loss = fw_model_forward (m, B);
      float probs[B * CLASSES];
      memcpy (probs, m->probs, sizeof probs);
      memset (m->probs, 0, sizeof probs);
      fw_model_encode (m, B);
      g_assert_cmpfloat_with_epsilon (fw_model_forward_features (m, B), loss, 1e-6);
      for (int i = 0; i < B * CLASSES; i++)
        g_assert_cmpfloat_with_epsilon (m->probs[i], probs[i], 1e-7);
    }
}

/* A wrong gradient must be caught: the check above is only worth
 * something if it fails on a model whose backward is off. */
static void
test_check_can_fail (void)
{
  g_autoptr (FwModel) m = build (&cases[2]);
  objective (m);
  fw_model_backward (m, B);
  const FwParam *p = fw_model_find_param (m, "head.0.weight");
  g_autofree float *grads = g_memdup2 (m->grads + p->offset, sizeof (float) * p->size);
  for (gsize i = 0; i < p->size; i++)
    grads[i] *= 1.5f;
  double norm = 0;
  g_assert_cmpfloat (agreement (m, m->params + p->offset, grads, p->size, 1, &norm), <, 0.95);
}

/* Probabilities sum to one and the reported loss is their cross-entropy. */
static void
test_probabilities (void)
{
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (FwModel) m = build (&cases[c]);
      double loss = fw_model_forward (m, B);
      double expect = 0;
      for (int b = 0; b < B; b++)
        {
          double s = 0;
          for (int k = 0; k < CLASSES; k++)
            s += m->probs[b * CLASSES + k];
          g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-5);
          expect -= log (m->probs[b * CLASSES + m->in_labels[b]]);
        }
      g_assert_cmpfloat_with_epsilon (loss, expect / B, 1e-4);
    }
}

/* The same seed gives the same parameters; another seed, others. */
static void
test_init_deterministic (void)
{
  g_autoptr (FwModel) a = build (&cases[8]);
  g_autoptr (FwModel) b = build (&cases[8]);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params, b->n_params * sizeof (float));
  fw_model_init_params (b, 8);
  g_assert_true (memcmp (a->params, b->params, a->n_params * sizeof (float)) != 0);
}

/* Backward zeroes only the gradients it accumulates into, and only the
 * batch's rows: a second step (after a smaller batch, with input gradients
 * on and off) must give exactly the gradients of the first, so nothing
 * stale is left to add onto.  With input gradients a one-channel CNN's
 * first layer takes the channel-major path, without them the pixel-major
 * one (fw-conv-nhwc.c), whose dw adds the same products in another order:
 * each is compared with its own first step, and the two closely. */
static void
test_backward_repeatable (void)
{
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (FwModel) m = build (&cases[c]);
      g_test_message ("%s", cases[c].path);
      gsize n = m->n_params;
      float *grads[2] = { NULL, NULL };   /* [input grads off, on] */
      g_autofree float *dimage = NULL;
      for (int on = 0; on < 2; on++)
        {
          fw_model_want_input_grads (m, on);
          objective (m);
          fw_model_backward (m, B);
          grads[on] = g_memdup2 (m->grads, sizeof (float) * n);
          if (on)
            dimage = g_memdup2 (fw_model_input_image_grad (m), sizeof (float) * B * m->P);
          /* leave other numbers everywhere in the gradient blocks */
          fw_model_forward (m, B - 2);
          fw_model_backward (m, B - 2);
        }
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat_with_epsilon (grads[0][i], grads[1][i],
                                        1e-4 * MAX (1.0, fabs (grads[1][i])));
      for (int on = 0; on < 2; on++)
        {
          fw_model_want_input_grads (m, on);
          objective (m);
          fw_model_backward (m, B);
          g_assert_cmpmem (grads[on], sizeof (float) * n, m->grads, sizeof (float) * n);
        }
      g_assert_cmpmem (dimage, sizeof (float) * B * m->P, fw_model_input_image_grad (m),
                       sizeof (float) * B * m->P);
      g_free (grads[0]);
      g_free (grads[1]);
    }
}

/* The per-block parameter counts (the diagram's figures) add up to the
 * model's, for every configuration; and the seed model, counted by hand:
 * image 100→64 (6,464), text 50→64 (3,264), head Linear 128→10 (1,290). */
static void
test_block_params (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FwModel *m = build (&cases[i]);
      g_autoptr (GArray) blocks = fw_model_count_block_params (fw_model_get_config (m),
                                                                fw_model_get_shape (m), NULL);
      gsize sum = 0;
      g_assert_nonnull (blocks);
      for (guint b = 0; b < blocks->len; b++)
        sum += g_array_index (blocks, FwBlockParams, b).params;
      g_assert_cmpuint (sum, ==, fw_model_n_params (m));
      fw_model_free (m);
    }

  FwConfig seed;
  fw_config_init (&seed);
  seed.image_size = 10;
  seed.hidden = 64;
  seed.head_hidden = 0;
  FwShape shape = { 1, 10, 50, 10 };
  g_autoptr (GArray) blocks = fw_model_count_block_params (&seed, &shape, NULL);
  g_assert_cmpuint (blocks->len, ==, 3);
  g_assert_cmpstr (g_array_index (blocks, FwBlockParams, 0).name, ==, "image_encoder");
  g_assert_cmpuint (g_array_index (blocks, FwBlockParams, 0).params, ==, 100 * 64 + 64);
  g_assert_cmpstr (g_array_index (blocks, FwBlockParams, 1).name, ==, "text_encoder");
  g_assert_cmpuint (g_array_index (blocks, FwBlockParams, 1).params, ==, 50 * 64 + 64);
  g_assert_cmpstr (g_array_index (blocks, FwBlockParams, 2).name, ==, "head");
  g_assert_cmpuint (g_array_index (blocks, FwBlockParams, 2).params, ==, 128 * 10 + 10);

  shape.classes = 1;                    /* no model for one class: refused, nothing built */
  g_autoptr (GError) error = NULL;
  g_assert_null (fw_model_count_block_params (&seed, &shape, &error));
  g_assert_nonnull (error);
}

/* the Transformer's options are refused where they cannot work, each with
 * a message that says why */
static void
test_transformer_refusals (void)
{
  FwConfig c;
  fw_config_init (&c);
  g_assert_cmpint (c.layers, ==, 2);
  g_assert_cmpint (c.heads, ==, 4);
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_config_set (&c, "text-encoder", "transformer", NULL));
  g_assert_true (fw_config_set (&c, "fusion", "early", NULL));
  g_assert_false (fw_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "transformer"));
  g_clear_error (&error);
  g_assert_true (fw_config_set (&c, "fusion", "text", NULL));
  g_assert_true (fw_config_validate (&c, NULL));
  g_assert_true (fw_config_set (&c, "heads", "3", NULL));
  g_assert_false (fw_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "--heads 3"));
  g_clear_error (&error);
  g_assert_false (fw_config_set (&c, "layers", "0", &error));
  g_clear_error (&error);
  g_assert_false (fw_config_set (&c, "layers", "13", &error));
  g_clear_error (&error);
  g_assert_true (fw_config_set (&c, "heads", "64", NULL));
  g_assert_true (fw_config_set (&c, "layers", "12", NULL));
  g_assert_true (fw_config_validate (&c, NULL));
}

/* An empty caption has no token to attend to: the masked mean gives zeros
 * and nothing is NaN, whichever rows share its batch */
static void
test_transformer_empty_caption (void)
{
  static const Case text = { "", { "fusion", "text", "text-encoder", "transformer", NULL } };
  g_autoptr (FwModel) m = build (&text);
  for (int b = 0; b < B; b++)
    m->in_lens[b] = 0;
  memset (m->in_tokens, 0, sizeof (int) * B * FW_MAX_TOKENS);
  fw_model_forward (m, B);
  for (int i = 0; i < B * FW_EMBED_DIM; i++)
    g_assert_cmpfloat (m->text_encoder.pooled[i], ==, 0.0f);
  for (int i = 0; i < B * CLASSES; i++)
    g_assert_true (isfinite (m->probs[i]));
  fw_model_backward (m, B);
  for (gsize i = 0; i < m->n_params; i++)
    g_assert_true (isfinite (m->grads[i]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_gradients);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* a Transformer's many tensors cost seconds of probes;
       * text-transformer checks the encoder's probability gradients */
      if (strstr (cases[i].path, "intermediate-transformer"))
        continue;
      g_autofree char *path = g_strdup_printf ("/core/model/probs-gradients/%s",
                                               strrchr (cases[i].path, '/') + 1);
      g_test_add_data_func (path, &cases[i], test_probs_gradients);
    }
  g_test_add_func ("/core/model/embedded-forward", test_embedded_forward_matches);
  g_test_add_func ("/core/model/features-forward", test_features_forward);
  g_test_add_func ("/core/model/gradient-check-can-fail", test_check_can_fail);
  g_test_add_func ("/core/model/probabilities", test_probabilities);
  g_test_add_func ("/core/model/init-deterministic", test_init_deterministic);
  g_test_add_func ("/core/model/backward-repeatable", test_backward_repeatable);
  g_test_add_func ("/core/model/block-params", test_block_params);
  g_test_add_func ("/core/model/transformer-refusals", test_transformer_refusals);
  g_test_add_func ("/core/model/transformer-empty-caption", test_transformer_empty_caption);
  return g_test_run ();
}
