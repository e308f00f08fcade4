/* test-batch.c — dataset rows into a model's inputs: training and
 * evaluation (fw_model_set_read_rows) leave the modality a unimodal model
 * never reads untouched, and give the same numbers as the full gather. */
#include <math.h>
#include <string.h>

#include "fw-model.h"
#include "fw-rng.h"

typedef struct {
  const char *name;
  const char *options[8];     /* name, value pairs, NULL-terminated */
} Case;

static const Case cases[] = {
  { "early", { "fusion", "early", NULL } },
  { "intermediate", { "fusion", "intermediate", NULL } },
  { "late", { "fusion", "late", NULL } },
  { "image", { "fusion", "image", NULL } },
  { "image-gru", { "fusion", "image", "text-encoder", "gru", NULL } },
  { "text", { "fusion", "text", NULL } },
  { "text-cnn-gru", { "fusion", "text", "image-encoder", "cnn", "text-encoder", "gru", NULL } },
};

enum { BATCH = 16 };

typedef struct {
  FwDataset *ds;
  int *lexmap;
  FwModel *model;
  int *rows;
  int n;
} Fixture;

static void
fixture_setup (Fixture *f, const Case *c)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  f->ds = fw_dataset_load ("builtin:shapes", &options, NULL, &error);
  g_assert_no_error (error);
  FwConfig config;
  fw_config_init (&config);
  config.hidden = 8;
  config.head_hidden = 6;
  config.image_size = f->ds->size;
  for (int i = 0; c->options[i]; i += 2)
    g_assert_true (fw_config_set (&config, c->options[i], c->options[i + 1], NULL));
  g_autoptr (FwVocab) vocab = fw_vocab_build (f->ds);
  FwShape shape = { f->ds->channels, f->ds->size, (int) vocab->tokens->len, f->ds->n_classes, 0, 0 };
  f->model = fw_model_new (&config, &shape, BATCH, &error);
  g_assert_no_error (error);
  fw_model_init_params (f->model, 3);
  f->lexmap = fw_vocab_map_lexicon (vocab, f->ds);
  /* enough rows for two batches and a short one, some without a modality */
  f->n = MIN (f->ds->n, 2 * BATCH + 5);
  f->rows = g_new (int, f->n);
  for (int i = 0; i < f->n; i++)
    f->rows[i] = f->ds->n - 1 - i;
  f->ds->has_image[f->rows[1]] = FALSE;
  f->ds->has_text[f->rows[2]] = FALSE;
}

static void
fixture_clear (Fixture *f)
{
  fw_model_free (f->model);
  fw_dataset_free (f->ds);
  g_free (f->lexmap);
  g_free (f->rows);
}

/* the input buffers, as bytes */
typedef struct {
  guint8 *p;
  gsize n;
} Buffer;

static void
input_buffers (FwModel *m, Buffer *image, Buffer text[2])
{
  const FwShape *s = fw_model_get_shape (m);
  int B = fw_model_max_batch (m);
  image->p = (guint8 *) fw_model_input_image (m);
  image->n = sizeof (float) * B * s->channels * s->size * s->size;
  if (fw_model_uses_tokens (m))
    {
      text[0] = (Buffer) { (guint8 *) fw_model_input_tokens (m), sizeof (int) * B * FW_MAX_TOKENS };
      text[1] = (Buffer) { (guint8 *) fw_model_input_lens (m), sizeof (int) * B };
    }
  else
    {
      text[0] = (Buffer) { (guint8 *) fw_model_input_counts (m),
                           sizeof (float) * B * fw_model_text_width (m) };
      text[1] = (Buffer) { NULL, 0 };
    }
}

/* 0xff bytes: NaN as floats, -1 as ints; forward would turn them into a NaN loss */
static void
poison (Buffer *b)
{
  if (b->p)
    memset (b->p, 0xff, b->n);
}

static gboolean
poisoned (const Buffer *b)
{
  for (gsize i = 0; i < b->n; i++)
    if (b->p[i] != 0xff)
      return FALSE;
  return TRUE;
}

/* the modality the model never reads keeps its bytes; the ones it reads
 * are written; the loss (with modality dropout drawn from the same
 * stream) and the stream afterwards are those of the full gather */
static void
test_read_rows (gconstpointer data)
{
  const Case *c = data;
  Fixture f;
  fixture_setup (&f, c);
  FwModel *m = f.model;
  Buffer image, text[2];
  input_buffers (m, &image, text);
  gboolean reads_image = !g_str_has_prefix (c->name, "text");
  gboolean reads_text = !g_str_has_prefix (c->name, "image");
  g_assert_cmpint (fw_model_reads_image (m), ==, reads_image);
  g_assert_cmpint (fw_model_reads_text (m), ==, reads_text);

  for (int start = 0; start < f.n; start += BATCH)
    {
      int B = MIN (BATCH, f.n - start);
      guint64 rng_full = 11 + start, rng_read = 11 + start;
      fw_model_set_rows (m, f.ds, f.lexmap, NULL, f.rows + start, B, &rng_full, 0.5);
      double full = fw_model_forward (m, B);
      g_assert_true (isfinite (full));

      poison (&image);
      poison (&text[0]);
      poison (&text[1]);
      fw_model_set_read_rows (m, f.ds, f.lexmap, NULL, f.rows + start, B, &rng_read, 0.5);
      g_assert_cmpuint (rng_read, ==, rng_full);
      g_assert_cmpint (poisoned (&image), ==, !reads_image);
      g_assert_cmpint (poisoned (&text[0]), ==, !reads_text);
      double read = fw_model_forward (m, B);
      g_assert_cmpmem (&read, sizeof read, &full, sizeof full);
    }
  fixture_clear (&f);
}

/* evaluation: the figures of set_rows + forward, batch by batch, bit for
 * bit, with the unread modality left as it was */
static void
test_evaluate_matches (gconstpointer data)
{
  const Case *c = data;
  Fixture f;
  fixture_setup (&f, c);
  FwModel *m = f.model;
  int K = fw_model_get_shape (m)->classes;
  double total = 0;
  int correct = 0;
  for (int start = 0; start < f.n; start += BATCH)
    {
      int B = MIN (BATCH, f.n - start);
      fw_model_set_rows (m, f.ds, f.lexmap, NULL, f.rows + start, B, NULL, 0);
      total += fw_model_forward (m, B) * B;
      for (int b = 0; b < B; b++)
        correct += fw_argmax (fw_model_probs (m) + (gsize) b * K, K)
                   == fw_model_input_labels (m)[b];
    }
  double want_loss = total / f.n, want_accuracy = (double) correct / f.n;

  Buffer image, text[2];
  input_buffers (m, &image, text);
  poison (&image);
  poison (&text[0]);
  poison (&text[1]);
  double loss, accuracy;
  fw_model_evaluate (m, f.ds, f.lexmap, NULL, f.rows, f.n, &loss, &accuracy);
  g_assert_cmpmem (&loss, sizeof loss, &want_loss, sizeof want_loss);
  g_assert_cmpmem (&accuracy, sizeof accuracy, &want_accuracy, sizeof want_accuracy);
  g_assert_cmpint (poisoned (&image), ==, !fw_model_reads_image (m));
  g_assert_cmpint (poisoned (&text[0]), ==, !fw_model_reads_text (m));
  fixture_clear (&f);
}

/* fw_model_set_rows still fills both modalities, for the readers of the
 * buffers (saved inputs, contributions) */
static void
test_set_rows_fills_both (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture f;
      fixture_setup (&f, &cases[i]);
      Buffer image, text[2];
      input_buffers (f.model, &image, text);
      poison (&image);
      poison (&text[0]);
      fw_model_set_rows (f.model, f.ds, f.lexmap, NULL, f.rows, BATCH, NULL, 0);
      g_assert_false (poisoned (&image));
      g_assert_false (poisoned (&text[0]));
      fixture_clear (&f);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *read = g_strdup_printf ("/core/batch/read-rows/%s", cases[i].name);
      g_autofree char *eval = g_strdup_printf ("/core/batch/evaluate/%s", cases[i].name);
      g_test_add_data_func (read, &cases[i], test_read_rows);
      g_test_add_data_func (eval, &cases[i], test_evaluate_matches);
    }
  g_test_add_func ("/core/batch/set-rows-fills-both", test_set_rows_fills_both);
  return g_test_run ();
}
