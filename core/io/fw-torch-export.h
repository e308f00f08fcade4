/* fw-torch-export.h — exporting a model as a PyTorch folder: model.py (an
 * nn.Module with our parameter names, a pure-Python safetensors reader and
 * preprocess(image_path, text) reproducing our preprocessing),
 * model.safetensors (the model file itself) and predict.py, which prints
 * the same CSV as `predict --out`.  The Python text lives in core/torch/
 * and is compiled in as a GResource. */
#pragma once

#include "fw-dataset.h"
#include "fw-model.h"

G_BEGIN_DECLS

/* Creates dir when needed; each file is written to a temporary file and
 * renamed into place. */
gboolean fw_torch_export (FwModel *model, const FwVocab *vocab, const char *const *classes,
                          const char *dir, GError **error);

G_END_DECLS
