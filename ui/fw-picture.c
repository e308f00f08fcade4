/* fw-picture.c — see fw-picture.h. */
#include "fw-picture.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

gboolean
fw_picture_finish (cairo_surface_t *surface, const char *path, GError **error)
{
  cairo_status_t status;

  if (cairo_surface_get_type (surface) == CAIRO_SURFACE_TYPE_IMAGE)
    status = cairo_surface_write_to_png (surface, path);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot write the picture: %s"),
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
