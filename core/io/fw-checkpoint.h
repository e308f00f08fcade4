/* fw-checkpoint.h — a model file (fw-model-file.h) that also holds what
 * training needs to go on exactly where it stopped: the optimizer's
 * moments and step count, the epoch, the random generators' states, the
 * order the training rows are in, the early-stopping state and the metrics
 * of every finished epoch.  The extra tensors are named "checkpoint.…", so
 * every reader of model files loads a checkpoint as the model it holds.
 * A SHA-256 over the weights, the extra tensors and the training state
 * refuses a damaged file.  Resuming is fw_trainer_restore (fw-trainer.h). */
#pragma once

#include "fw-model-file.h"

G_BEGIN_DECLS

/* The metrics of one finished epoch, as the EPOCH event reports them. */
typedef struct {
  int epoch;
  double train_loss, val_loss, train_accuracy, val_accuracy, seconds;
} FwEpochRecord;

typedef struct {
  int epoch;                 /* epochs finished */
  gint64 step;               /* mini-batches trained */
  double lr;                 /* the lr option, live changes included (the schedule scales it) */
  guint64 shuffle_rng;       /* state of the generator that shuffles the rows each epoch */
  guint64 dropout_rng;       /* state of the modality-dropout generator */
  int *order;                /* (n_order) training rows, in their current order */
  int n_order;
  float *moments;            /* (2, n_params) optimizer: first moment (or momentum), second moment */
  gint64 optim_steps;        /* the optimizer's own step count (Adam's bias correction) */
  float *best;               /* (n_params) weights of the best epoch; NULL without early stopping */
  double best_val_loss;      /* INFINITY: none yet */
  int best_epoch;            /* 0: none yet */
  GArray *history;           /* FwEpochRecord, one per finished epoch */
} FwCheckpointState;

/* Writes the model file plus the state, atomically.  n_params is the
 * model's; state's arrays are borrowed. */
gboolean fw_checkpoint_save (const char *path, FwModel *model, const FwVocab *vocab,
                             const char *const *classes, const FwCheckpointState *state,
                             GError **error);

typedef struct {
  FwSavedModel *saved;
  FwCheckpointState state;   /* owns its arrays */
} FwCheckpoint;

/* Checks the file as fw_model_load does, then the checksum and that the
 * state fits the model (moment and order sizes, one history row per epoch).
 * A plain model file is refused: it holds no training state.  Errors are
 * FW_DATA_ERROR or FW_SAFETENSORS_ERROR naming path. */
FwCheckpoint *fw_checkpoint_load (const char *path, int max_batch, GError **error);
void fw_checkpoint_free (FwCheckpoint *checkpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwCheckpoint, fw_checkpoint_free)

G_END_DECLS
