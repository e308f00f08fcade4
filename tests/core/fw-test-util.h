/* fw-test-util.h — fixtures for the dataset tests, made at run time in a
 * temporary folder (no binary files in git): PNG/JPEG via gdk-pixbuf, a PNG
 * header lying about its size, manifests from strings. */
#pragma once

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

static inline char *
fw_test_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("fw-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
fw_test_rmtree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fw_test_rmtree (child);
        }
    }
  g_remove (path);
}

static inline char *
fw_test_write (const char *dir, const char *name, const char *data, gssize len)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

/* A w×h image of one colour (alpha < 255 makes an RGBA PNG), saved as
 * "png" or "jpeg"; pattern adds a gradient so files are not trivially small. */
static inline void
fw_test_image (const char *dir, const char *name, const char *format, int w, int h,
               guint8 r, guint8 g, guint8 b, guint8 a, gboolean pattern)
{
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, a < 255, 8, w, h);
  int n_ch = gdk_pixbuf_get_n_channels (pb), stride = gdk_pixbuf_get_rowstride (pb);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = px + y * stride + x * n_ch;
        p[0] = pattern ? (guint8) (x * 7 + y * 13) : r;
        p[1] = pattern ? (guint8) (x * y) : g;
        p[2] = b;
        if (n_ch == 4)
          p[3] = a;
      }
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  gdk_pixbuf_save (pb, path, format, &error, NULL);
  g_assert_no_error (error);
}

static inline guint32
fw_test_crc32 (const guint8 *p, gsize n)
{
  guint32 c = 0xFFFFFFFFu;
  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
  return c ^ 0xFFFFFFFFu;
}

static inline void
fw_test_put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* A 59-byte PNG whose IHDR (valid CRC) claims w×h RGB pixels, then the
 * start of an IDAT (libpng reports the header only on reaching IDAT). */
static inline void
fw_test_huge_png (const char *dir, const char *name, guint32 w, guint32 h)
{
  guint8 b[59] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  fw_test_put32 (b + 8, 13);
  memcpy (b + 12, "IHDR", 4);
  fw_test_put32 (b + 16, w);
  fw_test_put32 (b + 20, h);
  b[24] = 8; b[25] = 2; b[26] = 0; b[27] = 0; b[28] = 0;
  fw_test_put32 (b + 29, fw_test_crc32 (b + 12, 17));
  fw_test_put32 (b + 33, 2);
  memcpy (b + 37, "IDAT\x78\x9c", 6);
  fw_test_put32 (b + 43, fw_test_crc32 (b + 37, 6));
  fw_test_put32 (b + 47, 0);
  memcpy (b + 51, "IEND", 4);
  fw_test_put32 (b + 55, fw_test_crc32 (b + 51, 4));
  g_autofree char *path = fw_test_write (dir, name, (const char *) b, 59);
}

static inline void
fw_test_chunk (GByteArray *png, const char *type, const guint8 *data, guint32 len)
{
  guint8 head[8];
  fw_test_put32 (head, len);
  memcpy (head + 4, type, 4);
  g_byte_array_append (png, head, 8);
  if (len)
    g_byte_array_append (png, data, len);
  guint8 *crc_from = png->data + png->len - len - 4;
  guint8 crc[4];
  fw_test_put32 (crc, fw_test_crc32 (crc_from, len + 4));
  g_byte_array_append (png, crc, 4);
}

/* A PNG gdk-pixbuf cannot write: palette (colour type 3) or gray+alpha
 * (4), from raw scanlines (each starting with filter byte 0), deflated with
 * GIO's zlib converter. */
static inline void
fw_test_raw_png (const char *dir, const char *name, guint32 w, guint32 h, guint8 color_type,
                 const guint8 *plte, guint32 plte_len, const guint8 *trns, guint32 trns_len,
                 const guint8 *raw, gsize raw_len)
{
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  guint8 ihdr[13] = { 0 };
  fw_test_put32 (ihdr, w);
  fw_test_put32 (ihdr + 4, h);
  ihdr[8] = 8;
  ihdr[9] = color_type;
  fw_test_chunk (png, "IHDR", ihdr, 13);
  if (plte)
    fw_test_chunk (png, "PLTE", plte, plte_len);
  if (trns)
    fw_test_chunk (png, "tRNS", trns, trns_len);

  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  guint8 out[4096];
  gsize read = 0, written = 0;
  g_autoptr (GError) error = NULL;
  GConverterResult res = g_converter_convert (G_CONVERTER (z), raw, raw_len, out, sizeof out,
                                              G_CONVERTER_INPUT_AT_END, &read, &written, &error);
  g_assert_no_error (error);
  g_assert_cmpint (res, ==, G_CONVERTER_FINISHED);
  fw_test_chunk (png, "IDAT", out, (guint32) written);
  fw_test_chunk (png, "IEND", NULL, 0);
  g_autofree char *path = fw_test_write (dir, name, (const char *) png->data, png->len);
}
