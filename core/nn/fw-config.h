/* fw-config.h — every model and training option of DESIGN.md in one struct,
 * with one table describing each option (flag name, default, one-sentence
 * help) that the command line, the GUI's tooltips and saved models share. */
#pragma once

#include <json-glib/json-glib.h>

#include "fw-dataset.h"

G_BEGIN_DECLS

#define FW_CONFIG_ERROR (fw_config_error_quark ())
GQuark fw_config_error_quark (void);
typedef enum { FW_CONFIG_ERROR_INVALID } FwConfigError;

typedef enum {
  FW_FUSION_EARLY,
  FW_FUSION_INTERMEDIATE,
  FW_FUSION_LATE,
  FW_FUSION_IMAGE,           /* unimodal baseline: image only */
  FW_FUSION_TEXT,            /* unimodal baseline: text only */
  FW_FUSION_N_KINDS
} FwFusion;

typedef enum {
  FW_OP_CONCAT,
  FW_OP_SUM,
  FW_OP_PRODUCT,
  FW_OP_GATED,               /* gated multimodal unit (Arevalo et al. 2017) */
  FW_OP_TENSOR,              /* outer product of [x;1] ⊗ [y;1] (Zadeh et al. 2017) */
  FW_OP_LOWRANK,             /* low-rank multimodal fusion (Liu et al. 2018) */
  FW_OP_ATTENTION,           /* cross-modal attention between image regions and words */
  FW_OP_N_KINDS
} FwFusionOp;

typedef enum {
  FW_LATE_MEAN,
  FW_LATE_WEIGHTED,
  FW_LATE_STACKING,
  FW_LATE_N_KINDS
} FwLateCombine;

/* features: Linear + ReLU on a precomputed vector per row (fw-features.h) */
typedef enum { FW_IMAGE_MLP, FW_IMAGE_CNN, FW_IMAGE_FEATURES, FW_IMAGE_N_KINDS } FwImageEncoder;
typedef enum {
  FW_TEXT_BOW,
  FW_TEXT_EMBED,
  FW_TEXT_GRU,
  FW_TEXT_TRANSFORMER,       /* pre-LN Transformer encoder blocks (fw-text-transformer.c) */
  FW_TEXT_FEATURES,          /* Linear + ReLU on a precomputed vector per row */
  FW_TEXT_N_KINDS
} FwTextEncoder;
typedef enum { FW_OPTIM_ADAM, FW_OPTIM_SGD, FW_OPTIM_N_KINDS } FwOptimizer;
/* learning-rate schedules; the formulas are in fw-schedule.h */
typedef enum {
  FW_SCHEDULE_CONSTANT,
  FW_SCHEDULE_STEP,          /* ×0.1 from half the epochs on, ×0.01 from three quarters */
  FW_SCHEDULE_COSINE,        /* cosine from 1 towards 0 over the epochs after warm-up */
  FW_SCHEDULE_N_KINDS
} FwLrSchedule;

#define FW_EMBED_DIM 64      /* width of the token embedding of embed and gru */
#define FW_MAX_TOKENS 32     /* text is cut to this many tokens for embed, gru and transformer */
#define FW_MAX_LAYERS 12     /* most Transformer blocks --layers allows */
#define FW_LOWRANK_RANK 4    /* rank of the low-rank fusion factors */
#define FW_ATTENTION_DIM 64  /* width of the tokens of attention fusion */
#define FW_IMAGE_PATCH 4     /* attention fusion: pixels per side of an image token */

typedef struct {
  FwFusion fusion;
  FwFusionOp fusion_op;
  FwLateCombine late_combine;
  FwImageEncoder image_encoder;
  FwTextEncoder text_encoder;
  int layers;                /* transformer: encoder blocks */
  int heads;                 /* transformer and attention fusion: attention heads, dividing 64 */
  int image_size;
  FwColor color;
  int hidden;
  int head_hidden;
  int epochs;
  int batch;
  double lr;
  FwOptimizer optimizer;
  double momentum;           /* SGD's; 0 is plain SGD */
  double weight_decay;
  double modality_dropout;
  guint64 seed;
  int threads;               /* 0 = all cores */
  double val_fraction;
  int patience;              /* 0 = off; else stop after this many epochs without a better val loss */
  FwLrSchedule lr_schedule;
  int warmup_epochs;         /* linear warm-up of the learning rate over these epochs */
} FwConfig;

void fw_config_init (FwConfig *config);     /* DESIGN.md defaults */

/* Sets one option by its flag name without dashes ("fusion-op", "lr").
 * Unknown names and bad values are FW_CONFIG_ERROR_INVALID with a hint. */
gboolean fw_config_set (FwConfig *config, const char *name, const char *value, GError **error);
/* "name=value name=value …" through fw_config_set; config is unchanged
 * when one fails. */
gboolean fw_config_set_options (FwConfig *config, const char *options, GError **error);
/* Checks combinations (e.g. early fusion needs the mlp image encoder). */
gboolean fw_config_validate (const FwConfig *config, GError **error);
/* The option as text, as fw_config_set would accept it (g_free). */
char *fw_config_get (const FwConfig *config, const char *name);

/* One row per option, in the order --help lists them. */
typedef struct {
  const char *name;          /* flag without dashes */
  const char *values;        /* "early|intermediate|…" or "N" / "X" */
  const char *help;          /* one sentence, translatable (N_) */
} FwOptionInfo;
const FwOptionInfo *fw_config_options (int *n_options);

JsonNode *fw_config_to_json (const FwConfig *config);
gboolean fw_config_from_json (FwConfig *config, JsonNode *node, GError **error);
/* "intermediate·concat", "late·mean", "image" … for run lists */
char *fw_config_describe (const FwConfig *config);

const char *fw_fusion_name (FwFusion v);
const char *fw_fusion_op_name (FwFusionOp v);
const char *fw_late_combine_name (FwLateCombine v);
const char *fw_image_encoder_name (FwImageEncoder v);
const char *fw_text_encoder_name (FwTextEncoder v);
const char *fw_optimizer_name (FwOptimizer v);
const char *fw_color_name (FwColor v);
const char *fw_lr_schedule_name (FwLrSchedule v);

G_END_DECLS
