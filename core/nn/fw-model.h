/* fw-model.h — one fusion model: encoders, fusion, head(s), built from an
 * FwConfig.  Parameters, gradients and activations each live in one block
 * sized once for the largest batch, so training allocates nothing.  The
 * optimizer and the training loop are elsewhere (fw-optim.c, fw-trainer.c).
 *
 * Use: fill the input buffers (fw_model_set_rows, or by hand), then
 * fw_model_forward, then fw_model_backward for gradients. */
#pragma once

#include "fw-config.h"
#include "fw-dataset.h"

G_BEGIN_DECLS

typedef struct _FwModel FwModel;

/* One named parameter tensor, a view into the parameter block. */
typedef struct {
  char *name;                /* PyTorch-style: "image_encoder.0.weight" */
  int ndim;
  int shape[4];
  gsize offset;              /* in floats, into the parameter block */
  gsize size;                /* in floats */
} FwParam;

/* Geometry of the data the model reads. */
typedef struct {
  int channels;              /* 1 or 3 */
  int size;                  /* image side */
  int vocab;                 /* vocabulary size, pad and unk included */
  int classes;
  int image_features;        /* D of the image vectors (--image-encoder features), else 0 */
  int text_features;         /* D of the text vectors (--text-encoder features), else 0 */
} FwShape;

FwModel *fw_model_new (const FwConfig *config, const FwShape *shape, int max_batch,
                       GError **error);
/* The same, but fails (before allocating) when the config needs more than
 * max_params parameters; 0 = no limit.  For configs read from files. */
FwModel *fw_model_new_limited (const FwConfig *config, const FwShape *shape, int max_batch,
                               gsize max_params, GError **error);
void fw_model_free (FwModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwModel, fw_model_free)

const FwConfig *fw_model_get_config (const FwModel *model);
/* The fingerprint of the rows the model was trained on (fw-row-set.h's
 * JSON), kept in its model file; NULL when unknown (older files). */
const char *fw_model_get_training_rows (const FwModel *model);
void fw_model_set_training_rows (FwModel *model, const char *fingerprint);
const FwShape *fw_model_get_shape (const FwModel *model);
int fw_model_max_batch (const FwModel *model);

/* PyTorch default initialisation from a seed. */
void fw_model_init_params (FwModel *model, guint64 seed);

/* the parameter block and its named views */
float *fw_model_params (FwModel *model);
float *fw_model_grads (FwModel *model);
gsize fw_model_n_params (const FwModel *model);

/* Parameters per block: the first part of the parameter names
 * (image_encoder, text_encoder, text_embedding, encoder, fusion, head,
 * image_head, text_head, late), in the order the blocks are built.  Counted
 * from the architecture; nothing is allocated.  An array of FwBlockParams,
 * or NULL with error set for a config that cannot be built. */
typedef struct {
  char name[32];
  gsize params;
} FwBlockParams;
GArray *fw_model_count_block_params (const FwConfig *config, const FwShape *shape, GError **error);
/* Bytes the model holds besides parameters and their gradients, for a batch
 * of its max_batch rows: activations, their gradients, integer activations
 * (pooling indices, tokens) and kernel scratch. */
gsize fw_model_activation_bytes (const FwModel *model);
const FwParam *fw_model_param_list (const FwModel *model, int *n);
const FwParam *fw_model_find_param (const FwModel *model, const char *name);

/* ---- inputs, written before forward (rows 0..B-1) ---- */
float *fw_model_input_image (FwModel *model);   /* (B, C·S·S) in [0,1] */
float *fw_model_input_counts (FwModel *model);  /* (B, V) bag of words (bow), (B, D) text vectors (features) */
int fw_model_text_width (const FwModel *model); /* V (bow) or D (features): the width of the counts */
int *fw_model_input_tokens (FwModel *model);    /* (B, FW_MAX_TOKENS) ids, 0 = pad (embed, gru) */
int *fw_model_input_lens (FwModel *model);      /* (B) tokens per row (embed, gru) */
int *fw_model_input_labels (FwModel *model);    /* (B) class indices */
gboolean fw_model_uses_tokens (const FwModel *model); /* FALSE: bag of words */

/* Fills the inputs from dataset rows.  lexmap maps ds's lexicon to vocab
 * ids (fw_vocab_map_lexicon); labels holds every row's class in the
 * model's class order (NULL: ds->label).  With rng non-NULL, each row loses
 * one modality (chosen at random) with probability modality_dropout. */
void fw_model_set_rows (FwModel *model, const FwDataset *ds, const int *lexmap,
                        const int *labels, const int *rows, int B,
                        guint64 *rng, double modality_dropout);
/* FALSE when forward never reads that modality's inputs (the image of
 * --fusion text, the text of --fusion image) */
gboolean fw_model_reads_image (const FwModel *model);
gboolean fw_model_reads_text (const FwModel *model);
/* As fw_model_set_rows, but a modality the model never reads keeps whatever
 * its buffer held: for training and evaluation, which need only forward's
 * inputs.  Whoever reads the input buffers themselves (saved inputs,
 * contributions, perturbations) uses fw_model_set_rows. */
void fw_model_set_read_rows (FwModel *model, const FwDataset *ds, const int *lexmap,
                             const int *labels, const int *rows, int B,
                             guint64 *rng, double modality_dropout);
/* Loss and accuracy over n rows, in batches of the model's size. */
void fw_model_evaluate (FwModel *model, const FwDataset *ds, const int *lexmap,
                        const int *labels, const int *rows, int n,
                        double *loss, double *accuracy);
int fw_argmax (const float *v, int n);

/* Row b's caption from vocabulary ids (as fw_model_set_rows would write a
 * caption whose tokens map to them): for perturbed text. */
void fw_model_set_text_ids (FwModel *model, int b, const int *ids, int n);

/* Row b's text from dataset row r (its caption or its text vector). */
void fw_model_set_text_row (FwModel *model, int b, const FwDataset *ds, const int *lexmap, int r);
/* TRUE when the model reads that modality as precomputed vectors */
gboolean fw_model_image_is_features (const FwModel *model);
gboolean fw_model_text_is_features (const FwModel *model);
/* FALSE (error naming the file) when ds cannot feed the model: vectors
 * missing or of another width.  Every reader of a dataset for a saved
 * model checks this before fw_model_set_rows. */
gboolean fw_model_check_dataset (const FwModel *model, const FwDataset *ds, GError **error);

/* Blanks one modality of row b of the current inputs (missing modality). */
void fw_model_blank_image (FwModel *model, int b);
void fw_model_blank_text (FwModel *model, int b);

/* ---- compute ---- */
/* Returns the mean reported loss (cross-entropy of the final prediction).
 * Late fusion also trains each branch on its own loss; the objective whose
 * gradient backward computes is then reported + both branch losses. */
double fw_model_forward (FwModel *model, int B);
double fw_model_objective (FwModel *model, int B);   /* after forward */
void fw_model_backward (FwModel *model, int B);      /* zeroes, then fills grads */
const float *fw_model_probs (const FwModel *model);  /* (B, K) after forward */
const float *fw_model_logits (const FwModel *model); /* (B, K); log-probabilities for late mean/weighted */
const float *fw_model_losses (const FwModel *model); /* (B) reported per-row loss */

/* Gradients with respect to the inputs, after backward: the image
 * (B, C·S·S), and the text as bag of words (B, V) or with respect to what
 * the encoder reads from the embedding (fw_model_input_embedded below):
 * embed the mean embedding (B, E), gru every token's, time-major (L, B, E). */
/* Off by default: training needs no input gradients. */
void fw_model_want_input_grads (FwModel *model, gboolean want);
/* meaningful after a backward with input gradients wanted (not in training) */
const float *fw_model_input_image_grad (const FwModel *model);
const float *fw_model_input_text_grad (const FwModel *model);

/* The gradient of Σ_b Σ_k dprobs[b,k]·probs[b,k] instead of the objective
 * (zeroes, then fills grads and, if wanted, input grads).  With dprobs one
 * at each row's class this is the gradient of that class's probability,
 * which attribution needs; the training objective of late fusion would mix
 * in the branch losses. */
void fw_model_backward_probs (FwModel *model, int B, const float *dprobs);

/* ---- text from embeddings (embed and gru encoders, early+embed) ----
 * The token lookup writes fw_model_input_embedded: for embed the mean of
 * each row's token embeddings (B, E), for gru every token's embedding,
 * time-major (L, B, E) with B the batch of the coming forward, read up to
 * in_lens[b] steps.  fw_model_embed_tokens does that lookup alone; with
 * fw_model_text_from_embeddings (model, TRUE) the forward skips it and reads
 * whatever the caller left in the buffer (scaled embeddings for integrated
 * gradients, a mean caption for a removed text), and the backward leaves the
 * embedding table's gradient alone.  Returns the previous setting; only for
 * models whose text goes through an embedding. */
gboolean fw_model_text_from_embeddings (FwModel *model, gboolean on);
float *fw_model_input_embedded (FwModel *model);      /* NULL for bow / image-only */
void fw_model_embed_tokens (FwModel *model, int B);
const float *fw_model_embedding_table (const FwModel *model);  /* (V, E) or NULL */
/* TRUE when fw_model_input_embedded holds every token's embedding,
 * time-major (L, B, E) (gru, and embed under attention fusion); FALSE
 * when it holds each row's mean (B, E). */
gboolean fw_model_embeds_per_token (const FwModel *model);

/* ---- attention fusion (--fusion-op attention) ----
 * The attention weights of the last forward, (B, heads, Lq, Lk) row-major:
 * FW_ATTENTION_TEXT_TO_IMAGE has the words as queries (Lq = the batch's
 * longest caption, at least 1; row b's real words are the first
 * min (lens[b], FW_MAX_TOKENS)) over the image tokens (Lk); weights of a
 * padded query are computed but mean nothing.  FW_ATTENTION_IMAGE_TO_TEXT
 * has the image tokens as queries over the words; padded words get
 * exactly 0, and a row without words gets zeros.  NULL for other models. */
typedef enum {
  FW_ATTENTION_TEXT_TO_IMAGE,
  FW_ATTENTION_IMAGE_TO_TEXT,
  FW_ATTENTION_N_DIRECTIONS
} FwAttentionDirection;
const float *fw_model_attention (const FwModel *model, FwAttentionDirection direction,
                                 int *heads, int *lq, int *lk);
/* The image tokens' geometry: a grid × grid square of cells of cell × cell
 * pixels from the image's top-left corner, token k at column k % grid and
 * row k / grid (pixels past grid · cell are in no token).  FALSE (and
 * zeros) for a model without attention fusion. */
gboolean fw_model_image_token_grid (const FwModel *model, int *grid, int *cell);
/* Row b's weights of the last forward at full size: text_to_image
 * (heads, FW_MAX_TOKENS, grid²) with zeros for the words the row lacks,
 * image_to_text (heads, grid², FW_MAX_TOKENS) with zeros on them.  FALSE
 * (out untouched) for a model without attention fusion. */
gboolean fw_model_row_attention (const FwModel *model, FwAttentionDirection direction, int b,
                                 float *out);

G_END_DECLS
