/* fw-fashion.c — builtin:fashion-captions.  Reads the first rows of the
 * gzip'd IDX files of Fashion-MNIST (magic, dimensions, then bytes: see
 * http://yann.lecun.com/exdb/mnist/) and writes a caption for each photo:
 * mostly the right class, sometimes a wrong one, sometimes no class at all.
 * The split follows the files (training file → train and val, test file →
 * test); classes, tokens and val are fw_dataset_finish's. */
#include "fw-fashion.h"

#include <string.h>

#include <glib/gi18n.h>

#include "fw-dataset-private.h"
#include "fw-image.h"
#include "fw-rng.h"
#include "fw-row-key.h"

#define FASHION_SIDE 28

/* the dataset's ten classes, as words a caption can use: "t-shirt" would
 * tokenize to "t" + "shirt" and leak into the shirt class */
static const char *const class_names[10] = {
  "top", "trousers", "pullover", "dress", "coat",
  "sandal", "shirt", "sneaker", "bag", "ankle boot",
};

static const char *const templates[] = {
  "a photo of a %s", "%s", "my new %s", "this %s is for sale", "a %s in the shop window",
  "look at this %s", "a cheap %s", "the %s i bought yesterday",
};
/* captions that name no class */
static const char *const vague[] = {
  "something to wear", "a piece of clothing", "look at this", "for sale", "my new thing",
};

#define P_RIGHT 0.60f        /* the caption names the true class */
#define P_WRONG 0.25f        /* names another class; the rest name none */

static const char *
data_dir (void)
{
  const char *dir = g_getenv ("FW_FASHION_MNIST_DIR");
  return dir && *dir ? dir : FW_FASHION_DIR;
}

/* Reads the header and the first n items of one gzip'd IDX file into out
 * (n × item_bytes).  dims: 1 for labels, 3 for images (count, rows, cols). */
static gboolean
read_idx (const char *path, guint32 magic, int n, gsize item_bytes, guint8 *out,
          GCancellable *cancellable, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *shown = g_filename_display_name (path);   /* FW_FASHION_MNIST_DIR: any bytes */
  g_autoptr (GError) local = NULL;
  g_autoptr (GFileInputStream) raw = g_file_read (file, cancellable, &local);
  if (!raw)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                     _("builtin:%s needs the Fashion-MNIST photos, and %s is missing: "
                       "install them with 'sudo apt-get install dataset-fashion-mnist'"),
                     FW_FASHION_NAME, shown);
      else
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "%s: %s", shown, local->message);
      return FALSE;
    }
  g_autoptr (GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) in = g_converter_input_stream_new (G_INPUT_STREAM (raw),
                                                              G_CONVERTER (gunzip));
  int n_dims = (magic & 0xff);
  guint8 header[16];
  gsize header_bytes = 4 + 4 * (gsize) n_dims, got = 0;
  if (!g_input_stream_read_all (in, header, header_bytes, &got, cancellable, &local)
      || got != header_bytes)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                   _("%s: not a gzip'd IDX file (%s)"), shown,
                   local ? local->message : _("too short"));
      return FALSE;
    }
  guint32 dims[4];
  for (int d = 0; d <= n_dims; d++)
    dims[d] = (guint32) header[4 * d] << 24 | (guint32) header[4 * d + 1] << 16
              | (guint32) header[4 * d + 2] << 8 | header[4 * d + 3];
  gboolean shape_ok = n_dims == 1 || (dims[2] == FASHION_SIDE && dims[3] == FASHION_SIDE);
  if (dims[0] != magic || !shape_ok || dims[1] < (guint32) n)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                   _("%s: unexpected IDX header (want magic 0x%08x, at least %d items of "
                     "28×28 bytes)"), shown, magic, n);
      return FALSE;
    }
  gsize want = (gsize) n * item_bytes;
  if (!g_input_stream_read_all (in, out, want, &got, cancellable, &local) || got != want)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                   _("%s: the file ends before item %d (%s)"), shown, n,
                   local ? local->message : _("truncated"));
      return FALSE;
    }
  return TRUE;
}

/* One 28×28 gray photo to (channels, size, size) bytes. */
static void
convert (const guint8 *gray, int size, FwColor color, guint8 *out)
{
  if (size == FASHION_SIDE && color == FW_COLOR_GRAY)
    {
      memcpy (out, gray, FASHION_SIDE * FASHION_SIDE);
      return;
    }
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, FASHION_SIDE,
                                                 FASHION_SIDE);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < FASHION_SIDE; y++)
    for (int x = 0; x < FASHION_SIDE; x++)
      memset (pixels + y * stride + 3 * x, gray[y * FASHION_SIDE + x], 3);
  fw_image_from_pixbuf (pixbuf, size, color, out);
}

FwDataset *
fw_fashion_generate (const FwLoadOptions *o, GCancellable *cancellable, GError **error)
{
  const int n_train = FW_FASHION_TRAIN_ROWS, n_test = FW_FASHION_TEST_ROWS;
  const int n = n_train + n_test;
  const gsize plane = FASHION_SIDE * FASHION_SIDE;
  g_autofree guint8 *photos = g_malloc ((gsize) n * plane);
  g_autofree guint8 *classes = g_malloc (n);
  const char *dir = data_dir ();
  struct { const char *images, *labels; int first, count; } files[] = {
    { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 0, n_train },
    { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", n_train, n_test },
  };
  for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *images = g_build_filename (dir, files[f].images, NULL);
      g_autofree char *labels = g_build_filename (dir, files[f].labels, NULL);
      if (!read_idx (images, 0x803, files[f].count, plane, photos + files[f].first * plane,
                     cancellable, error)
          || !read_idx (labels, 0x801, files[f].count, 1, classes + files[f].first,
                        cancellable, error))
        return NULL;
      for (int r = files[f].first; r < files[f].first + files[f].count; r++)
        if (classes[r] >= G_N_ELEMENTS (class_names))
          {
            g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                         _("%s: item %d has label %d, not 0–9"), labels,
                         r - files[f].first + 1, classes[r]);
            return NULL;
          }
    }

  g_autofree char *display = g_strdup ("builtin:" FW_FASHION_NAME);
  int channels = o->color == FW_COLOR_RGB ? 3 : 1;
  g_autoptr (FwDataset) ds = fw_dataset_alloc (n, channels, o->image_size, display, error);
  if (!ds)
    return NULL;
  ds->name = g_strdup_printf (_("%s (built-in)"), FW_FASHION_NAME);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint8 *split = g_new (gint8, n);
  gsize out_plane = (gsize) channels * o->image_size * o->image_size;
  guint64 rng = o->seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + g_str_hash (FW_FASHION_NAME);
  for (int r = 0; r < n; r++)
    {
      if (r % 500 == 0 && o->progress)
        o->progress ((double) r / n, o->progress_data);
      int k = classes[r];
      float u = fw_rng_uniform (&rng);
      int wording = (int) fw_rng_below (&rng, 1000);
      int other = (k + 1 + (int) fw_rng_below (&rng, 9)) % 10;
      if (u < P_RIGHT)
        ds->text[r] = g_strdup_printf (templates[wording % G_N_ELEMENTS (templates)], class_names[k]);
      else if (u < P_RIGHT + P_WRONG)
        ds->text[r] = g_strdup_printf (templates[wording % G_N_ELEMENTS (templates)], class_names[other]);
      else
        ds->text[r] = g_strdup (vague[wording % G_N_ELEMENTS (vague)]);
      convert (photos + r * plane, o->image_size, o->color, ds->pixels + r * out_plane);
      ds->has_image[r] = ds->has_text[r] = 1;
      split[r] = r < n_train ? FW_SPLIT_TRAIN : FW_SPLIT_TEST;
      g_ptr_array_add (labels, g_strdup (class_names[k]));
    }
  /* rows fixed by the files and the seed: the exact stratified val draw */
  if (!fw_dataset_finish (ds, (char **) labels->pdata, split, FALSE, o, display, error))
    return NULL;
  for (int r = 0; r < n; r++)
    {
      g_autofree char *id = g_strdup_printf ("%s#%d", display, r);
      ds->row_key[r] = fw_row_key (id, ds->text[r]);
    }
  if (o->progress)
    o->progress (1.0, o->progress_data);
  return g_steal_pointer (&ds);
}
