/* test-image-direct.c — the direct PNG/JPEG decoders (fw-image-direct.c)
 * against gdk-pixbuf, their plain twin: every file they accept gives
 * gdk-pixbuf's bytes exactly (gdk_pixbuf_new_from_file, then
 * fw_image_from_pixbuf), at the file's own size and resized, gray and RGB;
 * the files they must leave to gdk-pixbuf are declined; damage declines. */
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <libdeflate.h>

#include "fw-image.h"
#include "fw-image-direct.h"
#include "fw-test-util.h"

static guint32 rng_state = 12345;

static guint8
rnd (void)
{
  rng_state = rng_state * 1103515245u + 12345u;
  return (guint8) (rng_state >> 16);
}

/* Smooth content plus noise: real images' filters pick all five types. */
static guint8
pixel (int x, int y, int c)
{
  return (guint8) (x * 5 + y * 3 + c * 60 + (rnd () & 15));
}

/* A PNG of w×h pixels in colour type 0, 2, 4 or 6, each row with filter
 * type y % 5 (so every filter is undone), the IDAT split in two chunks;
 * extra chunks (tRNS, a bad CRC) on request. */
static GBytes *
make_png (int w, int h, int color_type, gboolean trns, gboolean bad_crc, gboolean interlaced)
{
  int ch = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 4 ? 2 : 4;
  gsize stride = (gsize) w * ch;
  g_autofree guint8 *img = g_malloc (stride * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++)
        img[y * stride + x * ch + c] = c == 3 || (ch == 2 && c == 1) ? (guint8) (x * 40) : pixel (x, y, c);
  g_autofree guint8 *raw = g_malloc ((stride + 1) * h);
  for (int y = 0; y < h; y++)
    {
      int f = y % 5;
      guint8 *r = raw + y * (stride + 1);
      const guint8 *cur = img + y * stride, *prev = y ? img + (y - 1) * stride : NULL;
      r[0] = (guint8) f;
      for (gsize i = 0; i < stride; i++)
        {
          int a = i >= (gsize) ch ? cur[i - ch] : 0, b = prev ? prev[i] : 0;
          int c = prev && i >= (gsize) ch ? prev[i - ch] : 0;
          int p = a + b - c, pa = ABS (p - a), pb = ABS (p - b), pc = ABS (p - c);
          int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2
                     : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          r[1 + i] = (guint8) (cur[i] - pred);
        }
    }
  struct libdeflate_compressor *comp = libdeflate_alloc_compressor (6);
  gsize bound = libdeflate_zlib_compress_bound (comp, (stride + 1) * h);
  g_autofree guint8 *z = g_malloc (bound);
  gsize zlen = libdeflate_zlib_compress (comp, raw, (stride + 1) * h, z, bound);
  libdeflate_free_compressor (comp);
  g_assert_cmpuint (zlen, >, 0);

  GByteArray *png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  guint8 ihdr[13] = { 0 };
  fw_test_put32 (ihdr, (guint32) w);
  fw_test_put32 (ihdr + 4, (guint32) h);
  ihdr[8] = 8;
  ihdr[9] = (guint8) color_type;
  ihdr[12] = interlaced;  /* the flag alone: such a file must be declined */
  fw_test_chunk (png, "IHDR", ihdr, 13);
  fw_test_chunk (png, "tEXt", (const guint8 *) "Comment\0hi", 10);
  if (trns)
    fw_test_chunk (png, "tRNS", (const guint8 *) "\0\7", 2);
  fw_test_chunk (png, "IDAT", z, (guint32) zlen / 2);
  fw_test_chunk (png, "IDAT", z + zlen / 2, (guint32) (zlen - zlen / 2));
  if (bad_crc)
    png->data[png->len - 1] ^= 1;
  fw_test_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

/* A JPEG from libjpeg: gray or YCbCr with the given sampling, optionally
 * progressive or with an EXIF block. */
static GBytes *
make_jpeg (int w, int h, gboolean gray, int h_samp, gboolean progressive, gboolean exif)
{
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  unsigned char *buf = NULL;
  unsigned long len = 0;
  c.err = jpeg_std_error (&err);
  jpeg_create_compress (&c);
  jpeg_mem_dest (&c, &buf, &len);
  c.image_width = (JDIMENSION) w;
  c.image_height = (JDIMENSION) h;
  c.input_components = gray ? 1 : 3;
  c.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&c);
  jpeg_set_quality (&c, 90, TRUE);
  if (!gray)
    {
      c.comp_info[0].h_samp_factor = h_samp;
      c.comp_info[0].v_samp_factor = h_samp;
    }
  if (progressive)
    jpeg_simple_progression (&c);
  jpeg_start_compress (&c, TRUE);
  if (exif)
    jpeg_write_marker (&c, JPEG_APP0 + 1, (const JOCTET *) "Exif\0\0MM\0*\0\0\0\10\0\0", 16);
  g_autofree guint8 *row = g_malloc ((gsize) w * 3);
  while (c.next_scanline < c.image_height)
    {
      for (int x = 0; x < w; x++)
        for (int k = 0; k < (gray ? 1 : 3); k++)
          row[x * (gray ? 1 : 3) + k] = pixel (x, (int) c.next_scanline, k);
      JSAMPROW r = row;
      jpeg_write_scanlines (&c, &r, 1);
    }
  jpeg_finish_compress (&c);
  jpeg_destroy_compress (&c);
  GBytes *bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

/* gdk-pixbuf's bytes for the file, as fw_image_load's gdk-pixbuf path. */
static guint8 *
reference (GBytes *file, int size, FwColor color)
{
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (file, &len);
  g_assert_true (gdk_pixbuf_loader_write (loader, d, len, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  GdkPixbuf *pb = gdk_pixbuf_loader_get_pixbuf (loader);
  guint8 *out = g_malloc ((gsize) size * size * 3);
  fw_image_from_pixbuf (pb, size, color, out);
  return out;
}

static void
assert_same_as_gdk_pixbuf (GBytes *file, const char *type, const char *what)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (file, &len);
  for (int s = 0; s < 3; s++)
    for (int color = 0; color < 2; color++)
      {
        int size = s == 0 ? 24 : s == 1 ? 16 : 40;  /* the file's, smaller, larger */
        FwColor fc = color ? FW_COLOR_RGB : FW_COLOR_GRAY;
        gsize n = (gsize) size * size * (color ? 3 : 1);
        g_autofree guint8 *want = reference (file, size, fc);
        g_autofree guint8 *got = g_malloc0 (n);
        if (!fw_image_decode_direct (d, len, type, size, fc, got))
          g_error ("%s at %d px: declined", what, size);
        if (memcmp (want, got, n) != 0)
          g_error ("%s at %d px, %s: differs from gdk-pixbuf", what, size, color ? "rgb" : "gray");
      }
}

static void
assert_declined (GBytes *file, const char *type, const char *what)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (file, &len);
  guint8 out[24 * 24 * 3];
  if (fw_image_decode_direct (d, len, type, 24, FW_COLOR_RGB, out))
    g_error ("%s: accepted, should be left to gdk-pixbuf", what);
}

static void
test_png (void)
{
  static const int types[] = { 0, 2, 6 };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (GBytes) f = make_png (24, 24, types[i], FALSE, FALSE, FALSE);
      g_autofree char *what = g_strdup_printf ("PNG colour type %d", types[i]);
      assert_same_as_gdk_pixbuf (f, "png", what);
    }
  /* gdk-pixbuf's own writer (RGB and RGBA), as datasets are often saved */
  g_autofree char *dir = fw_test_tmpdir ();
  fw_test_image (dir, "a.png", "png", 24, 24, 0, 0, 0, 100, TRUE);
  fw_test_image (dir, "b.png", "png", 24, 24, 0, 0, 9, 255, TRUE);
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = g_build_filename (dir, k ? "b.png" : "a.png", NULL);
      g_autoptr (GMappedFile) m = g_mapped_file_new (path, FALSE, NULL);
      g_autoptr (GBytes) f = g_mapped_file_get_bytes (m);
      assert_same_as_gdk_pixbuf (f, "png", path);
    }
  fw_test_rmtree (dir);
}

static void
test_png_declined (void)
{
  g_autoptr (GBytes) ga = make_png (24, 24, 4, FALSE, FALSE, FALSE);
  assert_declined (ga, "png", "gray+alpha PNG");
  g_autoptr (GBytes) trns = make_png (24, 24, 2, TRUE, FALSE, FALSE);
  assert_declined (trns, "png", "PNG with tRNS");
  g_autoptr (GBytes) crc = make_png (24, 24, 2, FALSE, TRUE, FALSE);
  assert_declined (crc, "png", "PNG with a bad CRC");
  g_autoptr (GBytes) inter = make_png (24, 24, 2, FALSE, FALSE, TRUE);
  assert_declined (inter, "png", "interlaced PNG");

  /* one byte of the image data changed, CRC recomputed: adler32 catches it */
  g_autoptr (GBytes) good = make_png (24, 24, 2, FALSE, FALSE, FALSE);
  gsize len;
  const guint8 *good_data = g_bytes_get_data (good, &len);
  g_autofree guint8 *d = g_memdup2 (good_data, len);
  guint8 *idat = NULL;
  for (gsize i = 0; i + 4 <= len && idat == NULL; i++)
    if (memcmp (d + i, "IDAT", 4) == 0)
      idat = d + i;
  g_assert_nonnull (idat);
  guint32 n = (guint32) idat[-4] << 24 | idat[-3] << 16 | idat[-2] << 8 | idat[-1];
  idat[4 + n / 2] ^= 0x40;
  fw_test_put32 (idat + 4 + n, fw_test_crc32 (idat, n + 4));
  g_autoptr (GBytes) flipped = g_bytes_new (d, len);
  assert_declined (flipped, "png", "PNG with damaged image data");

  /* a header over the pixel limit is declined before anything is allocated */
  g_autofree char *dir = fw_test_tmpdir ();
  fw_test_huge_png (dir, "huge.png", 100000, 100000);
  g_autofree char *path = g_build_filename (dir, "huge.png", NULL);
  g_autoptr (GMappedFile) m = g_mapped_file_new (path, FALSE, NULL);
  g_autoptr (GBytes) huge = g_mapped_file_get_bytes (m);
  assert_declined (huge, "png", "100000×100000 PNG");
  fw_test_rmtree (dir);
}

static void
test_jpeg (void)
{
  g_autoptr (GBytes) s420 = make_jpeg (24, 24, FALSE, 2, FALSE, FALSE);
  assert_same_as_gdk_pixbuf (s420, "jpeg", "JPEG 4:2:0");
  g_autoptr (GBytes) s444 = make_jpeg (24, 24, FALSE, 1, FALSE, FALSE);
  assert_same_as_gdk_pixbuf (s444, "jpeg", "JPEG 4:4:4");
  g_autoptr (GBytes) gray = make_jpeg (24, 24, TRUE, 1, FALSE, FALSE);
  assert_same_as_gdk_pixbuf (gray, "jpeg", "gray JPEG");
  g_autoptr (GBytes) odd = make_jpeg (23, 17, FALSE, 2, FALSE, FALSE);
  gsize len;
  const guint8 *d = g_bytes_get_data (odd, &len);
  for (int color = 0; color < 2; color++)
    {
      g_autofree guint8 *want = reference (odd, 24, color ? FW_COLOR_RGB : FW_COLOR_GRAY);
      guint8 got[24 * 24 * 3];
      g_assert_true (fw_image_decode_direct (d, len, "jpeg", 24, color ? FW_COLOR_RGB : FW_COLOR_GRAY, got));
      g_assert_cmpmem (want, 24 * 24 * (color ? 3 : 1), got, 24 * 24 * (color ? 3 : 1));
    }
}

static void
test_jpeg_declined (void)
{
  g_autoptr (GBytes) prog = make_jpeg (24, 24, FALSE, 2, TRUE, FALSE);
  assert_declined (prog, "jpeg", "progressive JPEG");
  g_autoptr (GBytes) exif = make_jpeg (24, 24, FALSE, 2, FALSE, TRUE);
  assert_declined (exif, "jpeg", "JPEG with EXIF");
  /* the entropy-coded data cut short but the end marker kept: libjpeg
   * warns and pads; the direct path leaves the verdict to gdk-pixbuf */
  g_autoptr (GBytes) good = make_jpeg (24, 24, FALSE, 2, FALSE, FALSE);
  gsize len;
  const guint8 *d = g_bytes_get_data (good, &len);
  g_autoptr (GByteArray) cut = g_byte_array_new ();
  g_byte_array_append (cut, d, (guint) (len * 2 / 3));
  g_byte_array_append (cut, (const guint8 *) "\xff\xd9", 2);
  g_autoptr (GBytes) cut_bytes = g_bytes_new (cut->data, cut->len);
  assert_declined (cut_bytes, "jpeg", "cut JPEG");
  assert_declined (good, "gif", "a type it does not decode");
}

/* One decompressor serves every file a thread decodes: after a file it
 * declines (a libjpeg warning, an error, a format it leaves to gdk-pixbuf)
 * the next one must still come out exactly right. */
static void
test_jpeg_reuse (void)
{
  g_autoptr (GBytes) a = make_jpeg (24, 24, FALSE, 2, FALSE, FALSE);
  g_autoptr (GBytes) b = make_jpeg (40, 31, FALSE, 1, FALSE, FALSE);
  g_autoptr (GBytes) gray = make_jpeg (24, 24, TRUE, 1, FALSE, FALSE);
  g_autoptr (GBytes) prog = make_jpeg (24, 24, FALSE, 2, TRUE, FALSE);
  gsize len;
  const guint8 *d = g_bytes_get_data (a, &len);
  /* a cut scan (libjpeg warns) and a broken header (libjpeg errors) */
  g_autoptr (GByteArray) cut = g_byte_array_new ();
  g_byte_array_append (cut, d, (guint) (len * 2 / 3));
  g_byte_array_append (cut, (const guint8 *) "\xff\xd9", 2);
  g_autoptr (GByteArray) broken = g_byte_array_new ();
  g_byte_array_append (broken, d, (guint) len);
  for (guint i = 2; i + 1 < broken->len; i++)
    if (broken->data[i] == 0xff && broken->data[i + 1] == 0xc0)   /* SOF0: 0 components */
      {
        broken->data[i + 9] = 0;
        break;
      }
  g_autoptr (GBytes) cut_bytes = g_bytes_new (cut->data, cut->len);
  g_autoptr (GBytes) broken_bytes = g_bytes_new (broken->data, broken->len);
  GBytes *good[] = { a, b, gray };
  GBytes *bad[] = { cut_bytes, broken_bytes, prog };
  for (int round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (good); i++)
      {
        assert_declined (bad[(i + round) % G_N_ELEMENTS (bad)], "jpeg", "a damaged or progressive JPEG");
        assert_same_as_gdk_pixbuf (good[i], "jpeg", "a JPEG after a declined one");
      }
}

/* fw_image_from_rgb's packed-RGB loops (vectorized) against its plain
 * loops for any other pixel size: the same pixels with a fourth byte. */
static void
test_from_rgb (void)
{
  for (int size = 1; size <= 70; size += size < 8 ? 1 : 7)
    for (int color = 0; color < 2; color++)
      {
        FwColor fc = color ? FW_COLOR_RGB : FW_COLOR_GRAY;
        int stride3 = size * 3 + size % 5, stride4 = size * 4;
        gsize n = (gsize) size * size * (color ? 3 : 1);
        g_autofree guint8 *rgb3 = g_malloc ((gsize) stride3 * size);
        g_autofree guint8 *rgb4 = g_malloc ((gsize) stride4 * size);
        for (int y = 0; y < size; y++)
          for (int x = 0; x < size; x++)
            for (int c = 0; c < 4; c++)
              {
                guint8 v = rnd ();
                if (c < 3)
                  rgb3[y * stride3 + x * 3 + c] = v;
                rgb4[y * stride4 + x * 4 + c] = v;
              }
        g_autofree guint8 *fast = g_malloc (n);
        g_autofree guint8 *plain = g_malloc (n);
        fw_image_from_rgb (rgb3, stride3, 3, size, fc, fast);
        fw_image_from_rgb (rgb4, stride4, 4, size, fc, plain);
        if (memcmp (fast, plain, n) != 0)
          g_error ("%d px %s: the packed-RGB loop differs from the plain one", size, color ? "rgb" : "gray");
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/image-direct/png", test_png);
  g_test_add_func ("/core/image-direct/png-declined", test_png_declined);
  g_test_add_func ("/core/image-direct/jpeg", test_jpeg);
  g_test_add_func ("/core/image-direct/jpeg-declined", test_jpeg_declined);
  g_test_add_func ("/core/image-direct/jpeg-reuse", test_jpeg_reuse);
  g_test_add_func ("/core/image-direct/from-rgb", test_from_rgb);
  return g_test_run ();
}
