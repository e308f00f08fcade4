/* fw-trainer.h — trains one model on one dataset on a compute thread that the
 * trainer owns.  Other threads only send commands (pause, resume, stop,
 * change the learning rate) and pop events (step loss, epoch metrics,
 * finished, failed) from a thread-safe queue.  The command line and the GUI
 * both train through this and nothing else.  Early stopping (patience),
 * learning-rate schedules (fw-schedule.h) and checkpoints that resume
 * exactly (fw-checkpoint.h) live here too. */
#pragma once

#include "fw-checkpoint.h"
#include "fw-config.h"
#include "fw-dataset.h"
#include "fw-model.h"

G_BEGIN_DECLS

typedef enum {
  FW_EVENT_STEP,             /* one mini-batch: loss */
  FW_EVENT_EPOCH,            /* one epoch: train/val loss and accuracy */
  FW_EVENT_FINISHED,         /* all epochs done, or stopped: test metrics */
  FW_EVENT_FAILED,           /* non-finite loss or another error: message */
  FW_EVENT_N_KINDS
} FwEventKind;

typedef struct {
  FwEventKind kind;
  int epoch;                 /* 1-based epoch the event belongs to */
  int step;                  /* global step count so far */
  int steps_per_epoch;
  double loss;               /* STEP: the batch's mean loss */
  double lr;                 /* STEP: the learning rate of this step (fw-schedule.h) */
  double train_loss;         /* EPOCH: mean over the epoch's batches */
  double val_loss;           /* EPOCH: NAN without val rows */
  double train_accuracy;
  double val_accuracy;       /* NAN without val rows */
  double seconds;            /* EPOCH, FINISHED: training time so far */
  double test_loss;          /* FINISHED: NAN without test rows */
  double test_accuracy;      /* FINISHED */
  double inference_ms;       /* FINISHED: the test evaluation's milliseconds per row
                              * (forward only, batches of the training size); NAN without test rows */
  gboolean stopped;          /* FINISHED: ended by fw_trainer_stop */
  int epochs_run;            /* FINISHED: epochs trained in all (a resumed run's earlier ones too) */
  int best_epoch;            /* FINISHED: the epoch of the lowest val loss (0: no val rows);
                              *   with patience the model holds its weights */
  gboolean early_stopped;    /* FINISHED: patience ran out before the last epoch */
  double image_share;        /* EPOCH, with fw_trainer_measure_reliance: the image's */
  double text_share;         /*   and the text's Shapley share (fw-contrib.h), and the */
  double interaction;        /*   mean interaction, on validation rows; NAN otherwise */
  char *message;             /* FAILED: what happened and what to try */
  char *save_error;          /* EPOCH, FINISHED: why the model file (fw_trainer_save_model_to)
                              * could not be written; NULL when it was */
} FwEvent;

void fw_event_clear (FwEvent *event);

typedef struct _FwTrainer FwTrainer;

/* Builds the vocabulary (train split), the model and every buffer.  ds is
 * borrowed and must outlive the trainer. */
FwTrainer *fw_trainer_new (const FwConfig *config, const FwDataset *ds, GError **error);
void fw_trainer_free (FwTrainer *trainer);   /* stops and joins first */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwTrainer, fw_trainer_free)

/* Before start: after every epoch, measure the image/text Shapley shares
 * on the first max_rows validation rows (train rows when there are none)
 * into the EPOCH event — "reliance over time".  About 3·max_rows forwards
 * per epoch, left out of the reported seconds.  0 (the default) is off. */
void fw_trainer_measure_reliance (FwTrainer *trainer, int max_rows);

/* Before start: after every epoch and when training ends (before the
 * FINISHED event), the compute thread writes the model file
 * (fw-model-file.h, atomically) to path, so a crash loses at most the epoch
 * in progress.  A failed run's file holds its last good epoch.  A failed
 * write (a full disk) does not stop training: it comes back in the event's
 * save_error, and the weights stay in fw_trainer_get_model for the caller
 * to keep.  Left out of the reported seconds. */
void fw_trainer_save_model_to (FwTrainer *trainer, const char *path, const char *const *classes);
/* Before start: after every epoch the compute thread writes a checkpoint
 * (fw-checkpoint.h) to path.  A write error fails the run (FAILED event)
 * when required (train --checkpoint: the user asked to be able to resume),
 * else it is the epoch's save_error and training goes on. */
void fw_trainer_checkpoint_to (FwTrainer *trainer, const char *path, const char *const *classes,
                               gboolean required);
/* Before start: go on from a checkpoint of the same run — same options
 * (only epochs and threads may differ), same data — so that the epochs
 * after it are bit for bit those of a run that never stopped (same
 * threads).  Fails, naming the difference, when the checkpoint is of
 * another run or already has the trainer's epochs. */
gboolean fw_trainer_restore (FwTrainer *trainer, const FwCheckpoint *checkpoint, GError **error);
void fw_trainer_start (FwTrainer *trainer);
void fw_trainer_pause (FwTrainer *trainer);
void fw_trainer_resume (FwTrainer *trainer);
void fw_trainer_stop (FwTrainer *trainer);   /* honoured within one batch */
void fw_trainer_set_lr (FwTrainer *trainer, double lr);
gboolean fw_trainer_is_running (FwTrainer *trainer);

/* Pops the oldest event into *event (caller clears it); FALSE when none. */
gboolean fw_trainer_pop_event (FwTrainer *trainer, FwEvent *event);
/* Blocks until an event arrives. */
void fw_trainer_wait_event (FwTrainer *trainer, FwEvent *event);
/* Waits for the compute thread to end. */
void fw_trainer_join (FwTrainer *trainer);

/* Valid once the thread has ended (or before it starts). */
FwModel *fw_trainer_get_model (FwTrainer *trainer);
const FwVocab *fw_trainer_get_vocab (FwTrainer *trainer);
const FwConfig *fw_trainer_get_config (FwTrainer *trainer);
/* FwEpochRecord of every finished epoch, a restored run's earlier ones first */
const GArray *fw_trainer_get_history (FwTrainer *trainer);

G_END_DECLS
