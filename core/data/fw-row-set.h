/* fw-row-set.h — a compact, bounded fingerprint of a set of rows (a model's
 * training rows), kept in the model file so that eval, predict and contrib
 * can say how many evaluated rows the model trained on.  A Golomb-coded set
 * of the rows' keys (fw-row-key.h): 21–22 bits a row, one false match in a
 * million lookups; past FW_ROW_SET_MAX_KEYS rows, a hash-chosen sample of
 * them, and counts are scaled up from the sample. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

#define FW_ROW_SET_MAX_KEYS 65536   /* ≤ about 180 KB in the file */

typedef struct _FwRowSet FwRowSet;

FwRowSet *fw_row_set_new (const guint64 *keys, int n);
/* JSON text {"rows", "keys", "bits", "sample", "gcs"} (g_free) */
char *fw_row_set_to_json (const FwRowSet *set);
/* NULL with FW_DATA_ERROR_VALUE when text is not what to_json writes */
FwRowSet *fw_row_set_from_json (const char *text, GError **error);
void fw_row_set_free (FwRowSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwRowSet, fw_row_set_free)

/* How many of keys[0..n) are in the set (estimated when it is a sample). */
int fw_row_set_count (const FwRowSet *set, const guint64 *keys, int n);
/* The same for rows of ds (ds->row_key[rows[i]]). */
int fw_row_set_count_rows (const FwRowSet *set, const FwDataset *ds, const int *rows, int n);

G_END_DECLS
