/* fw-window-tuning.c — the main window's side of tuning: the Sweep and
 * Runs window (win.tuning, Ctrl+Shift+T), the queue of sweep runs trained
 * one after another, Continue training from a run's checkpoint, and
 * Duplicate settings into the model panel.  The queue is saved beside the
 * runs folder (sweep-queue.json, the options of each run still to train)
 * whenever it changes, so a new window goes on with it once its dataset
 * has loaded.  The widgets are fw-tuning-window.c's; training stays
 * fw-window.c's. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fw-checkpoint.h"
#include "fw-file.h"
#include "fw-run-store.h"
#include "fw-sweep-grid.h"
#include "fw-tuning-window.h"
#include "fw-window-private.h"

typedef struct {
  FwTuningWindow *window;    /* NULL until opened */
  GQueue queue;              /* FwConfig* still to train */
  char *queue_path;          /* where the queue is kept between sessions */
  char *queue_error;         /* shown once the dataset has loaded (loading clears the banner) */
} Tuning;

static void
tuning_free (gpointer p)
{
  Tuning *t = p;
  g_queue_clear_full (&t->queue, g_free);
  g_free (t->queue_path);
  g_free (t->queue_error);
  if (t->window)
    gtk_window_destroy (GTK_WINDOW (t->window));
  g_free (t);
}

static Tuning *
tuning (FwWindow *self)
{
  return g_object_get_data (G_OBJECT (self), "fw-window-tuning");
}

guint
fw_window_tuning_n_queued (FwWindow *self)
{
  Tuning *t = tuning (self);
  return t ? t->queue.length : 0;
}

/* best effort, like the runs' autosave: a queue that cannot be kept
 * still trains in this session */
static void
save_queue (Tuning *t)
{
  if (t->queue.length == 0)
    {
      g_unlink (t->queue_path);
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (GList *l = t->queue.head; l; l = l->next)
    json_builder_add_value (b, fw_config_to_json (l->data));
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  g_autofree char *dir = g_path_get_dirname (t->queue_path);
  g_mkdir_with_parents (dir, 0700);
  fw_file_write (t->queue_path, text, strlen (text), 0666, NULL);
}

/* a queue file that cannot be read is set aside with a message, not lost */
static void
load_queue (FwWindow *self, Tuning *t)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (t->queue_path, &text, &len, NULL))
    return;
  g_autoptr (JsonParser) p = json_parser_new ();
  gboolean ok = json_parser_load_from_data (p, text, (gssize) len, NULL)
                && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p));
  JsonArray *a = ok ? json_node_get_array (json_parser_get_root (p)) : NULL;
  g_autoptr (GError) error = NULL;
  for (guint i = 0; ok && i < json_array_get_length (a); i++)
    {
      FwConfig *c = g_new (FwConfig, 1);
      ok = fw_config_from_json (c, json_array_get_element (a, i), &error);
      if (ok)
        g_queue_push_tail (&t->queue, c);
      else
        g_free (c);
    }
  if (!ok)
    {
      g_queue_clear_full (&t->queue, g_free);
      g_autofree char *bad = g_strconcat (t->queue_path, ".bad", NULL);
      g_rename (t->queue_path, bad);
      t->queue_error = g_strdup_printf (_("The sweep queue %s could not be read and was set aside "
                                          "as %s: %s"), t->queue_path, bad,
                                        error ? error->message : _("not a JSON list of options"));
      fw_window_show_error (self, t->queue_error);
    }
}

static void
show_queued (FwWindow *self)
{
  Tuning *t = tuning (self);
  save_queue (t);
  if (t->window)
    fw_tuning_window_set_queued (t->window, t->queue.length);
}

void
fw_window_tuning_next (FwWindow *self)
{
  Tuning *t = tuning (self);
  if (t && t->queue_error && fw_window_get_dataset (self))
    {
      fw_window_show_error (self, t->queue_error);
      g_clear_pointer (&t->queue_error, g_free);
    }
  if (!t || t->queue.length == 0 || fw_window_get_training_run (self) || fw_window_is_loading (self)
      || !fw_window_get_dataset (self))
    return;
  g_autofree FwConfig *config = g_queue_pop_head (&t->queue);
  if (!fw_window_start_run (self, config, NULL, NULL))
    g_queue_clear_full (&t->queue, g_free);   /* the banner says why */
  show_queued (self);
  fw_window_update_actions (self);
}

gboolean
fw_window_queue_sweep (FwWindow *self, const char *grid_text, guint n_random, GError **error)
{
  g_autoptr (FwSweepGrid) grid = fw_sweep_grid_parse (grid_text, error);
  if (!grid)
    return FALSE;
  const FwConfig *base = fw_model_panel_get_config (fw_window_get_model_panel (self));
  g_autoptr (GArray) picked = fw_sweep_grid_pick (grid, n_random, base->seed);
  GPtrArray *configs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < picked->len; i++)
    {
      FwConfig *c = g_new (FwConfig, 1);
      g_ptr_array_add (configs, c);
      if (!fw_sweep_grid_config (grid, g_array_index (picked, guint, i), base, c, error))
        {
          g_ptr_array_unref (configs);
          return FALSE;   /* nothing queued: every combination is checked first */
        }
    }
  Tuning *t = tuning (self);
  for (guint i = 0; i < configs->len; i++)
    g_queue_push_tail (&t->queue, g_steal_pointer (&configs->pdata[i]));
  g_ptr_array_unref (configs);
  show_queued (self);
  fw_window_tuning_next (self);
  return TRUE;
}

gboolean
fw_window_continue_run (FwWindow *self, FwRun *run, int more_epochs, GError **error)
{
  g_return_val_if_fail (FW_IS_RUN (run) && more_epochs > 0, FALSE);
  if (fw_window_is_busy (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("Wait until the current work ends before continuing a run."));
      return FALSE;
    }
  g_autofree char *path = fw_run_get_dir (run)
    ? g_build_filename (fw_run_get_dir (run), FW_RUN_CHECKPOINT_FILE, NULL) : NULL;
  if (!path || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("%s has no checkpoint to continue from: only runs trained in this window "
                     "since checkpoints were added can continue."), fw_run_get_description (run));
      return FALSE;
    }
  g_autoptr (FwCheckpoint) cp = fw_checkpoint_load (path, 1, error);
  if (!cp)
    return FALSE;
  FwConfig config = *fw_run_get_config (run);
  config.epochs = cp->state.epoch + more_epochs;
  /* the banner explains a failure (other data, a damaged file) */
  if (!fw_window_start_run (self, &config, run, cp))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                   fw_window_get_error (self) ? fw_window_get_error (self) : _("Cannot continue this run."));
      return FALSE;
    }
  return TRUE;
}

static void
on_queue_sweep (FwTuningWindow *window, const char *grid, guint n_random, FwWindow *self)
{
  g_autoptr (GError) error = NULL;
  if (!fw_window_queue_sweep (self, grid, n_random, &error))
    fw_window_show_error (self, error->message);
}

static void
on_continue_run (FwTuningWindow *window, FwRun *run, int more, FwWindow *self)
{
  g_autoptr (GError) error = NULL;
  if (!fw_window_continue_run (self, run, more, &error))
    fw_window_show_error (self, error->message);
}

static void
on_duplicate_settings (FwTuningWindow *window, FwRun *run, FwWindow *self)
{
  fw_model_panel_set_config (fw_window_get_model_panel (self), fw_run_get_config (run));
  g_autofree char *text = g_strdup_printf (_("The model panel holds the options of %s"),
                                           fw_run_get_description (run));
  fw_window_set_status (self, text);
}

FwTuningWindow *
fw_window_get_tuning_window (FwWindow *self)
{
  Tuning *t = tuning (self);
  if (!t->window)
    {
      t->window = fw_tuning_window_new (GTK_WINDOW (self),
                                        fw_plot_model_get_runs (fw_window_get_plot_model (self)));
      gtk_window_set_hide_on_close (GTK_WINDOW (t->window), TRUE);
      g_signal_connect_object (t->window, "queue-sweep", G_CALLBACK (on_queue_sweep), self, 0);
      g_signal_connect_object (t->window, "continue-run", G_CALLBACK (on_continue_run), self, 0);
      g_signal_connect_object (t->window, "duplicate-settings", G_CALLBACK (on_duplicate_settings), self, 0);
      show_queued (self);
    }
  return t->window;
}

static void
action_tuning (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  gtk_window_present (GTK_WINDOW (fw_window_get_tuning_window (user_data)));
}

static const GActionEntry tuning_entries[] = {
  { "tuning", action_tuning },
};

void
fw_window_tuning_init (FwWindow *self)
{
  Tuning *t = g_new0 (Tuning, 1);
  g_autofree char *root = fw_run_store_default_root ();
  g_autofree char *parent = g_path_get_dirname (root);
  t->queue_path = g_build_filename (parent, "sweep-queue.json", NULL);
  g_object_set_data_full (G_OBJECT (self), "fw-window-tuning", t, tuning_free);
  load_queue (self, t);
  g_action_map_add_action_entries (G_ACTION_MAP (self), tuning_entries, G_N_ELEMENTS (tuning_entries), self);
}

void
fw_window_tuning_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.tuning", NULL);
}
