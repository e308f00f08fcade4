/* fw-onnx.h — exporting a model as an ONNX graph (opset 13): inputs
 * `image` (float [N, C, S, S] in [0,1]) and `text` (float [N, V] word
 * counts for bow, int64 [N, 32] token ids padded with 0 for embed and gru),
 * outputs `logits` and `probabilities` [N, K]; labels, vocabulary, config
 * and preprocessing as metadata properties.  The protobuf messages are
 * fw-onnx.proto, compiled by protoc-c. */
#pragma once

#include "fw-dataset.h"
#include "fw-model.h"

G_BEGIN_DECLS

#define FW_ONNX_OPSET 13
#define FW_ONNX_IR_VERSION 7

/* Writes to a temporary file beside path and renames it into place. */
gboolean fw_onnx_export (const FwModel *model, const FwVocab *vocab, const char *const *classes,
                         const char *path, GError **error);

G_END_DECLS
