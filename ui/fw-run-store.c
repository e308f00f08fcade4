/* fw-run-store.c — the runs' folders on disk: run.json written durably
 * (fw-file.c: a temporary file, fsynced and renamed into place) and the
 * model file (written by the trainer) read back, by one GTask at a time so
 * that writes land in the order asked.  A folder that cannot be read is
 * skipped with a message, never trusted; a failed write marks the run.
 * At start only run.json is read: each model waits in its file until the
 * window asks for it (fw_run_get_model). */
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include <string.h>
#include "fw-file.h"
#include "fw-json.h"
#include "fw-run-store.h"

typedef enum { JOB_WRITE, JOB_LOAD_MODEL, JOB_LOAD_ALL } JobKind;

typedef struct {
  JobKind kind;
  FwRun *run;                /* WRITE, LOAD_MODEL */
  char *path;                /* WRITE: run.json; LOAD_MODEL: model file; LOAD_ALL: root */
  char *contents;            /* WRITE */
  gboolean expect_model;     /* LOAD_MODEL: the run trained an epoch, so a file is due */
  FwPlotModel *plot;         /* LOAD_ALL */
  /* results */
  FwSavedModel *saved;       /* LOAD_MODEL */
  GPtrArray *runs;           /* LOAD_ALL: (FwRun) */
  GPtrArray *errors;         /* (char *) messages for people */
} Job;

struct _FwRunStore
{
  GObject parent_instance;

  /* Owned */
  char *root;
  GQueue jobs;               /* (Job *) waiting */
  gboolean running;
};

G_DEFINE_FINAL_TYPE (FwRunStore, fw_run_store, G_TYPE_OBJECT)

enum { ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void pump (FwRunStore *self);

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_object (&job->run);
  g_free (job->path);
  g_free (job->contents);
  g_clear_object (&job->plot);
  g_clear_pointer (&job->saved, fw_saved_model_free);
  g_clear_pointer (&job->runs, g_ptr_array_unref);
  g_clear_pointer (&job->errors, g_ptr_array_unref);
  g_free (job);
}

static Job *
job_new (JobKind kind, FwRun *run)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->run = run ? g_object_ref (run) : NULL;
  job->errors = g_ptr_array_new_with_free_func (g_free);
  return job;
}

static void
fw_run_store_finalize (GObject *object)
{
  FwRunStore *self = FW_RUN_STORE (object);

  g_queue_clear_full (&self->jobs, job_free);
  g_free (self->root);
  G_OBJECT_CLASS (fw_run_store_parent_class)->finalize (object);
}

static void
fw_run_store_class_init (FwRunStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fw_run_store_finalize;
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
fw_run_store_init (FwRunStore *self)
{
  g_queue_init (&self->jobs);
}

char *
fw_run_store_default_root (void)
{
  return g_build_filename (g_get_user_data_dir (), "fusion-workbench", "runs", NULL);
}

FwRunStore *
fw_run_store_new (const char *root)
{
  FwRunStore *self = g_object_new (FW_TYPE_RUN_STORE, NULL);

  self->root = root ? g_strdup (root) : fw_run_store_default_root ();
  return self;
}

const char *fw_run_store_get_root (FwRunStore *self) { return self->root; }

gboolean
fw_run_store_is_busy (FwRunStore *self)
{
  return self->running || !g_queue_is_empty (&self->jobs);
}

void
fw_run_store_flush (FwRunStore *self)
{
  g_object_ref (self);
  while (fw_run_store_is_busy (self))
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (self);
}

/* ---- run.json ---- */

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  if (name)
    json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static const char *const state_names[] = { "queued", "running", "paused", "finished", "stopped", "failed" };
G_STATIC_ASSERT (G_N_ELEMENTS (state_names) == FW_RUN_N_STATES);

char *
fw_run_to_json (FwRun *run)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const FwStepPoint *steps;
  const FwEpochPoint *epochs;
  guint n_steps, n_epochs;

  g_return_val_if_fail (FW_IS_RUN (run), NULL);

  steps = fw_run_get_steps (run, &n_steps);
  epochs = fw_run_get_epochs (run, &n_epochs);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, FW_RUN_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, fw_run_get_description (run));
  json_builder_set_member_name (b, "number");
  json_builder_add_int_value (b, fw_run_get_number (run));
  json_builder_set_member_name (b, "name");
  if (fw_run_get_name (run))
    json_builder_add_string_value (b, fw_run_get_name (run));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "dataset");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, fw_run_get_dataset_name (run));
  json_builder_set_member_name (b, "source");
  {
    /* for people; JSON strings are UTF-8, a path need not be */
    g_autofree char *source = g_filename_display_name (fw_run_get_dataset_source (run)
                                                       ? fw_run_get_dataset_source (run) : "");
    json_builder_add_string_value (b, source);
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "config");
  json_builder_add_value (b, fw_config_to_json (fw_run_get_config (run)));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state_names[fw_run_get_state (run)]);
  json_builder_set_member_name (b, "message");
  if (fw_run_get_message (run))
    json_builder_add_string_value (b, fw_run_get_message (run));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "save_error");
  if (fw_run_get_save_error (run))
    json_builder_add_string_value (b, fw_run_get_save_error (run));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "n_params");
  json_builder_add_int_value (b, (gint64) fw_run_get_n_params (run));
  json_builder_set_member_name (b, "steps_per_epoch");
  json_builder_add_int_value (b, fw_run_get_steps_per_epoch (run));
  add_number (b, "test_accuracy", fw_run_get_test_accuracy (run));
  add_number (b, "test_loss", fw_run_get_test_loss (run));
  add_number (b, "seconds", fw_run_get_seconds (run));
  json_builder_set_member_name (b, "epochs");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_epochs; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "epoch");
      json_builder_add_int_value (b, epochs[i].epoch);
      json_builder_set_member_name (b, "step");
      json_builder_add_int_value (b, epochs[i].step);
      add_number (b, "train_loss", epochs[i].train_loss);
      add_number (b, "val_loss", epochs[i].val_loss);
      add_number (b, "train_accuracy", epochs[i].train_accuracy);
      add_number (b, "val_accuracy", epochs[i].val_accuracy);
      add_number (b, "seconds", epochs[i].seconds);
      /* reliance over epochs (the Contributions view's chart) */
      add_number (b, "image_share", epochs[i].image_share);
      add_number (b, "text_share", epochs[i].text_share);
      add_number (b, "interaction", epochs[i].interaction);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* compact: the steps are consecutive from first_step */
  json_builder_set_member_name (b, "first_step");
  json_builder_add_int_value (b, n_steps ? steps[0].step : 1);
  json_builder_set_member_name (b, "step_losses");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_steps; i++)
    add_number (b, NULL, steps[i].loss);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static double
get_number (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return NAN;
  return json_node_get_double (node);
}

static gint64
get_int (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return 0;
  return json_node_get_int (node);
}

static const char *
get_string (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

FwRun *
fw_run_from_json (const char *text, gsize length, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(FwRun) run = NULL;
  JsonObject *o, *ds = NULL;
  JsonArray *epochs = NULL, *losses = NULL;
  JsonNode *node;
  FwConfig config;
  const char *state;
  GdkRGBA black = { 0, 0, 0, 1 };
  int first_step;

  /* depth-limited: one hostile run.json must not crash every start */
  if (!(root = fw_json_parse (text, (gssize) length, FW_RUN_FILE, error)))
    return NULL;
  node = root;
  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      g_strcmp0 (get_string (o = json_node_get_object (node), "format"), FW_RUN_FORMAT) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("not a run of Fusion Workbench (no \"format\": \"%s\")"), FW_RUN_FORMAT);
      return NULL;
    }
  if (get_int (o, "version") != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("run format version %d is not supported"), (int) get_int (o, "version"));
      return NULL;
    }
  if (!fw_config_from_json (&config, json_object_get_member (o, "config"), error) ||
      !fw_config_validate (&config, error))
    return NULL;
  if ((node = json_object_get_member (o, "dataset")) && JSON_NODE_HOLDS_OBJECT (node))
    ds = json_node_get_object (node);
  if ((node = json_object_get_member (o, "epochs")) && JSON_NODE_HOLDS_ARRAY (node))
    epochs = json_node_get_array (node);
  if ((node = json_object_get_member (o, "step_losses")) && JSON_NODE_HOLDS_ARRAY (node))
    losses = json_node_get_array (node);
  if (!epochs || !losses)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("\"epochs\" or \"step_losses\" is missing or not a list"));
      return NULL;
    }

  run = fw_run_new (&config, ds && get_string (ds, "name") ? get_string (ds, "name") : "", &black);
  if (ds)
    fw_run_set_dataset_source (run, get_string (ds, "source"));
  fw_run_set_number (run, (int) CLAMP (get_int (o, "number"), 0, G_MAXINT));
  fw_run_set_name (run, get_string (o, "name"));
  fw_run_set_n_params (run, (gsize) MAX (get_int (o, "n_params"), 0));
  fw_run_set_steps_per_epoch (run, (int) CLAMP (get_int (o, "steps_per_epoch"), 0, G_MAXINT));
  first_step = (int) CLAMP (get_int (o, "first_step"), 0, G_MAXINT / 2);
  for (guint i = 0; i < json_array_get_length (losses); i++)
    {
      JsonNode *v = json_array_get_element (losses, i);
      double loss = JSON_NODE_TYPE (v) == JSON_NODE_VALUE ? json_node_get_double (v) : NAN;
      fw_run_add_step (run, first_step + (int) i, loss);
    }
  for (guint i = 0; i < json_array_get_length (epochs); i++)
    {
      JsonNode *v = json_array_get_element (epochs, i);
      JsonObject *e;
      FwEpochPoint p = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (v))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("epoch %u is not an object"), i + 1);
          return NULL;
        }
      e = json_node_get_object (v);
      p.epoch = (int) get_int (e, "epoch");
      p.step = (int) get_int (e, "step");
      p.train_loss = get_number (e, "train_loss");
      p.val_loss = get_number (e, "val_loss");
      p.train_accuracy = get_number (e, "train_accuracy");
      p.val_accuracy = get_number (e, "val_accuracy");
      p.seconds = get_number (e, "seconds");
      p.image_share = get_number (e, "image_share");
      p.text_share = get_number (e, "text_share");
      p.interaction = get_number (e, "interaction");
      fw_run_add_epoch (run, &p);
    }

  fw_run_set_save_error (run, get_string (o, "save_error"));
  state = get_string (o, "state");
  if (g_strcmp0 (state, "failed") == 0)
    fw_run_fail (run, get_string (o, "message"));
  else if (g_strcmp0 (state, "finished") == 0 || g_strcmp0 (state, "stopped") == 0)
    fw_run_finish (run, get_number (o, "test_accuracy"), get_number (o, "test_loss"),
                   get_number (o, "seconds"), g_strcmp0 (state, "stopped") == 0);
  else
    {
      /* the window closed or crashed while it trained: what was saved stays */
      double seconds = get_number (o, "seconds");
      fw_run_finish (run, NAN, NAN, isfinite (seconds) ? seconds : 0, TRUE);
    }
  return g_steal_pointer (&run);
}

/* ---- the job queue ---- */

static void
write_thread (Job *job)
{
  g_autoptr(GError) error = NULL;

  if (!fw_file_write (job->path, job->contents, strlen (job->contents), 0666, &error))
    g_ptr_array_add (job->errors, g_strdup_printf (_("Could not save the run %s: %s"),
                                                   fw_run_get_description (job->run), error->message));
}

static void
load_model_thread (Job *job)
{
  g_autoptr(GError) error = NULL;

  /* none when training failed in its first epoch; otherwise a missing
   * file is a lost model, not a normal state */
  if (!g_file_test (job->path, G_FILE_TEST_EXISTS))
    {
      if (job->expect_model)
        {
          g_autofree char *shown = g_filename_display_name (job->path);
          g_ptr_array_add (job->errors, g_strdup_printf (_("The model of %s was not saved: %s is missing"),
                                                         fw_run_get_description (job->run), shown));
        }
      return;
    }
  /* the run's model is exactly what the file holds */
  job->saved = fw_model_load (job->path, 256, &error);
  if (!job->saved)
    g_ptr_array_add (job->errors, g_strdup_printf (_("Could not read the saved model back: %s"), error->message));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

/* whether the run got through an epoch, so that its model file is due */
static gboolean
run_trained (FwRun *run)
{
  guint n = 0;

  fw_run_get_epochs (run, &n);
  return n > 0;
}

/* Before fw-file.c, g_file_set_contents named its temporaries NAME.XXXXXX
 * (six random letters and digits): beside our two file names, those are
 * ours too.  A suffix of lower-case letters only ("backup") is taken for a
 * person's, which costs missing one temporary in two hundred. */
static gboolean
is_legacy_temp (const char *name)
{
  const char *ours[] = { FW_RUN_FILE ".", FW_RUN_MODEL_FILE "." };
  gboolean mixed = FALSE;

  for (guint k = 0; k < G_N_ELEMENTS (ours); k++)
    if (g_str_has_prefix (name, ours[k]) && strlen (name) == strlen (ours[k]) + 6)
      {
        const char *suffix = name + strlen (ours[k]);
        for (int i = 0; i < 6; i++)
          {
            if (!g_ascii_isalnum (suffix[i]))
              return FALSE;
            mixed |= !g_ascii_islower (suffix[i]);
          }
        return mixed;
      }
  return FALSE;
}

static void
remove_legacy_temps (GDir *root_dir, const char *root)
{
  const char *name;

  while ((name = g_dir_read_name (root_dir)))
    {
      g_autofree char *folder = g_build_filename (root, name, NULL);
      g_autoptr(GDir) d = g_dir_open (folder, 0, NULL);
      const char *child;

      while (d && (child = g_dir_read_name (d)))
        if (is_legacy_temp (child))
          {
            g_autofree char *path = g_build_filename (folder, child, NULL);
            if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
              g_unlink (path);
          }
    }
  g_dir_rewind (root_dir);
}

static void
load_all_thread (Job *job)
{
  g_autoptr(GDir) dir = g_dir_open (job->path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  job->runs = g_ptr_array_new_with_free_func (g_object_unref);
  if (!dir)
    return;   /* no runs yet */
  /* what a crash or a kill left half-written: ours only, never the user's */
  fw_file_remove_stale_temps (job->path, 1);
  remove_legacy_temps (dir, job->path);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);   /* ids are start times: oldest first */
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *folder = g_build_filename (job->path, names->pdata[i], NULL);
      g_autofree char *file = g_build_filename (folder, FW_RUN_FILE, NULL);
      g_autofree char *model_file = g_build_filename (folder, FW_RUN_MODEL_FILE, NULL);
      g_autofree char *shown = g_filename_display_name (folder);   /* for messages */
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;
      FwRun *run;

      if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
        continue;
      if (!g_file_get_contents (file, &text, &length, &error) ||
          !(run = fw_run_from_json (text, length, &error)))
        {
          g_ptr_array_add (job->errors, g_strdup_printf (_("Skipped the saved run %s: %s"), shown, error->message));
          continue;
        }
      fw_run_set_dir (run, folder);
      /* read when first needed: a window with many runs starts at once */
      if (g_file_test (model_file, G_FILE_TEST_IS_REGULAR))
        fw_run_set_model_file (run, model_file);
      else if (run_trained (run) && !fw_run_get_save_error (run))
        {
          g_autofree char *shown_file = g_filename_display_name (model_file);
          g_autofree char *message = g_strdup_printf (_("%s is missing"), shown_file);
          fw_run_set_save_error (run, message);
          g_ptr_array_add (job->errors, g_strdup_printf (_("The saved run %s has lost its model: %s"),
                                                         shown, message));
        }
      g_ptr_array_add (job->runs, run);
    }
}

static void
job_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;

  switch (job->kind)
    {
    case JOB_WRITE: write_thread (job); break;
    case JOB_LOAD_MODEL: load_model_thread (job); break;
    case JOB_LOAD_ALL: load_all_thread (job); break;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FwRunStore *self = FW_RUN_STORE (source);
  Job *job = g_task_get_task_data (G_TASK (result));

  self->running = FALSE;
  if (job->kind == JOB_LOAD_MODEL && job->saved)
    fw_run_set_model (job->run, g_steal_pointer (&job->saved));
  /* the run stays, marked: what did not reach the disk is not lost silently */
  if ((job->kind == JOB_WRITE || job->kind == JOB_LOAD_MODEL) && job->errors->len > 0
      && !fw_run_get_save_error (job->run))
    fw_run_set_save_error (job->run, job->errors->pdata[0]);
  if (job->kind == JOB_LOAD_ALL)
    for (guint i = 0; i < job->runs->len; i++)
      {
        FwRun *run = job->runs->pdata[i];
        GdkRGBA color;

        fw_plot_model_next_color (job->plot, &color);
        fw_run_set_color (run, &color);
        fw_plot_model_add_run (job->plot, run);
      }
  if (job->errors->len > 0)
    {
      g_ptr_array_add (job->errors, NULL);
      g_autofree char *message = g_strjoinv ("\n", (char **) job->errors->pdata);
      g_signal_emit (self, signals[ERROR], 0, message);
    }
  pump (self);
}

static void
pump (FwRunStore *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->running || !(job = g_queue_pop_head (&self->jobs)))
    return;
  self->running = TRUE;
  task = g_task_new (self, NULL, on_job_done, NULL);
  g_task_set_task_data (task, job, job_free);
  g_task_set_name (task, "fw-run-store");
  g_task_run_in_thread (task, job_thread);
}

static void
push (FwRunStore *self, Job *job)
{
  g_queue_push_tail (&self->jobs, job);
  pump (self);
}

gboolean
fw_run_store_add (FwRunStore *self, FwRun *run, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *dir = NULL;

  g_return_val_if_fail (FW_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (FW_IS_RUN (run), FALSE);

  if (g_mkdir_with_parents (self->root, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *shown = g_filename_display_name (self->root);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create %s: %s"), shown, g_strerror (saved_errno));
      return FALSE;
    }
  /* two runs in the same second get -2, -3, … */
  for (int i = 1; i < 1000; i++)
    {
      g_autofree char *id = i == 1 ? g_strdup (stamp) : g_strdup_printf ("%s-%d", stamp, i);
      g_autofree char *path = g_build_filename (self->root, id, NULL);
      if (g_mkdir (path, 0700) == 0)
        {
          dir = g_steal_pointer (&path);
          break;
        }
      if (errno != EEXIST)
        {
          int saved_errno = errno;
          g_autofree char *shown = g_filename_display_name (path);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot create %s: %s"), shown, g_strerror (saved_errno));
          return FALSE;
        }
    }
  if (!dir)
    {
      g_autofree char *shown = g_filename_display_name (self->root);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Cannot create a run folder in %s"), shown);
      return FALSE;
    }
  fw_run_set_dir (run, dir);
  fw_run_store_save_metrics (self, run);
  return TRUE;
}

void
fw_run_store_save_metrics (FwRunStore *self, FwRun *run)
{
  Job *job;

  g_return_if_fail (FW_IS_RUN_STORE (self));
  if (!fw_run_get_dir (run))
    return;
  job = job_new (JOB_WRITE, run);
  job->path = g_build_filename (fw_run_get_dir (run), FW_RUN_FILE, NULL);
  job->contents = fw_run_to_json (run);
  push (self, job);
}

void
fw_run_store_load_model (FwRunStore *self, FwRun *run)
{
  Job *job;

  g_return_if_fail (FW_IS_RUN_STORE (self));
  if (!fw_run_get_dir (run))
    return;
  job = job_new (JOB_LOAD_MODEL, run);
  job->path = g_build_filename (fw_run_get_dir (run), FW_RUN_MODEL_FILE, NULL);
  job->expect_model = run_trained (run);
  push (self, job);
}

void
fw_run_store_load_all (FwRunStore *self, FwPlotModel *plot)
{
  Job *job = job_new (JOB_LOAD_ALL, NULL);

  job->path = g_strdup (self->root);
  job->plot = g_object_ref (plot);
  push (self, job);
}

gboolean
fw_run_store_delete (FwRunStore *self, FwRun *run, GError **error)
{
  const char *dir = fw_run_get_dir (run);
  g_autoptr(GDir) d = NULL;
  const char *name;

  g_return_val_if_fail (!fw_run_store_is_busy (self), FALSE);
  if (!dir)
    return TRUE;
  if (!(d = g_dir_open (dir, 0, error)))
    return FALSE;
  /* only our files: run.json, the model, and temporary files beside them */
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_unlink (path) != 0)
        {
          int saved_errno = errno;
          g_autofree char *shown = g_filename_display_name (path);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot delete %s: %s"), shown, g_strerror (saved_errno));
          return FALSE;
        }
    }
  if (g_rmdir (dir) != 0)
    {
      int saved_errno = errno;
      g_autofree char *shown = g_filename_display_name (dir);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot delete %s: %s"), shown, g_strerror (saved_errno));
      return FALSE;
    }
  fw_run_set_dir (run, NULL);
  return TRUE;
}
