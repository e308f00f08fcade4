/* fw-dataset.h — a paired image + text dataset in memory: decoded pixels as
 * bytes, captions as token indices, labels, splits and missing-modality
 * masks.  Loading (manifests, folders, built-ins) lives in fw-dataset.c and
 * its helpers; turning rows into model inputs is the model's business. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FW_DATA_ERROR (fw_data_error_quark ())
GQuark fw_data_error_quark (void);

typedef enum {
  FW_DATA_ERROR_IO,          /* cannot open or read a file */
  FW_DATA_ERROR_PARSE,       /* manifest syntax: quotes, fields, JSON */
  FW_DATA_ERROR_COLUMN,      /* a required column is missing */
  FW_DATA_ERROR_VALUE,       /* a field holds a bad value (split, UTF-8, …) */
  FW_DATA_ERROR_IMAGE,       /* an image is missing, unreadable or too large */
  FW_DATA_ERROR_EMPTY,       /* nothing usable: no rows, one class, … */
  FW_DATA_ERROR_CANCELLED,
  FW_DATA_ERROR_N_KINDS
} FwDataError;

typedef enum {
  FW_SPLIT_TRAIN,
  FW_SPLIT_VAL,
  FW_SPLIT_TEST,
  FW_SPLIT_N_KINDS
} FwSplit;

typedef enum {
  FW_COLOR_GRAY,
  FW_COLOR_RGB,
  FW_COLOR_N_KINDS
} FwColor;

/* Called from the loading thread with a fraction in [0,1]; may be NULL. */
typedef void (*FwProgressFunc) (double fraction, gpointer user_data);

typedef struct {
  int image_size;            /* side in pixels [28] */
  FwColor color;             /* [gray] */
  guint64 seed;              /* splits and built-in generation [1] */
  double val_fraction;       /* held out of train when no val rows [0.1] */
  int threads;               /* image decoding workers; 0 = all cores */
  gboolean skip_bad_rows;    /* load the rest and report, instead of failing */
  FwProgressFunc progress;
  gpointer progress_data;
  gboolean allow_single_class; /* accept one class (a test set to predict on) */
  const char *image_features; /* precomputed image vectors (fw-features.h), or NULL */
  const char *text_features;  /* precomputed text vectors, or NULL */
} FwLoadOptions;

#define FW_LOAD_OPTIONS_INIT { 28, FW_COLOR_GRAY, 1, 0.1, 0, FALSE, NULL, NULL }

typedef struct {
  char *name;                /* for people: "shapes-xor (built-in)", "pets.csv" */
  char *source;              /* the SPEC as given */
  int n;                     /* rows */
  int channels;              /* 1 gray, 3 rgb */
  int size;                  /* image side; every image is (channels, size, size) */
  guint8 *pixels;            /* (n, channels, size, size), 0..255; zeros where missing */
  guint8 *has_image;         /* (n) 0 = missing image */
  guint8 *has_text;          /* (n) 0 = missing text */
  guint8 *split;             /* (n) FwSplit */
  int *label;                /* (n) index into classes */
  char **classes;            /* (n_classes) label strings, sorted (strcmp) */
  int n_classes;
  char **text;               /* (n) caption as read, UTF-8, "" where missing */
  int *word_start;           /* (n + 1) row r's tokens are words[word_start[r] .. word_start[r+1]) */
  int *words;                /* token indices into lexicon, in caption order */
  GPtrArray *lexicon;        /* (char *) every distinct token, normalized */
  int *row;                  /* (n) the source's data row, from 0 (the manifest's, skipped rows counted) */
  guint64 *row_key;          /* (n) the row's identity (fw-row-key.h): image cell and caption */
  int n_skipped;             /* rows dropped by skip_bad_rows */
  GPtrArray *skipped;        /* (char *) the first ten reasons in file order, "file: row N (line L): why" */
  /* precomputed vectors per row, [0] image, [1] text (FwModality, fw-features.h) */
  float *features[2];        /* (n, features_dim) or NULL; zeros where missing */
  int features_dim[2];       /* 0: none attached */
  char *features_file[2];    /* the file they came from */
} FwDataset;

/* SPEC: a CSV or JSON Lines manifest, a folder holding metadata.csv or
 * metadata.jsonl, or builtin:NAME.  Errors name the file and row. */
FwDataset *fw_dataset_load (const char *spec, const FwLoadOptions *options,
                            GCancellable *cancellable, GError **error);
void fw_dataset_free (FwDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwDataset, fw_dataset_free)

/* Rows of one split, in dataset order; returns how many were written to
 * rows (which must hold ds->n). */
int fw_dataset_split_rows (const FwDataset *ds, FwSplit split, int *rows);
int fw_dataset_split_count (const FwDataset *ds, FwSplit split);

const char *fw_split_name (FwSplit split);   /* "train", "val", "test" */
gboolean fw_split_parse (const char *name, FwSplit *out);

/* Text normalization shared by loading, the vocabulary and the GUI's
 * editable caption: NFKC, case-fold, split on anything that is not a letter
 * or digit.  Returns a NULL-terminated array of tokens. */
char **fw_tokenize (const char *utf8);

/* ---- vocabulary: built from the train split, minimum count 1.
 * Id 0 is "<pad>", id 1 is "<unk>", then tokens by descending train count,
 * ties in strcmp order. ---- */
typedef struct {
  GPtrArray *tokens;         /* (char *) id -> token */
  GHashTable *index;         /* token -> GINT_TO_POINTER (id) */
} FwVocab;

#define FW_VOCAB_PAD 0
#define FW_VOCAB_UNK 1

FwVocab *fw_vocab_build (const FwDataset *ds);
FwVocab *fw_vocab_new_from_tokens (const char *const *tokens, int n);  /* tokens[0..1] are pad, unk */
void fw_vocab_free (FwVocab *vocab);
int fw_vocab_lookup (const FwVocab *vocab, const char *token);  /* FW_VOCAB_UNK when unknown */
/* lexicon index -> vocab id, for every token of ds (g_free the result) */
int *fw_vocab_map_lexicon (const FwVocab *vocab, const FwDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwVocab, fw_vocab_free)

/* Maps ds's labels to another class list (a saved model's); a row whose
 * label is not in classes is an error naming it.  (g_free the result) */
int *fw_dataset_map_labels (const FwDataset *ds, const char *const *classes, int n_classes,
                            GError **error);
/* The same, with -1 for a row whose label is not in classes. */
int *fw_dataset_map_labels_or_unknown (const FwDataset *ds, const char *const *classes, int n_classes);
/* Row r's data row in its source, from 0 (what `predict` calls index and
 * messages call row index + 1), whatever rows were skipped. */
int fw_dataset_source_row (const FwDataset *ds, int r);

/* A description for people and tools: rows per split and per class,
 * missing counts per modality, lexicon size, image size, skipped rows and
 * a few example rows.  Keys: name, source, rows, image_size, channels,
 * classes, splits{train,val,test}, per_class[{label,train,val,test,total}],
 * missing{image,text}, lexicon_size, mean_tokens, skipped, skipped_reasons,
 * examples[{row,split,label,text,has_image}].  (json_node_unref) */
JsonNode *fw_dataset_summary (const FwDataset *ds);

G_END_DECLS
