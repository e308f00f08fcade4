/* fuzz-manifest.c — libFuzzer harness for the manifest parsers: feeds the
 * same bytes to the CSV reader, the JSON Lines reader and the tokenizer.
 * Any crash, out-of-bounds read or leak is a bug; errors are fine. */
#include <stdint.h>
#include <string.h>

#include "fw-csv.h"
#include "fw-dataset.h"
#include "fw-manifest.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* copy into an exact-size buffer so ASan sees any read past the end */
  char *buf = g_malloc (size ? size : 1);
  memcpy (buf, data, size);

  GError *error = NULL;
  FwManifest *m = fw_manifest_parse_csv (buf, size, "fuzz.csv", &error);
  if (m)
    for (guint r = 0; r < m->rows->len; r++)
      {
        FwManifestRow *row = g_ptr_array_index (m->rows, r);
        if (row->value[FW_FIELD_TEXT])
          g_strfreev (fw_tokenize (row->value[FW_FIELD_TEXT]));
      }
  fw_manifest_free (m);
  g_clear_error (&error);

  m = fw_manifest_parse_jsonl (buf, size, "fuzz.jsonl", &error);
  fw_manifest_free (m);
  g_clear_error (&error);

  char *str = g_strndup (buf, size);
  g_strfreev (fw_tokenize (str));
  g_free (str);
  g_free (buf);
  return 0;
}
