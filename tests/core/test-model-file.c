/* test-model-file.c — model files: save → load gives back the same
 * parameters, config, labels and vocabulary and byte-identical
 * predictions for every fusion type, operator, late combination and
 * encoder; and every kind of malformed file is a clear error naming the
 * file (never a crash, never an out-of-bounds read: run under ASan). */
#include <math.h>
#include <string.h>

#include "fw-model-file.h"
#include "fw-model-private.h"
#include "fw-rng.h"
#include "fw-safetensors.h"
#include "fw-test-util.h"

enum { B = 4, SIZE = 6, HIDDEN = 4, CLASSES = 3 };

static const char *const vocab_tokens[] = { "<pad>", "<unk>", "red", "circle", "원", "square" };
static const char *const class_names[] = { "circle", "square, big", "삼각형" };
#define VOCAB ((int) G_N_ELEMENTS (vocab_tokens))

typedef struct {
  const char *path;
  const char *options[10];    /* name, value pairs, NULL-terminated */
} Case;

static const Case cases[] = {
  { "/core/model-file/round-trip/early-bow", { "fusion", "early", NULL } },
  { "/core/model-file/round-trip/early-embed", { "fusion", "early", "text-encoder", "embed", NULL } },
  { "/core/model-file/round-trip/intermediate-concat", { "fusion-op", "concat", NULL } },
  { "/core/model-file/round-trip/intermediate-sum", { "fusion-op", "sum", NULL } },
  { "/core/model-file/round-trip/intermediate-product", { "fusion-op", "product", NULL } },
  { "/core/model-file/round-trip/intermediate-gated", { "fusion-op", "gated", NULL } },
  { "/core/model-file/round-trip/intermediate-tensor", { "fusion-op", "tensor", NULL } },
  { "/core/model-file/round-trip/intermediate-lowrank", { "fusion-op", "lowrank", NULL } },
  { "/core/model-file/round-trip/intermediate-cnn-gru", { "image-encoder", "cnn", "text-encoder", "gru", "color", "rgb", NULL } },
  { "/core/model-file/round-trip/intermediate-embed-head0", { "text-encoder", "embed", "head-hidden", "0", NULL } },
  { "/core/model-file/round-trip/late-mean", { "fusion", "late", "late-combine", "mean", NULL } },
  { "/core/model-file/round-trip/late-weighted", { "fusion", "late", "late-combine", "weighted", NULL } },
  { "/core/model-file/round-trip/late-stacking", { "fusion", "late", "late-combine", "stacking", NULL } },
  { "/core/model-file/round-trip/image-cnn", { "fusion", "image", "image-encoder", "cnn", NULL } },
  { "/core/model-file/round-trip/text-gru", { "fusion", "text", "text-encoder", "gru", NULL } },
  { "/core/model-file/round-trip/late-transformer", { "fusion", "late", "text-encoder", "transformer", "layers", "3", "heads", "8", NULL } },
};

static FwModel *
build (const Case *c, int max_batch)
{
  FwConfig config;
  fw_config_init (&config);
  config.image_size = SIZE;
  config.hidden = HIDDEN;
  config.head_hidden = 3;
  config.seed = 11;
  for (int i = 0; c && c->options[i]; i += 2)
    g_assert_true (fw_config_set (&config, c->options[i], c->options[i + 1], NULL));
  FwShape shape = { config.color == FW_COLOR_RGB ? 3 : 1, SIZE, VOCAB, CLASSES };
  g_autoptr (GError) error = NULL;
  FwModel *m = fw_model_new (&config, &shape, max_batch, &error);
  g_assert_no_error (error);
  const FwParam *w = fw_model_find_param (m, "late.weights");
  if (w)
    {
      m->params[w->offset] = 0.4f;
      m->params[w->offset + 1] = -0.3f;
    }
  return m;
}

/* the same random inputs for any model of the same geometry; row 1 has an
 * empty caption and row 2 a blank image */
static void
fill_inputs (FwModel *m)
{
  guint64 rng = 5;
  for (int i = 0; i < B * m->P; i++)
    m->in_image[i] = fw_rng_uniform (&rng);
  for (int b = 0; b < B; b++)
    {
      int len = b == 1 ? 0 : 1 + (int) fw_rng_below (&rng, 6);
      m->in_labels[b] = b % CLASSES;
      fw_model_blank_text (m, b);
      if (m->uses_tokens)
        {
          m->in_lens[b] = len;
          for (int t = 0; t < len; t++)
            m->in_tokens[b * FW_MAX_TOKENS + t] = 1 + (int) fw_rng_below (&rng, VOCAB - 1);
        }
      else
        for (int t = 0; t < len; t++)
          m->in_counts[b * VOCAB + 1 + fw_rng_below (&rng, VOCAB - 1)] += 1.0f;
    }
  fw_model_blank_image (m, 2);
}

static FwVocab *
make_vocab (void)
{
  return fw_vocab_new_from_tokens (vocab_tokens, VOCAB);
}

static char *
config_text (const FwModel *m)
{
  g_autoptr (JsonNode) node = fw_config_to_json (fw_model_get_config (m));
  return json_to_string (node, FALSE);
}

static void
test_round_trip (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_autofree char *again = g_build_filename (dir, "again.safetensors", NULL);
  g_autoptr (FwModel) m = build (c, B);
  g_autoptr (FwVocab) vocab = make_vocab ();
  g_autoptr (GError) error = NULL;

  g_assert_true (fw_model_save (m, vocab, class_names, path, &error));
  g_assert_no_error (error);
  g_autoptr (FwSavedModel) s = fw_model_load (path, B, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);

  /* everything that describes the model came back */
  g_autofree char *c1 = config_text (m);
  g_autofree char *c2 = config_text (s->model);
  g_assert_cmpstr (c1, ==, c2);
  g_assert_cmpint (s->n_classes, ==, CLASSES);
  for (int k = 0; k < CLASSES; k++)
    g_assert_cmpstr (s->classes[k], ==, class_names[k]);
  g_assert_cmpuint (s->vocab->tokens->len, ==, VOCAB);
  for (int i = 0; i < VOCAB; i++)
    g_assert_cmpstr (s->vocab->tokens->pdata[i], ==, vocab_tokens[i]);
  int n1 = 0, n2 = 0;
  const FwParam *p1 = fw_model_param_list (m, &n1), *p2 = fw_model_param_list (s->model, &n2);
  g_assert_cmpint (n1, ==, n2);
  for (int i = 0; i < n1; i++)
    g_assert_cmpstr (p1[i].name, ==, p2[i].name);
  g_assert_cmpuint (fw_model_n_params (s->model), ==, fw_model_n_params (m));
  g_assert_cmpmem (fw_model_params (s->model), sizeof (float) * fw_model_n_params (m),
                   fw_model_params (m), sizeof (float) * fw_model_n_params (m));

  /* byte-identical predictions */
  fill_inputs (m);
  fill_inputs (s->model);
  double l1 = fw_model_forward (m, B), l2 = fw_model_forward (s->model, B);
  g_assert_cmpfloat (l1, ==, l2);
  g_assert_cmpmem (fw_model_probs (m), sizeof (float) * B * CLASSES,
                   fw_model_probs (s->model), sizeof (float) * B * CLASSES);
  g_assert_cmpmem (fw_model_logits (m), sizeof (float) * B * CLASSES,
                   fw_model_logits (s->model), sizeof (float) * B * CLASSES);

  /* and saving the loaded model writes the same bytes */
  g_assert_true (fw_model_save (s->model, s->vocab, (const char *const *) s->classes, again, &error));
  g_autofree char *b1 = NULL, *b2 = NULL;
  gsize len1 = 0, len2 = 0;
  g_assert_true (g_file_get_contents (path, &b1, &len1, NULL));
  g_assert_true (g_file_get_contents (again, &b2, &len2, NULL));
  g_assert_cmpmem (b1, len1, b2, len2);
  fw_test_rmtree (dir);
}

/* eval on a real (built-in) dataset gives identical numbers after reload */
static void
test_round_trip_eval (void)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = SIZE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load ("builtin:shapes-missing", &o, NULL, &error);
  g_assert_no_error (error);
  FwConfig config;
  fw_config_init (&config);
  config.image_size = SIZE;
  config.hidden = 8;
  config.head_hidden = 4;
  config.text_encoder = FW_TEXT_GRU;
  g_autoptr (FwVocab) vocab = fw_vocab_build (ds);
  FwShape shape = { 1, SIZE, (int) vocab->tokens->len, ds->n_classes };
  g_autoptr (FwModel) m = fw_model_new (&config, &shape, 32, &error);
  g_assert_no_error (error);
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_assert_true (fw_model_save (m, vocab, (const char *const *) ds->classes, path, &error));
  g_autoptr (FwSavedModel) s = fw_model_load (path, 32, &error);
  g_assert_no_error (error);

  g_autofree int *rows = g_new (int, ds->n);
  int n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  g_assert_cmpint (n, >, 0);
  g_autofree int *lex1 = fw_vocab_map_lexicon (vocab, ds);
  g_autofree int *lex2 = fw_vocab_map_lexicon (s->vocab, ds);
  g_autofree int *labels = fw_dataset_map_labels (ds, (const char *const *) s->classes,
                                                  s->n_classes, &error);
  g_assert_no_error (error);
  double loss1, acc1, loss2, acc2;
  fw_model_evaluate (m, ds, lex1, NULL, rows, n, &loss1, &acc1);
  fw_model_evaluate (s->model, ds, lex2, labels, rows, n, &loss2, &acc2);
  g_assert_cmpfloat (loss1, ==, loss2);
  g_assert_cmpfloat (acc1, ==, acc2);
  fw_test_rmtree (dir);
}

/* ---- malformed files ---------------------------------------------------- */

/* A valid file taken apart: its header as JSON, its data area as bytes.
 * Each case changes one thing and puts it back together. */
typedef struct {
  JsonObject *header;
  GByteArray *data;
  GByteArray *file;          /* after assembling; raw cases edit this */
} Parts;

typedef struct {
  const char *path;
  void (*edit_header) (Parts *p);
  void (*edit_file) (Parts *p);
  const char *expect;        /* a piece of the error message */
} BadCase;

static JsonObject *
tensor_obj (Parts *p, const char *name)
{
  JsonObject *o = json_object_get_object_member (p->header, name);
  g_assert_nonnull (o);
  return o;
}

static JsonObject *
meta_obj (Parts *p)
{
  return json_object_get_object_member (p->header, "__metadata__");
}

static void
set_ints (JsonObject *o, const char *member, int n, const gint64 *v)
{
  JsonArray *a = json_array_new ();
  for (int i = 0; i < n; i++)
    json_array_add_int_element (a, v[i]);
  json_object_set_array_member (o, member, a);
}

static gint64
offset (JsonObject *t, int i)
{
  return json_array_get_int_element (json_object_get_array_member (t, "data_offsets"), i);
}

static void
file_too_short (Parts *p)
{
  g_byte_array_set_size (p->file, 5);
}

static void
header_past_end (Parts *p)
{
  guint64 n = GUINT64_TO_LE ((guint64) p->file->len);   /* 8 bytes more than there are */
  memcpy (p->file->data, &n, 8);
}

static void
header_huge (Parts *p)
{
  guint64 n = GUINT64_TO_LE (G_GUINT64_CONSTANT (1) << 62);
  memcpy (p->file->data, &n, 8);
}

static void
header_not_utf8 (Parts *p)
{
  p->file->data[9] = 0xff;
}

static void
header_not_json (Parts *p)
{
  p->file->data[8] = '[';
}

static void
header_truncated (Parts *p)
{
  /* the header ends in the middle of the JSON; the rest counts as data */
  guint64 n;
  memcpy (&n, p->file->data, 8);
  n = GUINT64_TO_LE (GUINT64_FROM_LE (n) / 2);
  memcpy (p->file->data, &n, 8);
}

static void
header_array (Parts *p)
{
  /* an array of the right length where the object should be */
  guint64 n;
  memcpy (&n, p->file->data, 8);
  n = GUINT64_FROM_LE (n);
  p->file->data[8] = '[';
  memset (p->file->data + 9, ' ', n - 2);
  p->file->data[8 + n - 1] = ']';
}

static void
dtype_unknown (Parts *p)
{
  json_object_set_string_member (tensor_obj (p, "head.0.bias"), "dtype", "F16");
}

static void
dtype_not_string (Parts *p)
{
  json_object_set_object_member (tensor_obj (p, "head.0.bias"), "dtype", json_object_new ());
}

static void
dtype_i64 (Parts *p)
{
  /* head.2.bias, the last tensor, as 2 × I64: 16 bytes where 3 floats were */
  static const guint8 extra[4] = { 0 };
  JsonObject *t = tensor_obj (p, "head.2.bias");
  gint64 shape[1] = { 2 };
  gint64 off[2] = { offset (t, 0), offset (t, 0) + 16 };
  json_object_set_string_member (t, "dtype", "I64");
  set_ints (t, "shape", 1, shape);
  set_ints (t, "data_offsets", 2, off);
  g_byte_array_append (p->data, extra, sizeof extra);
}

static void
shape_transposed (Parts *p)
{
  JsonObject *t = tensor_obj (p, "head.0.weight");   /* (3, 2H) */
  gint64 shape[2] = { 2 * HIDDEN, 3 };
  set_ints (t, "shape", 2, shape);
}

static void
shape_negative (Parts *p)
{
  gint64 shape[2] = { -3, -2 * HIDDEN };
  set_ints (tensor_obj (p, "head.0.weight"), "shape", 2, shape);
}

static void
shape_too_many_dims (Parts *p)
{
  gint64 shape[9] = { 3, 2 * HIDDEN, 1, 1, 1, 1, 1, 1, 1 };
  set_ints (tensor_obj (p, "head.0.weight"), "shape", 9, shape);
}

static void
shape_mismatch_bytes (Parts *p)
{
  gint64 shape[2] = { 2, 2 * HIDDEN };
  set_ints (tensor_obj (p, "head.0.weight"), "shape", 2, shape);
}

static void
offsets_past_end (Parts *p)
{
  JsonObject *t = tensor_obj (p, "head.2.bias");
  gint64 off[2] = { offset (t, 0) + 8, offset (t, 1) + 8 };
  set_ints (t, "data_offsets", 2, off);
}

static void
offsets_reversed (Parts *p)
{
  JsonObject *t = tensor_obj (p, "head.2.bias");
  gint64 off[2] = { offset (t, 1), offset (t, 0) };
  set_ints (t, "data_offsets", 2, off);
}

static void
offsets_missing (Parts *p)
{
  json_object_remove_member (tensor_obj (p, "head.2.bias"), "data_offsets");
}

static void
offsets_huge (Parts *p)
{
  JsonObject *t = tensor_obj (p, "head.2.bias");
  gint64 off[2] = { G_MAXINT64 - 4, G_MAXINT64 };
  set_ints (t, "data_offsets", 2, off);
}

static void
offsets_overlap (Parts *p)
{
  /* head.2.bias reads head.2.weight's last bytes; the data area shrinks */
  JsonObject *t = tensor_obj (p, "head.2.bias");
  gint64 off[2] = { offset (t, 0) - 4, offset (t, 1) - 4 };
  set_ints (t, "data_offsets", 2, off);
  g_byte_array_set_size (p->data, p->data->len - 4);
}

static void
data_hole (Parts *p)
{
  static const guint8 extra[16] = { 0 };
  g_byte_array_append (p->data, extra, sizeof extra);
}

static void
data_truncated (Parts *p)
{
  g_byte_array_set_size (p->file, p->file->len - 4);
}

static void
entry_not_object (Parts *p)
{
  json_object_set_int_member (p->header, "head.2.bias", 3);
}

static void
tensor_missing (Parts *p)
{
  /* head.2.bias is the last tensor: drop it and its bytes */
  json_object_remove_member (p->header, "head.2.bias");
  g_byte_array_set_size (p->data, p->data->len - 3 * sizeof (float));
}

static void
tensor_renamed (Parts *p)
{
  JsonObject *t = json_object_ref (tensor_obj (p, "head.2.bias"));
  json_object_remove_member (p->header, "head.2.bias");
  json_object_set_object_member (p->header, "head.3.bias", t);
}

static void
tensor_extra (Parts *p)
{
  static const float v[2] = { 1, 2 };
  gint64 shape[1] = { 2 }, off[2] = { p->data->len, p->data->len + 8 };
  JsonObject *t = json_object_new ();
  json_object_set_string_member (t, "dtype", "F32");
  set_ints (t, "shape", 1, shape);
  set_ints (t, "data_offsets", 2, off);
  json_object_set_object_member (p->header, "extra.weight", t);
  g_byte_array_append (p->data, (const guint8 *) v, sizeof v);
}

static void
no_metadata (Parts *p)
{
  json_object_remove_member (p->header, "__metadata__");
}

static void
metadata_not_object (Parts *p)
{
  json_object_set_string_member (p->header, "__metadata__", "format");
}

static void
metadata_not_string (Parts *p)
{
  json_object_set_int_member (meta_obj (p), "labels", 3);
}

static void
format_other (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "format", "pt");
}

static void
version_other (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "version", "2");
}

static void
version_missing (Parts *p)
{
  json_object_remove_member (meta_obj (p), "version");
}

static void
config_not_json (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "config", "{\"fusion\": ");
}

static void
config_missing (Parts *p)
{
  json_object_remove_member (meta_obj (p), "config");
}

static void
config_bad_value (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "config", "{\"fusion\": \"sideways\"}");
}

static void
config_too_big (Parts *p)
{
  /* a config needing gigabytes; refused before anything is allocated */
  json_object_set_string_member (meta_obj (p), "config",
                                 "{\"fusion\": \"early\", \"image-size\": 512, \"color\": \"rgb\", "
                                 "\"hidden\": 8192, \"head-hidden\": 8192}");
}

static void
config_other_model (Parts *p)
{
  /* a valid config, of another architecture than the tensors */
  json_object_set_string_member (meta_obj (p), "config",
                                 "{\"fusion\": \"intermediate\", \"fusion-op\": \"gated\", "
                                 "\"image-size\": 6, \"hidden\": 4, \"head-hidden\": 3}");
}

static void
labels_missing (Parts *p)
{
  json_object_remove_member (meta_obj (p), "labels");
}

static void
labels_not_list (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "labels", "{\"a\": 1}");
}

static void
labels_one (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "labels", "[\"only\"]");
}

static void
labels_twice (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "labels", "[\"a\", \"b\", \"a\"]");
}

static void
labels_not_strings (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "labels", "[\"a\", 2, \"c\"]");
}

static void
labels_count (Parts *p)
{
  /* four classes for a head with three outputs */
  json_object_set_string_member (meta_obj (p), "labels", "[\"a\", \"b\", \"c\", \"d\"]");
}

static void
vocab_no_pad (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "vocab",
                                 "[\"red\", \"<unk>\", \"a\", \"b\", \"c\", \"d\"]");
}

static void
vocab_count (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "vocab", "[\"<pad>\", \"<unk>\", \"a\"]");
}

/* 100 KB of "[[[[": json-glib alone recurses until the stack overflows */
static char *
deeply_nested (void)
{
  return g_strnfill (100 * 1024, '[');
}

static void
header_deep (Parts *p)
{
  g_autofree char *deep = deeply_nested ();
  guint64 le = GUINT64_TO_LE ((guint64) strlen (deep));
  g_byte_array_set_size (p->file, 0);
  g_byte_array_append (p->file, (const guint8 *) &le, 8);
  g_byte_array_append (p->file, (const guint8 *) deep, strlen (deep));
}

static void
config_deep (Parts *p)
{
  g_autofree char *deep = deeply_nested ();
  json_object_set_string_member (meta_obj (p), "config", deep);
}

static void
labels_deep (Parts *p)
{
  g_autofree char *deep = deeply_nested ();
  json_object_set_string_member (meta_obj (p), "labels", deep);
}

static void
vocab_deep (Parts *p)
{
  g_autofree char *deep = deeply_nested ();
  json_object_set_string_member (meta_obj (p), "vocab", deep);
}

/* "fusion-workbench\u0000pt": C strings would read it as the right format */
static void
format_nul_mark (Parts *p)
{
  json_object_set_string_member (meta_obj (p), "format", "fusion-workbench@@@@@@pt");
}

static void
format_nul (Parts *p)
{
  guint8 *at = NULL;
  for (guint i = 8; !at && i + 6 <= p->file->len; i++)
    if (memcmp (p->file->data + i, "@@@@@@", 6) == 0)
      at = p->file->data + i;
  g_assert_nonnull (at);
  memcpy (at, "\\u0000", 6);
}

static void
labels_nul (Parts *p)
{
  /* the labels' own JSON holds the escape: ["circle", "square\u0000, big", …] */
  json_object_set_string_member (meta_obj (p), "labels", "[\"circle\", \"square\\u0000, big\", \"x\"]");
}

/* a 17 MB metadata string: refused from the header length alone */
static void
metadata_huge (Parts *p)
{
  g_autofree char *big = g_strnfill (17 << 20, 'a');
  json_object_set_string_member (meta_obj (p), "preprocess", big);
}

static void
set_last_bias (Parts *p, float v)
{
  /* head.2.bias is the last tensor: its first float is 12 bytes from the end */
  memcpy (p->data->data + p->data->len - 12, &v, sizeof v);
}

static void
weight_nan (Parts *p)
{
  set_last_bias (p, NAN);
}

static void
weight_inf (Parts *p)
{
  set_last_bias (p, -INFINITY);
}

static const BadCase bad_cases[] = {
  { "/core/model-file/bad/header-deep", NULL, header_deep, "nested more than 64 levels" },
  { "/core/model-file/bad/config-deep", config_deep, NULL, "'config': the JSON is nested more than 64" },
  { "/core/model-file/bad/labels-deep", labels_deep, NULL, "'labels': the JSON is nested more than 64" },
  { "/core/model-file/bad/vocab-deep", vocab_deep, NULL, "'vocab': the JSON is nested more than 64" },
  { "/core/model-file/bad/format-nul", format_nul_mark, format_nul, "NUL character" },
  { "/core/model-file/bad/labels-nul", labels_nul, NULL, "'labels': a JSON string holds a NUL" },
  { "/core/model-file/bad/metadata-huge", metadata_huge, NULL, "more than the 16 MB" },
  { "/core/model-file/bad/weight-nan", weight_nan, NULL, "tensor 'head.2.bias' holds NaN" },
  { "/core/model-file/bad/weight-inf", weight_inf, NULL, "tensor 'head.2.bias' holds an infinite value" },
  { "/core/model-file/bad/file-too-short", NULL, file_too_short, "shorter than the 8-byte" },
  { "/core/model-file/bad/header-past-end", NULL, header_past_end, "the header claims" },
  { "/core/model-file/bad/header-huge", NULL, header_huge, "the header claims" },
  { "/core/model-file/bad/header-not-utf8", NULL, header_not_utf8, "not UTF-8" },
  { "/core/model-file/bad/header-not-json", NULL, header_not_json, "not JSON" },
  { "/core/model-file/bad/header-truncated", NULL, header_truncated, "the header is not" },
  { "/core/model-file/bad/header-array", NULL, header_array, "not a JSON object" },
  { "/core/model-file/bad/dtype-unknown", dtype_unknown, NULL, "dtype 'F16'" },
  { "/core/model-file/bad/dtype-not-string", dtype_not_string, NULL, "has no dtype" },
  { "/core/model-file/bad/dtype-i64", dtype_i64, NULL, "wrong dtype or shape" },
  { "/core/model-file/bad/shape-transposed", shape_transposed, NULL, "wrong dtype or shape" },
  { "/core/model-file/bad/shape-negative", shape_negative, NULL, "bad shape" },
  { "/core/model-file/bad/shape-too-many-dims", shape_too_many_dims, NULL, "too many dimensions" },
  { "/core/model-file/bad/shape-bytes", shape_mismatch_bytes, NULL, "its shape needs" },
  { "/core/model-file/bad/offsets-past-end", offsets_past_end, NULL, "outside the file" },
  { "/core/model-file/bad/offsets-reversed", offsets_reversed, NULL, "outside the file" },
  { "/core/model-file/bad/offsets-missing", offsets_missing, NULL, "bad data_offsets" },
  { "/core/model-file/bad/offsets-huge", offsets_huge, NULL, "outside the file" },
  { "/core/model-file/bad/offsets-overlap", offsets_overlap, NULL, "overlap" },
  { "/core/model-file/bad/data-hole", data_hole, NULL, "belong to no tensor" },
  { "/core/model-file/bad/data-truncated", NULL, data_truncated, "outside the file" },
  { "/core/model-file/bad/entry-not-object", entry_not_object, NULL, "not an object" },
  { "/core/model-file/bad/tensor-missing", tensor_missing, NULL, "its config needs" },
  { "/core/model-file/bad/tensor-renamed", tensor_renamed, NULL, "'head.2.bias' is missing" },
  { "/core/model-file/bad/tensor-extra", tensor_extra, NULL, "tensors but its config needs" },
  { "/core/model-file/bad/no-metadata", no_metadata, NULL, "not written by Fusion Workbench" },
  { "/core/model-file/bad/metadata-not-object", metadata_not_object, NULL, "__metadata__ is not an object" },
  { "/core/model-file/bad/metadata-not-string", metadata_not_string, NULL, "'labels' is not a string" },
  { "/core/model-file/bad/format-other", format_other, NULL, "format 'pt'" },
  { "/core/model-file/bad/version-other", version_other, NULL, "version '2'" },
  { "/core/model-file/bad/version-missing", version_missing, NULL, "version 'none'" },
  { "/core/model-file/bad/config-not-json", config_not_json, NULL, "'config' is missing or not JSON" },
  { "/core/model-file/bad/config-missing", config_missing, NULL, "'config' is missing or not JSON" },
  { "/core/model-file/bad/config-bad-value", config_bad_value, NULL, "sideways" },
  { "/core/model-file/bad/config-too-big", config_too_big, NULL, "parameters but the file holds" },
  { "/core/model-file/bad/config-other-model", config_other_model, NULL, "its config needs" },
  { "/core/model-file/bad/labels-missing", labels_missing, NULL, "'labels' is missing" },
  { "/core/model-file/bad/labels-not-list", labels_not_list, NULL, "'labels' is missing or not a JSON list" },
  { "/core/model-file/bad/labels-one", labels_one, NULL, "fewer than 2" },
  { "/core/model-file/bad/labels-twice", labels_twice, NULL, "lists 'a' twice" },
  { "/core/model-file/bad/labels-not-strings", labels_not_strings, NULL, "entry 1 is not a string" },
  { "/core/model-file/bad/labels-count", labels_count, NULL, "its config needs" },
  { "/core/model-file/bad/vocab-no-pad", vocab_no_pad, NULL, "<pad> and <unk>" },
  { "/core/model-file/bad/vocab-count", vocab_count, NULL, "wrong dtype or shape" },
};

/* A small valid file (intermediate concat, mlp + bow) taken apart. */
static void
parts_init (Parts *p, const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "valid.safetensors", NULL);
  g_autoptr (FwModel) m = build (NULL, 1);
  g_autoptr (FwVocab) vocab = make_vocab ();
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_model_save (m, vocab, class_names, path, &error));
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  guint64 n;
  memcpy (&n, bytes, 8);
  n = GUINT64_FROM_LE (n);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, bytes + 8, (gssize) n, NULL));
  p->header = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  p->data = g_byte_array_new ();
  g_byte_array_append (p->data, (const guint8 *) bytes + 8 + n, len - 8 - n);
  /* the last tensor is head.2.bias, 3 floats: the cases rely on it */
  JsonObject *last = json_object_get_object_member (p->header, "head.2.bias");
  g_assert_nonnull (last);
  g_assert_cmpint (offset (last, 1), ==, (gint64) p->data->len);
  g_assert_cmpint (offset (last, 1) - offset (last, 0), ==, 12);
}

static void
parts_assemble (Parts *p)
{
  JsonNode *root = json_node_init_object (json_node_alloc (), p->header);
  gsize n = 0;
  g_autofree char *header = json_to_string (root, FALSE);
  json_node_unref (root);
  n = strlen (header);
  guint64 le = GUINT64_TO_LE ((guint64) n);
  p->file = g_byte_array_new ();
  g_byte_array_append (p->file, (const guint8 *) &le, 8);
  g_byte_array_append (p->file, (const guint8 *) header, n);
  g_byte_array_append (p->file, p->data->data, p->data->len);
}

static void
parts_clear (Parts *p)
{
  json_object_unref (p->header);
  g_byte_array_unref (p->data);
  if (p->file)
    g_byte_array_unref (p->file);
}

/* the unchanged parts load: the cases' edits are what breaks them */
static void
test_parts_valid (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  Parts p = { 0 };
  parts_init (&p, dir);
  parts_assemble (&p);
  g_autoptr (GBytes) bytes = g_bytes_new (p.file->data, p.file->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) s = fw_model_load_bytes (bytes, "valid", 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
  parts_clear (&p);
  fw_test_rmtree (dir);
}

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *dir = fw_test_tmpdir ();
  Parts p = { 0 };
  parts_init (&p, dir);
  if (c->edit_header)
    c->edit_header (&p);
  parts_assemble (&p);
  if (c->edit_file)
    c->edit_file (&p);
  g_autofree char *path = g_build_filename (dir, "bad model.safetensors", NULL);
  g_assert_true (g_file_set_contents (path, (const char *) p.file->data, p.file->len, NULL));

  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) s = fw_model_load (path, 4, &error);
  g_assert_null (s);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  if (!strstr (error->message, c->expect))
    g_error ("'%s' lacks '%s'", error->message, c->expect);
  parts_clear (&p);
  fw_test_rmtree (dir);
}

static void
test_missing_file (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "nowhere.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) s = fw_model_load (path, 1, &error);
  g_assert_null (s);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  fw_test_rmtree (dir);
}

/* a failed save leaves nothing behind (not even a temporary file) */
static void
test_save_unwritable (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "no-such-folder", "m.safetensors", NULL);
  g_autoptr (FwModel) m = build (NULL, 1);
  g_autoptr (FwVocab) vocab = make_vocab ();
  g_autoptr (GError) error = NULL;
  g_assert_false (fw_model_save (m, vocab, class_names, path, &error));
  g_assert_nonnull (error);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (d));
  fw_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_round_trip);
  g_test_add_func ("/core/model-file/round-trip/eval", test_round_trip_eval);
  g_test_add_func ("/core/model-file/bad/unchanged-parts-load", test_parts_valid);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    g_test_add_data_func (bad_cases[i].path, &bad_cases[i], test_bad);
  g_test_add_func ("/core/model-file/bad/missing-file", test_missing_file);
  g_test_add_func ("/core/model-file/save-unwritable", test_save_unwritable);
  return g_test_run ();
}
