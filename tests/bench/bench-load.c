/* bench-load.c — the loading benchmark's C side (driven by bench-load.sh,
 * not a test): `generate IDX_DIR OUT_DIR` writes Fashion-MNIST as PNG files
 * plus metadata.csv with captions; `photos N OUT_DIR` writes N 64x64 RGB
 * JPEG photo-like images (below); `load SPEC [THREADS [SIZE [rgb]]]` times
 * fw_dataset_load.  The Python/PIL side is bench-load.py. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "fw-dataset.h"

static const char *const class_names[10] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

static const char *const captions[] = {
  "a photo of a %s", "a grayscale %s", "%s, product shot", "a small picture of one %s",
  "this is a %s", "an item of clothing: %s",
};

static GBytes *
read_gz (const char *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) raw = g_file_read (file, NULL, error);
  if (raw == NULL)
    return NULL;
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) in = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (z));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static int
generate (const char *idx_dir, const char *out_dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *img_dir = g_build_filename (out_dir, "images", NULL);
  g_mkdir_with_parents (img_dir, 0755);
  g_autoptr (GString) csv = g_string_new ("file_name,text,label,split\n");
  static const char *const parts[2] = { "train", "t10k" };
  int k = 0;
  for (int part = 0; part < 2; part++)
    {
      g_autofree char *ip = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", idx_dir, parts[part]);
      g_autofree char *lp = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", idx_dir, parts[part]);
      g_autoptr (GBytes) images = read_gz (ip, &error);
      g_autoptr (GBytes) labels = images ? read_gz (lp, &error) : NULL;
      if (labels == NULL)
        {
          fprintf (stderr, "bench-load: %s\n", error->message);
          return 1;
        }
      gsize ilen, llen;
      const guint8 *im = g_bytes_get_data (images, &ilen), *lb = g_bytes_get_data (labels, &llen);
      if (ilen < 16 || llen < 8 || be32 (im) != 0x803 || be32 (lb) != 0x801)
        {
          fprintf (stderr, "bench-load: %s: not an IDX file pair\n", ip);
          return 1;
        }
      guint32 n = be32 (im + 4), rows = be32 (im + 8), cols = be32 (im + 12);
      if (n != be32 (lb + 4) || ilen < 16 + (gsize) n * rows * cols || llen < 8 + n || rows != 28 || cols != 28)
        {
          fprintf (stderr, "bench-load: %s: sizes do not match\n", ip);
          return 1;
        }
      g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 28, 28);
      int stride = gdk_pixbuf_get_rowstride (pb);
      guint8 *px = gdk_pixbuf_get_pixels (pb);
      for (guint32 i = 0; i < n; i++, k++)
        {
          const guint8 *src = im + 16 + (gsize) i * 784;
          for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
              memset (px + y * stride + x * 3, src[y * 28 + x], 3);
          g_autofree char *name = g_strdup_printf ("images/%05d.png", k);
          g_autofree char *path = g_build_filename (out_dir, name, NULL);
          if (!gdk_pixbuf_save (pb, path, "png", &error, NULL))
            {
              fprintf (stderr, "bench-load: %s\n", error->message);
              return 1;
            }
          int c = lb[8 + i] % 10;
          g_autofree char *caption = g_strdup_printf (captions[k % G_N_ELEMENTS (captions)], class_names[c]);
          g_string_append_printf (csv, "%s,\"%s\",%s,%s\n", name, caption, class_names[c],
                                  part == 0 ? "train" : "test");
        }
    }
  g_autofree char *manifest = g_build_filename (out_dir, "metadata.csv", NULL);
  if (!g_file_set_contents (manifest, csv->str, (gssize) csv->len, &error))
    {
      fprintf (stderr, "bench-load: %s\n", error->message);
      return 1;
    }
  printf ("wrote %d images and %s\n", k, manifest);
  return 0;
}

/* No photo collection ships with Debian's base system, so the photos are
 * synthetic with a photograph's statistics where JPEG's cost lies: a
 * 1/f amplitude spectrum (sums of random sinusoids, amplitude falling with
 * frequency) per colour channel, correlated between channels, with a
 * little sensor noise, saved at quality 90.  Decoding cost depends on the
 * size and on how many DCT coefficients survive, which this matches far
 * better than flat shapes would. */
static int
photos (int n, const char *out_dir)
{
  enum { S = 64, WAVES = 24 };
  static const char *const kinds[] = { "forest", "beach", "city", "mountain", "flower" };
  g_autoptr (GError) error = NULL;
  g_autofree char *img_dir = g_build_filename (out_dir, "images", NULL);
  g_mkdir_with_parents (img_dir, 0755);
  g_autoptr (GString) csv = g_string_new ("file_name,text,label,split\n");
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, S, S);
  int stride = gdk_pixbuf_get_rowstride (pb);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  GRand *rng = g_rand_new_with_seed (64);
  for (int k = 0; k < n; k++)
    {
      int c = k % G_N_ELEMENTS (kinds);
      double fx[WAVES], fy[WAVES], ph[WAVES], amp[WAVES], tint[WAVES][3], base[3];
      for (int ch = 0; ch < 3; ch++)
        base[ch] = 70 + 90 * g_rand_double (rng) + 15 * c;
      for (int w = 0; w < WAVES; w++)
        {
          double f = 0.5 + 24 * pow (g_rand_double (rng), 2), a = g_rand_double (rng) * 2 * G_PI;
          fx[w] = f * cos (a);
          fy[w] = f * sin (a);
          ph[w] = g_rand_double (rng) * 2 * G_PI;
          amp[w] = 30 / f;   /* 1/f */
          for (int ch = 0; ch < 3; ch++)
            tint[w][ch] = 0.6 + 0.4 * g_rand_double (rng);
        }
      for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
          {
            double v[3] = { base[0], base[1], base[2] };
            for (int w = 0; w < WAVES; w++)
              {
                double s = amp[w] * sin (2 * G_PI * (fx[w] * x + fy[w] * y) / S + ph[w]);
                for (int ch = 0; ch < 3; ch++)
                  v[ch] += s * tint[w][ch];
              }
            for (int ch = 0; ch < 3; ch++)   /* sensor noise */
              px[y * stride + x * 3 + ch] = (guint8) CLAMP (v[ch] + 16 * (g_rand_double (rng) - 0.5), 0, 255);
          }
      g_autofree char *name = g_strdup_printf ("images/%05d.jpg", k);
      g_autofree char *path = g_build_filename (out_dir, name, NULL);
      if (!gdk_pixbuf_save (pb, path, "jpeg", &error, "quality", "90", NULL))
        {
          fprintf (stderr, "bench-load: %s\n", error->message);
          g_rand_free (rng);
          return 1;
        }
      g_string_append_printf (csv, "%s,\"a photo of a %s\",%s,%s\n", name, kinds[c], kinds[c],
                              k % 7 == 0 ? "test" : "train");
    }
  g_rand_free (rng);
  g_autofree char *manifest = g_build_filename (out_dir, "metadata.csv", NULL);
  if (!g_file_set_contents (manifest, csv->str, (gssize) csv->len, &error))
    {
      fprintf (stderr, "bench-load: %s\n", error->message);
      return 1;
    }
  printf ("wrote %d photos and %s\n", n, manifest);
  return 0;
}

/* user + system seconds of every thread so far: the load's own CPU, without
 * start-up or the checksum, as bench-load.py measures PIL's */
static double
cpu_seconds (void)
{
  struct rusage u;
  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static int
load (const char *spec, int threads, int size, gboolean rgb)
{
  FwLoadOptions o = FW_LOAD_OPTIONS_INIT;
  o.threads = threads;
  o.image_size = size;
  o.color = rgb ? FW_COLOR_RGB : FW_COLOR_GRAY;
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  double c0 = cpu_seconds ();
  g_autoptr (FwDataset) ds = fw_dataset_load (spec, &o, NULL, &error);
  double s = (g_get_monotonic_time () - t0) / 1e6, cpu = cpu_seconds () - c0;
  if (ds == NULL)
    {
      fprintf (stderr, "bench-load: %s\n", error->message);
      return 1;
    }
  /* checksum so that a load that skipped work cannot look fast */
  guint64 sum = 0, hash = 14695981039346656037u;
  gsize n = (gsize) ds->n * ds->channels * ds->size * ds->size;
  /* in 32-bit blocks, which GCC vectorizes (a 64-bit sum per byte cost as
   * much CPU as a tenth of the JPEG decoding it checks) */
  for (gsize i = 0; i < n; i += 1 << 16)
    {
      guint32 block = 0;
      for (gsize j = i; j < MIN (n, i + (1 << 16)); j++)
        block += ds->pixels[j];
      sum += block;
    }
  /* FNV-1a on request (BENCH_LOAD_HASH=1): where each byte is, not only
   * what they add up to, to compare FW_IMAGE_NO_DIRECT=1 (gdk-pixbuf for
   * every file) byte for byte.  A serial chain: a second of CPU for the
   * photos, so not in the timed runs. */
  gboolean want_hash = g_getenv ("BENCH_LOAD_HASH") != NULL;
  for (gsize i = 0; want_hash && i < n; i++)
    hash = (hash ^ ds->pixels[i]) * 1099511628211u;
  printf ("rows %d classes %d lexicon %u pixel-sum %" G_GUINT64_FORMAT, ds->n, ds->n_classes,
          ds->lexicon->len, sum);
  if (want_hash)
    printf (" pixel-hash %016" G_GINT64_MODIFIER "x", hash);
  printf (" seconds %.3f cpu %.3f\n", s, cpu);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "generate") == 0)
    return generate (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "photos") == 0)
    return photos (atoi (argv[2]), argv[3]);
  if (argc >= 3 && argc <= 6 && strcmp (argv[1], "load") == 0)
    return load (argv[2], argc > 3 ? atoi (argv[3]) : 0, argc > 4 ? atoi (argv[4]) : 28,
                 argc > 5 && strcmp (argv[5], "rgb") == 0);
  fprintf (stderr, "usage: bench-load generate IDX_DIR OUT_DIR | photos N OUT_DIR "
                   "| load SPEC [THREADS [SIZE [rgb]]]\n");
  return 2;
}
