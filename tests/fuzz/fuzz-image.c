/* fuzz-image.c — libFuzzer harness for the direct PNG and JPEG decoders
 * (fw-image-direct.c), which read untrusted dataset files without
 * gdk-pixbuf: the same bytes go to both, at a gray and an RGB target.  Any
 * crash, out-of-bounds access or leak is a bug; declining is fine. */
#include <stdint.h>
#include <string.h>

#include <libdeflate.h>

#include "fw-image-direct.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* fw-image.c's errors are FW_DATA_ERROR; the rest of fw-dataset.c is not
 * linked into the harness */
G_DEFINE_QUARK (fw-data-error-quark, fw_data_error)

/* Mutations almost never keep a chunk's CRC right, so the decoder would
 * refuse them at the first check: a copy with every CRC recomputed gets
 * past it, to the header, inflate and unfiltering. */
static void
fix_png_crcs (guint8 *p, gsize len)
{
  gsize at = 8;   /* after the signature */
  while (at + 12 <= len)
    {
      guint32 n = (guint32) p[at] << 24 | (guint32) p[at + 1] << 16 | (guint32) p[at + 2] << 8 | p[at + 3];
      if (n > len - at - 12)
        break;
      guint32 crc = libdeflate_crc32 (0, p + at + 4, n + 4);
      guint8 *c = p + at + 8 + n;
      c[0] = crc >> 24, c[1] = crc >> 16, c[2] = crc >> 8, c[3] = crc;
      at += 12 + (gsize) n;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* an exact-size copy, so ASan sees any read past the end */
  guint8 *buf = g_malloc (size ? size : 1);
  memcpy (buf, data, size);
  guint8 *out = g_malloc (3 * 16 * 16);

  fw_image_decode_direct (buf, size, "png", 16, FW_COLOR_GRAY, out);
  fw_image_decode_direct (buf, size, "png", 16, FW_COLOR_RGB, out);
  fix_png_crcs (buf, size);
  fw_image_decode_direct (buf, size, "png", 16, FW_COLOR_GRAY, out);
  fw_image_decode_direct (buf, size, "jpeg", 16, FW_COLOR_GRAY, out);
  fw_image_decode_direct (buf, size, "jpeg", 16, FW_COLOR_RGB, out);
  g_free (out);
  g_free (buf);
  return 0;
}
