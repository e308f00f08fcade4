/* fw-picture.h — finishing a chart export: a Cairo surface drawn for a
 * PNG, SVG or PDF file becomes that file, or an error naming it.  Which
 * formats a view offers and how it draws are the view's business. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* A surface of w×h for the picture file path, chosen by its extension:
 * .png (an image at twice the size, device scale 2), .svg or .pdf;
 * painted white, since exports are read on paper and slides.  An unknown
 * extension is an error naming path that lists `formats` ("…, .svg or
 * .json"): what the caller offers. */
cairo_surface_t *fw_picture_new_for_path (const char *path, double width, double height,
                                          const char *formats, GError **error);
/* Vector surfaces that draw into memory, for fw_picture_finish. */
cairo_surface_t *fw_picture_new_svg (double width, double height);
cairo_surface_t *fw_picture_new_pdf (double width, double height);
/* Takes surface: writes it durably to path (PNG for an image surface; a
 * vector surface from fw_picture_new_svg/pdf is finished), then destroys it. */
gboolean fw_picture_finish (cairo_surface_t *surface, const char *path, GError **error);

G_END_DECLS
