/* fw-cmd-learning-curve.c — `fusion-workbench learning-curve`: test
 * accuracy of models trained on growing, nested, stratified shares of the
 * train split (core/challenges/fw-learning-curve.h), as LC.json.  Training
 * runs on a worker so that Ctrl+C cancels it without leaving a file. */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-file.h"
#include "fw-learning-curve.h"
#include "fw-robustness-json.h"

typedef struct {
  FwConfig config;
  FwDataset *ds;
  double *fractions;
  int n_fractions, repeats;
  GError *error;
  gboolean tty;
  int shown_percent;
} Job;

static void
progress (double fraction, gpointer data)
{
  Job *j = data;
  int percent = (int) (100 * fraction);
  if (percent == j->shown_percent)
    return;
  j->shown_percent = percent;
  if (j->tty)
    g_printerr ("\r\033[Kfusion-workbench learning-curve: %3d%%", percent);
  else if (percent % 10 == 0)
    g_printerr ("fusion-workbench learning-curve: %3d%%\n", percent);
}

static gpointer
run (gpointer data, GCancellable *cancellable)
{
  Job *j = data;
  return fw_learning_curve_run (&j->config, j->ds, j->fractions, j->n_fractions, j->repeats,
                                progress, j, cancellable, &j->error);
}

int
fw_cmd_learning_curve (int argc, char **argv)
{
  g_autofree Job *j = g_new0 (Job, 1);
  fw_config_init (&j->config);
  const char *data = NULL, *fractions = "0.05,0.1,0.25,0.5,1", *repeats = "1", *out_path = NULL;
  gboolean skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "fractions", "LIST", N_("shares of the train split to train on, increasing, in (0, 1] [0.05,0.1,0.25,0.5,1]"), &fractions, NULL },
    { "repeats", "N", N_("runs per fraction, each with its own subset and seed [1]"), &repeats, NULL },
    { "out", "LC.json", N_("where to write the curve as JSON"), &out_path, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("learning-curve",
                        "--data SPEC [OPTIONS] --fractions LIST [--repeats N] --out LC.json",
                        argc, argv, flags, G_N_ELEMENTS (flags), &j->config))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!data || !out_path)
    {
      g_printerr (_("fusion-workbench learning-curve: --data SPEC and --out LC.json are required "
                    "(see --help)\n"));
      return 2;
    }
  guint64 n_repeats = 0;
  if (!g_ascii_string_to_unsigned (repeats, 10, 1, 1000, &n_repeats, NULL))
    {
      g_printerr (_("fusion-workbench learning-curve: --repeats '%s' is not a whole number from 1 "
                    "to 1000\n"), repeats);
      return 2;
    }
  j->repeats = (int) n_repeats;
  j->fractions = fw_cli_parse_numbers ("learning-curve", "fractions", fractions, &j->n_fractions);
  if (!j->fractions)
    return 2;
  for (int i = 0; i < j->n_fractions; i++)
    if (!(j->fractions[i] > 0 && j->fractions[i] <= 1)
        || (i > 0 && j->fractions[i] <= j->fractions[i - 1]))
      {
        g_printerr (_("fusion-workbench learning-curve: --fractions must increase and lie in "
                      "(0, 1]\n"));
        g_free (j->fractions);
        return 2;
      }

  int status = 0;
  j->ds = fw_cli_load_dataset ("learning-curve", data, &j->config, TRUE, skip_bad, NULL);
  j->tty = isatty (STDERR_FILENO);
  j->shown_percent = -1;
  if (!j->ds)
    status = 1;
  g_autoptr (FwLearningCurve) lc = NULL;
  if (status == 0)
    {
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      gboolean interrupted = FALSE;
      lc = fw_cli_run_interruptible (run, j, cancellable, &interrupted);
      if (j->tty)
        g_printerr ("\r\033[K");
      if (!lc && interrupted)
        {
          g_autofree char *shown = g_filename_display_name (out_path);
          g_printerr (_("fusion-workbench learning-curve: interrupted; %s was not written\n"),
                      shown);
          status = 130;
        }
      else if (!lc)
        {
          g_printerr ("fusion-workbench learning-curve: %s\n", j->error->message);
          status = 1;
        }
    }
  if (lc)
    {
      for (int i = 0; i < lc->n_fractions; i++)
        printf (_("fraction %.3g: %d train rows, test accuracy %.4f ± %.4f\n"), lc->fractions[i],
                lc->train_n[i], lc->test_accuracy[i], lc->test_accuracy_std[i]);
      g_autoptr (JsonNode) root = fw_learning_curve_to_json (lc, j->config.seed);
      g_autofree char *text = fw_json_to_text (root);
      g_autoptr (GError) error = NULL;
      /* durably, through a temporary file renamed into place */
      if (!fw_file_write (out_path, text, strlen (text), 0666, &error))
        {
          g_printerr ("fusion-workbench learning-curve: %s\n", error->message);
          status = 1;
        }
    }
  g_clear_error (&j->error);
  g_clear_pointer (&j->ds, fw_dataset_free);
  g_free (j->fractions);
  return status;
}
