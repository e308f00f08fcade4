/* fw-export-dialog.h — "Export Model…": one save chooser whose Format
 * choice picks a model file, ONNX, a PyTorch folder, the metrics CSV or the
 * contributions JSON; a name typed without an extension takes the
 * format's.  Doing the export is the caller's (fw-model-jobs.h). */
#pragma once

#include <gtk/gtk.h>

#include "fw-model-jobs.h"

G_BEGIN_DECLS

typedef void (*FwExportDialogFunc) (FwExportFormat format, const char *path, gpointer user_data);

/* Shows the chooser, starting on format; func runs only when the user
 * accepts.  only_format >= 0 hides the choice (Save Model). */
void fw_export_dialog_show (GtkWindow *parent, FwExportFormat format, gboolean only_format,
                            const char *name, FwExportDialogFunc func, gpointer user_data);

/* path with the format's extension when it has none (g_free) */
char *fw_export_dialog_complete_path (FwExportFormat format, const char *path);

G_END_DECLS
