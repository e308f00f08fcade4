/* fw-picture.c — see fw-picture.h.  Every format is drawn into memory and
 * written by fw_file_write, so a full disk never leaves half a picture. */
#include "fw-picture.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "fw-file.h"

static const cairo_user_data_key_t bytes_key;

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
attach_bytes (cairo_surface_t *surface, GByteArray *bytes)
{
  cairo_surface_set_user_data (surface, &bytes_key, bytes, (cairo_destroy_func_t) g_byte_array_unref);
  return surface;
}

cairo_surface_t *
fw_picture_new_svg (double width, double height)
{
  GByteArray *bytes = g_byte_array_new ();
  return attach_bytes (cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height), bytes);
}

cairo_surface_t *
fw_picture_new_pdf (double width, double height)
{
  GByteArray *bytes = g_byte_array_new ();
  return attach_bytes (cairo_pdf_surface_create_for_stream (append_bytes, bytes, width, height), bytes);
}

cairo_surface_t *
fw_picture_new_for_path (const char *path, double width, double height,
                         const char *formats, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  cairo_surface_t *surface;

  if (g_str_has_suffix (lower, ".svg"))
    surface = fw_picture_new_svg (width, height);
  else if (g_str_has_suffix (lower, ".pdf"))
    surface = fw_picture_new_pdf (width, height);
  else if (g_str_has_suffix (lower, ".png"))
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * 2, height * 2);
      cairo_surface_set_device_scale (surface, 2, 2);
    }
  else
    {
      g_autofree char *shown = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown format; use %s"), shown, formats);
      return NULL;
    }
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_destroy (cr);
  return surface;
}

gboolean
fw_picture_finish (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr(GByteArray) png = NULL;
  GByteArray *bytes;
  cairo_status_t status;
  gboolean ok;

  if (cairo_surface_get_type (surface) == CAIRO_SURFACE_TYPE_IMAGE)
    {
      png = g_byte_array_new ();
      status = cairo_surface_write_to_png_stream (surface, append_bytes, png);
      bytes = png;
    }
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
      bytes = cairo_surface_get_user_data (surface, &bytes_key);
      g_return_val_if_fail (bytes != NULL, FALSE);   /* made by fw_picture_new_svg/pdf */
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_autofree char *shown = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot write the picture: %s"),
                   shown, cairo_status_to_string (status));
      cairo_surface_destroy (surface);
      return FALSE;
    }
  ok = fw_file_write (path, bytes->data, bytes->len, 0666, error);
  cairo_surface_destroy (surface);
  return ok;
}
