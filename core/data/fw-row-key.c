/* fw-row-key.c — row identities (SHA-256 of the image cell and caption) and
 * the per-row split draw.  Which rows need a draw is fw-dataset.c's call. */
#include "fw-row-key.h"

#include <string.h>

guint64
fw_row_key (const char *image, const char *text)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  static const guchar nul = 0;
  if (image)
    g_checksum_update (sum, (const guchar *) image, (gssize) strlen (image));
  g_checksum_update (sum, &nul, 1);
  if (text)
    g_checksum_update (sum, (const guchar *) text, (gssize) strlen (text));
  guint8 digest[32];
  gsize len = sizeof digest;
  g_checksum_get_digest (sum, digest, &len);
  guint64 key = 0;
  for (int i = 7; i >= 0; i--)
    key = key << 8 | digest[i];
  return key;
}

double
fw_row_draw (guint64 key, guint64 seed)
{
  /* splitmix64's finaliser on key and seed mixed: every seed is a new,
   * independent split, and one bit of the key changes every bit out */
  guint64 z = key ^ (seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + G_GUINT64_CONSTANT (0x5EED0DA7A5E75EED));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  return (double) (z >> 11) * 0x1p-53;
}

FwSplit
fw_row_split (guint64 key, guint64 seed, double val_fraction, double test_fraction)
{
  double u = fw_row_draw (key, seed);
  return u < val_fraction ? FW_SPLIT_VAL
       : u < val_fraction + test_fraction ? FW_SPLIT_TEST : FW_SPLIT_TRAIN;
}
