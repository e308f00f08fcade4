/* fw-image-direct.c — the common PNG and JPEG files decoded without
 * gdk-pixbuf: PNG with our own chunk reader and libdeflate, JPEG with
 * libjpeg(-turbo).  gdk-pixbuf's loaders cost more per file than decoding
 * a 28×28 PNG or a 64×64 JPEG does (a GObject loader, its module lookup,
 * signals, a pixbuf, option strings, zlib's streaming inflate); for 70 000
 * tiny files that overhead was most of the load.  The pixels are
 * gdk-pixbuf's to the bit: PNG is lossless, JPEG goes through the same
 * libjpeg with the settings gdk-pixbuf uses, and resizing and compositing
 * still go through fw_image_from_pixbuf.  Everything unusual — palettes,
 * 16-bit or interlaced PNGs, progressive or CMYK JPEGs, EXIF (orientation),
 * oversized headers, any error or warning — is declined, and the caller's
 * gdk-pixbuf path decodes it and words the error. */
#include "fw-image-direct.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <libdeflate.h>

#include "fw-image.h"

/* Decoded rows at the target size go straight to the planar bytes; other
 * sizes and alpha take the gdk-pixbuf resize/composite path, unchanged. */
static void
finish_rgb (guint8 *rgb, int w, int h, int stride, int channels, int size, FwColor color, guint8 *out)
{
  if (w == size && h == size && channels == 3)
    {
      fw_image_from_rgb (rgb, stride, 3, size, color, out);
      return;
    }
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (rgb, GDK_COLORSPACE_RGB, channels == 4, 8,
                                                           w, h, stride, NULL, NULL);
  fw_image_from_pixbuf (pixbuf, size, color, out);
}

/* One gray plane at the target size: luma (g, g, g) is g, so gray output
 * is the plane itself and RGB output three copies of it. */
static void
finish_gray (const guint8 *gray, gsize stride, int size, FwColor color, guint8 *out)
{
  gsize plane = (gsize) size * size;
  for (int y = 0; y < size; y++)
    memcpy (out + (gsize) y * size, gray + (gsize) y * stride, size);
  if (color == FW_COLOR_RGB)
    {
      memcpy (out + plane, out, plane);
      memcpy (out + 2 * plane, out, plane);
    }
}

/* Per-thread buffers up to this size stay between files (a 64×64 photo
 * needs 12 kB); a larger image's buffer is freed after it. */
#define KEEP_BYTES (1u << 20)

/* ---- PNG ---- */

/* The PNGs datasets are made of — 8-bit gray, RGB or RGBA, not interlaced,
 * no palette or tRNS — decoded here: chunks checked (every CRC), IDAT
 * inflated in one call by libdeflate (zlib's streaming inflate was half
 * of a 70 000-PNG load), rows unfiltered.  PNG is lossless, so any correct
 * decoder gives libpng's bytes; the rest goes to gdk-pixbuf. */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint8
paeth (int a, int b, int c)
{
  int p = a + b - c;
  int pa = ABS (p - a), pb = ABS (p - b), pc = ABS (p - c);
  return (guint8) (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Undoes the filters in place: raw holds h rows of 1 + stride bytes (the
 * filter type first); the rows end up at raw + 1 + y * (1 + stride). */
static gboolean
unfilter (guint8 *raw, gsize stride, guint32 h, int bpp)
{
  const guint8 *prev = NULL;
  for (guint32 y = 0; y < h; y++)
    {
      guint8 *row = raw + y * (stride + 1);
      int type = row[0];
      guint8 *r = row + 1;
      switch (type)
        {
        case 0:
          break;
        case 1:
          for (gsize i = bpp; i < stride; i++)
            r[i] += r[i - bpp];
          break;
        case 2:
          if (prev)
            for (gsize i = 0; i < stride; i++)
              r[i] += prev[i];
          break;
        case 3:
          for (gsize i = 0; i < stride; i++)
            r[i] += (guint8) (((i >= (gsize) bpp ? r[i - bpp] : 0) + (prev ? prev[i] : 0)) >> 1);
          break;
        case 4:
          for (gsize i = 0; i < stride; i++)
            {
              int a = i >= (gsize) bpp ? r[i - bpp] : 0;
              int b = prev ? prev[i] : 0;
              int c = prev && i >= (gsize) bpp ? prev[i - bpp] : 0;
              r[i] += paeth (a, b, c);
            }
          break;
        default:
          return FALSE;
        }
      prev = r;
    }
  return TRUE;
}

/* One libdeflate decompressor and one row buffer per thread, kept from
 * file to file: allocating and clearing the decompressor (about 11 kB)
 * for each 28×28 PNG cost a sixth of its decoding. */
typedef struct {
  struct libdeflate_decompressor *z;
  guint8 *raw;
  gsize cap;
} PngDecoder;

static void
png_decoder_free (gpointer data)
{
  PngDecoder *dec = data;
  libdeflate_free_decompressor (dec->z);
  g_free (dec->raw);
  g_free (dec);
}

static GPrivate png_decoder_key = G_PRIVATE_INIT (png_decoder_free);

static PngDecoder *
png_decoder (void)
{
  PngDecoder *dec = g_private_get (&png_decoder_key);
  if (dec == NULL)
    {
      struct libdeflate_decompressor *z = libdeflate_alloc_decompressor ();
      if (z == NULL)
        return NULL;  /* out of memory: gdk-pixbuf's path says so */
      dec = g_new0 (PngDecoder, 1);
      dec->z = z;
      g_private_set (&png_decoder_key, dec);
    }
  return dec;
}

static gboolean
decode_png (const guint8 *data, gsize len, int size, FwColor color, guint8 *out)
{
  guint32 w = 0, h = 0;
  int channels = 0;
  gboolean seen_idat = FALSE, idat_done = FALSE, ended = FALSE;
  g_autoptr (GByteArray) idat = NULL;
  const guint8 *single = NULL;  /* the one IDAT's bytes, when there is one */
  gsize single_len = 0;

  for (gsize pos = 8; pos + 12 <= len && !ended;)
    {
      guint32 n = be32 (data + pos);
      const guint8 *type = data + pos + 4, *body = data + pos + 8;
      if (n > len - pos - 12)
        return FALSE;
      if (libdeflate_crc32 (0, type, (gsize) n + 4) != be32 (body + n))
        return FALSE;
      if (pos == 8)
        {
          /* IHDR first: 8-bit, gray (0), RGB (2) or RGBA (6), deflate,
           * filter method 0, not interlaced */
          if (memcmp (type, "IHDR", 4) != 0 || n != 13)
            return FALSE;
          w = be32 (body);
          h = be32 (body + 4);
          channels = body[9] == 0 ? 1 : body[9] == 2 ? 3 : body[9] == 6 ? 4 : 0;
          if (body[8] != 8 || channels == 0 || body[10] != 0 || body[11] != 0 || body[12] != 0)
            return FALSE;
          if (w == 0 || h == 0 || (guint64) w * h > FW_IMAGE_MAX_PIXELS)
            return FALSE;  /* gdk-pixbuf's path words the refusal */
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        {
          if (idat_done)
            return FALSE;  /* IDATs must be consecutive */
          if (!seen_idat)
            {
              single = body;
              single_len = n;
            }
          else
            {
              if (idat == NULL)
                {
                  idat = g_byte_array_sized_new ((guint) (single_len + n));
                  g_byte_array_append (idat, single, (guint) single_len);
                }
              g_byte_array_append (idat, body, n);
            }
          seen_idat = TRUE;
        }
      else
        {
          idat_done = seen_idat;
          if (memcmp (type, "IEND", 4) == 0)
            ended = TRUE;
          else if (memcmp (type, "tRNS", 4) == 0)
            return FALSE;  /* transparency by colour key: gdk-pixbuf's */
          else if (!(type[0] & 0x20) && memcmp (type, "PLTE", 4) != 0)
            return FALSE;  /* an unknown critical chunk */
        }
      pos += (gsize) n + 12;
    }
  if (!ended || !seen_idat)
    return FALSE;

  gsize stride = (gsize) w * channels;
  gsize raw_len = (stride + 1) * h;
  PngDecoder *dec = png_decoder ();
  guint8 *raw;
  if (dec == NULL)
    return FALSE;
  g_autofree guint8 *own = NULL;  /* an image too large to keep its buffer */
  if (raw_len <= KEEP_BYTES)
    {
      if (dec->cap < raw_len)
        {
          g_free (dec->raw);
          dec->cap = MIN (KEEP_BYTES, 2 * raw_len);
          dec->raw = g_malloc (dec->cap);
        }
      raw = dec->raw;
    }
  else if ((raw = own = g_try_malloc (raw_len)) == NULL)
    return FALSE;
  /* exactly raw_len bytes or it declines: short or long data is damage */
  enum libdeflate_result r = libdeflate_zlib_decompress (dec->z, idat ? idat->data : single,
                                                         idat ? idat->len : single_len,
                                                         raw, raw_len, NULL);
  if (r != LIBDEFLATE_SUCCESS || !unfilter (raw, stride, h, channels))
    return FALSE;
  /* the rows side by side, without their filter bytes: one plane, which
   * the pixel loops take in one run (28-pixel rows are too short for
   * 32-pixel vectors) */
  for (guint32 y = 0; y < h; y++)
    memmove (raw + (gsize) y * stride, raw + 1 + (gsize) y * (stride + 1), stride);

  if (channels == 1 && w == (guint32) size && h == (guint32) size)
    {
      /* luma (g, g, g) is g: the plane is the gray output */
      gsize plane = (gsize) size * size;
      memcpy (out, raw, plane);
      if (color == FW_COLOR_RGB)
        {
          memcpy (out + plane, out, plane);
          memcpy (out + 2 * plane, out, plane);
        }
      return TRUE;
    }
  if (channels == 3 && w == (guint32) size && h == (guint32) size)
    {
      fw_image_from_rgb (raw, (int) stride, 3, size, color, out);
      return TRUE;
    }
  /* other sizes, gray that gdk-pixbuf would have made RGB, and alpha: into
   * gdk-pixbuf's RGB(A) layout, then its resize and our compositing */
  int out_ch = channels == 4 ? 4 : 3;
  g_autofree guint8 *px = g_try_malloc ((gsize) w * h * out_ch);
  if (px == NULL)
    return FALSE;
  for (guint32 y = 0; y < h; y++)
    {
      const guint8 *src = raw + (gsize) y * stride;
      guint8 *dst = px + (gsize) y * w * out_ch;
      if (channels == 1)
        for (guint32 x = 0; x < w; x++)
          dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
      else
        memcpy (dst, src, stride);
    }
  finish_rgb (px, (int) w, (int) h, (int) w * out_ch, out_ch, size, color, out);
  return TRUE;
}

/* ---- JPEG ---- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} JpegError;

static void
jpeg_on_error (j_common_ptr cinfo)
{
  longjmp (((JpegError *) cinfo->err)->jump, 1);
}

/* libjpeg's warnings (corrupt data it patched over) decline too; its trace
 * messages are dropped, and nothing is printed. */
static void
jpeg_on_message (j_common_ptr cinfo, int level)
{
  if (level < 0)
    longjmp (((JpegError *) cinfo->err)->jump, 1);
}

static void
jpeg_quiet (j_common_ptr cinfo)
{
  (void) cinfo;
}

static gboolean
has_exif (j_decompress_ptr cinfo)
{
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != NULL; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp (m->data, "Exif\0\0", 6) == 0)
      return TRUE;
  return FALSE;
}

/* One decompressor and one row buffer per thread, kept from file to file:
 * a dataset is thousands of small JPEGs, and creating, allocating and
 * destroying libjpeg's object for each cost more than some of them take
 * to decode.  After an error jpeg_abort_decompress makes it ready again. */
typedef struct {
  struct jpeg_decompress_struct cinfo;
  JpegError err;
  guint8 *rows;
  gsize cap;
} JpegDecoder;


static void
jpeg_decoder_free (gpointer data)
{
  JpegDecoder *dec = data;
  jpeg_destroy_decompress (&dec->cinfo);
  g_free (dec->rows);
  g_free (dec);
}

static GPrivate jpeg_decoder_key = G_PRIVATE_INIT (jpeg_decoder_free);

static G_GNUC_NO_INLINE JpegDecoder *
jpeg_decoder (void)
{
  JpegDecoder *dec = g_private_get (&jpeg_decoder_key);
  if (dec == NULL)
    {
      dec = g_new0 (JpegDecoder, 1);
      dec->cinfo.err = jpeg_std_error (&dec->err.pub);
      dec->err.pub.error_exit = jpeg_on_error;
      dec->err.pub.emit_message = jpeg_on_message;
      dec->err.pub.output_message = jpeg_quiet;
      jpeg_create_decompress (&dec->cinfo);
      /* EXIF may carry an orientation: gdk-pixbuf's path applies it */
      jpeg_save_markers (&dec->cinfo, JPEG_APP0 + 1, 0xffff);
      g_private_set (&jpeg_decoder_key, dec);
    }
  return dec;
}

/* libjpeg-turbo's AVX2 colour conversion writes an output row that starts
 * on a 32-byte boundary with non-temporal stores (vmovntdq), which bypass
 * the cache: the planar copy then reads every row back from memory, and
 * with two threads decoding, libjpeg's own time grew by half (perf: 1.5
 * against 0.9 user s for 20 000 64×64 photos).  Rows 8 bytes past a
 * boundary, every row (the stride a multiple of 32), take its ordinary
 * stores; the bytes are the same. */
#define JPEG_ROW_ALIGN 32
#define JPEG_ROW_SKEW 8

static gboolean
decode_jpeg (const guint8 *data, gsize len, int size, FwColor color, guint8 *out)
{
  JpegDecoder *const volatile dec = jpeg_decoder ();
  struct jpeg_decompress_struct *const cinfo = &dec->cinfo;
  guint8 *volatile own = NULL;  /* a buffer too large to keep */
  volatile gboolean ok = FALSE;

  if (setjmp (dec->err.jump))
    goto out;
  jpeg_mem_src (cinfo, data, (unsigned long) len);
  if (jpeg_read_header (cinfo, TRUE) != JPEG_HEADER_OK)
    goto out;
  if (has_exif (cinfo) || cinfo->progressive_mode
      || cinfo->image_width == 0 || cinfo->image_height == 0
      || (guint64) cinfo->image_width * cinfo->image_height > FW_IMAGE_MAX_PIXELS
      || !((cinfo->num_components == 1 && cinfo->out_color_space == JCS_GRAYSCALE)
           || (cinfo->num_components == 3 && cinfo->out_color_space == JCS_RGB)))
    goto out;
  /* libjpeg's defaults, as gdk-pixbuf decodes: full size, islow DCT,
   * fancy upsampling (gdk-pixbuf turns it off only after
   * jpeg_start_decompress, which has already chosen the upsampler) */
  jpeg_start_decompress (cinfo);
  int w = (int) cinfo->output_width, h = (int) cinfo->output_height;
  gboolean gray = cinfo->output_components == 1;
  /* gray rows are exploded to RGB as gdk-pixbuf does, unless the plane
   * is kept as it is */
  gboolean keep_gray = gray && w == size && h == size;
  gsize width = (gsize) w * (keep_gray ? 1 : 3);
  gsize stride = (width + JPEG_ROW_ALIGN - 1) / JPEG_ROW_ALIGN * JPEG_ROW_ALIGN;
  gsize need = stride * h + JPEG_ROW_ALIGN + JPEG_ROW_SKEW;
  guint8 *buf;
  if (need <= KEEP_BYTES)
    {
      if (dec->cap < need)
        {
          g_free (dec->rows);
          dec->cap = MIN (KEEP_BYTES, 2 * need);
          dec->rows = g_malloc (dec->cap);
        }
      buf = dec->rows;
    }
  else
    buf = own = g_malloc (need);
  guint8 *pixels = (guint8 *) (((guintptr) buf + JPEG_ROW_ALIGN - 1) & ~(guintptr) (JPEG_ROW_ALIGN - 1))
                   + JPEG_ROW_SKEW;
  /* up to 16 rows a call: libjpeg hands over what one pass of its
   * upsampler makes (two rows for 4:2:0) rather than one row per call */
  while (cinfo->output_scanline < cinfo->output_height)
    {
      JDIMENSION first = cinfo->output_scanline;
      JSAMPROW rows[16];
      int want = (int) MIN (G_N_ELEMENTS (rows), cinfo->output_height - first);
      for (int k = 0; k < want; k++)
        rows[k] = pixels + (gsize) (first + k) * stride;
      JDIMENSION got = jpeg_read_scanlines (cinfo, rows, (JDIMENSION) want);
      if (got == 0)
        goto out;
      for (JDIMENSION k = 0; gray && !keep_gray && k < got; k++)
        for (int x = w - 1; x >= 0; x--)
          rows[k][3 * x] = rows[k][3 * x + 1] = rows[k][3 * x + 2] = rows[k][x];
    }
  jpeg_finish_decompress (cinfo);
  if (keep_gray)
    finish_gray (pixels, stride, size, color, out);
  else
    finish_rgb (pixels, w, h, (int) stride, 3, size, color, out);
  ok = TRUE;
out:
  if (!ok)
    jpeg_abort_decompress (cinfo);
  g_free (own);
  return ok;
}

gboolean
fw_image_decode_direct (const guint8 *data, gsize len, const char *type, int size,
                        FwColor color, guint8 *out)
{
  g_return_val_if_fail (data != NULL && type != NULL && size > 0 && out != NULL, FALSE);
  /* FW_IMAGE_NO_DIRECT=1 sends every file through gdk-pixbuf: the
   * benchmark's and the tests' way to compare the two */
  static gsize off = 0;
  if (g_once_init_enter (&off))
    g_once_init_leave (&off, g_getenv ("FW_IMAGE_NO_DIRECT") != NULL ? 2 : 1);
  if (off == 2)
    return FALSE;
  if (strcmp (type, "png") == 0)
    return decode_png (data, len, size, color, out);
  if (strcmp (type, "jpeg") == 0)
    return decode_jpeg (data, len, size, color, out);
  return FALSE;
}
