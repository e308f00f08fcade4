/* test-reference.c — the core against PyTorch: fixed weights and inputs
 * from tests/torch/make_reference.py, and the logits, loss and every
 * gradient PyTorch computed for them, must agree to 1e-5 relative. */
#include <math.h>
#include <string.h>

#include "fw-model-private.h"
#include "fw-safetensors.h"

static FwSafetensors *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", name, NULL);
  g_autoptr (GError) error = NULL;
  FwSafetensors *st = fw_safetensors_load (path, &error);
  g_assert_no_error (error);
  return st;
}

static const FwTensor *
need (const FwSafetensors *st, const char *name)
{
  const FwTensor *t = fw_safetensors_get (st, name);
  if (!t)
    g_error ("fixture lacks tensor %s", name);
  return t;
}

/* max |a − b| / max |b| over n values */
static double
relative_difference (const float *a, const float *b, gsize n)
{
  double diff = 0, scale = 1e-12;
  for (gsize i = 0; i < n; i++)
    {
      diff = MAX (diff, fabs ((double) a[i] - b[i]));
      scale = MAX (scale, fabs ((double) b[i]));
    }
  return diff / scale;
}

static void
check (const char *what, const float *got, const FwTensor *want)
{
  double d = relative_difference (got, want->data, want->nbytes / sizeof (float));
  g_test_message ("%-40s max relative difference %.2e", what, d);
  g_assert_cmpfloat (d, <=, 1e-5);
}

/* The attention weights of attention fusion, where they mean something:
 * every image query's weights over the words (0 on padding), and the
 * real words' weights over the image tokens. */
static void
check_attention (FwModel *m, const FwSafetensors *st, int B)
{
  for (int d = 0; d < FW_ATTENTION_N_DIRECTIONS; d++)
    {
      const char *name = d == FW_ATTENTION_TEXT_TO_IMAGE ? "attention.text_to_image"
                                                         : "attention.image_to_text";
      const FwTensor *want = fw_safetensors_get (st, name);
      int heads, lq, lk;
      const float *got = fw_model_attention (m, d, &heads, &lq, &lk);
      g_assert_true ((want == NULL) == (got == NULL));
      if (!want)
        continue;
      /* PyTorch computes all 32 words; the core up to the longest caption */
      g_assert_cmpint (want->shape[1], ==, heads);
      int wq = (int) want->shape[2], wk = (int) want->shape[3];
      double diff = 0;
      const float *w = want->data;
      for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++)
          for (int i = 0; i < lq; i++)
            {
              if (d == FW_ATTENTION_TEXT_TO_IMAGE && i >= m->in_lens[b])
                continue;
              for (int j = 0; j < lk; j++)
                diff = MAX (diff, fabs (got[(((gsize) b * heads + h) * lq + i) * lk + j]
                                        - w[(((gsize) b * heads + h) * wq + i) * wk + j]));
            }
      g_test_message ("%-40s max difference %.2e", name, diff);
      g_assert_cmpfloat (diff, <=, 1e-5);
    }
}

static void
run_reference (gconstpointer data)
{
  g_autoptr (FwSafetensors) st = load_fixture (data);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, fw_safetensors_metadata (st, "config"), -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));

  FwConfig config;
  fw_config_init (&config);
  const char *keys[] = { "fusion", "fusion-op", "image-encoder", "text-encoder" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (fw_config_set (&config, keys[i], json_object_get_string_member (o, keys[i]), NULL));
  config.image_size = (int) json_object_get_int_member (o, "image-size");
  config.hidden = (int) json_object_get_int_member (o, "hidden");
  config.head_hidden = (int) json_object_get_int_member (o, "head-hidden");
  config.layers = (int) json_object_get_int_member_with_default (o, "layers", config.layers);
  config.heads = (int) json_object_get_int_member_with_default (o, "heads", config.heads);
  FwShape shape = { 1, config.image_size, (int) json_object_get_int_member (o, "vocab"),
                    (int) json_object_get_int_member (o, "classes") };

  const FwTensor *labels = need (st, "labels");
  int B = (int) labels->shape[0];
  g_autoptr (GError) error = NULL;
  g_autoptr (FwModel) m = fw_model_new (&config, &shape, B, &error);
  g_assert_no_error (error);

  int n = 0;
  const FwParam *params = fw_model_param_list (m, &n);
  for (int i = 0; i < n; i++)
    {
      const FwTensor *t = need (st, params[i].name);
      g_assert_cmpuint (t->nbytes, ==, params[i].size * sizeof (float));
      memcpy (m->params + params[i].offset, t->data, t->nbytes);
    }

  const FwTensor *image = need (st, "image");
  memcpy (m->in_image, image->data, image->nbytes);
  const FwTensor *text = need (st, "text");
  if (m->uses_tokens)
    {
      const gint64 *tok = text->data;
      const gint64 *lens = need (st, "lens")->data;
      for (int b = 0; b < B; b++)
        {
          m->in_lens[b] = (int) lens[b];
          for (int t = 0; t < FW_MAX_TOKENS; t++)
            m->in_tokens[b * FW_MAX_TOKENS + t] = (int) tok[b * FW_MAX_TOKENS + t];
        }
    }
  else
    memcpy (m->in_counts, text->data, text->nbytes);
  for (int b = 0; b < B; b++)
    m->in_labels[b] = (int) ((const gint64 *) labels->data)[b];

  float loss = (float) fw_model_forward (m, B);
  check ("logits", m->logits, need (st, "logits"));
  check ("loss", &loss, need (st, "loss"));
  check_attention (m, st, B);
  fw_model_backward (m, B);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strconcat ("grad.", params[i].name, NULL);
      check (name, m->grads + params[i].offset, need (st, name));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/core/reference/seed-model", "reference-seed.safetensors", run_reference);
  g_test_add_data_func ("/core/reference/cnn-gru", "reference-cnn-gru.safetensors", run_reference);
  g_test_add_data_func ("/core/reference/transformer", "reference-transformer.safetensors", run_reference);
  g_test_add_data_func ("/core/reference/attention-cnn-gru", "reference-attention-cnn-gru.safetensors",
                        run_reference);
  g_test_add_data_func ("/core/reference/attention-mlp-embed",
                        "reference-attention-mlp-embed.safetensors", run_reference);
  g_test_add_data_func ("/core/reference/attention-cnn-transformer",
                        "reference-attention-cnn-transformer.safetensors", run_reference);
  return g_test_run ();
}
