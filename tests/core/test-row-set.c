/* test-row-set.c — row keys, the per-row split draw, and the fingerprint of
 * training rows kept in model files (fw-row-set.h): exact counts, bounded
 * size, a damaged fingerprint refused, a model file keeping it. */
#define _GNU_SOURCE
#include <string.h>

#include "fw-dataset.h"
#include "fw-model-file.h"
#include "fw-row-key.h"
#include "fw-row-set.h"
#include "fw-rng.h"
#include "fw-trainer.h"
#include "fw-test-util.h"

static void
test_key (void)
{
  /* SHA-256 ("img/1.png\0a cat"): predict.py computes the same with hashlib */
  guint64 k = fw_row_key ("img/1.png", "a cat");
  g_assert_cmpuint (k, ==, fw_row_key ("img/1.png", "a cat"));
  g_assert_cmpuint (k, !=, fw_row_key ("img/1.png", "a cat "));
  g_assert_cmpuint (k, !=, fw_row_key ("img/1.pn", "ga cat"));
  g_assert_cmpuint (fw_row_key (NULL, "x"), ==, fw_row_key ("", "x"));
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) "img/1.png\0a cat", 15);
  guint8 d[32];
  gsize len = sizeof d;
  g_checksum_get_digest (sum, d, &len);
  guint64 want = 0;
  for (int i = 7; i >= 0; i--)
    want = want << 8 | d[i];
  g_assert_cmpuint (k, ==, want);
}

static void
test_draw (void)
{
  /* uniform enough that 80/10/10 comes out within a percent on 100 000 rows */
  int count[FW_SPLIT_N_KINDS] = { 0 };
  for (int i = 0; i < 100000; i++)
    {
      char text[16];
      g_snprintf (text, sizeof text, "%d", i);
      count[fw_row_split (fw_row_key (NULL, text), 1, 0.1, 0.1)]++;
    }
  g_assert_cmpint (ABS (count[FW_SPLIT_VAL] - 10000), <, 1000);
  g_assert_cmpint (ABS (count[FW_SPLIT_TEST] - 10000), <, 1000);
  double u = fw_row_draw (42, 7);
  g_assert_cmpfloat (u, >=, 0);
  g_assert_cmpfloat (u, <, 1);
  g_assert_cmpfloat (u, !=, fw_row_draw (42, 8));
}

static guint64 *
random_keys (guint64 seed, int n)
{
  guint64 *k = g_new (guint64, n);
  for (int i = 0; i < n; i++)
    k[i] = fw_rng_next (&seed);
  return k;
}

static void
test_set_exact (void)
{
  int n = 60000;
  g_autofree guint64 *train = random_keys (1, n);
  g_autofree guint64 *other = random_keys (2, 20000);
  g_autoptr (FwRowSet) set = fw_row_set_new (train, n);
  g_autofree char *json = fw_row_set_to_json (set);
  /* compact: about 22 bits a row, base64 */
  g_assert_cmpuint (strlen (json), <, 60000 * 22 / 6 + 200);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwRowSet) back = fw_row_set_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw_row_set_count (back, train, n), ==, n);
  g_assert_cmpint (fw_row_set_count (back, other, 20000), <=, 2);  /* 1 in 2^20 per lookup */
  g_assert_cmpint (fw_row_set_count (back, train + 100, 500), ==, 500);
  /* repeats count once in the set, every time when asked */
  guint64 twice[3] = { train[0], train[0], other[0] };
  g_autoptr (FwRowSet) small = fw_row_set_new (twice, 2);
  g_assert_cmpint (fw_row_set_count (small, twice, 3), ==, 2);
  g_autoptr (FwRowSet) empty = fw_row_set_new (NULL, 0);
  g_assert_cmpint (fw_row_set_count (empty, train, 10), ==, 0);
}

static void
test_set_bounded (void)
{
  /* more rows than it records: a bounded sample, counts scaled from it */
  int n = 4 * FW_ROW_SET_MAX_KEYS;
  g_autofree guint64 *train = random_keys (3, n);
  g_autofree guint64 *other = random_keys (4, 50000);
  g_autoptr (FwRowSet) set = fw_row_set_new (train, n);
  g_autofree char *json = fw_row_set_to_json (set);
  g_assert_cmpuint (strlen (json), <, (gsize) FW_ROW_SET_MAX_KEYS * 24 / 6);
  g_autoptr (FwRowSet) back = fw_row_set_from_json (json, NULL);
  g_assert_nonnull (back);
  int found = fw_row_set_count (back, train, 40000);
  g_assert_cmpint (found, >, 36000);
  g_assert_cmpint (found, <=, 40000);
  g_assert_cmpint (fw_row_set_count (back, other, 50000), <, 50);
}

static void
test_set_damaged (void)
{
  g_autofree guint64 *keys = random_keys (5, 100);
  g_autoptr (FwRowSet) set = fw_row_set_new (keys, 100);
  g_autofree char *json = fw_row_set_to_json (set);
  const char *bad[] = {
    "", "[]", "{\"rows\": 1}", "{\"rows\": 1, \"keys\": 1, \"bits\": 20, \"sample\": 4294967296, \"gcs\": \"\"}",
    "{\"rows\": 1, \"keys\": 2, \"bits\": 20, \"sample\": 4294967296, \"gcs\": \"AAAA\"}",
    "{\"rows\": 3, \"keys\": 3, \"bits\": 99, \"sample\": 1, \"gcs\": \"AAAA\"}",
    "{\"rows\": 2, \"keys\": 2, \"bits\": 1, \"sample\": 1, \"gcs\": \"////\"}",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwRowSet) s = fw_row_set_from_json (bad[i], &error);
      g_assert_null (s);
      g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE);
    }
  /* every cut of a good one fails cleanly or decodes */
  for (gsize cut = 0; cut < strlen (json); cut += 7)
    {
      g_autofree char *part = g_strndup (json, cut);
      g_autoptr (FwRowSet) s = fw_row_set_from_json (part, NULL);
      (void) s;
    }
}

static void
test_model_file_keeps_it (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  GString *csv = g_string_new ("image,text,label\n");
  for (int i = 0; i < 200; i++)
    g_string_append_printf (csv, ",word%d %s,%s\n", i, i % 2 ? "odd" : "even", i % 2 ? "b" : "a");
  g_autofree char *manifest = fw_test_write (dir, "m.csv", csv->str, -1);
  g_string_free (csv, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load (manifest, NULL, NULL, &error);
  g_assert_no_error (error);
  FwConfig config;
  fw_config_init (&config);
  config.epochs = 1;
  config.hidden = 8;
  config.head_hidden = 0;
  g_autoptr (FwTrainer) t = fw_trainer_new (&config, ds, &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_assert_true (fw_model_save (fw_trainer_get_model (t), fw_trainer_get_vocab (t),
                                (const char *const *) ds->classes, path, &error));
  g_autoptr (FwSavedModel) saved = fw_model_load (path, 16, &error);
  g_assert_no_error (error);
  g_autoptr (FwRowSet) seen = fw_row_set_from_json (fw_model_get_training_rows (saved->model), &error);
  g_assert_no_error (error);
  int rows[FW_SPLIT_N_KINDS][200], n[FW_SPLIT_N_KINDS];
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    n[s] = fw_dataset_split_rows (ds, s, rows[s]);
  g_assert_cmpint (n[FW_SPLIT_TRAIN], >, 100);
  g_assert_cmpint (fw_row_set_count_rows (seen, ds, rows[FW_SPLIT_TRAIN], n[FW_SPLIT_TRAIN]), ==,
                   n[FW_SPLIT_TRAIN]);
  g_assert_cmpint (fw_row_set_count_rows (seen, ds, rows[FW_SPLIT_TEST], n[FW_SPLIT_TEST]), ==, 0);
  g_assert_cmpint (fw_row_set_count_rows (seen, ds, rows[FW_SPLIT_VAL], n[FW_SPLIT_VAL]), ==, 0);

  /* a model file whose fingerprint is damaged is refused, naming the file */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  char *gcs = memmem (data, len, "\\\"bits\\\": 20", 12);
  g_assert_nonnull (gcs);
  memcpy (gcs, "\\\"bits\\\": 99", 12);
  g_autofree char *bad = fw_test_write (dir, "bad.safetensors", data, (gssize) len);
  g_autoptr (FwSavedModel) refused = fw_model_load (bad, 16, &error);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, "bad.safetensors"));
  g_assert_nonnull (strstr (error->message, "training rows"));
  fw_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/row-set/key", test_key);
  g_test_add_func ("/core/row-set/draw", test_draw);
  g_test_add_func ("/core/row-set/exact", test_set_exact);
  g_test_add_func ("/core/row-set/bounded", test_set_bounded);
  g_test_add_func ("/core/row-set/damaged", test_set_damaged);
  g_test_add_func ("/core/row-set/model-file", test_model_file_keeps_it);
  return g_test_run ();
}
