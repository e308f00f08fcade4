/* fw-image-direct.h — PNG and JPEG bytes to model-ready bytes without
 * gdk-pixbuf (libdeflate, libjpeg), the same pixels as its loaders give, for
 * the files that need none of gdk-pixbuf's special handling. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

/* Decodes a complete PNG or JPEG file's bytes (type "png" or "jpeg") into
 * (channels, size, size) bytes as fw_image_load does.  FALSE when it
 * declines — any other type, a palette, 16-bit or interlaced PNG, a progressive, CMYK or EXIF-tagged JPEG, a
 * header over FW_IMAGE_MAX_PIXELS, any decoding error or warning — and
 * then out is untouched or partly written and the caller decodes the file
 * with gdk-pixbuf, which also words the error. */
gboolean fw_image_decode_direct (const guint8 *data, gsize len, const char *type, int size,
                                 FwColor color, guint8 *out);

G_END_DECLS
