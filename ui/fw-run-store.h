/* fw-run-store.h — autosave of the runs trained in the GUI: one folder per
 * run under the user's data directory, holding run.json (configuration,
 * dataset, step losses, epoch metrics, final figures), rewritten atomically
 * at every epoch end; the trainer writes model.safetensors beside it.  At start
 * it reads every folder back.  Disk work runs in a worker, one job at a
 * time in the order asked; results come back on the GUI thread.  What the
 * window shows is the window's business. */
#pragma once

#include "fw-plot-model.h"
#include "fw-trainer.h"

G_BEGIN_DECLS

#define FW_RUN_FILE "run.json"
#define FW_RUN_MODEL_FILE "model.safetensors"
#define FW_RUN_CHECKPOINT_FILE "checkpoint.safetensors"   /* for Continue training */
#define FW_RUN_FORMAT "fusion-workbench-run"

#define FW_TYPE_RUN_STORE (fw_run_store_get_type ())
G_DECLARE_FINAL_TYPE (FwRunStore, fw_run_store, FW, RUN_STORE, GObject)

/* $XDG_DATA_HOME/fusion-workbench/runs (g_free) */
char *fw_run_store_default_root (void);
FwRunStore *fw_run_store_new (const char *root);
const char *fw_run_store_get_root (FwRunStore *self);
/* TRUE while a job is queued or running. */
gboolean fw_run_store_is_busy (FwRunStore *self);
/* Iterates the main loop until every queued job is done (closing). */
void fw_run_store_flush (FwRunStore *self);

/* Makes the run's folder (its id: the UTC time it started) and queues
 * its first run.json. */
gboolean fw_run_store_add (FwRunStore *self, FwRun *run, GError **error);
/* Queues a rewrite of run.json. */
void fw_run_store_save_metrics (FwRunStore *self, FwRun *run);
/* Reads the run's model.safetensors (written by the trainer, see
 * fw_trainer_save_model_to) into the run's model, when it is there. */
void fw_run_store_load_model (FwRunStore *self, FwRun *run);
/* Reads every run folder; each run found is added to plot (colour from
 * it) with its model when model.safetensors is there.  Folders that
 * cannot be read are skipped and named in one "error" signal. */
void fw_run_store_load_all (FwRunStore *self, FwPlotModel *plot);
/* Removes the run's folder and files (not while a job is queued). */
gboolean fw_run_store_delete (FwRunStore *self, FwRun *run, GError **error);

/* run.json text of a run, and a run read back from it (for tests too). */
char *fw_run_to_json (FwRun *run);
FwRun *fw_run_from_json (const char *text, gsize length, GError **error);

G_END_DECLS
