/* test-builtin.c — the built-in teaching datasets: size, splits, that the
 * seed alone decides them, and that each one really teaches its lesson
 * (xor text is at chance, complementary images carry no colour, …). */
#include <math.h>
#include <string.h>

#include "fw-builtin.h"
#include "fw-config.h"
#include "fw-dataset.h"
#include "fw-fashion.h"

static FwDataset *
load (const char *spec, guint64 seed, FwColor color, int size)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.seed = seed;
  o.color = color;
  o.image_size = size;
  g_autoptr (GError) error = NULL;
  FwDataset *ds = fw_dataset_load (spec, &o, NULL, &error);
  g_assert_no_error (error);
  return ds;
}

static gboolean
row_has_word (FwDataset *ds, int r, const char *word)
{
  for (int k = ds->word_start[r]; k < ds->word_start[r + 1]; k++)
    if (strcmp (g_ptr_array_index (ds->lexicon, ds->words[k]), word) == 0)
      return TRUE;
  return FALSE;
}

static void
test_all (void)
{
  int n;
  const FwBuiltinInfo *list = fw_builtin_list (&n);
  g_assert_cmpint (n, >=, 5);
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpuint (strlen (list[i].lesson), >, 10);
      if (strcmp (list[i].name, FW_FASHION_NAME) == 0)
        continue;   /* photos with the files' own split, not drawings: test-fashion.c */
      g_autofree char *spec = g_strconcat ("builtin:", list[i].name, NULL);
      g_autoptr (FwDataset) a = load (spec, 1, FW_COLOR_GRAY, 16);
      g_autoptr (FwDataset) b = load (spec, 1, FW_COLOR_GRAY, 16);
      g_autoptr (FwDataset) c = load (spec, 7, FW_COLOR_GRAY, 16);
      g_assert_cmpint (a->n, >=, 1000);
      g_assert_cmpint (a->size, ==, 16);
      g_assert_cmpint (a->n_classes, >=, 2);
      g_assert_cmpstr (a->source, ==, spec);
      int train = fw_dataset_split_count (a, FW_SPLIT_TRAIN);
      g_assert_cmpfloat (fabs (train / (double) a->n - 0.8), <, 0.02);
      g_assert_cmpint (fw_dataset_split_count (a, FW_SPLIT_TEST), >, 0);
      g_assert_cmpmem (a->pixels, (gsize) a->n * 256, b->pixels, (gsize) b->n * 256);
      for (int r = 0; r < a->n; r++)
        g_assert_cmpstr (a->text[r], ==, b->text[r]);
      g_assert_true (memcmp (a->pixels, c->pixels, (gsize) a->n * 256) != 0);
      /* images are drawn: not blank white, not all zero */
      int r0 = 0;
      while (!a->has_image[r0])
        r0++;
      int dark = 0;
      for (int p = 0; p < 256; p++)
        dark += a->pixels[r0 * 256 + p] < 200;
      g_assert_cmpint (dark, >, 10);
      g_assert_cmpint (dark, <, 240);
    }

  g_autoptr (GError) error = NULL;
  g_assert_null (fw_dataset_load ("builtin:nope", NULL, NULL, &error));
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "builtin:shapes-xor"));
}

static void
test_xor_text_at_chance (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes-xor", 3, FW_COLOR_GRAY, 12);
  g_assert_cmpint (ds->n_classes, ==, 2);
  int count[2][2] = { { 0 } };   /* [hot][label] */
  for (int r = 0; r < ds->n; r++)
    {
      gboolean hot = row_has_word (ds, r, "hot");
      g_assert_true (hot != row_has_word (ds, r, "cold"));
      count[hot][ds->label[r]]++;
    }
  for (int h = 0; h < 2; h++)
    {
      double p = count[h][0] / (double) (count[h][0] + count[h][1]);
      g_assert_cmpfloat (fabs (p - 0.5), <, 0.06);
    }
}

static void
test_complementary (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes-complementary", 1, FW_COLOR_RGB, 12);
  g_assert_cmpint (ds->n_classes, ==, 9);
  gsize plane = 144;
  for (int r = 0; r < ds->n; r++)
    {
      const guint8 *p = ds->pixels + r * 3 * plane;
      for (gsize i = 0; i < plane; i++)
        {
          /* gray pixels: the colour is only in the caption */
          g_assert_cmpint (p[i], ==, p[plane + i]);
          g_assert_cmpint (p[i], ==, p[2 * plane + i]);
        }
      g_assert_false (row_has_word (ds, r, "circle") || row_has_word (ds, r, "square")
                      || row_has_word (ds, r, "triangle"));
      /* the class name's colour is in the caption */
      g_auto (GStrv) parts = g_strsplit (ds->classes[ds->label[r]], " ", 2);
      g_assert_true (row_has_word (ds, r, parts[0]));
    }
}

static void
test_noisy_and_missing (void)
{
  g_autoptr (FwDataset) noisy = load ("builtin:shapes-noisy-text", 1, FW_COLOR_GRAY, 8);
  int right = 0;
  for (int r = 0; r < noisy->n; r++)
    right += row_has_word (noisy, r, noisy->classes[noisy->label[r]]);
  g_assert_cmpfloat (fabs (right / (double) noisy->n - 0.4), <, 0.05);

  g_autoptr (FwDataset) missing = load ("builtin:shapes-missing", 1, FW_COLOR_GRAY, 8);
  int no_image = 0, no_text = 0;
  for (int r = 0; r < missing->n; r++)
    {
      g_assert_true (missing->has_image[r] || missing->has_text[r]);
      no_image += !missing->has_image[r];
      no_text += !missing->has_text[r];
      if (!missing->has_text[r])
        g_assert_cmpstr (missing->text[r], ==, "");
    }
  g_assert_cmpfloat (fabs ((no_image + no_text) / (double) missing->n - 0.3), <, 0.05);
  g_assert_cmpint (no_image, >, 0);
  g_assert_cmpint (no_text, >, 0);

  g_autoptr (FwDataset) shapes = load ("builtin:shapes", 1, FW_COLOR_GRAY, 8);
  for (int r = 0; r < shapes->n; r++)
    g_assert_true (row_has_word (shapes, r, shapes->classes[shapes->label[r]]));
}

static void
test_gray_is_luma_of_rgb (void)
{
  g_autoptr (FwDataset) rgb = load ("builtin:shapes", 5, FW_COLOR_RGB, 10);
  g_autoptr (FwDataset) gray = load ("builtin:shapes", 5, FW_COLOR_GRAY, 10);
  g_assert_cmpint (rgb->n, ==, gray->n);
  for (int r = 0; r < 50; r++)
    for (int i = 0; i < 100; i++)
      {
        const guint8 *p = rgb->pixels + r * 300;
        int luma = (p[i] * 299 + p[100 + i] * 587 + p[200 + i] * 114 + 500) / 1000;
        g_assert_cmpint (gray->pixels[r * 100 + i], ==, luma);
      }
  /* same seed, same pictures and captions whatever the colour mode */
  for (int r = 0; r < rgb->n; r++)
    g_assert_cmpstr (rgb->text[r], ==, gray->text[r]);
}

static void
cancel_now (double fraction, gpointer data)
{
  g_cancellable_cancel (data);
}

static void
test_cancel (void)
{
  g_autoptr (GCancellable) c = g_cancellable_new ();
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.progress = cancel_now;
  o.progress_data = c;
  g_autoptr (GError) error = NULL;
  g_assert_null (fw_dataset_load ("builtin:shapes-xor", &o, c, &error));
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_CANCELLED);
}

/* Every built-in's recommended options are valid options; shapes-xor's
 * train longer than the default (at 5 epochs nothing separates in Compare). */
static void
test_recommended (void)
{
  int n;
  const FwBuiltinInfo *list = fw_builtin_list (&n);
  FwConfig defaults, c;

  fw_config_init (&defaults);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      c = defaults;
      g_assert_true (fw_builtin_find (list[i].name) == &list[i]);
      g_assert_true (fw_config_set_options (&c, list[i].recommended, &error));
      g_assert_no_error (error);
      g_assert_true (fw_config_validate (&c, NULL));
    }
  c = defaults;
  g_assert_true (fw_config_set_options (&c, fw_builtin_find ("shapes-xor")->recommended, NULL));
  g_assert_cmpint (c.epochs, >, defaults.epochs);
  g_assert_null (fw_builtin_find ("no-such"));
  {
    /* a bad word leaves the config as it was */
    g_autoptr(GError) error = NULL;
    c = defaults;
    g_assert_false (fw_config_set_options (&c, "epochs=9 lr", &error));
    g_assert_nonnull (error);
    g_assert_cmpint (c.epochs, ==, defaults.epochs);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/builtin/all", test_all);
  g_test_add_func ("/core/builtin/recommended", test_recommended);
  g_test_add_func ("/core/builtin/xor-text-at-chance", test_xor_text_at_chance);
  g_test_add_func ("/core/builtin/complementary", test_complementary);
  g_test_add_func ("/core/builtin/noisy-and-missing", test_noisy_and_missing);
  g_test_add_func ("/core/builtin/gray-is-luma-of-rgb", test_gray_is_luma_of_rgb);
  g_test_add_func ("/core/builtin/cancel", test_cancel);
  return g_test_run ();
}
