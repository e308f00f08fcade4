/* test-dataset.c — fw_dataset_load on manifests made at run time: formats,
 * pixels, splits, missing modalities, and every bad input it must reject
 * with a message naming the file and row (or skip with skip_bad_rows). */
#include <string.h>
#include <sys/stat.h>

#include "fw-dataset.h"
#include "fw-image.h"
#include "fw-test-util.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = fw_test_tmpdir ();
  fw_test_image (f->dir, "red.png", "png", 8, 8, 255, 0, 0, 255, FALSE);
  fw_test_image (f->dir, "blue.png", "png", 40, 20, 0, 0, 255, 255, FALSE);
  fw_test_image (f->dir, "clear.png", "png", 8, 8, 0, 0, 0, 0, FALSE);
  fw_test_image (f->dir, "green.jpg", "jpeg", 16, 16, 0, 255, 0, 255, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  fw_test_rmtree (f->dir);
  g_free (f->dir);
}

static FwDataset *
load_text (Fixture *f, const char *name, const char *manifest, const FwLoadOptions *o, GError **error)
{
  g_autofree char *path = fw_test_write (f->dir, name, manifest, -1);
  return fw_dataset_load (path, o, NULL, error);
}

static void
assert_error (GError *error, int code, const char *part1, const char *part2)
{
  g_assert_error (error, FW_DATA_ERROR, code);
  const char *parts[] = { part1, part2 };
  for (int i = 0; i < 2; i++)
    if (parts[i])
      {
        if (!strstr (error->message, parts[i]))
          g_test_message ("'%s' not in: %s", parts[i], error->message);
        g_assert_nonnull (strstr (error->message, parts[i]));
      }
}

static void
test_csv_basic (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = 4;
  o.threads = 1;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv",
      "image,text,label,split\n"
      "red.png,A red thing,red,train\n"
      "blue.png,\"a blue, thing\",blue,val\n"
      "clear.png,,zzz,test\n"
      ",only text,red,train\n", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 4);
  g_assert_cmpint (ds->channels, ==, 1);
  g_assert_cmpint (ds->size, ==, 4);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->classes[0], ==, "blue");
  g_assert_cmpstr (ds->classes[1], ==, "red");
  g_assert_cmpstr (ds->classes[2], ==, "zzz");
  g_assert_cmpint (ds->label[0], ==, 1);
  g_assert_cmpint (ds->label[1], ==, 0);
  g_assert_cmpint (ds->split[0], ==, FW_SPLIT_TRAIN);
  g_assert_cmpint (ds->split[1], ==, FW_SPLIT_VAL);
  g_assert_cmpint (ds->split[2], ==, FW_SPLIT_TEST);
  /* gray = BT.601 luma: red 76, blue 29; transparent composites on white */
  g_assert_cmpint (ds->pixels[0], ==, 76);
  g_assert_cmpint (ds->pixels[15], ==, 76);
  g_assert_cmpint (ds->pixels[16], ==, 29);
  g_assert_cmpint (ds->pixels[32], ==, 255);
  /* missing modalities are kept, zero pixels and empty text */
  g_assert_cmpint (ds->has_image[3], ==, 0);
  g_assert_cmpint (ds->pixels[48], ==, 0);
  g_assert_cmpint (ds->has_text[2], ==, 0);
  g_assert_cmpstr (ds->text[2], ==, "");
  g_assert_cmpstr (ds->text[1], ==, "a blue, thing");
  /* tokens: "a red thing" / "a blue thing" / — / "only text" */
  g_assert_cmpint (ds->word_start[1], ==, 3);
  g_assert_cmpint (ds->word_start[2], ==, 6);
  g_assert_cmpint (ds->word_start[3], ==, 6);
  g_assert_cmpint (ds->word_start[4], ==, 8);
  g_assert_cmpstr (g_ptr_array_index (ds->lexicon, ds->words[0]), ==, "a");
  g_assert_cmpint (ds->words[0], ==, ds->words[3]);
  g_assert_cmpint (ds->lexicon->len, ==, 6);
  g_assert_cmpint (fw_dataset_split_count (ds, FW_SPLIT_TRAIN), ==, 2);
  int rows[4];
  g_assert_cmpint (fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, rows), ==, 2);
  g_assert_cmpint (rows[1], ==, 3);
  g_assert_cmpstr (ds->name, ==, "m.csv");
  g_assert_cmpint (ds->n_skipped, ==, 0);
}

static void
test_rgb_jpeg_absolute (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = 2;
  o.color = FW_COLOR_RGB;
  g_autofree char *abs = g_build_filename (f->dir, "green.jpg", NULL);
  g_autofree char *csv = g_strdup_printf ("file_name,text,label\nred.png,r,a\n%s,g,b\n", abs);
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", csv, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->channels, ==, 3);
  /* planar: R plane, G plane, B plane */
  g_assert_cmpint (ds->pixels[0], ==, 255);
  g_assert_cmpint (ds->pixels[4], ==, 0);
  g_assert_cmpint (ds->pixels[8], ==, 0);
  /* JPEG is lossy: near green */
  g_assert_cmpint (ds->pixels[12 + 0], <, 30);
  g_assert_cmpint (ds->pixels[12 + 4], >, 225);
  g_assert_cmpint (ds->pixels[12 + 8], <, 30);
}

static void
test_other_formats (Fixture *f, gconstpointer data)
{
  /* formats without a fast path go through gdk-pixbuf's sniffing loader */
  fw_test_image (f->dir, "b.bmp", "bmp", 5, 5, 0, 0, 255, 255, FALSE);
  fw_test_image (f->dir, "b.tiff", "tiff", 5, 5, 255, 0, 0, 255, FALSE);
  g_autoptr (GError) error = NULL;
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = 3;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\nb.bmp,x,a\nb.tiff,y,b\n", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->pixels[0], ==, 29);
  g_assert_cmpint (ds->pixels[9], ==, 76);
}

static void
test_tiff_alpha (Fixture *f, gconstpointer data)
{
  /* gdk-pixbuf gives a TIFF's colour premultiplied: the same half-see-through
   * picture as TIFF and as PNG must composite on white alike (it came out
   * up to 62/255 darker) */
  for (int a = 40; a <= 240; a += 100)
    {
      g_autofree char *tif = g_strdup_printf ("t%d.tiff", a);
      g_autofree char *png = g_strdup_printf ("t%d.png", a);
      fw_test_image (f->dir, tif, "tiff", 12, 12, 200, 100, 30, (guint8) a, TRUE);
      fw_test_image (f->dir, png, "png", 12, 12, 200, 100, 30, (guint8) a, TRUE);
      g_autofree char *manifest = g_strdup_printf ("image,text,label\n%s,x,a\n%s,y,b\n", tif, png);
      for (int size = 12; size >= 5; size -= 7)
        {
          FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
          o.image_size = size;
          o.color = FW_COLOR_RGB;
          g_autoptr (GError) error = NULL;
          g_autoptr (FwDataset) ds = load_text (f, "m.csv", manifest, &o, &error);
          g_assert_no_error (error);
          int plane = 3 * size * size, worst = 0;
          for (int i = 0; i < plane; i++)
            worst = MAX (worst, ABS ((int) ds->pixels[i] - (int) ds->pixels[plane + i]));
          g_assert_cmpint (worst, <=, 1);
        }
    }
}

static void
test_svg_at_size (Fixture *f, gconstpointer data)
{
  /* a 4×4 SVG, left half red: drawn at 28 pixels the edge is sharp; drawn
   * at 4 and scaled up, columns 12–15 would be blends */
  g_autofree char *svg = fw_test_write (f->dir, "half.svg",
      "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'>"
      "<rect width='2' height='4' fill='#ff0000'/></svg>", -1);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.color = FW_COLOR_RGB;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\nhalf.svg,x,a\n,y,b\n", &o, &error);
  g_assert_no_error (error);
  const guint8 *g = ds->pixels + 28 * 28;   /* green plane: 0 in red, 255 in white */
  for (int y = 0; y < 28; y += 9)
    {
      g_assert_cmpint (g[y * 28 + 13], ==, 0);
      g_assert_cmpint (g[y * 28 + 14], ==, 255);
    }

  /* a damaged one says it is a damaged SVG, with or without the name */
  g_free (fw_test_write (f->dir, "cut.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'><rect wi", -1));
  g_free (fw_test_write (f->dir, "cut.img", "<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'><rect x=1/></svg>", -1));
  const char *names[] = { "cut.svg", "cut.img" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *manifest = g_strdup_printf ("image,text,label\n%s,x,a\n,y,b\n", names[i]);
      g_autoptr (GError) err = NULL;
      g_autoptr (FwDataset) bad = load_text (f, "m.csv", manifest, &o, &err);
      g_assert_null (bad);
      assert_error (err, FW_DATA_ERROR_IMAGE, names[i], "is a damaged SVG");
    }
}

static void
test_first_bad_row (Fixture *f, gconstpointer data)
{
  /* many threads, bad files early and late: the error is the file's first
   * bad row whatever thread finds which first */
  GString *csv = g_string_new ("image,text,label\n");
  for (int i = 0; i < 1000; i++)
    g_string_append_printf (csv, "%s,t%d,%c\n",
                            i == 700 ? "gone.png" : i > 720 && i % 7 == 0 ? "also-gone.png" : "red.png",
                            i, 'a' + i % 2);
  g_autofree char *text = g_string_free (csv, FALSE);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.threads = 8;
  o.image_size = 4;
  for (int run = 0; run < 5; run++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwDataset) ds = load_text (f, "m.csv", text, &o, &error);
      g_assert_null (ds);
      assert_error (error, FW_DATA_ERROR_IMAGE, "row 701 (line 702): image 'gone.png' not found", NULL);
    }
  /* the folder relative paths start from is named as a folder, never "." */
  g_autofree char *cwd = g_get_current_dir ();
  g_chdir (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load ("m.csv", &o, NULL, &error);
  g_chdir (cwd);
  g_assert_null (ds);
  g_autofree char *where = g_strdup_printf ("relative to the manifest's folder, %s;", f->dir);
  assert_error (error, FW_DATA_ERROR_IMAGE, where, NULL);
}

static void
test_palette_and_gray_alpha (Fixture *f, gconstpointer data)
{
  /* 2×1 palette PNG: entry 0 red, entry 1 green made fully transparent */
  static const guint8 plte[] = { 255, 0, 0, 0, 255, 0 };
  static const guint8 trns[] = { 255, 0 };
  static const guint8 pal_rows[] = { 0, 0, 1 };
  fw_test_raw_png (f->dir, "pal.png", 2, 1, 3, plte, 6, trns, 2, pal_rows, sizeof pal_rows);
  /* 2×1 gray+alpha: gray 0 opaque, gray 0 half transparent */
  static const guint8 ga_rows[] = { 0, 0, 255, 0, 128 };
  fw_test_raw_png (f->dir, "ga.png", 2, 1, 4, NULL, 0, NULL, 0, ga_rows, sizeof ga_rows);

  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = 2;
  o.color = FW_COLOR_RGB;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\npal.png,x,a\nga.png,y,b\n", &o, &error);
  g_assert_no_error (error);
  /* row 0, R plane: left column red (255), right column white (255);
   * G plane: left 0, right 255 (transparent green composites to white) */
  const guint8 *p = ds->pixels;
  g_assert_cmpint (p[0], ==, 255);
  g_assert_cmpint (p[4 + 0], ==, 0);
  g_assert_cmpint (p[4 + 1], ==, 255);
  g_assert_cmpint (p[8 + 1], ==, 255);
  /* row 1: opaque black on the left, half-transparent black ≈ 127 on the right */
  p += 12;
  g_assert_cmpint (p[0], ==, 0);
  g_assert_cmpint (p[1], >=, 120);
  g_assert_cmpint (p[1], <=, 135);
}

static void
test_windows_paths (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "imgs", NULL);
  g_mkdir (sub, 0700);
  fw_test_image (sub, "r.png", "png", 4, 4, 255, 0, 0, 255, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\r\nimgs\\r.png,x,a\r\nred.png,y,b\r\n", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->has_image[0], ==, 1);
  g_assert_cmpint (ds->pixels[0], ==, 76);
}

static void
test_threads_agree (Fixture *f, gconstpointer data)
{
  GString *csv = g_string_new ("image,text,label\n");
  for (int i = 0; i < 300; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%d.png", i);
      fw_test_image (f->dir, name, "png", 9 + i % 5, 7 + i % 3, 0, 0, (guint8) i, 255, TRUE);
      g_string_append_printf (csv, "%s,caption %d,c%d\n", name, i, i % 3);
    }
  g_autofree char *text = g_string_free (csv, FALSE);
  FwLoadOptions o1 = FW_LOAD_OPTIONS_INIT, o4 = FW_LOAD_OPTIONS_INIT;
  o1.threads = 1;
  o4.threads = 4;
  o1.image_size = o4.image_size = 6;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) a = load_text (f, "m.csv", text, &o1, &error);
  g_assert_no_error (error);
  g_autoptr (FwDataset) b = load_text (f, "m.csv", text, &o4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n, ==, 300);
  g_assert_cmpmem (a->pixels, 300 * 36, b->pixels, 300 * 36);
  g_assert_cmpmem (a->split, 300, b->split, 300);
}

/* the split of the row whose caption is text, or -1 */
static int
split_of (const FwDataset *ds, const char *text)
{
  for (int r = 0; r < ds->n; r++)
    if (g_strcmp0 (ds->text[r], text) == 0)
      return ds->split[r];
  return -1;
}

static void
assert_fractions (const FwDataset *ds, double val, double test, double tolerance)
{
  double n = ds->n;
  g_assert_cmpfloat_with_epsilon (fw_dataset_split_count (ds, FW_SPLIT_VAL) / n, val, tolerance);
  g_assert_cmpfloat_with_epsilon (fw_dataset_split_count (ds, FW_SPLIT_TEST) / n, test, tolerance);
}

static char *
manifest_of (int first, int last, int skip_every)
{
  GString *csv = g_string_new ("image,text,label\n");
  for (int i = first; i < last; i++)
    if (skip_every == 0 || i % skip_every != 0)
      g_string_append_printf (csv, ",word%d,%s\n", i, i % 4 == 0 ? "few" : "many");
  return g_string_free (csv, FALSE);
}

static void
test_stable_split (Fixture *f, gconstpointer data)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = manifest_of (0, 2000, 0);
  g_autoptr (FwDataset) a = load_text (f, "m.csv", text, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n, ==, 2000);
  /* 80/10/10 overall and within each class, up to the draw's spread */
  assert_fractions (a, 0.1, 0.1, 0.02);
  for (int c = 0; c < a->n_classes; c++)
    {
      int count[FW_SPLIT_N_KINDS] = { 0 }, m = 0;
      for (int r = 0; r < a->n; r++)
        if (a->label[r] == c)
          count[a->split[r]]++, m++;
      g_assert_cmpfloat_with_epsilon (count[FW_SPLIT_VAL] / (double) m, 0.1, 0.03);
      g_assert_cmpfloat_with_epsilon (count[FW_SPLIT_TEST] / (double) m, 0.1, 0.03);
    }
  g_autoptr (FwDataset) same = load_text (f, "m.csv", text, &o, &error);
  g_assert_cmpmem (a->split, a->n, same->split, same->n);

  /* a row's split is its own: every 7th row removed, 500 appended, and
   * 300 more put in front: no row that was there before moves */
  g_autofree char *fewer = manifest_of (0, 2000, 7);
  g_autofree char *more = manifest_of (0, 2500, 0);
  g_autofree char *front = manifest_of (3000, 3300, 0);
  g_autofree char *shifted = g_strconcat (front, strchr (more, '\n') + 1, NULL);
  const char *variants[] = { fewer, more, shifted };
  for (gsize v = 0; v < G_N_ELEMENTS (variants); v++)
    {
      g_autoptr (FwDataset) b = load_text (f, "m.csv", variants[v], &o, &error);
      g_assert_no_error (error);
      int compared = 0;
      for (int r = 0; r < b->n; r++)
        {
          int before = split_of (a, b->text[r]);
          if (before < 0)
            continue;
          g_assert_cmpint (b->split[r], ==, before);
          compared++;
        }
      g_assert_cmpint (compared, >=, 1700);
    }

  /* another seed is another split */
  o.seed = 2;
  g_autoptr (FwDataset) c = load_text (f, "m.csv", text, &o, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (a->split, c->split, a->n) != 0);
  assert_fractions (c, 0.1, 0.1, 0.02);
}

static void
test_val_holdout (Fixture *f, gconstpointer data)
{
  GString *csv = g_string_new ("image,text,label,split\n");
  for (int i = 0; i < 1200; i++)
    g_string_append_printf (csv, ",t%d,%c,%s\n", i, 'a' + i % 2, i < 1000 ? "train" : "TEST");
  g_autofree char *text = g_string_free (csv, FALSE);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.val_fraction = 0.2;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", text, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw_dataset_split_count (ds, FW_SPLIT_TEST), ==, 200);
  for (int r = 1000; r < 1200; r++)
    g_assert_cmpint (ds->split[r], ==, FW_SPLIT_TEST);
  int val = fw_dataset_split_count (ds, FW_SPLIT_VAL);
  g_assert_cmpint (val, >=, 160);
  g_assert_cmpint (val, <=, 240);

  /* the holdout is per row too: the first 500 rows alone keep theirs */
  g_autofree char *half = g_strndup (text, strstr (text, ",t500,") - text);
  g_autoptr (FwDataset) part = load_text (f, "m.csv", half, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (part->n, ==, 500);
  g_assert_cmpmem (part->split, 500, ds->split, 500);
}

static void
test_partial_split_column (Fixture *f, gconstpointer data)
{
  /* blank split cells are assigned as if there were no column; the given
   * ones stand, in any of the usual spellings */
  GString *csv = g_string_new ("image,text,label,split\n");
  const char *given[] = { "train", "validation", "dev", "valid", "test", "Val" };
  const FwSplit want[] = { FW_SPLIT_TRAIN, FW_SPLIT_VAL, FW_SPLIT_VAL, FW_SPLIT_VAL, FW_SPLIT_TEST, FW_SPLIT_VAL };
  for (int i = 0; i < 1000; i++)
    g_string_append_printf (csv, ",w%d,%c,%s\n", i, 'a' + i % 3, i < 6 ? given[i] : i % 2 ? "" : " ");
  g_autofree char *text = g_string_free (csv, FALSE);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", text, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 1000);
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (ds->split[i], ==, want[i]);
  assert_fractions (ds, 0.1, 0.1, 0.03);

  /* the blank rows get what they get without a split column */
  GString *plain = g_string_new ("image,text,label\n");
  for (int i = 6; i < 1000; i++)
    g_string_append_printf (plain, ",w%d,%c\n", i, 'a' + i % 3);
  g_autofree char *plain_text = g_string_free (plain, FALSE);
  g_autoptr (FwDataset) p = load_text (f, "p.csv", plain_text, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (p->split, 994, ds->split + 6, 994);

  /* a value that is not a split is still an error */
  g_autoptr (FwDataset) bad = load_text (f, "m.csv", "image,text,label,split\n,a,x,\n,b,y,later\n", &o, &error);
  g_assert_null (bad);
  assert_error (error, FW_DATA_ERROR_VALUE, "row 2 (line 3)", "unknown split 'later'");
}

static void
test_jsonl (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.jsonl",
      "{\"image\": \"red.png\", \"text\": \"빨간 것\", \"label\": 2}\n"
      "\n"
      "{\"file_name\": \"blue.png\", \"text\": null, \"label\": \"10\", \"extra\": [1]}\r\n"
      "{\"text\": \"no image\", \"label\": 2}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 3);
  g_assert_cmpstr (ds->classes[0], ==, "10");   /* labels sort as strings */
  g_assert_cmpstr (ds->classes[1], ==, "2");
  g_assert_cmpint (ds->has_image[0], ==, 1);
  g_assert_cmpint (ds->has_image[1], ==, 1);
  g_assert_cmpint (ds->has_text[1], ==, 0);
  g_assert_cmpint (ds->has_image[2], ==, 0);
  g_assert_cmpstr (g_ptr_array_index (ds->lexicon, 0), ==, "빨간");
}

static void
test_jsonl_errors (Fixture *f, gconstpointer data)
{
  static const struct { const char *text; int code; const char *part; } cases[] = {
    { "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \n", FW_DATA_ERROR_PARSE, "line 2: is not valid JSON" },
    { "{\"text\": \"a\", \"label\": \"x\"}\n[1, 2]\n", FW_DATA_ERROR_PARSE, "line 2: is an array, not a JSON object" },
    { "{\"text\": 5, \"label\": \"x\"}\n", FW_DATA_ERROR_VALUE, "line 1: 'text' must be a string or null, not an integer" },
    { "{\"text\": \"a\", \"label\": [\"x\"]}\n", FW_DATA_ERROR_VALUE, "'label' must be a string or an integer, not an array" },
    { "{\"image\": {\"p\": 1}, \"label\": \"x\"}\n", FW_DATA_ERROR_VALUE, "'image' must be a string (a path) or null" },
    { "{\"text\": \"a\", \"label\": 1.5}\n", FW_DATA_ERROR_VALUE, "not a number" },
    { "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n", FW_DATA_ERROR_VALUE, "line 2: the label is empty" },
    { "{\"text\": \"a\"}\n{\"text\": \"b\"}\n", FW_DATA_ERROR_COLUMN, "no line has a 'label'" },
    { "{\"label\": \"a\"}\n", FW_DATA_ERROR_COLUMN, "'text' key" },
    { "{\"text\": \"a\", \"label\": \"x\", \"split\": \"holdout\"}\n", FW_DATA_ERROR_VALUE, "line 1: unknown split 'holdout'" },
    { "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"a\\u0000b\", \"label\": \"y\"}\n", FW_DATA_ERROR_VALUE, "line 2: contains a NUL character" },
    { "\n\n", FW_DATA_ERROR_EMPTY, "empty" },
    { "\x89PNG\r\n\x1a\n\x01\x02", FW_DATA_ERROR_PARSE, "not UTF-8" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwDataset) ds = load_text (f, "bad.jsonl", cases[i].text, NULL, &error);
      g_assert_null (ds);
      assert_error (error, cases[i].code, "bad.jsonl", cases[i].part);
    }
}

/* a 100 KB row of "[[[[" (json-glib alone overflows the stack on it) is a
 * bad row like any other, named by file and line */
static void
test_jsonl_deep (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_strnfill (100 * 1024, '[');
  g_autofree char *text = g_strdup_printf ("{\"text\": \"a\", \"label\": \"x\"}\n%s\n"
                                           "{\"text\": \"b\", \"label\": \"y\"}\n", deep);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "deep.jsonl", text, NULL, &error);
  g_assert_null (ds);
  assert_error (error, FW_DATA_ERROR_PARSE, "deep.jsonl", "line 2: the JSON is nested more than 64 levels deep");
}

/* a class list shorter than the count given ends at its NULL (ASan caught
 * a read past it through the Contributions view) */
static void
test_map_labels_short_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\n,x,b\n,y,a\n", NULL, &error);
  g_assert_no_error (error);
  char **short_list = g_new0 (char *, 2);   /* exactly "b" and the NULL */
  short_list[0] = g_strdup ("b");
  g_autofree int *map = fw_dataset_map_labels (ds, (const char *const *) short_list, 3, &error);
  g_assert_null (map);
  assert_error (error, FW_DATA_ERROR_VALUE, "'a' is not one of the model's classes (b)", NULL);
  g_strfreev (short_list);
}

static void
test_csv_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "sub.png", NULL);
  g_mkdir (sub, 0700);
  g_autofree char *e0 = fw_test_write (f->dir, "empty.png", "", 0);
  g_autofree char *e1 = fw_test_write (f->dir, "notes.png", "just some words, not an image\n", -1);
  fw_test_image (f->dir, "big.png", "png", 64, 64, 0, 0, 0, 255, TRUE);
  {
    g_autofree char *big = g_build_filename (f->dir, "big.png", NULL);
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (big, &bytes, &len, NULL));
    g_autofree char *cut = fw_test_write (f->dir, "cut.png", bytes, len / 2);
  }
  fw_test_huge_png (f->dir, "huge.png", 100000, 100000);
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo.png", NULL);
    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  }
  fw_test_image (f->dir, "photo.jpg", "jpeg", 64, 64, 0, 0, 0, 255, TRUE);
  {
    /* without its IEND / EOI the files take the strict whole-file path */
    g_autofree char *huge = g_build_filename (f->dir, "huge.png", NULL);
    g_autofree char *jpg = g_build_filename (f->dir, "photo.jpg", NULL);
    g_autofree char *bytes = NULL, *jbytes = NULL;
    gsize len, jlen;
    g_assert_true (g_file_get_contents (huge, &bytes, &len, NULL));
    g_autofree char *h2 = fw_test_write (f->dir, "huge-open.png", bytes, len - 12);
    g_assert_true (g_file_get_contents (jpg, &jbytes, &jlen, NULL));
    g_autofree char *j2 = fw_test_write (f->dir, "cut.jpg", jbytes, 200);
    g_autofree char *j3 = fw_test_write (f->dir, "half.jpg", jbytes, jlen / 2);
  }

  static const struct { const char *text; int code; const char *part1, *part2; } cases[] = {
    { "image,text,label\nred.png,\"open,x\n", FW_DATA_ERROR_PARSE, "line 2", "unterminated quote" },
    { "image,text\nred.png,x\n", FW_DATA_ERROR_COLUMN, "no 'label' column", "image, text" },
    { "text,label\nx,y\n", FW_DATA_ERROR_COLUMN, "no 'image' column", NULL },
    { "image,text,label\nred.png,x,a\nred.png,y,b,extra\n", FW_DATA_ERROR_PARSE, "row 2 (line 3)", "too many fields" },
    { "image,text,label,split\nred.png,x,a,train\nred.png,x,b,holdout\n", FW_DATA_ERROR_VALUE, "row 2", "unknown split 'holdout'" },
    { "image,text,label\nred.png,x,a\nnope.png,x,b\n", FW_DATA_ERROR_IMAGE, "row 2 (line 3): image 'nope.png' not found", "relative to the manifest" },
    { "image,text,label\nempty.png,x,a\n", FW_DATA_ERROR_IMAGE, "row 1", "empty file" },
    { "image,text,label\ncut.png,x,a\n", FW_DATA_ERROR_IMAGE, "image 'cut.png'", "cannot be decoded" },
    { "image,text,label\nnotes.png,x,a\n", FW_DATA_ERROR_IMAGE, "image 'notes.png'", "not an image" },
    { "image,text,label\nsub.png,x,a\n", FW_DATA_ERROR_IMAGE, "image 'sub.png'", "is a folder" },
    { "image,text,label\nhuge.png,x,a\n", FW_DATA_ERROR_IMAGE, "100000×100000", "megapixels" },
    { "image,text,label\nhuge-open.png,x,a\n", FW_DATA_ERROR_IMAGE, "100000×100000", "megapixels" },
    { "image,text,label\ncut.jpg,x,a\n", FW_DATA_ERROR_IMAGE, "image 'cut.jpg'", "cannot be decoded" },
    { "image,text,label\nhalf.jpg,x,a\n", FW_DATA_ERROR_IMAGE, "image 'half.jpg'", "cannot be decoded" },
    { "image,text,label\nred.png,caf\xC3,a\n", FW_DATA_ERROR_VALUE, "row 1 (line 2)", "column 'text' is not valid UTF-8" },
    { "image,text,label\n", FW_DATA_ERROR_EMPTY, "no usable rows", NULL },
    { "image,text,label\nred.png,x,a\nblue.png,y,a\n", FW_DATA_ERROR_EMPTY, "'a'", "two classes" },
    { "image,text,label\nred.png,x,\n", FW_DATA_ERROR_VALUE, "row 1", "label is empty" },
    { "image,text,label\n,,a\n", FW_DATA_ERROR_VALUE, "row 1", "neither an image nor a text" },
    { "image,text,label\nhttps://x.org/a.png,t,a\n", FW_DATA_ERROR_VALUE, "row 1", "is a URL" },
    { "image;text;label\nred.png;t;a\n", FW_DATA_ERROR_COLUMN, "line 1", "separated by semicolons" },
    { "image,text,label\nfifo.png,t,a\n", FW_DATA_ERROR_IMAGE, "image 'fifo.png'", "empty file" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwDataset) ds = load_text (f, "bad.csv", cases[i].text, NULL, &error);
      g_assert_null (ds);
      assert_error (error, cases[i].code, "bad.csv: ", cases[i].part1);
      assert_error (error, cases[i].code, cases[i].part2, NULL);
    }

  /* NUL bytes need an explicit length */
  static const char nul[] = "image,text,label\nred.png,a\0b,a\n";
  g_autofree char *path = fw_test_write (f->dir, "nul.csv", nul, sizeof nul - 1);
  g_autoptr (GError) error = NULL;
  g_assert_null (fw_dataset_load (path, NULL, NULL, &error));
  assert_error (error, FW_DATA_ERROR_VALUE, "row 1", "NUL byte");
  g_clear_error (&error);

  /* a binary file given as a manifest */
  g_autofree char *png = g_build_filename (f->dir, "red.png", NULL);
  g_assert_null (fw_dataset_load (png, NULL, NULL, &error));
  assert_error (error, FW_DATA_ERROR_PARSE, "red.png", "not UTF-8");
  g_clear_error (&error);

  /* a device given as the manifest is refused, not read forever */
  g_assert_null (fw_dataset_load ("/dev/zero", NULL, NULL, &error));
  assert_error (error, FW_DATA_ERROR_IO, "not a regular file", NULL);
  g_clear_error (&error);

  /* no such file; bad options */
  g_autofree char *none = g_build_filename (f->dir, "none.csv", NULL);
  g_assert_null (fw_dataset_load (none, NULL, NULL, &error));
  assert_error (error, FW_DATA_ERROR_IO, "no such file", NULL);
  g_clear_error (&error);
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.image_size = 0;
  g_assert_null (fw_dataset_load (none, &o, NULL, &error));
  assert_error (error, FW_DATA_ERROR_VALUE, "image size", NULL);
}

static void
test_single_class_allowed (Fixture *f, gconstpointer data)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.allow_single_class = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\n,x,a\n,y,a\n", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 1);
}

static void
test_skip_bad_rows (Fixture *f, gconstpointer data)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.skip_bad_rows = TRUE;
  o.threads = 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv",
      "image,text,label,split\n"
      "red.png,one,a,train\n"
      "nope.png,two,a,train\n"
      "red.png,three,b,nowhere\n"
      "red.png,four,b,train,extra\n"
      "blue.png,five,b,test\n"
      ",,b,train\n", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 2);
  g_assert_cmpint (ds->n_skipped, ==, 4);
  g_assert_cmpint (ds->skipped->len, ==, 4);
  g_assert_cmpstr (ds->text[0], ==, "one");
  g_assert_cmpstr (ds->text[1], ==, "five");
  g_assert_cmpint (ds->pixels[ds->size * ds->size], ==, 29);   /* blue moved into row 1 */
  g_assert_cmpint (ds->has_image[1], ==, 1);
  gboolean found = FALSE;
  for (guint i = 0; i < ds->skipped->len; i++)
    found |= strstr (g_ptr_array_index (ds->skipped, i), "m.csv: row 2 (line 3): image 'nope.png' not found") != NULL;
  g_assert_true (found);

  /* everything bad: still an error, not an empty dataset */
  g_autoptr (FwDataset) none = load_text (f, "m.csv", "image,text,label\nnope.png,x,a\n", &o, &error);
  g_assert_null (none);
  assert_error (error, FW_DATA_ERROR_EMPTY, "skipped", NULL);
}

static void
test_folder (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *csv = fw_test_write (f->dir, "metadata.jsonl",
      "{\"file_name\": \"red.png\", \"text\": \"r\", \"label\": \"a\"}\n"
      "{\"file_name\": \"blue.png\", \"text\": \"b\", \"label\": \"b\"}\n", -1);
  g_autoptr (FwDataset) ds = fw_dataset_load (f->dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 2);
  g_assert_cmpint (ds->has_image[1], ==, 1);
  g_assert_cmpstr (ds->source, ==, f->dir);

  /* metadata.csv wins over metadata.jsonl */
  g_autofree char *csv2 = fw_test_write (f->dir, "metadata.csv", "file_name,text,label\nred.png,x,a\nred.png,y,b\nred.png,z,c\n", -1);
  g_autoptr (FwDataset) ds2 = fw_dataset_load (f->dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds2->n, ==, 3);

  g_autofree char *empty = g_build_filename (f->dir, "emptydir", NULL);
  g_mkdir (empty, 0700);
  g_assert_null (fw_dataset_load (empty, NULL, NULL, &error));
  assert_error (error, FW_DATA_ERROR_IO, "emptydir", "no metadata.csv or metadata.jsonl");
}

static void
cancel_on_progress (double fraction, gpointer data)
{
  if (fraction > 0)
    g_cancellable_cancel (data);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  GString *csv = g_string_new ("image,text,label\n");
  for (int i = 0; i < 2000; i++)
    g_string_append_printf (csv, "red.png,x,%d\n", i % 2);
  g_autofree char *text = g_string_free (csv, FALSE);
  g_autofree char *path = fw_test_write (f->dir, "m.csv", text, -1);

  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  g_autoptr (GError) error = NULL;
  g_assert_null (fw_dataset_load (path, NULL, c, &error));
  assert_error (error, FW_DATA_ERROR_CANCELLED, NULL, NULL);
  g_clear_error (&error);

  for (int threads = 1; threads <= 2; threads++)
    {
      g_autoptr (GCancellable) c2 = g_cancellable_new ();
      FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
      o.threads = threads;
      o.progress = cancel_on_progress;
      o.progress_data = c2;
      g_assert_null (fw_dataset_load (path, &o, c2, &error));
      assert_error (error, FW_DATA_ERROR_CANCELLED, "cancelled", NULL);
      g_clear_error (&error);
    }
}

static void
progress_record (double fraction, gpointer data)
{
  double *last = data;
  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

static void
test_progress (Fixture *f, gconstpointer data)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  double last = 0;
  o.progress = progress_record;
  o.progress_data = &last;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\nred.png,x,a\nblue.png,y,b\n", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
}

static void
test_map_labels (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv", "image,text,label\n,x,cat\n,y,dog\n,z,cat\n", NULL, &error);
  g_assert_no_error (error);
  const char *const model[] = { "dog", "bird", "cat" };
  g_autofree int *map = fw_dataset_map_labels (ds, model, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (map[0], ==, 2);
  g_assert_cmpint (map[1], ==, 0);
  g_assert_cmpint (map[2], ==, 2);
  const char *const other[] = { "cat", "bird" };
  g_assert_null (fw_dataset_map_labels (ds, other, 2, &error));
  assert_error (error, FW_DATA_ERROR_VALUE, "row 2", "'dog'");
}

static void
test_summary (Fixture *f, gconstpointer data)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.skip_bad_rows = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = load_text (f, "m.csv",
      "image,text,label,split\n"
      "red.png,one two,a,train\n"
      ",three,b,train\n"
      "blue.png,,b,test\n"
      "nope.png,x,a,train\n", &o, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) node = fw_dataset_summary (ds);
  JsonObject *s = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (s, "rows"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (s, "image_size"), ==, 28);
  JsonObject *splits = json_object_get_object_member (s, "splits");
  g_assert_cmpint (json_object_get_int_member (splits, "train"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (splits, "val"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (splits, "test"), ==, 1);
  JsonArray *per = json_object_get_array_member (s, "per_class");
  g_assert_cmpint (json_array_get_length (per), ==, 2);
  JsonObject *b = json_array_get_object_element (per, 1);
  g_assert_cmpstr (json_object_get_string_member (b, "label"), ==, "b");
  g_assert_cmpint (json_object_get_int_member (b, "test"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (b, "total"), ==, 2);
  JsonObject *missing = json_object_get_object_member (s, "missing");
  g_assert_cmpint (json_object_get_int_member (missing, "image"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (missing, "text"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (s, "lexicon_size"), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (s, "mean_tokens"), ==, 1.5);
  g_assert_cmpint (json_object_get_int_member (s, "skipped"), ==, 1);
  JsonArray *ex = json_object_get_array_member (s, "examples");
  g_assert_cmpint (json_array_get_length (ex), ==, 3);
  g_assert_true (json_object_get_null_member (json_array_get_object_element (ex, 2), "text"));
}

static void
test_split_names (void)
{
  FwSplit s;
  g_assert_true (fw_split_parse ("Validation", &s));
  g_assert_cmpint (s, ==, FW_SPLIT_VAL);
  g_assert_false (fw_split_parse ("", &s));
  g_assert_false (fw_split_parse (NULL, &s));
  for (int i = 0; i < FW_SPLIT_N_KINDS; i++)
    {
      g_assert_true (fw_split_parse (fw_split_name (i), &s));
      g_assert_cmpint (s, ==, i);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/core/dataset/csv-basic", test_csv_basic);
  ADD ("/core/dataset/rgb-jpeg-absolute", test_rgb_jpeg_absolute);
  ADD ("/core/dataset/other-formats", test_other_formats);
  ADD ("/core/dataset/palette-gray-alpha", test_palette_and_gray_alpha);
  ADD ("/core/dataset/tiff-alpha", test_tiff_alpha);
  ADD ("/core/dataset/svg-at-size", test_svg_at_size);
  ADD ("/core/dataset/first-bad-row", test_first_bad_row);
  ADD ("/core/dataset/windows-paths", test_windows_paths);
  ADD ("/core/dataset/threads-agree", test_threads_agree);
  ADD ("/core/dataset/stable-split", test_stable_split);
  ADD ("/core/dataset/partial-split-column", test_partial_split_column);
  ADD ("/core/dataset/val-holdout", test_val_holdout);
  ADD ("/core/dataset/jsonl", test_jsonl);
  ADD ("/core/dataset/jsonl-errors", test_jsonl_errors);
  ADD ("/core/dataset/jsonl-deep", test_jsonl_deep);
  ADD ("/core/dataset/map-labels-short-list", test_map_labels_short_list);
  ADD ("/core/dataset/csv-errors", test_csv_errors);
  ADD ("/core/dataset/single-class-allowed", test_single_class_allowed);
  ADD ("/core/dataset/skip-bad-rows", test_skip_bad_rows);
  ADD ("/core/dataset/folder", test_folder);
  ADD ("/core/dataset/cancel", test_cancel);
  ADD ("/core/dataset/progress", test_progress);
  ADD ("/core/dataset/map-labels", test_map_labels);
  ADD ("/core/dataset/summary", test_summary);
  g_test_add_func ("/core/dataset/split-names", test_split_names);
  return g_test_run ();
}
