/* fw-cmd-eval.c — `fusion-workbench eval`: a saved model's loss and
 * accuracy on one split of a dataset, read with the model's own
 * preprocessing, vocabulary and class order. */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-model-file.h"

int
fw_cmd_eval (int argc, char **argv)
{
  const char *model_path = NULL, *data = NULL, *split = "test";
  gboolean json = FALSE, skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "split", "SPLIT", N_("train, val, test or all [test]"), &split, NULL },
    { "json", NULL, N_("print one JSON object with the results on stdout"), NULL, &json },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("eval", "--model MODEL --data SPEC [--split test] [--json]", argc, argv,
                        flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || !data)
    {
      g_printerr (_("fusion-workbench eval: --model MODEL and --data SPEC are required (see --help)\n"));
      return 2;
    }
  if (!fw_cli_check_split ("eval", split))
    return 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (model_path, 256, &error);
  if (!saved)
    {
      g_printerr ("fusion-workbench eval: %s\n", error->message);
      return 1;
    }
  const FwConfig *config = fw_model_get_config (saved->model);
  g_autoptr (FwDataset) ds = fw_cli_load_dataset ("eval", data, config, FALSE, skip_bad, NULL);
  if (!ds)
    return 1;
  if (!fw_cli_check_dataset ("eval", saved->model, ds))
    return 1;
  int n = 0;
  g_autofree int *rows = fw_cli_split_rows ("eval", ds, split, &n);
  if (!rows)
    return 2;
  g_autofree int *labels = fw_cli_map_labels ("eval", ds, (const char *const *) saved->classes,
                                              saved->n_classes, skip_bad, rows, &n);
  if (!labels)
    return 1;
  int overlap = fw_cli_report_overlap ("eval", saved->model, ds, rows, n);
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  double loss = 0, accuracy = 0;
  fw_model_evaluate (saved->model, ds, lexmap, labels, rows, n, &loss, &accuracy);
  if (json)
    {
      printf ("{\"n\": %d, \"accuracy\": ", n);
      fw_cli_print_number (stdout, accuracy, TRUE);
      printf (", \"loss\": ");
      fw_cli_print_number (stdout, loss, TRUE);
      /* null: the model file does not say what it was trained on */
      if (overlap >= 0)
        printf (", \"overlap_with_training\": %d}\n", overlap);
      else
        printf (", \"overlap_with_training\": null}\n");
    }
  else
    printf (_("%s split: %d rows, accuracy %.4f, loss %.4f\n"), split, n, accuracy, loss);
  return 0;
}
