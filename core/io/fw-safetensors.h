/* fw-safetensors.h — reading and writing the safetensors format (8-byte
 * little-endian header length, JSON header, raw little-endian data).  The
 * reader trusts nothing: every length, offset, shape and dtype is checked
 * against the file before any byte of data is handed out.  What the
 * tensors mean is the caller's business (fw-model-file.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FW_SAFETENSORS_ERROR (fw_safetensors_error_quark ())
GQuark fw_safetensors_error_quark (void);
typedef enum { FW_SAFETENSORS_ERROR_IO, FW_SAFETENSORS_ERROR_INVALID } FwSafetensorsError;

typedef enum { FW_DTYPE_F32, FW_DTYPE_I64, FW_DTYPE_N_KINDS } FwDtype;

#define FW_TENSOR_MAX_DIMS 8

typedef struct {
  const char *name;
  FwDtype dtype;
  int ndim;
  gint64 shape[FW_TENSOR_MAX_DIMS];
  const void *data;          /* little-endian, native on the machines we run on */
  gsize nbytes;
} FwTensor;

/* ---- writing ---- */
typedef struct _FwSafetensorsWriter FwSafetensorsWriter;
FwSafetensorsWriter *fw_safetensors_writer_new (void);
/* data is copied; shape has ndim entries */
void fw_safetensors_writer_add (FwSafetensorsWriter *w, const char *name, FwDtype dtype,
                                int ndim, const gint64 *shape, const void *data);
void fw_safetensors_writer_add_metadata (FwSafetensorsWriter *w, const char *key, const char *value);
/* The whole file in memory. */
GBytes *fw_safetensors_writer_to_bytes (FwSafetensorsWriter *w);
/* Writes to a temporary file beside path and renames it into place. */
gboolean fw_safetensors_writer_save (FwSafetensorsWriter *w, const char *path, GError **error);
void fw_safetensors_writer_free (FwSafetensorsWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwSafetensorsWriter, fw_safetensors_writer_free)

/* ---- reading ---- */
typedef struct _FwSafetensors FwSafetensors;
FwSafetensors *fw_safetensors_load (const char *path, GError **error);
/* the same checks on bytes already in memory; name is used in messages, so
 * it must be UTF-8 (g_filename_display_name of a path) */
FwSafetensors *fw_safetensors_parse (GBytes *bytes, const char *name, GError **error);
void fw_safetensors_free (FwSafetensors *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwSafetensors, fw_safetensors_free)

const FwTensor *fw_safetensors_get (const FwSafetensors *st, const char *name);
int fw_safetensors_n_tensors (const FwSafetensors *st);
const FwTensor *fw_safetensors_nth (const FwSafetensors *st, int i);
/* NULL when absent */
const char *fw_safetensors_metadata (const FwSafetensors *st, const char *key);

G_END_DECLS
