/* fw-contrib-panel.h — the Contributions view and the Sample inspector,
 * side by side.  It keeps the model of every finished run (taking its
 * joined trainer), computes contributions and explains samples on worker
 * threads (one at a time per model, never while that model trains), and
 * shows the selected run's numbers and reliance over epochs. */
#pragma once

#include <gtk/gtk.h>

#include "fw-contrib-result.h"
#include "fw-dataset-view.h"
#include "fw-sample.h"
#include "fw-trainer.h"

G_BEGIN_DECLS

#define FW_CONTRIB_RELIANCE_ROWS 200   /* validation rows for reliance over epochs */

#define FW_TYPE_CONTRIB_PANEL (fw_contrib_panel_get_type ())
G_DECLARE_FINAL_TYPE (FwContribPanel, fw_contrib_panel, FW, CONTRIB_PANEL, GtkWidget)

/* Borrows the window's dataset grid (sample activation), run list
 * (selection) and runs (FwRun items: a new one is shown as it trains). */
void fw_contrib_panel_attach (FwContribPanel *self, FwDatasetView *dataset_view,
                              GtkListBox *runs_list, GListModel *runs);
/* Call before the window frees the dataset: cancels and waits for the
 * workers and drops every kept model (they borrow the old dataset). */
void fw_contrib_panel_set_dataset (FwContribPanel *self, const FwDataset *ds);
/* Takes a finished run's joined trainer (its model, vocabulary and config)
 * and, when the run is shown, computes its contributions. */
void fw_contrib_panel_take_trainer (FwContribPanel *self, FwRun *run, FwTrainer *trainer);
/* Any model to explain run with on the current dataset (a model opened
 * from a file, say): model and vocab belong to owner, freed with
 * free_owner (from any thread) once the panel and its workers are done with
 * them — when the run goes, the dataset changes or the window closes.
 * With free_owner NULL the caller keeps them alive that long and must not
 * run the model meanwhile (the panel's workers do, one at a time).
 * classes: the model's class order (NULL: the dataset's).  FALSE, freeing
 * owner, when the model cannot take this dataset's images or labels. */
gboolean fw_contrib_panel_take_model (FwContribPanel *self, FwRun *run, FwModel *model,
                                      const FwVocab *vocab, const char *const *classes,
                                      gpointer owner, GDestroyNotify free_owner, GError **error);
/* Opens dataset row in the inspector. */
void fw_contrib_panel_inspect (FwContribPanel *self, int row);
/* Export: .png or .svg (the view as a picture) or .json (its numbers). */
gboolean fw_contrib_panel_export (FwContribPanel *self, const char *path, GError **error);

/* For tests and the window: */
gboolean fw_contrib_panel_is_busy (FwContribPanel *self);
FwContribResult *fw_contrib_panel_get_result (FwContribPanel *self);
FwSample *fw_contrib_panel_get_sample (FwContribPanel *self);
FwTrainer *fw_contrib_panel_get_trainer (FwContribPanel *self, FwRun *run);

G_END_DECLS
