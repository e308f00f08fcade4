/* fw-fashion.h — builtin:fashion-captions: photos of clothing from Debian's
 * dataset-fashion-mnist package with generated captions that sometimes name
 * the wrong class, so fusion can be seen helping and hurting on real
 * pictures.  Listing it is fw-builtin.c's job. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

#define FW_FASHION_NAME "fashion-captions"
/* where Debian's package puts the IDX files; FW_FASHION_MNIST_DIR overrides it */
#define FW_FASHION_DIR "/usr/share/datasets/fashion-mnist"
#define FW_FASHION_TRAIN_ROWS 2500   /* the first rows of the training file */
#define FW_FASHION_TEST_ROWS 500     /* the first rows of the test file */

/* A fixed subset (the first rows of each file, so it loads in a fraction of
 * a second); captions drawn from options->seed.  A missing package is
 * FW_DATA_ERROR_IO saying how to install it; a malformed file is an error
 * naming it. */
FwDataset *fw_fashion_generate (const FwLoadOptions *options, GCancellable *cancellable,
                                GError **error);

G_END_DECLS
