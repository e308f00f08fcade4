/* fw-cmd-sweep.c — `fusion-workbench sweep`: train every combination of a
 * grid of options (or N of them at random), K at a time, and write one CSV
 * row per finished run.  Each run is this program's own `train` command in
 * a child process, so a row is exactly what that `train` prints, jobs
 * cannot disturb each other's threads, and Ctrl+C stops cleanly.  The grid
 * itself is core/tune/fw-sweep-grid.c. */
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-file.h"
#include "fw-json.h"
#include "fw-sweep-grid.h"

/* the metrics a row holds and --metric may rank by; TRUE: higher is better */
static const struct { const char *name; gboolean higher_better; } metrics[] = {
  { "val_accuracy", TRUE },
  { "test_accuracy", TRUE },
  { "val_loss", FALSE },
  { "train_loss", FALSE },
};

typedef struct {
  guint combination;
  gboolean done;
  char *train_loss, *val_loss, *val_accuracy, *test_accuracy;  /* as train printed them */
  char *epochs_run, *params, *seconds, *model;
  double rank;               /* the --metric's value, NAN when absent */
} Run;

typedef struct {
  const FwSweepGrid *grid;
  FwConfig base;             /* the command line's options; the grid's go on top */
  GArray *runs;              /* Run, in grid order */
  GPtrArray *base_args;      /* argv shared by every child, NULL-less */
  const char *out, *save_dir, *metric;
  int threads;
  guint jobs;
  gboolean quiet;
  guint next, running, finished;
  gboolean interrupted, failed;
  GPtrArray *children;       /* GSubprocess running now */
  GMainLoop *loop;
} Sweep;

static void
run_clear (gpointer p)
{
  Run *r = p;
  g_free (r->train_loss);
  g_free (r->val_loss);
  g_free (r->val_accuracy);
  g_free (r->test_accuracy);
  g_free (r->epochs_run);
  g_free (r->params);
  g_free (r->seconds);
  g_free (r->model);
}

static void
csv_field (GString *s, const char *v)
{
  if (!v)
    return;
  if (!strpbrk (v, ",\"\r\n"))
    {
      g_string_append (s, v);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *c = v; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

/* the header and every finished row, replaced atomically: at any moment
 * the file is a complete CSV of the runs finished so far */
static gboolean
write_csv (Sweep *sw, GError **error)
{
  g_autoptr (GString) s = g_string_new ("run");
  for (int k = 0; k < fw_sweep_grid_n_options (sw->grid); k++)
    {
      g_string_append_c (s, ',');
      csv_field (s, fw_sweep_grid_option (sw->grid, k));
    }
  g_string_append (s, ",epochs_run,train_loss,val_loss,val_accuracy,test_accuracy,params,seconds,model\n");
  for (guint i = 0; i < sw->runs->len; i++)
    {
      const Run *r = &g_array_index (sw->runs, Run, i);
      if (!r->done)
        continue;
      g_string_append_printf (s, "%u", i + 1);
      for (int k = 0; k < fw_sweep_grid_n_options (sw->grid); k++)
        {
          g_string_append_c (s, ',');
          csv_field (s, fw_sweep_grid_value (sw->grid, r->combination, k));
        }
      const char *rest[] = { r->epochs_run, r->train_loss, r->val_loss, r->val_accuracy,
                             r->test_accuracy, r->params, r->seconds, r->model };
      for (gsize k = 0; k < G_N_ELEMENTS (rest); k++)
        {
          g_string_append_c (s, ',');
          csv_field (s, rest[k]);
        }
      g_string_append_c (s, '\n');
    }
  return fw_file_write (sw->out, s->str, s->len, 0666, error);
}

/* a member of train's --json as the text train printed; NULL for null */
static char *
json_text (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (!n || JSON_NODE_HOLDS_NULL (n) || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", json_node_get_double (n)));
  return NULL;
}

static void start_next (Sweep *sw);

typedef struct {
  Sweep *sweep;
  guint index;
  GSubprocess *child;
} Job;

static void
job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  Sweep *sw = job->sweep;
  Run *r = &g_array_index (sw->runs, Run, job->index);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out, &err, &error);
  ok = ok && g_subprocess_get_if_exited (job->child) && g_subprocess_get_exit_status (job->child) == 0;
  g_autoptr (JsonNode) root = ok && out ? fw_json_parse (out, -1, NULL, NULL) : NULL;
  ok = ok && root && JSON_NODE_HOLDS_OBJECT (root);
  g_autofree char *what = fw_sweep_grid_describe (sw->grid, r->combination);
  if (ok)
    {
      JsonObject *o = json_node_get_object (root);
      r->epochs_run = json_text (o, "epochs_run");
      r->train_loss = json_text (o, "final_train_loss");
      r->val_loss = json_text (o, "val_loss");
      r->val_accuracy = json_text (o, "val_accuracy");
      r->test_accuracy = json_text (o, "test_accuracy");
      r->params = json_text (o, "params");
      r->seconds = json_text (o, "train_seconds");
      g_autofree char *rank = json_text (o, g_str_equal (sw->metric, "train_loss")
                                            ? "final_train_loss" : sw->metric);
      r->rank = rank ? g_ascii_strtod (rank, NULL) : NAN;
      r->done = TRUE;
      sw->finished++;
      g_autoptr (GError) werr = NULL;
      if (!write_csv (sw, &werr))
        {
          g_printerr ("fusion-workbench sweep: %s\n", werr->message);
          sw->failed = TRUE;
        }
      if (!sw->quiet)
        g_printerr (_("[%u/%u] run %u  %s  →  %s %s  (%s s)\n"), sw->finished, sw->runs->len,
                    job->index + 1, what, sw->metric, isfinite (r->rank) ? rank : "-",
                    r->seconds ? r->seconds : "-");
    }
  else if (!sw->interrupted)
    {
      /* the child said why (bad data, a diverging run): pass it on, stop */
      g_printerr (_("fusion-workbench sweep: run %u (%s) failed:\n%s"), job->index + 1, what,
                  err && *err ? err : (error ? error->message : ""));
      sw->failed = TRUE;
    }
  g_ptr_array_remove (sw->children, job->child);
  g_object_unref (job->child);
  g_free (job);
  sw->running--;
  start_next (sw);
}

static void
start_next (Sweep *sw)
{
  while (!sw->interrupted && !sw->failed && sw->next < sw->runs->len && sw->running < sw->jobs)
    {
      guint index = sw->next++;
      Run *r = &g_array_index (sw->runs, Run, index);
      FwConfig config;
      g_autoptr (GError) error = NULL;
      /* checked before anything ran: cannot fail here */
      if (!fw_sweep_grid_config (sw->grid, r->combination, &sw->base, &config, &error))
        g_error ("%s", error->message);
      config.threads = sw->threads;
      g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < sw->base_args->len; k++)
        g_ptr_array_add (argv, g_strdup (sw->base_args->pdata[k]));
      /* every option spelled out: the run does not depend on train's defaults */
      int n = 0;
      const FwOptionInfo *opts = fw_config_options (&n);
      for (int k = 0; k < n; k++)
        {
          g_autofree char *value = fw_config_get (&config, opts[k].name);
          g_ptr_array_add (argv, g_strdup_printf ("--%s=%s", opts[k].name, value));
        }
      if (sw->save_dir)
        {
          g_autofree char *file = g_strdup_printf ("run-%03u.safetensors", index + 1);
          r->model = g_build_filename (sw->save_dir, file, NULL);
          g_ptr_array_add (argv, g_strdup ("--save"));
          g_ptr_array_add (argv, g_strdup (r->model));
        }
      g_ptr_array_add (argv, NULL);
      GSubprocess *child = g_subprocess_newv ((const char *const *) argv->pdata,
                                              G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                              | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      if (!child)
        {
          g_printerr ("fusion-workbench sweep: %s\n", error->message);
          sw->failed = TRUE;
          break;
        }
      Job *job = g_new0 (Job, 1);
      job->sweep = sw;
      job->index = index;
      job->child = child;
      g_ptr_array_add (sw->children, child);
      sw->running++;
      g_subprocess_communicate_utf8_async (child, NULL, NULL, job_done, job);
    }
  if (sw->running == 0)
    g_main_loop_quit (sw->loop);
}

/* Ctrl+C (or a TERM): no new runs; the running ones are stopped and left
 * out, so the CSV keeps exactly the finished rows */
static gboolean
on_interrupt (gpointer data)
{
  Sweep *sw = data;
  if (!sw->interrupted && !sw->quiet)
    g_printerr (_("fusion-workbench sweep: interrupted; keeping the %u finished runs\n"),
                sw->finished);
  sw->interrupted = TRUE;
  for (guint i = 0; i < sw->children->len; i++)
    g_subprocess_send_signal (sw->children->pdata[i], SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_count (const char *flag, const char *text, guint max, guint *out)
{
  char *end = NULL;
  guint64 v = text ? g_ascii_strtoull (text, &end, 10) : 0;
  if (!text || !*text || *end || text[0] == '-' || v < 1 || v > max)
    {
      g_printerr (_("fusion-workbench sweep: --%s: '%s' is not a whole number from 1 to %u\n"),
                  flag, text ? text : "", max);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static void
print_best (Sweep *sw, gboolean higher_better)
{
  const Run *best = NULL;
  guint best_i = 0;
  for (guint i = 0; i < sw->runs->len; i++)
    {
      const Run *r = &g_array_index (sw->runs, Run, i);
      if (!r->done || !isfinite (r->rank))
        continue;
      if (!best || (higher_better ? r->rank > best->rank : r->rank < best->rank))
        {
          best = r;
          best_i = i;
        }
    }
  if (!best)
    return;
  g_autofree char *what = fw_sweep_grid_describe (sw->grid, best->combination);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  printf (_("best run %u: %s  %s %s"), best_i + 1, what, sw->metric,
          g_ascii_formatd (buf, sizeof buf, "%.6g", best->rank));
  if (best->model)
    {
      g_autofree char *shown = g_filename_display_name (best->model);
      printf ("  %s", shown);
    }
  printf ("\n");
}

int
fw_cmd_sweep (int argc, char **argv)
{
  FwConfig base;
  fw_config_init (&base);
  const char *data = NULL, *grid_text = NULL, *random = NULL, *jobs = NULL, *metric = NULL,
             *save_dir = NULL, *out = NULL;
  gboolean skip_bad = FALSE, quiet = FALSE;
  const FwCliFlag flags[] = {
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "grid", "\"OPT=V1,V2 ...\"", N_("the options to sweep and their values; every combination is one run"), &grid_text, NULL },
    { "random", "N", N_("run N combinations of the grid drawn at random (from --seed) instead of all"), &random, NULL },
    { "jobs", "K", N_("runs at a time; each gets the cores divided by K as threads unless --threads is given [1]"), &jobs, NULL },
    { "metric", "M", N_("the metric the best run is chosen by: val_accuracy, test_accuracy, val_loss or train_loss [val_accuracy]"), &metric, NULL },
    { "save-dir", "DIR", N_("save each run's model in this folder (run-NNN.safetensors)"), &save_dir, NULL },
    { "out", "CSV", N_("write one row per finished run to this CSV file"), &out, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
    { "quiet", NULL, N_("print no progress on stderr"), NULL, &quiet },
  };
  switch (fw_cli_parse ("sweep", "--data SPEC --grid \"OPT=V1,V2 …\" [OPTIONS] --out CSV", argc,
                        argv, flags, G_N_ELEMENTS (flags), &base))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!data || !grid_text || !out)
    {
      g_printerr (_("fusion-workbench sweep: --data, --grid and --out are required (see --help)\n"));
      return 2;
    }
  guint n_random = 0, n_jobs = 1, cores = g_get_num_processors ();
  if ((random && !parse_count ("random", random, FW_SWEEP_MAX_COMBINATIONS, &n_random))
      || (jobs && !parse_count ("jobs", jobs, 1024, &n_jobs)))
    return 2;
  metric = metric ? metric : "val_accuracy";
  gboolean higher_better = TRUE, known = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (metrics); i++)
    if (g_str_equal (metric, metrics[i].name))
      {
        known = TRUE;
        higher_better = metrics[i].higher_better;
      }
  if (!known)
    {
      g_printerr (_("fusion-workbench sweep: --metric: '%s' is not one of val_accuracy, "
                    "test_accuracy, val_loss, train_loss\n"), metric);
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSweepGrid) grid = fw_sweep_grid_parse (grid_text, &error);
  if (!grid)
    {
      g_printerr ("fusion-workbench sweep: %s\n", error->message);
      return 2;
    }
  g_autoptr (GArray) picked = fw_sweep_grid_pick (grid, n_random, base.seed);
  /* every combination is checked before the first one runs */
  for (guint i = 0; i < picked->len; i++)
    {
      FwConfig c;
      if (!fw_sweep_grid_config (grid, g_array_index (picked, guint, i), &base, &c, &error))
        {
          g_printerr ("fusion-workbench sweep: %s\n", error->message);
          return 2;
        }
    }
  if (save_dir && g_mkdir_with_parents (save_dir, 0755) != 0)
    {
      int e = errno;
      g_autofree char *shown = g_filename_display_name (save_dir);
      g_printerr (_("fusion-workbench sweep: cannot create the folder %s: %s\n"), shown,
                  g_strerror (e));
      return 1;
    }
  g_autofree char *self = g_file_read_link ("/proc/self/exe", &error);
  if (!self)
    {
      g_printerr ("fusion-workbench sweep: %s\n", error->message);
      return 1;
    }

  Sweep sw = { 0 };
  sw.grid = grid;
  sw.base = base;
  sw.out = out;
  sw.save_dir = save_dir;
  sw.metric = metric;
  sw.quiet = quiet;
  sw.jobs = MIN (n_jobs, picked->len);
  /* the machine's cores shared out, unless --threads says how many: runs
   * with the same thread count give the same numbers bit for bit, while a
   * different count may change the last digits */
  sw.threads = base.threads > 0 ? base.threads : MAX (1, (int) (cores / sw.jobs));
  sw.runs = g_array_sized_new (FALSE, TRUE, sizeof (Run), picked->len);
  g_array_set_clear_func (sw.runs, run_clear);
  for (guint i = 0; i < picked->len; i++)
    {
      Run r = { .combination = g_array_index (picked, guint, i), .rank = NAN };
      g_array_append_val (sw.runs, r);
    }
  sw.base_args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (sw.base_args, g_strdup (self));
  g_ptr_array_add (sw.base_args, g_strdup ("train"));
  g_ptr_array_add (sw.base_args, g_strdup_printf ("--data=%s", data));
  g_ptr_array_add (sw.base_args, g_strdup ("--json"));
  g_ptr_array_add (sw.base_args, g_strdup ("--quiet"));
  if (skip_bad)
    g_ptr_array_add (sw.base_args, g_strdup ("--skip-bad-rows"));
  /* every run reads the same precomputed vectors */
  if (fw_cli_image_features)
    g_ptr_array_add (sw.base_args, g_strdup_printf ("--image-features=%s", fw_cli_image_features));
  if (fw_cli_text_features)
    g_ptr_array_add (sw.base_args, g_strdup_printf ("--text-features=%s", fw_cli_text_features));
  sw.children = g_ptr_array_new ();
  sw.loop = g_main_loop_new (NULL, FALSE);

  /* a valid CSV (the header) from the start */
  if (!write_csv (&sw, &error))
    {
      g_printerr ("fusion-workbench sweep: %s\n", error->message);
      return 1;
    }
  if (!quiet)
    g_printerr (_("fusion-workbench sweep: %u runs of %u combinations, %u at a time with %d "
                  "threads each\n"), sw.runs->len, fw_sweep_grid_n_combinations (grid), sw.jobs,
                sw.threads);
  guint sigint = g_unix_signal_add (SIGINT, on_interrupt, &sw);
  guint sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &sw);
  start_next (&sw);
  if (sw.running > 0)
    g_main_loop_run (sw.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (!quiet)
    {
      g_autofree char *shown = g_filename_display_name (out);
      g_printerr (_("fusion-workbench sweep: %u of %u runs finished; rows in %s\n"), sw.finished,
                  sw.runs->len, shown);
    }
  print_best (&sw, higher_better);
  g_main_loop_unref (sw.loop);
  g_ptr_array_unref (sw.children);
  g_ptr_array_unref (sw.base_args);
  g_array_unref (sw.runs);
  if (sw.interrupted)
    return 130;
  return sw.failed ? 1 : 0;
}
