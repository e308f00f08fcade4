/* fw-cli.h — the small flag parser the headless commands share: "--flag
 * VALUE" and "--flag=VALUE", the model/training options of FwConfig, and
 * --help text built from the same table.  No GTK. */
#pragma once

#include <stdio.h>

#include "fw-config.h"
#include "fw-dataset.h"
#include "fw-model.h"

typedef struct {
  const char *name;          /* without dashes */
  const char *value_name;    /* NULL: a switch without value */
  const char *help;          /* translatable (N_) */
  const char **value;        /* set when the flag takes a value */
  gboolean *on;              /* set when it is a switch */
} FwCliFlag;

typedef enum {
  FW_CLI_OK,
  FW_CLI_HELP,               /* --help was printed: exit 0 */
  FW_CLI_USAGE               /* a message was printed: exit 2 */
} FwCliResult;

/* --image-features FILE / --text-features FILE: every command that reads a
 * dataset lists these two flags (FW_CLI_FEATURES_FLAGS in its table) and
 * fw_cli_load_dataset attaches the files (fw-features.h). */
extern const char *fw_cli_image_features, *fw_cli_text_features;
#define FW_CLI_FEATURES_FLAGS \
  { "image-features", "FILE", N_("precomputed image vectors for --image-encoder features: a safetensors tensor 'features' or a .npy, one row per manifest row"), &fw_cli_image_features, NULL }, \
  { "text-features", "FILE", N_("precomputed text vectors for --text-encoder features, as --image-features"), &fw_cli_text_features, NULL }

/* FALSE (and a message) when ds cannot feed the saved model: its features
 * files are missing or of another width. */
gboolean fw_cli_check_dataset (const char *command, const FwModel *model, const FwDataset *ds);

/* config may be NULL when the command takes no model options. */
FwCliResult fw_cli_parse (const char *command, const char *synopsis, int argc, char **argv,
                          const FwCliFlag *flags, int n_flags, FwConfig *config);

/* Writes "seconds" style doubles as JSON/CSV numbers; NaN as null / "". */
void fw_cli_print_number (FILE *out, double v, gboolean json);

/* Loads SPEC with the preprocessing of config; prints the error (naming the
 * file and row) and returns NULL on failure.  Data to train on needs two
 * classes; data a saved model is run on may hold one. */
FwDataset *fw_cli_load_dataset (const char *command, const char *spec, const FwConfig *config,
                                gboolean for_training, gboolean skip_bad_rows, double *seconds);

/* The rows of one split, or of every row for "all"; NULL (and a message)
 * for an unknown split name. */
int *fw_cli_split_rows (const char *command, const FwDataset *ds, const char *split, int *n);

/* FALSE (and a message) when split is not a split name or "all": checked
 * before anything is loaded. */
gboolean fw_cli_check_split (const char *command, const char *split);

/* The model's class index of every row of ds.  A row of rows[0..*n) whose
 * label the model does not know is an error (NULL after a message), or
 * with skip_bad_rows is listed on stderr and dropped from rows (*n shrinks). */
int *fw_cli_map_labels (const char *command, const FwDataset *ds, const char *const *classes,
                        int n_classes, gboolean skip_bad_rows, int *rows, int *n);

/* How many of the rows the model was trained on (its file's fingerprint),
 * with a warning on stderr when any; -1 when the file does not say. */
int fw_cli_report_overlap (const char *command, const FwModel *model, const FwDataset *ds,
                           const int *rows, int n);

/* Runs job (data) on a worker thread while this thread waits; Ctrl+C
 * (SIGINT) or SIGTERM cancels cancellable instead of killing the process,
 * so that the command can leave no partial file behind.  Returns the job's
 * result; *interrupted tells whether a signal came. */
typedef gpointer (*FwCliJob) (gpointer data, GCancellable *cancellable);
gpointer fw_cli_run_interruptible (FwCliJob job, gpointer data, GCancellable *cancellable,
                                   gboolean *interrupted);

/* "0,0.1,0.5" → doubles (g_free); NULL (and a message) when an item is not
 * a number.  *n gets the count. */
double *fw_cli_parse_numbers (const char *command, const char *flag, const char *list, int *n);
