/* fw-cli.c — flag parsing and help for the headless commands. */
#include "fw-cli.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "fw-model-file.h"

#define FW_CLI_MAX_LISTED 10

const char *fw_cli_image_features, *fw_cli_text_features;

/* the end of a list cut at FW_CLI_MAX_LISTED (or the dataset's ten) */
static void
print_more (int more)
{
  g_printerr (_("  … and %d more\n"), more);
}

static void
print_help (const char *command, const char *synopsis, const FwCliFlag *flags, int n,
            const FwConfig *config)
{
  printf ("%s: fusion-workbench %s %s\n\n", _("Usage"), command, synopsis);
  printf ("%s\n", _("Options:"));
  for (int i = 0; i < n; i++)
    {
      g_autofree char *left = g_strdup_printf ("--%s%s%s", flags[i].name,
                                               flags[i].value_name ? " " : "",
                                               flags[i].value_name ? flags[i].value_name : "");
      printf ("  %-28s %s\n", left, _(flags[i].help));
    }
  printf ("  %-28s %s\n", "--help", _("show this help"));
  if (!config)
    return;
  printf ("\n%s\n", _("Model and training options (default in brackets):"));
  int n_opts = 0;
  const FwOptionInfo *opts = fw_config_options (&n_opts);
  for (int i = 0; i < n_opts; i++)
    {
      g_autofree char *left = g_strdup_printf ("--%s %s", opts[i].name, opts[i].values);
      g_autofree char *def = fw_config_get (config, opts[i].name);
      printf ("  %-28s %s [%s]\n", left, _(opts[i].help), def);
    }
}

static gboolean
is_config_option (const char *name)
{
  int n = 0;
  const FwOptionInfo *opts = fw_config_options (&n);
  for (int i = 0; i < n; i++)
    if (strcmp (opts[i].name, name) == 0)
      return TRUE;
  return FALSE;
}

FwCliResult
fw_cli_parse (const char *command, const char *synopsis, int argc, char **argv,
              const FwCliFlag *flags, int n_flags, FwConfig *config)
{
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        {
          print_help (command, synopsis, flags, n_flags, config);
          return FW_CLI_HELP;
        }
      if (!g_str_has_prefix (arg, "--") || arg[2] == '\0')
        {
          /* often a file name given without its flag: maybe not UTF-8 */
          g_autofree char *shown = g_filename_display_name (arg);
          g_printerr (_("fusion-workbench %s: unexpected argument '%s' (see --help)\n"), command, shown);
          return FW_CLI_USAGE;
        }
      g_autofree char *name = g_strdup (arg + 2);
      const char *value = NULL;
      char *eq = strchr (name, '=');
      if (eq)
        {
          *eq = '\0';
          /* into argv, not name: flag values outlive this iteration */
          value = arg + 2 + (eq - name) + 1;
        }
      const FwCliFlag *flag = NULL;
      for (int k = 0; k < n_flags; k++)
        if (strcmp (flags[k].name, name) == 0)
          flag = &flags[k];
      gboolean option = !flag && config && is_config_option (name);
      if (!flag && !option)
        {
          g_autofree char *shown = g_filename_display_name (name);   /* as typed: maybe not UTF-8 */
          g_printerr (_("fusion-workbench %s: unknown option --%s (see --help)\n"), command, shown);
          return FW_CLI_USAGE;
        }
      if (flag && !flag->value_name)
        {
          if (value)
            {
              g_printerr (_("fusion-workbench %s: --%s takes no value\n"), command, name);
              return FW_CLI_USAGE;
            }
          *flag->on = TRUE;
          continue;
        }
      if (!value)
        {
          if (i + 1 >= argc)
            {
              g_printerr (_("fusion-workbench %s: --%s needs a value\n"), command, name);
              return FW_CLI_USAGE;
            }
          value = argv[++i];
        }
      if (flag)
        {
          *flag->value = value;
          continue;
        }
      g_autoptr (GError) error = NULL;
      if (!fw_config_set (config, name, value, &error))
        {
          g_printerr ("fusion-workbench %s: %s\n", command, error->message);
          return FW_CLI_USAGE;
        }
    }
  if (config)
    {
      g_autoptr (GError) error = NULL;
      if (!fw_config_validate (config, &error))
        {
          g_printerr ("fusion-workbench %s: %s\n", command, error->message);
          return FW_CLI_USAGE;
        }
    }
  return FW_CLI_OK;
}

void
fw_cli_print_number (FILE *out, double v, gboolean json)
{
  if (!isfinite (v))
    {
      fputs (json ? "null" : "", out);
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  fputs (g_ascii_formatd (buf, sizeof buf, "%.6g", v), out);
}

FwDataset *
fw_cli_load_dataset (const char *command, const char *spec, const FwConfig *config,
                     gboolean for_training, gboolean skip_bad_rows, double *seconds)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  options.image_size = config->image_size;
  options.color = config->color;
  options.seed = config->seed;
  options.val_fraction = config->val_fraction;
  options.threads = config->threads;
  options.skip_bad_rows = skip_bad_rows;
  /* only training needs two classes; a test set may hold one */
  options.allow_single_class = !for_training;
  options.image_features = fw_cli_image_features;
  options.text_features = fw_cli_text_features;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  FwDataset *ds = fw_dataset_load (spec, &options, NULL, &error);
  if (seconds)
    *seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (!ds)
    {
      g_printerr ("fusion-workbench %s: %s\n", command, error->message);
      return NULL;
    }
  if (ds->n_skipped > 0)
    {
      g_printerr (_("fusion-workbench %s: skipped %d bad rows:\n"), command, ds->n_skipped);
      guint listed = ds->skipped ? ds->skipped->len : 0;
      for (guint i = 0; i < listed; i++)
        g_printerr ("  %s\n", (const char *) ds->skipped->pdata[i]);
      if ((guint) ds->n_skipped > listed)
        print_more (ds->n_skipped - (int) listed);
    }
  return ds;
}

gboolean
fw_cli_check_dataset (const char *command, const FwModel *model, const FwDataset *ds)
{
  g_autoptr (GError) error = NULL;
  if (fw_model_check_dataset (model, ds, &error))
    return TRUE;
  g_printerr ("fusion-workbench %s: %s\n", command, error->message);
  return FALSE;
}

gboolean
fw_cli_check_split (const char *command, const char *split)
{
  FwSplit s;
  if (strcmp (split, "all") == 0 || fw_split_parse (split, &s))
    return TRUE;
  g_printerr (_("fusion-workbench %s: --split '%s' is not one of train, val, test, all\n"),
              command, split);
  return FALSE;
}

int *
fw_cli_map_labels (const char *command, const FwDataset *ds, const char *const *classes,
                   int n_classes, gboolean skip_bad_rows, int *rows, int *n)
{
  g_autofree int *labels = fw_dataset_map_labels_or_unknown (ds, classes, n_classes);
  int kept = 0, dropped = 0;
  for (int i = 0; i < *n; i++)
    {
      int r = rows[i];
      if (labels[r] >= 0)
        {
          rows[kept++] = r;
          continue;
        }
      if (!skip_bad_rows)
        {
          g_autoptr (GError) error = NULL;
          g_autofree int *strict = fw_dataset_map_labels (ds, classes, n_classes, &error);
          g_printerr (_("fusion-workbench %s: %s (or skip such rows with --skip-bad-rows)\n"),
                      command, error ? error->message : "");
          return NULL;
        }
      if (dropped == 0)
        g_printerr (_("fusion-workbench %s: skipped rows whose label is not one of the model's classes:\n"),
                    command);
      if (dropped < FW_CLI_MAX_LISTED)
        g_printerr (_("  %s: row %d: label '%s'\n"), ds->name ? ds->name : ds->source,
                    fw_dataset_source_row (ds, r) + 1, ds->classes[ds->label[r]]);
      dropped++;
    }
  if (dropped > FW_CLI_MAX_LISTED)
    print_more (dropped - FW_CLI_MAX_LISTED);
  *n = kept;
  return g_steal_pointer (&labels);
}

int
fw_cli_report_overlap (const char *command, const FwModel *model, const FwDataset *ds,
                       const int *rows, int n)
{
  int overlap = fw_model_training_overlap (model, ds, rows, n);
  if (overlap > 0)
    g_printerr (ngettext ("fusion-workbench %s: warning: %d of the %d rows evaluated is a row the model was "
                             "trained on, so these figures overstate how well it does on new data\n",
                          "fusion-workbench %s: warning: %d of the %d rows evaluated are rows the model was "
                             "trained on, so these figures overstate how well it does on new data\n",
                             overlap),
                command, overlap, n);
  return overlap;
}

/* The rows a command works on: one split, or every row for "all". */
int *
fw_cli_split_rows (const char *command, const FwDataset *ds, const char *split, int *n)
{
  int *rows = g_new (int, MAX (ds->n, 1));
  if (strcmp (split, "all") == 0)
    {
      for (int i = 0; i < ds->n; i++)
        rows[i] = i;
      *n = ds->n;
      return rows;
    }
  FwSplit s;
  if (!fw_split_parse (split, &s))
    {
      g_printerr (_("fusion-workbench %s: --split '%s' is not one of train, val, test, all\n"),
                  command, split);
      g_free (rows);
      return NULL;
    }
  *n = fw_dataset_split_rows (ds, s, rows);
  return rows;
}

typedef struct {
  FwCliJob job;
  gpointer data;
  GCancellable *cancellable;
  gpointer result;
  GMainLoop *loop;
  gboolean interrupted;
} Interruptible;

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (((Interruptible *) data)->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
run_job (gpointer data)
{
  Interruptible *it = data;
  it->result = it->job (it->data, it->cancellable);
  g_idle_add (quit_loop, it);
  return NULL;
}

static gboolean
on_signal (gpointer data)
{
  Interruptible *it = data;
  it->interrupted = TRUE;
  g_cancellable_cancel (it->cancellable);
  return G_SOURCE_CONTINUE;
}

gpointer
fw_cli_run_interruptible (FwCliJob job, gpointer data, GCancellable *cancellable,
                          gboolean *interrupted)
{
  Interruptible it = { job, data, cancellable, NULL, g_main_loop_new (NULL, FALSE), FALSE };
  guint sigint = g_unix_signal_add (SIGINT, on_signal, &it);
  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, &it);
  GThread *thread = g_thread_new ("fw-cli-job", run_job, &it);
  g_main_loop_run (it.loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (it.loop);
  if (interrupted)
    *interrupted = it.interrupted;
  return it.result;
}

double *
fw_cli_parse_numbers (const char *command, const char *flag, const char *list, int *n)
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  g_autofree double *v = g_new (double, g_strv_length (parts) + 1);
  int k = 0;
  for (int i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      char *end = NULL;
      double x = g_ascii_strtod (p, &end);
      if (!*p || *end)
        {
          g_printerr (_("fusion-workbench %s: --%s: '%s' is not a number\n"), command, flag, p);
          return NULL;
        }
      v[k++] = x;
    }
  *n = k;
  return g_steal_pointer (&v);
}
