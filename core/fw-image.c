/* fw-image.c — decoding and preprocessing of image files with gdk-pixbuf.
 * Refuses oversized headers before decoding; leaves file naming and row
 * numbers in error messages to the dataset loader. */
#include "fw-image.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

static inline guint8
luma (guint r, guint g, guint b)
{
  /* ITU-R BT.601 weights, rounded, as PIL's convert("L") */
  return (guint8) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
}

void
fw_image_from_rgb (const guint8 *rgb, int stride, int bpp, int size, FwColor color, guint8 *out)
{
  gsize plane = (gsize) size * size;
  for (int y = 0; y < size; y++)
    {
      const guint8 *p = rgb + (gsize) y * stride;
      for (int x = 0; x < size; x++, p += bpp)
        {
          gsize o = (gsize) y * size + x;
          if (color == FW_COLOR_GRAY)
            out[o] = luma (p[0], p[1], p[2]);
          else
            {
              out[o] = p[0];
              out[plane + o] = p[1];
              out[2 * plane + o] = p[2];
            }
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

gboolean
fw_image_load (const char *path, int size, FwColor color, guint8 *out, GError **error)
{
  g_return_val_if_fail (path != NULL && size > 0 && out != NULL, FALSE);

  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      if (e == ENOENT || e == ENOTDIR)
        g_set_error_literal (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, "not found");
      else
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, "cannot be read: %s",
                     g_strerror (e));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                   "is a folder, not an image file");
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                   "is an empty file (0 bytes)");
      return FALSE;
    }

  int w = 0, h = 0;
  if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                   "is not an image in a format gdk-pixbuf reads (PNG, JPEG, GIF, BMP, TIFF, …)");
      return FALSE;
    }
  if (w <= 0 || h <= 0 || (guint64) w * (guint64) h > FW_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                   "claims %d×%d pixels, more than the %d megapixels we decode "
                   "(a corrupt header, or an image to shrink first)",
                   w, h, FW_IMAGE_MAX_PIXELS / (1024 * 1024));
      return FALSE;
    }

  g_autoptr (GError) local = NULL;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &local);
  if (pixbuf == NULL)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                   "cannot be decoded (truncated or corrupt?): %s",
                   local ? local->message : "unknown error");
      return FALSE;
    }
  /* Phone photos store their rotation in EXIF; apply it as viewers do. */
  g_autoptr (GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  fw_image_from_pixbuf (oriented ? oriented : pixbuf, size, color, out);
  return TRUE;
}
