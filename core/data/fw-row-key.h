/* fw-row-key.h — a row's identity and its stable split.  A row is known by
 * its image cell (as written in the manifest) and its caption, so the split
 * it gets from the seed does not depend on which other rows are in the file:
 * adding or removing rows never moves another row.  predict.py of
 * `export --torch` computes the very same numbers (core/io/torch/predict.py). */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

/* The first 8 bytes (little-endian) of SHA-256 (image NUL text); NULL is "". */
guint64 fw_row_key (const char *image, const char *text);

/* A uniform number in [0, 1) from the row's key and the seed; a row is val
 * below fractions[val], test below fractions[val] + fractions[test], else
 * train.  Exactly representable (53 bits), so Python gets the same. */
double fw_row_draw (guint64 key, guint64 seed);
FwSplit fw_row_split (guint64 key, guint64 seed, double val_fraction, double test_fraction);

G_END_DECLS
