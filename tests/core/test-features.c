/* test-features.c — bring your own embeddings (issue 12): features files
 * are read (safetensors and .npy alike), every malformed one is refused
 * with the file (and row) named, rows follow the manifest's numbering when
 * bad rows are skipped, a features model fed a dataset's own pixels trains,
 * predicts and explains exactly as the mlp on those pixels does, and its
 * model file keeps the vectors' width. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "fw-contrib.h"
#include "fw-features.h"
#include "fw-model-file.h"
#include "fw-model-private.h"
#include "fw-safetensors.h"
#include "fw-trainer.h"

static char *tmp;

static char *
path_of (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static char *
write_safetensors (const char *name, const char *tensor, FwDtype dtype, int ndim,
                   const gint64 *shape, const void *data)
{
  char *path = path_of (name);
  g_autoptr (FwSafetensorsWriter) w = fw_safetensors_writer_new ();
  fw_safetensors_writer_add (w, tensor, dtype, ndim, shape, data);
  g_assert_true (fw_safetensors_writer_save (w, path, NULL));
  return path;
}

/* a .npy 1.0 file with this header dict and these data bytes */
static char *
write_npy (const char *name, const char *dict, const void *data, gsize nbytes)
{
  char *path = path_of (name);
  GString *h = g_string_new (dict);
  while ((10 + h->len + 1) % 64)
    g_string_append_c (h, ' ');
  g_string_append_c (h, '\n');
  GByteArray *b = g_byte_array_new ();
  guint8 head[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, h->len & 0xff, h->len >> 8 };
  g_byte_array_append (b, head, 10);
  g_byte_array_append (b, (const guint8 *) h->str, h->len);
  g_byte_array_append (b, data, nbytes);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
  g_string_free (h, TRUE);
  return path;
}

static void
test_read_both_formats (void)
{
  float v[3 * 2] = { 1, 2, 3, 4, NAN, NAN };
  gint64 shape[2] = { 3, 2 };
  g_autofree char *st = write_safetensors ("ok.safetensors", "features", FW_DTYPE_F32, 2, shape, v);
  g_autofree char *npy = write_npy ("ok.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
                                    v, sizeof v);
  const char *paths[2] = { st, npy };
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwFeatures) f = fw_features_load (paths[k], 3, &error);
      g_assert_no_error (error);
      g_assert_cmpint (f->rows, ==, 3);
      g_assert_cmpint (f->dim, ==, 2);
      g_assert_cmpfloat (f->values[3], ==, 4);
      g_assert_true (isnan (f->values[5]));   /* a whole NaN row: missing, allowed */
    }
}

/* Each malformed file: FW_DATA_ERROR naming the file and what is wrong. */
static void
expect_error (const char *path, int rows, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwFeatures) f = fw_features_load (path, rows, &error);
  g_assert_null (f);
  g_assert_error (error, FW_DATA_ERROR, error->code);
  g_autofree char *base = g_path_get_basename (path);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_malformed (void)
{
  float v[4 * 3];
  for (int i = 0; i < 12; i++)
    v[i] = (float) i;
  gint64 shape[2] = { 4, 3 };
  const char *f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }";

  g_autofree char *rows = write_safetensors ("rows.safetensors", "features", FW_DTYPE_F32, 2, shape, v);
  expect_error (rows, 5, "has 4 rows but the manifest has 5");
  v[5] = NAN;
  g_autofree char *nan = write_npy ("nan.npy", f4, v, sizeof v);
  expect_error (nan, 4, "row 2 holds NaN at column 3");
  v[5] = INFINITY;
  g_autofree char *inf = write_safetensors ("inf.safetensors", "features", FW_DTYPE_F32, 2, shape, v);
  expect_error (inf, 4, "row 2 holds an infinite value");
  v[5] = 5;
  g_autofree char *f8 = write_npy ("f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                                   v, sizeof v);
  expect_error (f8, 2, "'<f8', not little-endian float32");
  g_autofree char *be = write_npy ("be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (4, 3), }",
                                   v, sizeof v);
  expect_error (be, 4, "'>f4'");
  g_autofree char *fortran = write_npy ("fortran.npy",
                                        "{'descr': '<f4', 'fortran_order': True, 'shape': (4, 3), }", v, sizeof v);
  expect_error (fortran, 4, "Fortran");
  g_autofree char *cube = write_npy ("cube.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }",
                                     v, sizeof v);
  expect_error (cube, 2, "3 dimensions");
  g_autofree char *pickled = write_npy ("pickle.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }",
                                        v, 8);
  expect_error (pickled, 4, "'|O'");
  g_autofree char *cut = write_npy ("cut.npy", f4, v, sizeof v - 4);
  expect_error (cut, 4, "truncated");
  float longer[13] = { 0 };
  g_autofree char *extra = write_npy ("extra.npy", f4, longer, sizeof longer);
  expect_error (extra, 4, "more than");
  g_autofree char *junk = write_npy ("junk.npy", "{'descr': '<f4', 'shape': (4, 3), 'evil': __import__('os')}",
                                     v, sizeof v);
  expect_error (junk, 4, "NumPy header");
  g_autofree char *other = write_safetensors ("other.safetensors", "embeddings", FW_DTYPE_F32, 2, shape, v);
  expect_error (other, 4, "no tensor named 'features'");
  gint64 ishape[2] = { 4, 3 };
  gint64 ids[12] = { 0 };
  g_autofree char *ints = write_safetensors ("ints.safetensors", "features", FW_DTYPE_I64, 2, ishape, ids);
  expect_error (ints, 4, "not float32");
  g_autofree char *text = path_of ("text.safetensors");
  g_assert_true (g_file_set_contents (text, "hello", -1, NULL));
  expect_error (text, 4, "text.safetensors");

  /* too large: refused from its size alone (a sparse file, nothing written) */
  g_autofree char *huge = path_of ("huge.npy");
  int fd = g_open (huge, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 5 << 30), ==, 0);
  close (fd);
  expect_error (huge, 4, "more than the 4 GB");
  g_unlink (huge);
  expect_error (tmp, 4, "not a regular file");
}

/* Row 3 of the manifest is bad and skipped: dataset rows 0, 1, 2, 3 are
 * manifest rows 0, 1, 3, 4, and each gets its own manifest row's vector;
 * manifest row 4's NaN row makes its image missing. */
static void
test_skipped_rows_stay_aligned (void)
{
  g_autofree char *manifest = path_of ("skip.csv");
  g_assert_true (g_file_set_contents (manifest,
                                      "image,text,label\n"
                                      ",red circle,a\n"
                                      ",blue square,b\n"
                                      ",green thing,\n"           /* no label: skipped */
                                      ",red square,a\n"
                                      ",blue circle,b\n", -1, NULL));
  float v[5 * 2];
  for (int r = 0; r < 5; r++)
    {
      v[2 * r] = (float) (10 * r);
      v[2 * r + 1] = (float) (10 * r + 1);
    }
  v[8] = v[9] = NAN;
  gint64 shape[2] = { 5, 2 };
  g_autofree char *feats = write_safetensors ("skip.safetensors", "features", FW_DTYPE_F32, 2, shape, v);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.skip_bad_rows = TRUE;
  o.image_features = feats;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load (manifest, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 4);
  g_assert_cmpint (ds->n_skipped, ==, 1);
  g_assert_cmpint (fw_dataset_features_dim (ds, FW_MODALITY_IMAGE), ==, 2);
  const int manifest_row[4] = { 0, 1, 3, 4 };
  for (int r = 0; r < 4; r++)
    {
      g_assert_cmpint (fw_dataset_source_row (ds, r), ==, manifest_row[r]);
      if (r == 3)
        {
          g_assert_false (ds->has_image[r]);   /* its NaN row */
          continue;
        }
      g_assert_true (ds->has_image[r]);       /* no image cell, but a vector */
      g_assert_cmpfloat (ds->features[0][2 * r], ==, 10 * manifest_row[r]);
      g_assert_cmpfloat (ds->features[0][2 * r + 1], ==, 10 * manifest_row[r] + 1);
    }

  /* a file of the dataset's kept rows only is refused: rows are matched by
   * manifest row, so it must hold all five */
  gint64 kept[2] = { 4, 2 };
  g_autofree char *short_file = write_safetensors ("kept.safetensors", "features", FW_DTYPE_F32, 2, kept, v);
  o.image_features = short_file;
  g_autoptr (GError) short_error = NULL;
  g_autoptr (FwDataset) none = fw_dataset_load (manifest, &o, NULL, &short_error);
  g_assert_null (none);
  g_assert_nonnull (strstr (short_error->message, "has 4 rows but the manifest has 5"));
}

/* ---- a features model on the dataset's own pixels is the mlp model ---- */

typedef struct {
  FwDataset *ds;
  FwTrainer *trainer;
} Run;

static void
run_free (Run *r)
{
  fw_trainer_free (r->trainer);
  fw_dataset_free (r->ds);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static Run *
train (const char *image_encoder, const char *features)
{
  FwConfig config;
  fw_config_init (&config);
  config.image_size = 8;
  config.hidden = 12;
  config.head_hidden = 8;
  config.epochs = 2;
  config.threads = 1;
  config.fusion_op = FW_OP_GATED;
  g_assert_true (fw_config_set (&config, "image-encoder", image_encoder, NULL));
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  lo.image_size = 8;
  lo.image_features = features;
  Run *r = g_new0 (Run, 1);
  g_autoptr (GError) error = NULL;
  r->ds = fw_dataset_load ("builtin:shapes-missing", &lo, NULL, &error);
  g_assert_no_error (error);
  r->trainer = fw_trainer_new (&config, r->ds, &error);
  g_assert_no_error (error);
  fw_trainer_start (r->trainer);
  fw_trainer_join (r->trainer);
  FwEvent ev = { 0 };
  while (fw_trainer_pop_event (r->trainer, &ev))
    {
      g_assert_cmpint (ev.kind, !=, FW_EVENT_FAILED);
      fw_event_clear (&ev);
    }
  return r;
}

static void
test_same_as_pixels (void)
{
  /* the vectors: each row's pixels in [0,1], NaN where the image is missing */
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  lo.image_size = 8;
  g_autoptr (FwDataset) plain = fw_dataset_load ("builtin:shapes-missing", &lo, NULL, NULL);
  int P = plain->channels * plain->size * plain->size;
  g_autofree float *v = g_new (float, (gsize) plain->n * P);
  int missing = 0;
  for (int r = 0; r < plain->n; r++)
    for (int p = 0; p < P; p++)
      v[(gsize) r * P + p] = plain->has_image[r] ? plain->pixels[(gsize) r * P + p] / 255.0f : NAN;
  for (int r = 0; r < plain->n; r++)
    missing += !plain->has_image[r];
  g_assert_cmpint (missing, >, 0);
  gint64 shape[2] = { plain->n, P };
  g_autofree char *feats = write_safetensors ("pixels.safetensors", "features", FW_DTYPE_F32, 2, shape, v);

  g_autoptr (Run) mlp = train ("mlp", NULL);
  g_autoptr (Run) byo = train ("features", feats);
  for (int r = 0; r < plain->n; r++)
    g_assert_cmpint (byo->ds->has_image[r], ==, plain->has_image[r]);
  FwModel *a = fw_trainer_get_model (mlp->trainer), *b = fw_trainer_get_model (byo->trainer);
  g_assert_cmpint (fw_model_get_shape (b)->image_features, ==, P);
  g_assert_cmpuint (fw_model_n_params (a), ==, fw_model_n_params (b));
  double worst = 0;
  for (gsize i = 0; i < fw_model_n_params (a); i++)
    worst = MAX (worst, fabs (fw_model_params (a)[i] - fw_model_params (b)[i]));
  g_test_message ("largest weight difference after training: %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);

  /* contributions: the same figures (the image's mean is its vectors' mean) */
  int n = 0;
  g_autofree int *test = g_new (int, plain->n);
  g_autofree int *train_rows = g_new (int, plain->n);
  n = fw_dataset_split_rows (plain, FW_SPLIT_TEST, test);
  int n_train = fw_dataset_split_rows (plain, FW_SPLIT_TRAIN, train_rows);
  g_autofree int *lexmap_a = fw_vocab_map_lexicon (fw_trainer_get_vocab (mlp->trainer), mlp->ds);
  g_autofree int *lexmap_b = fw_vocab_map_lexicon (fw_trainer_get_vocab (byo->trainer), byo->ds);
  FwContrib *ca = fw_contrib_new (a, mlp->ds, lexmap_a, NULL, train_rows, n_train);
  FwContrib *cb = fw_contrib_new (b, byo->ds, lexmap_b, NULL, train_rows, n_train);
  FwAblation aa, ab;
  FwShapleySummary sa, sb;
  g_assert_true (fw_contrib_ablation_shapley (ca, test, n, &aa, &sa, NULL, NULL, NULL, NULL, NULL));
  g_assert_true (fw_contrib_ablation_shapley (cb, test, n, &ab, &sb, NULL, NULL, NULL, NULL, NULL));
  g_test_message ("ablation: image removed %.4f / %.4f, loss %.5f / %.5f", aa.image_accuracy,
                  ab.image_accuracy, aa.image_loss, ab.image_loss);
  g_assert_cmpfloat_with_epsilon (aa.full_loss, ab.full_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (aa.image_loss, ab.image_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (aa.text_loss, ab.text_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (sa.image, sb.image, 1e-5);
  g_assert_cmpfloat_with_epsilon (sa.interaction, sb.interaction, 1e-5);
  int k = MIN (n, 20);
  g_autofree FwIgSample *ia = g_new0 (FwIgSample, k);
  g_autofree FwIgSample *ib = g_new0 (FwIgSample, k);
  double img_a, txt_a, img_b, txt_b;
  g_assert_true (fw_contrib_ig (ca, test, k, k, ia, &img_a, &txt_a, NULL, NULL, NULL, NULL));
  g_assert_true (fw_contrib_ig (cb, test, k, k, ib, &img_b, &txt_b, NULL, NULL, NULL, NULL));
  g_test_message ("integrated gradients: image %.5f / %.5f, text %.5f / %.5f", img_a, img_b, txt_a, txt_b);
  g_assert_cmpfloat (fabs (img_a), >, 1e-4);
  g_assert_cmpfloat_with_epsilon (img_a, img_b, 1e-5);
  g_assert_cmpfloat_with_epsilon (txt_a, txt_b, 1e-5);
  for (int i = 0; i < k; i++)
    {
      for (int p = 0; p < P; p++)
        g_assert_cmpfloat_with_epsilon (ia[i].pixels[p], ib[i].pixels[p], 1e-5);
      fw_ig_sample_clear (&ia[i]);
      fw_ig_sample_clear (&ib[i]);
    }
  fw_contrib_free (ca);
  fw_contrib_free (cb);

  /* the model file keeps the width; reading it needs the vectors again */
  g_autofree char *saved = path_of ("byo.safetensors");
  g_assert_true (fw_model_save (b, fw_trainer_get_vocab (byo->trainer),
                                (const char *const *) byo->ds->classes, saved, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) back = fw_model_load (saved, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw_model_get_shape (back->model)->image_features, ==, P);
  g_assert_true (fw_model_image_is_features (back->model));
  g_assert_false (fw_model_check_dataset (back->model, plain, &error));
  g_assert_nonnull (strstr (error->message, "--image-features"));
  g_clear_error (&error);
  g_assert_true (fw_model_check_dataset (back->model, byo->ds, &error));
  double la, lb, acc_a, acc_b;
  fw_model_evaluate (a, plain, lexmap_a, NULL, test, n, &la, &acc_a);
  fw_model_evaluate (back->model, byo->ds, lexmap_b, NULL, test, n, &lb, &acc_b);
  g_assert_cmpfloat_with_epsilon (la, lb, 1e-5);
  g_assert_cmpfloat (acc_a, ==, acc_b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("fw-features-XXXXXX", NULL);
  g_test_add_func ("/core/features/read-both-formats", test_read_both_formats);
  g_test_add_func ("/core/features/malformed", test_malformed);
  g_test_add_func ("/core/features/skipped-rows-stay-aligned", test_skipped_rows_stay_aligned);
  g_test_add_func ("/core/features/same-as-pixels", test_same_as_pixels);
  int status = g_test_run ();
  g_autoptr (GDir) dir = g_dir_open (tmp, 0, NULL);
  for (const char *name; dir && (name = g_dir_read_name (dir));)
    {
      g_autofree char *p = path_of (name);
      g_unlink (p);
    }
  g_rmdir (tmp);
  g_free (tmp);
  return status;
}
