/* fw-cmd-train.c — `fusion-workbench train`: load a dataset, train through
 * the core's trainer thread (as the GUI does), print progress, and write
 * the JSON summary, the metrics CSV and the model file on request; with
 * --checkpoint a resumable file each epoch, with --resume go on from one. */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include <string.h>
#include "fw-file.h"
#include "fw-cli.h"
#include "fw-cost.h"
#include "fw-commands.h"
#include "fw-model-file.h"
#include "fw-trainer.h"

typedef FwEpochRecord EpochRow;

static gboolean
write_metrics (const char *path, GArray *rows, GError **error)
{
  g_autoptr (GString) s = g_string_new ("epoch,train_loss,val_loss,train_accuracy,val_accuracy,seconds\n");
  for (guint i = 0; i < rows->len; i++)
    {
      const EpochRow *r = &g_array_index (rows, EpochRow, i);
      double v[] = { r->train_loss, r->val_loss, r->train_accuracy, r->val_accuracy, r->seconds };
      g_string_append_printf (s, "%d", r->epoch);
      for (gsize k = 0; k < G_N_ELEMENTS (v); k++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_c (s, ',');
          if (isfinite (v[k]))
            g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v[k]));
        }
      g_string_append_c (s, '\n');
    }
  /* written to a temporary file and renamed: never a partial CSV */
  return fw_file_write (path, s->str, s->len, 0666, error);
}

/* What the model costs: counted from its architecture, and the timed test
 * evaluation of the trainer.  Continues the --json object. */
static void
print_cost (FwTrainer *trainer, const FwEvent *done)
{
  FwModel *model = fw_trainer_get_model (trainer);
  printf (", \"params\": %zu, \"flops_per_sample\": %" G_GINT64_FORMAT
          ", \"peak_activation_bytes\": %zu, \"inference_ms_per_sample\": ",
          fw_model_n_params (model),
          fw_cost_flops_per_sample (fw_model_get_config (model), fw_model_get_shape (model)),
          fw_model_activation_bytes (model));
  fw_cli_print_number (stdout, done->kind == FW_EVENT_FINISHED ? done->inference_ms : NAN, TRUE);
}

/* --resume goes on with the checkpoint's options: the command line may
 * change only the epochs and threads (any other option it gives must be
 * the checkpoint's, or left at its default). */
static gboolean
take_checkpoint_options (FwConfig *config, const FwConfig *saved)
{
  FwConfig defaults;
  fw_config_init (&defaults);
  int n = 0;
  const FwOptionInfo *opts = fw_config_options (&n);
  for (int i = 0; i < n; i++)
    {
      const char *name = opts[i].name;
      if (g_str_equal (name, "epochs") || g_str_equal (name, "threads"))
        continue;
      g_autofree char *given = fw_config_get (config, name);
      g_autofree char *def = fw_config_get (&defaults, name);
      g_autofree char *theirs = fw_config_get (saved, name);
      if (!g_str_equal (given, def) && !g_str_equal (given, theirs))
        {
          g_printerr (_("fusion-workbench train: --resume goes on with the checkpoint's options, "
                        "but --%s %s differs from its %s; only --epochs and --threads may change\n"),
                      name, given, theirs);
          return FALSE;
        }
    }
  int epochs = config->epochs, threads = config->threads;
  *config = *saved;
  config->epochs = epochs;
  config->threads = threads;
  return TRUE;
}

int
fw_cmd_train (int argc, char **argv)
{
  FwConfig config;
  fw_config_init (&config);
  const char *data = NULL, *save = NULL, *metrics = NULL, *checkpoint = NULL, *resume = NULL;
  gboolean json = FALSE, skip_bad = FALSE, quiet = FALSE;
  const FwCliFlag flags[] = {
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "save", "MODEL", N_("write the trained model to this safetensors file"), &save, NULL },
    { "metrics", "CSV", N_("write per-epoch metrics to this CSV file"), &metrics, NULL },
    { "checkpoint", "FILE", N_("after every epoch, write a model file that training can resume from"), &checkpoint, NULL },
    { "resume", "FILE", N_("go on from a checkpoint to --epochs, with its options and the same data"), &resume, NULL },
    { "json", NULL, N_("print one JSON object with the results on stdout"), NULL, &json },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
    { "quiet", NULL, N_("print no progress on stderr"), NULL, &quiet },
  };
  switch (fw_cli_parse ("train", "--data SPEC [OPTIONS]", argc, argv, flags, G_N_ELEMENTS (flags), &config))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!data)
    {
      g_printerr (_("fusion-workbench train: --data SPEC is required (see --help)\n"));
      return 2;
    }

  g_autoptr (FwCheckpoint) from = NULL;
  if (resume)
    {
      g_autoptr (GError) error = NULL;
      from = fw_checkpoint_load (resume, 1, &error);
      if (!from)
        {
          g_printerr ("fusion-workbench train: %s\n", error->message);
          return 1;
        }
      if (!take_checkpoint_options (&config, fw_model_get_config (from->saved->model)))
        return 2;
    }

  double load_seconds = 0;
  g_autoptr (FwDataset) ds = fw_cli_load_dataset ("train", data, &config, TRUE, skip_bad, &load_seconds);
  if (!ds)
    return 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwTrainer) trainer = fw_trainer_new (&config, ds, &error);
  if (!trainer)
    {
      g_printerr ("fusion-workbench train: %s\n", error->message);
      return 1;
    }

  if (from && !fw_trainer_restore (trainer, from, &error))
    {
      g_autofree char *shown = g_filename_display_name (resume);
      g_printerr ("fusion-workbench train: %s: %s\n", shown, error->message);
      return 1;
    }
  if (checkpoint)
    fw_trainer_checkpoint_to (trainer, checkpoint, (const char *const *) ds->classes, TRUE);
  g_autoptr (GArray) rows = g_array_new (FALSE, TRUE, sizeof (EpochRow));
  /* a resumed run's CSV holds its earlier epochs too, as if it never stopped */
  const GArray *history = fw_trainer_get_history (trainer);
  g_array_append_vals (rows, history->data, history->len);
  FwEvent done = { 0 };
  fw_trainer_start (trainer);
  for (;;)
    {
      FwEvent e;
      fw_trainer_wait_event (trainer, &e);
      if (e.kind == FW_EVENT_STEP)
        continue;
      if (e.kind == FW_EVENT_EPOCH)
        {
          EpochRow r = { e.epoch, e.train_loss, e.val_loss, e.train_accuracy, e.val_accuracy, e.seconds };
          g_array_append_val (rows, r);
          if (!quiet)
            g_printerr (_("epoch %d/%d  train loss %.4f  acc %.3f  val loss %.4f  acc %.3f  %.1f s\n"),
                        e.epoch, config.epochs, e.train_loss, e.train_accuracy, e.val_loss,
                        e.val_accuracy, e.seconds);
          continue;
        }
      done = e;
      break;
    }
  fw_trainer_join (trainer);

  int status = 0;
  if (done.kind == FW_EVENT_FAILED)
    {
      g_printerr ("fusion-workbench train: %s\n", done.message);
      status = 1;
    }
  if (metrics && !write_metrics (metrics, rows, &error))
    {
      g_printerr ("fusion-workbench train: %s\n", error->message);
      g_clear_error (&error);
      status = 1;
    }
  if (save)
    {
      if (!fw_model_save (fw_trainer_get_model (trainer), fw_trainer_get_vocab (trainer),
                          (const char *const *) ds->classes, save, &error))
        {
          g_printerr ("fusion-workbench train: %s\n", error->message);
          g_clear_error (&error);
          status = 1;
        }
      else if (!quiet)
        {
          g_autofree char *shown = g_filename_display_name (save);
          g_printerr (_("saved the model to %s\n"), shown);
        }
    }

  int n_train = fw_dataset_split_count (ds, FW_SPLIT_TRAIN);
  double train_seconds = done.kind == FW_EVENT_FINISHED ? done.seconds : NAN;
  double final_loss = rows->len ? g_array_index (rows, EpochRow, rows->len - 1).train_loss : NAN;
  /* the validation figures of the weights the model ends with: the best
   * epoch's under early stopping, else the last epoch's */
  int kept = config.patience > 0 && done.best_epoch > 0 ? done.best_epoch : (int) rows->len;
  double val_acc = kept > 0 && kept <= (int) rows->len
    ? g_array_index (rows, EpochRow, kept - 1).val_accuracy : NAN;
  double val_loss = kept > 0 && kept <= (int) rows->len
    ? g_array_index (rows, EpochRow, kept - 1).val_loss : NAN;
  double test_acc = done.kind == FW_EVENT_FINISHED ? done.test_accuracy : NAN;
  if (json)
    {
      printf ("{\"fusion\": \"%s\", \"train_n\": %d, \"val_n\": %d, \"test_n\": %d, "
              "\"classes\": %d, \"epochs\": %d, ",
              fw_fusion_name (config.fusion), n_train, fw_dataset_split_count (ds, FW_SPLIT_VAL),
              fw_dataset_split_count (ds, FW_SPLIT_TEST), ds->n_classes, config.epochs);
      printf ("\"epochs_run\": %u, \"best_epoch\": ", rows->len);
      fw_cli_print_number (stdout, done.best_epoch > 0 ? done.best_epoch : NAN, TRUE);
      printf (", \"load_seconds\": ");
      fw_cli_print_number (stdout, load_seconds, TRUE);
      printf (", \"train_seconds\": ");
      fw_cli_print_number (stdout, train_seconds, TRUE);
      printf (", \"samples_per_second\": ");
      fw_cli_print_number (stdout, rows->len * (double) n_train / train_seconds, TRUE);
      printf (", \"final_train_loss\": ");
      fw_cli_print_number (stdout, final_loss, TRUE);
      printf (", \"val_loss\": ");
      fw_cli_print_number (stdout, val_loss, TRUE);
      printf (", \"val_accuracy\": ");
      fw_cli_print_number (stdout, val_acc, TRUE);
      printf (", \"test_accuracy\": ");
      fw_cli_print_number (stdout, test_acc, TRUE);
      printf (", \"test_loss\": ");
      fw_cli_print_number (stdout, done.kind == FW_EVENT_FINISHED ? done.test_loss : NAN, TRUE);
      print_cost (trainer, &done);
      printf ("}\n");
    }
  else if (done.kind == FW_EVENT_FINISHED && !quiet)
    g_printerr (_("test accuracy %.4f  test loss %.4f  (%.1f s, %.0f samples/s)\n"),
                done.test_accuracy, done.test_loss, train_seconds,
                rows->len * (double) n_train / train_seconds);
  fw_event_clear (&done);
  return status;
}
