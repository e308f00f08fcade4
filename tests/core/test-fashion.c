/* test-fashion.c — builtin:fashion-captions: the fixed subset of Debian's
 * Fashion-MNIST with generated captions; a clear message when the package
 * is missing; malformed IDX files named in the error. */
#include <glib/gstdio.h>
#include <string.h>

#include "fw-dataset.h"
#include "fw-fashion.h"

static FwDataset *
load (GError **error)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  return fw_dataset_load ("builtin:" FW_FASHION_NAME, &options, NULL, error);
}

static void
test_subset (void)
{
  if (!g_file_test (FW_FASHION_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) a = load (&error);
  g_assert_no_error (error);
  g_autoptr (FwDataset) b = load (&error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n, ==, FW_FASHION_TRAIN_ROWS + FW_FASHION_TEST_ROWS);
  g_assert_cmpint (a->n_classes, ==, 10);
  g_assert_cmpint (fw_dataset_split_count (a, FW_SPLIT_TEST), ==, FW_FASHION_TEST_ROWS);
  g_assert_cmpint (fw_dataset_split_count (a, FW_SPLIT_VAL), >, 200);
  /* photos: bright clothes on a black background, not blank */
  int bright = 0;
  for (int i = 0; i < 28 * 28; i++)
    bright += a->pixels[i] > 128;
  g_assert_cmpint (bright, >, 50);
  /* deterministic, and some captions name another class than the label */
  int wrong = 0, right = 0;
  for (int r = 0; r < a->n; r++)
    {
      g_assert_cmpstr (a->text[r], ==, b->text[r]);
      g_assert_cmpint (a->label[r], ==, b->label[r]);
      gboolean names_label = strstr (a->text[r], a->classes[a->label[r]]) != NULL;
      gboolean names_other = FALSE;
      for (int k = 0; k < a->n_classes; k++)
        if (k != a->label[r] && strstr (a->text[r], a->classes[k])
            && !strstr (a->classes[a->label[r]], a->classes[k]))
          names_other = TRUE;
      right += names_label && !names_other;
      wrong += names_other;
    }
  g_test_message ("%d captions name the class, %d another one", right, wrong);
  g_assert_cmpint (right, >, a->n / 2);
  g_assert_cmpint (wrong, >, a->n / 6);
  g_assert_cmpint (wrong, <, a->n / 3);
}

static void
test_missing_package (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-fashion-XXXXXX", NULL);
  g_setenv ("FW_FASHION_MNIST_DIR", dir, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load (&error);
  g_assert_null (ds);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "apt-get install dataset-fashion-mnist"));

  /* a file that is not gzip'd IDX: named, not a crash */
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);
  g_assert_true (g_file_set_contents (images, "not gzip at all", -1, NULL));
  g_clear_error (&error);
  ds = load (&error);
  g_assert_null (ds);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, images));
  g_remove (images);
  g_rmdir (dir);
  g_unsetenv ("FW_FASHION_MNIST_DIR");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/builtin/fashion/subset", test_subset);
  g_test_add_func ("/builtin/fashion/missing-package", test_missing_package);
  return g_test_run ();
}
