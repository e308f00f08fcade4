/* fw-run.h — one training run as the GUI keeps it: its configuration, its
 * colour, every step loss and epoch metric the trainer reported, and its
 * final figures.  It holds numbers only; training is the core's business
 * and drawing is FwPlot's. */
#pragma once

#include <gtk/gtk.h>

#include "fw-config.h"
#include "fw-model-file.h"

G_BEGIN_DECLS

typedef enum {
  FW_RUN_QUEUED,
  FW_RUN_RUNNING,
  FW_RUN_PAUSED,
  FW_RUN_FINISHED,
  FW_RUN_STOPPED,
  FW_RUN_FAILED,
  FW_RUN_N_STATES
} FwRunState;

typedef struct {
  int step;                  /* global step, 1-based */
  double loss;
} FwStepPoint;

typedef struct {
  int epoch;                 /* 1-based */
  int step;                  /* global step at the end of the epoch */
  double train_loss;
  double val_loss;           /* NAN without val rows */
  double train_accuracy;
  double val_accuracy;       /* NAN without val rows */
  double seconds;
  double image_share;        /* reliance (fw_trainer_measure_reliance): the image's */
  double text_share;         /*   and the text's Shapley share, and the mean */
  double interaction;        /*   interaction on validation rows; NAN when not measured */
} FwEpochPoint;

#define FW_TYPE_RUN (fw_run_get_type ())
G_DECLARE_FINAL_TYPE (FwRun, fw_run, FW, RUN, GObject)

FwRun *fw_run_new (const FwConfig *config, const char *dataset_name, const GdkRGBA *color);

const FwConfig *fw_run_get_config (FwRun *self);
/* What people read: the user's name for the run, or its number and
 * summary ("#3 late·mean"), unique in the window's list. */
const char *fw_run_get_description (FwRun *self);
/* The options that make it what it is ("late·mean"). */
const char *fw_run_get_summary (FwRun *self);
const char *fw_run_get_name (FwRun *self);           /* NULL unless renamed */
void fw_run_set_name (FwRun *self, const char *name); /* NULL or "" for none */
int fw_run_get_number (FwRun *self);                  /* 0 until numbered */
void fw_run_set_number (FwRun *self, int number);
/* Wall seconds spent running so far (pauses excluded). */
double fw_run_get_elapsed (FwRun *self);
/* Emits "progress": new steps arrived (the window calls it a few times a
 * second while training, for the run's row). */
void fw_run_progress (FwRun *self);
const char *fw_run_get_dataset_name (FwRun *self);
const GdkRGBA *fw_run_get_color (FwRun *self);
gboolean fw_run_get_visible (FwRun *self);
void fw_run_set_visible (FwRun *self, gboolean visible);
FwRunState fw_run_get_state (FwRun *self);
void fw_run_set_state (FwRun *self, FwRunState state);
const char *fw_run_get_message (FwRun *self);

void fw_run_add_step (FwRun *self, int step, double loss);
void fw_run_add_epoch (FwRun *self, const FwEpochPoint *point);
const FwStepPoint *fw_run_get_steps (FwRun *self, guint *n);
const FwEpochPoint *fw_run_get_epochs (FwRun *self, guint *n);
int fw_run_get_steps_per_epoch (FwRun *self);
void fw_run_set_steps_per_epoch (FwRun *self, int steps_per_epoch);

void fw_run_finish (FwRun *self, double test_accuracy, double test_loss, double seconds,
                    gboolean stopped);
void fw_run_fail (FwRun *self, const char *message);
/* Continue training: the run trains on to epochs in all, its curves grow
 * from where they stopped; the final figures wait for the new end. */
void fw_run_continue (FwRun *self, int epochs);
double fw_run_get_test_accuracy (FwRun *self);   /* NAN until finished */
double fw_run_get_final_val_loss (FwRun *self);  /* NAN without epochs */
double fw_run_get_seconds (FwRun *self);
gsize fw_run_get_n_params (FwRun *self);
void fw_run_set_n_params (FwRun *self, gsize n_params);
/* What the model costs (fw-cost.h): FLOPs of one forward pass per sample,
 * and the measured milliseconds per test row; NAN when unknown. */
double fw_run_get_flops_per_sample (FwRun *self);
double fw_run_get_inference_ms (FwRun *self);
void fw_run_set_cost (FwRun *self, double flops_per_sample, double inference_ms);

double fw_run_get_test_loss (FwRun *self);       /* NAN until finished */

/* The trained (or opened) model, NULL until there is one; the run owns it.
 * A saved run's model is read from its file on the first call (the window
 * does not read every run's weights at start). */
FwSavedModel *fw_run_get_model (FwRun *self);
void fw_run_set_model (FwRun *self, FwSavedModel *model);
/* The model file fw_run_get_model reads when it is first asked for. */
void fw_run_set_model_file (FwRun *self, const char *path);
/* TRUE when there is a model, loaded or waiting in its file. */
gboolean fw_run_has_model (FwRun *self);
gboolean fw_run_is_model_loaded (FwRun *self);
/* Why the model file could not be read, once fw_run_get_model failed. */
const char *fw_run_get_model_error (FwRun *self);
/* What of the run could not be written to its folder (a full disk): the
 * run is marked, and keeps its model in memory to be saved elsewhere. */
const char *fw_run_get_save_error (FwRun *self);
void fw_run_set_save_error (FwRun *self, const char *message);
/* The autosave folder under the user's data directory, NULL for a model
 * opened from a file; and where the model came from (a file name). */
const char *fw_run_get_dir (FwRun *self);
void fw_run_set_dir (FwRun *self, const char *dir);
void fw_run_set_color (FwRun *self, const GdkRGBA *color);   /* before it is shown */
/* The dataset's SPEC, for trained runs. */
const char *fw_run_get_dataset_source (FwRun *self);
void fw_run_set_dataset_source (FwRun *self, const char *spec);
const char *fw_run_get_source (FwRun *self);
void fw_run_set_source (FwRun *self, const char *source);

/* epoch,train_loss,val_loss,train_accuracy,val_accuracy,seconds */
gboolean fw_run_write_csv (FwRun *self, const char *path, GError **error);

G_END_DECLS
