/* fw-image.h — one image file to model-ready bytes: decoded by gdk-pixbuf,
 * alpha composited on white, resized to size×size, gray or RGB, stored
 * channel-planar.  Scaling to [0,1] happens at batch time, not here. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "fw-dataset.h"

G_BEGIN_DECLS

/* Images whose header claims more pixels than this are refused before any
 * decoding: a 100 000 × 100 000 PNG is a few bytes on disk and 40 GB in RAM. */
#define FW_IMAGE_MAX_PIXELS (64 * 1024 * 1024)
/* and files larger than this are not read at all */
#define FW_IMAGE_MAX_FILE_BYTES (256 * 1024 * 1024)

/* Writes (channels, size, size) bytes to out (channels = 1 gray, 3 rgb).
 * Errors are FW_DATA_ERROR_IMAGE with a short reason and no file prefix:
 * the caller knows the manifest row. */
gboolean fw_image_load (const char *path, int size, FwColor color, guint8 *out, GError **error);

/* The same from a decoded pixbuf (any size, with or without alpha). */
void fw_image_from_pixbuf (GdkPixbuf *pixbuf, int size, FwColor color, guint8 *out);

/* Cairo/gdk-pixbuf-style interleaved RGB(A) rows to planar bytes; used by
 * the built-in datasets, which draw at the target size already. */
void fw_image_from_rgb (const guint8 *rgb, int stride, int bytes_per_pixel,
                        int size, FwColor color, guint8 *out);

G_END_DECLS
