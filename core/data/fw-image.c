/* fw-image.c — decoding and preprocessing of image files with gdk-pixbuf.
 * Refuses oversized headers before decoding; leaves file naming and row
 * numbers in error messages to the dataset loader. */
#include "fw-image.h"
#include "fw-image-direct.h"
#include "fw-clones.h"

#include <errno.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib/gi18n.h>

static inline guint8
luma (guint r, guint g, guint b)
{
  /* ITU-R BT.601 weights, rounded; core/torch/model.py's load_image uses
   * the very same integer formula, so exported models see our pixels */
  return (guint8) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
}

/* One row of packed RGB (3 bytes a pixel, the decoders' common case) as
 * gray or as three planes.  Constant stride and restrict pointers let GCC
 * vectorize both (in its avx2 clone 32 pixels at a time); they were a
 * tenth of a 20 000-photo load as byte-by-byte loops.  Integer arithmetic,
 * so every clone gives the same bytes as the generic loop below. */
static FW_CLONE_AVX2 void
row_rgb3_to_gray (const guint8 *restrict p, guint8 *restrict o, int n)
{
  for (int x = 0; x < n; x++)
    o[x] = luma (p[3 * x], p[3 * x + 1], p[3 * x + 2]);
}

static FW_CLONE_AVX2 void
row_rgb3_to_planes (const guint8 *restrict p, guint8 *restrict r, guint8 *restrict g,
                    guint8 *restrict b, int n)
{
  for (int x = 0; x < n; x++)
    {
      r[x] = p[3 * x];
      g[x] = p[3 * x + 1];
      b[x] = p[3 * x + 2];
    }
}

void
fw_image_from_rgb (const guint8 *rgb, int stride, int bpp, int size, FwColor color, guint8 *out)
{
  gsize plane = (gsize) size * size;
  if (bpp == 3 && stride == size * 3)
    {
      /* rows side by side: the whole image in one run */
      if (color == FW_COLOR_GRAY)
        row_rgb3_to_gray (rgb, out, (int) plane);
      else
        row_rgb3_to_planes (rgb, out, out + plane, out + 2 * plane, (int) plane);
      return;
    }
  if (bpp == 3)
    {
      for (int y = 0; y < size; y++)
        {
          const guint8 *p = rgb + (gsize) y * stride;
          guint8 *o = out + (gsize) y * size;
          if (color == FW_COLOR_GRAY)
            row_rgb3_to_gray (p, o, size);
          else
            row_rgb3_to_planes (p, o, o + plane, o + 2 * plane, size);
        }
      return;
    }
  /* any other pixel size (gdk-pixbuf's RGBA rows): the plain loops, which
   * the tests hold the fast ones to */
  if (color == FW_COLOR_GRAY)
    for (int y = 0; y < size; y++)
      {
        const guint8 *p = rgb + (gsize) y * stride;
        guint8 *o = out + (gsize) y * size;
        for (int x = 0; x < size; x++, p += bpp)
          o[x] = luma (p[0], p[1], p[2]);
      }
  else
    for (int y = 0; y < size; y++)
      {
        const guint8 *p = rgb + (gsize) y * stride;
        guint8 *r = out + (gsize) y * size, *g = r + plane, *b = g + plane;
        for (int x = 0; x < size; x++, p += bpp)
          {
            r[x] = p[0];
            g[x] = p[1];
            b[x] = p[2];
          }
      }
}

void
fw_image_from_pixbuf (GdkPixbuf *pixbuf, int size, FwColor color, guint8 *out)
{
  g_return_if_fail (GDK_IS_PIXBUF (pixbuf) && size > 0 && out != NULL);

  g_autoptr (GdkPixbuf) scaled = NULL;
  if (gdk_pixbuf_get_width (pixbuf) == size && gdk_pixbuf_get_height (pixbuf) == size)
    scaled = g_object_ref (pixbuf);
  else
    scaled = gdk_pixbuf_scale_simple (pixbuf, size, size, GDK_INTERP_BILINEAR);
  if (scaled == NULL)  /* out of memory at most size×size: leave black */
    {
      memset (out, 0, (gsize) size * size * (color == FW_COLOR_RGB ? 3 : 1));
      return;
    }

  int n_ch = gdk_pixbuf_get_n_channels (scaled);
  int stride = gdk_pixbuf_get_rowstride (scaled);
  const guint8 *px = gdk_pixbuf_read_pixels (scaled);

  if (!gdk_pixbuf_get_has_alpha (scaled))
    {
      fw_image_from_rgb (px, stride, n_ch, size, color, out);
      return;
    }

  /* Composite on white: transparent regions of icons and palette PNGs are
   * "background", and white is what a viewer shows. */
  g_autofree guint8 *flat = g_malloc ((gsize) size * size * 3);
  for (int y = 0; y < size; y++)
    {
      const guint8 *p = px + (gsize) y * stride;
      guint8 *q = flat + (gsize) y * size * 3;
      for (int x = 0; x < size; x++, p += n_ch, q += 3)
        {
          guint a = p[3];
          for (int c = 0; c < 3; c++)
            q[c] = (guint8) ((p[c] * a + 255 * (255 - a) + 127) / 255);
        }
    }
  fw_image_from_rgb (flat, size * 3, 3, size, color, out);
}

typedef struct {
  int width, height;
  gboolean too_large;
} SizeCheck;

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  SizeCheck *check = data;
  check->width = width;
  check->height = height;
  if (width <= 0 || height <= 0 || (guint64) width * (guint64) height > FW_IMAGE_MAX_PIXELS)
    {
      /* What gdk_pixbuf_get_file_info does: a 0×0 target makes the loader
       * stop before it allocates or decodes a single row. */
      check->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

/* Reads a whole file with as few system calls as we can (open, read until
 * EOF, close: no stat); for 70 000 tiny PNGs the syscalls cost as much as
 * the decoding.  Small files land in the caller's stack buffer (returned as
 * is), larger ones in a heap copy the caller frees.  NULL with a reason. */
static guint8 *
read_file (const char *path, guint8 *stack, gsize stack_size, gsize *len, GError **error)
{
  /* O_NONBLOCK: a FIFO named in a manifest must not hang the load */
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int e = errno;
      if (e == ENOENT || e == ENOTDIR)
        g_set_error_literal (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("not found"));
      else
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("cannot be read: %s"), g_strerror (e));
      return NULL;
    }
  gsize cap = stack_size, n = 0;
  guint8 *buf = stack;
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= FW_IMAGE_MAX_FILE_BYTES)
            {
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                           _("is larger than %d MB, too large for an image we decode"),
                           FW_IMAGE_MAX_FILE_BYTES >> 20);
              break;
            }
          cap *= 2;
          if (buf == stack)
            {
              buf = g_malloc (cap);
              memcpy (buf, stack, n);
            }
          else
            buf = g_realloc (buf, cap);
        }
      gssize got = read (fd, buf + n, cap - n);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0 && errno == EAGAIN)
        got = 0;  /* a pipe with nothing in it: treat as the end */
      if (got < 0)
        {
          int e = errno;
          if (e == EISDIR)
            g_set_error_literal (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("is a folder, not an image file"));
          else
            g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("cannot be read: %s"), g_strerror (e));
          break;
        }
      if (got == 0)
        {
          close (fd);
          if (n == 0)
            {
              g_set_error_literal (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("is an empty file (0 bytes)"));
              if (buf != stack)
                g_free (buf);
              return NULL;
            }
          *len = n;
          return buf;
        }
      n += (gsize) got;
      /* A regular file only reads short at its end, which saves the read
       * that would return 0.  Should a file system ever read short in the
       * middle, the bytes lack their end marker and complete_type sends
       * them to gdk-pixbuf's own whole-file decoder: still correct. */
      if (n < cap)
        {
          close (fd);
          *len = n;
          return buf;
        }
    }
  close (fd);
  if (buf != stack)
    g_free (buf);
  return NULL;
}

/* TRUE when the bytes are a PNG, JPEG or GIF that ends with its end
 * marker.  gdk-pixbuf's incremental loader returns a half-filled image for
 * a truncated file without complaint, so only complete files take the fast
 * path; the rest go through the strict whole-file decoder. */
static const char *
complete_type (const guint8 *d, gsize len)
{
  if (len >= 20 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0
      && memcmp (d + len - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12) == 0)
    return "png";
  if (len >= 4 && d[0] == 0xff && d[1] == 0xd8 && d[len - 2] == 0xff && d[len - 1] == 0xd9)
    return "jpeg";
  if (len >= 7 && memcmp (d, "GIF8", 4) == 0 && d[len - 1] == 0x3b)
    return "gif";
  return NULL;
}

static gboolean
too_large (int w, int h, GError **error)
{
  if (w > 0 && h > 0 && (guint64) w * (guint64) h <= FW_IMAGE_MAX_PIXELS)
    return FALSE;
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
               _("claims %d×%d pixels, more than the %d megapixels we decode "
                 "(a corrupt header, or an image to shrink first)"),
               w, h, FW_IMAGE_MAX_PIXELS / (1024 * 1024));
  return TRUE;
}

static gboolean decode (const char *path, const guint8 *data, gsize len, int size,
                        FwColor color, guint8 *out, GError **error);

/* An SVG by its name or its first kilobytes: a damaged one is named as such
 * rather than as a format we do not read. */
static gboolean
looks_like_svg (const char *path, const guint8 *data, gsize len)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".svg") || g_str_has_suffix (lower, ".svgz"))
    return TRUE;
  gsize n = MIN (len, 4096);
  for (gsize i = 0; i + 4 <= n; i++)
    if (memcmp (data + i, "<svg", 4) == 0)
      return TRUE;
  return FALSE;
}

/* gdk-pixbuf's TIFF loader hands over libtiff's premultiplied colour; every
 * other loader gives straight colour, which resizing and compositing on
 * white expect.  core/io/torch/model.py undoes it with the same formula. */
static GdkPixbuf *
unpremultiply (GdkPixbuf *pixbuf)
{
  GdkPixbuf *copy = gdk_pixbuf_copy (pixbuf);
  if (copy == NULL)
    return NULL;
  int w = gdk_pixbuf_get_width (copy), h = gdk_pixbuf_get_height (copy);
  int stride = gdk_pixbuf_get_rowstride (copy);
  guint8 *px = gdk_pixbuf_get_pixels (copy);
  for (int y = 0; y < h; y++)
    for (guint8 *p = px + (gsize) y * stride, *end = p + (gsize) w * 4; p < end; p += 4)
      if (p[3] != 0 && p[3] != 255)
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) MIN (255u, (p[c] * 255u + p[3] / 2u) / p[3]);
  return copy;
}

gboolean
fw_image_load (const char *path, int size, FwColor color, guint8 *out, GError **error)
{
  g_return_val_if_fail (path != NULL && size > 0 && out != NULL, FALSE);
  /* most dataset images are a few kilobytes: read them without malloc */
  guint8 stack[16 * 1024];
  gsize len = 0;
  guint8 *data = read_file (path, stack, sizeof stack, &len, error);
  if (data == NULL)
    return FALSE;
  gboolean ok = decode (path, data, len, size, color, out, error);
  if (data != stack)
    g_free (data);
  return ok;
}

static gboolean
decode (const char *path, const guint8 *data, gsize len, int size, FwColor color,
        guint8 *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  const char *type = complete_type (data, len);
  /* the common PNGs and JPEGs without a GObject in sight */
  if (type != NULL && fw_image_decode_direct (data, len, type, size, color, out))
    return TRUE;
  if (type != NULL)
    {
      /* Fast path: one read, a loader named by type (gdk-pixbuf's content
       * sniffing costs more than decoding a small PNG), and the size check
       * inside the same loader at the header, before any row is decoded. */
      g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type (type, NULL);
      if (loader == NULL)
        type = NULL;
      else
        {
          SizeCheck check = { 0, 0, FALSE };
          g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &check);
          gboolean ok = gdk_pixbuf_loader_write (loader, data, len, &local);
          /* close even after a failed write: a loader dropped open warns */
          ok = gdk_pixbuf_loader_close (loader, ok ? &local : NULL) && ok;
          if (check.too_large)
            return !too_large (check.width, check.height, error);
          if (ok && gdk_pixbuf_loader_get_pixbuf (loader))
            pixbuf = g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
          else
            {
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                           _("cannot be decoded (corrupt?): %s"),
                           local ? local->message : _("no image in the file"));
              return FALSE;
            }
        }
    }
  if (type == NULL)
    {
      /* libjpeg pads a cut-off JPEG with gray and gdk-pixbuf accepts it.  The
       * end marker FF D9 cannot occur inside entropy-coded data (an FF there
       * is always stuffed), so none near the end means the file was cut. */
      if (len >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
        {
          gboolean eoi = FALSE;
          for (gsize i = len > 4096 ? len - 4096 : 2; i + 1 < len && !eoi; i++)
            eoi = data[i] == 0xff && data[i + 1] == 0xd9;
          if (!eoi)
            {
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                           _("cannot be decoded (truncated?): the JPEG has no end marker"));
              return FALSE;
            }
        }

      /* Other formats and damaged files: gdk-pixbuf's own header probe, then
       * its strict decoder, which reports truncation. */
      int w = 0, h = 0;
      GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &w, &h);
      if (format == NULL && looks_like_svg (path, data, len))
        {
          /* librsvg's own complaint says where the XML breaks */
          g_autoptr (GdkPixbuf) none = gdk_pixbuf_new_from_file_at_scale (path, size, size, FALSE, &local);
          g_autofree char *why = g_strdup (local ? local->message : _("it cannot be parsed"));
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("is a damaged SVG: %s"),
                       g_strstrip (why));
          return FALSE;
        }
      if (format == NULL)
        {
          gboolean known = (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
                           || (len >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
                           || (len >= 4 && memcmp (data, "GIF8", 4) == 0);
          if (known)
            g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                         _("cannot be decoded (truncated or corrupt?): its header is incomplete"));
          else
            g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                         _("is not an image in a format gdk-pixbuf reads (PNG, JPEG, GIF, BMP, TIFF, …)"));
          return FALSE;
        }
      g_autofree char *name = gdk_pixbuf_format_get_name (format);
      if (g_strcmp0 (name, "svg") == 0)
        {
          /* vector images are drawn at the size we keep, not drawn at their
           * own size and then blurred up or down */
          pixbuf = gdk_pixbuf_new_from_file_at_scale (path, size, size, FALSE, &local);
          if (pixbuf == NULL)
            {
              g_autofree char *why = g_strdup (local ? local->message : _("unknown error"));
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("is a damaged SVG: %s"),
                           g_strstrip (why));
              return FALSE;
            }
        }
      else
        {
          if (too_large (w, h, error))
            return FALSE;
          pixbuf = gdk_pixbuf_new_from_file (path, &local);
          if (pixbuf == NULL)
            {
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                           _("cannot be decoded (truncated or corrupt?): %s"),
                           local ? local->message : _("unknown error"));
              return FALSE;
            }
          if (g_strcmp0 (name, "tiff") == 0 && gdk_pixbuf_get_has_alpha (pixbuf))
            {
              GdkPixbuf *straight = unpremultiply (pixbuf);
              if (straight)
                {
                  g_object_unref (pixbuf);
                  pixbuf = straight;
                }
            }
        }
    }

  /* Phone photos store their rotation in EXIF; apply it as viewers do. */
  g_autoptr (GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  fw_image_from_pixbuf (oriented ? oriented : pixbuf, size, color, out);
  return TRUE;
}
