/* fw-contrib-view.h — the Contributions view: for the run the explainer
 * shows, the chosen method's bars (or per class), reliance over epochs
 * growing while it trains, and the confusion matrix; Compute, Cancel and
 * export.  The numbers are computed by FwExplainer's workers. */
#pragma once

#include <gtk/gtk.h>

#include "fw-contrib-result.h"
#include "fw-explainer.h"

G_BEGIN_DECLS

#define FW_TYPE_CONTRIB_VIEW (fw_contrib_view_get_type ())
G_DECLARE_FINAL_TYPE (FwContribView, fw_contrib_view, FW, CONTRIB_VIEW, GtkWidget)

/* Borrows the explainer (models, the run shown) and the window's runs
 * (FwRun items: the numbers of a run that leaves are forgotten). */
void fw_contrib_view_attach (FwContribView *self, FwExplainer *explainer, GListModel *runs);
/* Export: .png or .svg (the view as a picture) or .json (its numbers). */
gboolean fw_contrib_view_export (FwContribView *self, const char *path, GError **error);

/* For tests and the window: */
gboolean fw_contrib_view_is_busy (FwContribView *self);
FwContribResult *fw_contrib_view_get_result (FwContribView *self);
/* The line under the heading: the run shown, or why it cannot be. */
const char *fw_contrib_view_get_run_text (FwContribView *self);

G_END_DECLS
