/* fw-manifest.h — manifest rows in one shape whatever the file format:
 * CSV (via fw-csv) or JSON Lines (json-glib).  Checks columns and types and
 * names the line; resolving paths, decoding images and splitting are
 * fw-dataset.c's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FW_FIELD_IMAGE,            /* "image", alias "file_name" */
  FW_FIELD_TEXT,
  FW_FIELD_LABEL,
  FW_FIELD_SPLIT,
  FW_FIELD_N_KINDS
} FwField;

typedef struct {
  char *value[FW_FIELD_N_KINDS];  /* NULL when absent or empty */
  char *where;                    /* "row 12 (line 13)" / "line 5" */
  char *problem;                  /* NULL, or why the row is unusable */
  int code;                       /* FwDataError of problem: PARSE (syntax) or VALUE */
} FwManifestRow;

typedef struct {
  GPtrArray *rows;           /* (FwManifestRow *) */
  gboolean has_split;        /* a split column / key exists */
} FwManifest;

/* Both fail (FW_DATA_ERROR_*) only on whole-file trouble: no header, an
 * unterminated quote, a missing column, binary data.  Row trouble is left
 * in FwManifestRow.problem for the loader to report or skip. */
FwManifest *fw_manifest_parse_csv (const char *data, gsize len, const char *filename, GError **error);
FwManifest *fw_manifest_parse_jsonl (const char *data, gsize len, const char *filename, GError **error);
void fw_manifest_free (FwManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwManifest, fw_manifest_free)

G_END_DECLS
