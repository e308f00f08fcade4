/* fw-picture.h — finishing a chart export: a Cairo surface drawn for a
 * PNG, SVG or PDF file becomes that file, or an error naming it.  Which
 * formats a view offers and how it draws are the view's business. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Takes surface: writes it to path (PNG for an image surface; a vector
 * surface was created on path and is finished), then destroys it. */
gboolean fw_picture_finish (cairo_surface_t *surface, const char *path, GError **error);

G_END_DECLS
