/* fw-csv.h — an RFC 4180 reader for manifests: quoted fields, doubled
 * quotes, embedded commas and newlines, CRLF, a UTF-8 byte-order mark.
 * It only splits text into rows of fields; what the columns mean is
 * fw-dataset.c's business. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char **fields;             /* (n_fields) NUL-terminated copies */
  int n_fields;
  int line;                  /* 1-based line where the row starts */
  char *problem;             /* NULL, or why the row is unusable (field
                                count, NUL byte, invalid UTF-8); the caller
                                decides whether that is fatal */
  gboolean bad_count;        /* the problem is the field count (a syntax
                                error), not a field's bytes */
} FwCsvRow;

typedef struct {
  char **header;             /* (n_columns) names as written, trimmed */
  int n_columns;
  int header_line;
  GPtrArray *rows;           /* (FwCsvRow *) data rows, blank lines dropped */
} FwCsv;

/* Parses data[0..len).  Structural mistakes (an unterminated quote, a
 * character after a closing quote, no header, binary data) are
 * FW_DATA_ERROR_PARSE / FW_DATA_ERROR_EMPTY prefixed with filename and
 * line; per-row trouble is left in FwCsvRow.problem. */
FwCsv *fw_csv_parse (const char *data, gsize len, const char *filename, GError **error);
void fw_csv_free (FwCsv *csv);
/* Column index of name (ASCII case-insensitive), or -1. */
int fw_csv_column (const FwCsv *csv, const char *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwCsv, fw_csv_free)

G_END_DECLS
