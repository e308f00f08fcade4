/* fw-cmd-contrib.c — `fusion-workbench contrib`: how much the image and the
 * text drive a saved model's predictions on one split, as one JSON file.
 * The methods are core/explain/fw-contrib.c; this file parses flags, picks the
 * methods and writes the JSON (to a temporary file, then renamed). */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fw-file.h"
#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-contrib.h"
#include "fw-model-file.h"

static const char *const method_names[] = { "ablation", "permutation", "shapley", "ig", "emap" };
G_STATIC_ASSERT (G_N_ELEMENTS (method_names) == FW_CONTRIB_N_METHODS);

/* On a terminal, one self-overwriting line per long method; nothing when
 * stderr is a pipe or a file. */
static int shown_percent = -1;

static void
progress (double fraction, gpointer data)
{
  int percent = (int) (100 * fraction);
  if (percent == shown_percent)
    return;
  shown_percent = percent;
  /* the line is cleared first: one method's name follows another's */
  g_printerr ("\r\033[Kfusion-workbench contrib: %s %3d%%", (const char *) data, percent);
}

static void
progress_done (FwProgressFunc func)
{
  shown_percent = -1;
  if (func)
    g_printerr ("\r\033[K");
}

static gboolean
parse_methods (const char *list, gboolean want[FW_CONTRIB_N_METHODS])
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      if (!*p)
        continue;
      int k = 0;
      while (k < FW_CONTRIB_N_METHODS && strcmp (p, method_names[k]) != 0)
        k++;
      if (k == FW_CONTRIB_N_METHODS)
        {
          g_printerr (_("fusion-workbench contrib: unknown method '%s' (use ablation, permutation, shapley, ig, emap)\n"), p);
          return FALSE;
        }
      want[k] = TRUE;
    }
  return TRUE;
}

int
fw_cmd_contrib (int argc, char **argv)
{
  const char *model_path = NULL, *data = NULL, *split = "test", *out_path = NULL;
  const char *methods = "ablation,permutation,shapley,ig,emap";
  gboolean skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "split", "SPLIT", N_("train, val, test or all [test]"), &split, NULL },
    { "method", "LIST", N_("comma-separated: ablation, permutation, shapley, ig, emap [all]"), &methods, NULL },
    { "out", "CONTRIB.json", N_("where to write the contributions as JSON"), &out_path, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("contrib", "--model MODEL --data SPEC [--split test] [--method LIST] --out CONTRIB.json",
                        argc, argv, flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || !data || !out_path)
    {
      g_printerr (_("fusion-workbench contrib: --model MODEL, --data SPEC and --out FILE are required (see --help)\n"));
      return 2;
    }
  gboolean want[FW_CONTRIB_N_METHODS] = { FALSE };
  if (!parse_methods (methods, want))
    return 2;

  if (!fw_cli_check_split ("contrib", split))
    return 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (model_path, 256, &error);
  if (!saved)
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  FwModel *model = saved->model;
  const FwConfig *config = fw_model_get_config (model);
  g_autoptr (FwDataset) ds = fw_cli_load_dataset ("contrib", data, config, FALSE, skip_bad, NULL);
  if (!ds)
    return 1;
  if (!fw_cli_check_dataset ("contrib", saved->model, ds))
    return 1;
  int n = 0;
  g_autofree int *rows = fw_cli_split_rows ("contrib", ds, split, &n);
  if (!rows)
    return 2;
  g_autofree int *labels = fw_cli_map_labels ("contrib", ds, (const char *const *) saved->classes,
                                              saved->n_classes, skip_bad, rows, &n);
  if (!labels)
    return 1;
  fw_cli_report_overlap ("contrib", saved->model, ds, rows, n);
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  /* a removed modality is its train mean; data without train rows (a test
   * set on its own) falls back to the rows explained */
  g_autofree int *train = g_new (int, ds->n);
  int n_train = 0;
  for (int r = 0; r < ds->n; r++)
    if (ds->split[r] == FW_SPLIT_TRAIN && labels[r] >= 0)
      train[n_train++] = r;
  if (n_train == 0)
    {
      g_printerr (_("fusion-workbench contrib: %s has no train rows; a removed modality is the mean of the %s rows instead\n"),
                  ds->name, split);
      memcpy (train, rows, sizeof (int) * n);
      n_train = n;
    }
  g_autoptr (FwContrib) contrib = fw_contrib_new (model, ds, lexmap, labels, train, n_train);
  FwProgressFunc show = isatty (STDERR_FILENO) ? progress : NULL;
  g_autoptr (GString) summary = g_string_new (NULL);   /* for people, on stdout */

  g_autofree char *json = fw_contrib_report_json (contrib, rows, n, split, want, show, summary, &error);
  progress_done (show);
  if (!json)
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  /* durably, through a temporary file renamed into place */
  if (!fw_file_write (out_path, json, strlen (json), 0666, &error))
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  printf ("%s", summary->str);
  g_autofree char *shown = g_filename_display_name (out_path);
  printf (_("wrote %s (%d %s rows)\n"), shown, n, split);
  return 0;
}
