/* fw-window-removal.c — Delete Run and Clear Runs, with a chance to undo.
 * Both take the runs out of the list at once and show a bar with Undo;
 * the runs' folders are deleted only when that chance passes (a few
 * seconds, another removal, the bar closed, the window closing), so the
 * list and the disk always agree and a slip of the keyboard costs nothing. */
#include <glib/gi18n.h>

#include "fw-window-private.h"

#define UNDO_MS 8000
#define RETRY_MS 250               /* the store or a model job is busy */

typedef struct {
  FwRun *run;
  guint position;                  /* in the list, to put it back there */
} Removed;

typedef struct {
  GArray *batch;                   /* Removed: the last removal, undoable */
  GPtrArray *doomed;               /* runs whose folders go once the store is idle */
  guint undo_id;
  guint retry_id;
  guint undo_ms;
  GtkInfoBar *bar;
  GtkLabel *label;
} Removal;

static void
removed_clear (gpointer data)
{
  g_clear_object (&((Removed *) data)->run);
}

static void
removal_free (gpointer data)
{
  Removal *r = data;

  g_clear_handle_id (&r->undo_id, g_source_remove);
  g_clear_handle_id (&r->retry_id, g_source_remove);
  g_array_unref (r->batch);
  g_ptr_array_unref (r->doomed);
  g_free (r);
}

static Removal *
removal (FwWindow *self)
{
  return g_object_get_data (G_OBJECT (self), "fw-window-removal");
}

static gboolean
can_delete_now (FwWindow *self)
{
  return !fw_run_store_is_busy (fw_window_get_run_store (self)) && fw_window_get_model_jobs (self) == 0;
}

/* Deletes the doomed folders; TRUE when none is left. */
static gboolean
delete_doomed (FwWindow *self, Removal *r)
{
  while (r->doomed->len > 0)
    {
      g_autoptr(FwRun) run = g_object_ref (g_ptr_array_index (r->doomed, 0));
      g_autoptr(GError) error = NULL;

      if (!can_delete_now (self))
        return FALSE;
      g_ptr_array_remove_index (r->doomed, 0);
      if (!fw_run_store_delete (fw_window_get_run_store (self), run, &error))
        fw_window_show_error (self, error->message);
    }
  return TRUE;
}

static gboolean
on_retry (gpointer data)
{
  FwWindow *self = data;
  Removal *r = removal (self);

  if (!delete_doomed (self, r))
    return G_SOURCE_CONTINUE;
  r->retry_id = 0;
  return G_SOURCE_REMOVE;
}

/* The undo chance is over: the batch's folders go (now, or as soon as
 * the store has written what it was writing). */
static void
end_undo_chance (FwWindow *self, Removal *r)
{
  g_clear_handle_id (&r->undo_id, g_source_remove);
  for (guint i = 0; i < r->batch->len; i++)
    g_ptr_array_add (r->doomed, g_object_ref (g_array_index (r->batch, Removed, i).run));
  g_array_set_size (r->batch, 0);
  gtk_info_bar_set_revealed (r->bar, FALSE);
  if (!delete_doomed (self, r) && !r->retry_id)
    r->retry_id = g_timeout_add (RETRY_MS, on_retry, self);
}

static gboolean
on_undo_timeout (gpointer data)
{
  FwWindow *self = data;
  Removal *r = removal (self);

  r->undo_id = 0;
  end_undo_chance (self, r);
  return G_SOURCE_REMOVE;
}

void
fw_window_remove_runs (FwWindow *self, FwRun *const *runs, guint n_runs, const char *message)
{
  Removal *r = removal (self);
  FwPlotModel *plot = fw_window_get_plot_model (self);

  /* one removal can be undone: the one before is final now */
  end_undo_chance (self, r);
  for (guint i = 0; i < n_runs; i++)
    {
      Removed item = { g_object_ref (runs[i]), 0 };

      g_list_store_find (G_LIST_STORE (fw_plot_model_get_runs (plot)), runs[i], &item.position);
      g_array_append_val (r->batch, item);
      fw_window_forget_compare_run (self, runs[i]);
      fw_plot_model_remove_run (plot, runs[i]);
    }
  gtk_label_set_text (r->label, message);
  gtk_info_bar_set_revealed (r->bar, TRUE);
  r->undo_id = g_timeout_add (r->undo_ms, on_undo_timeout, self);
  fw_window_update_actions (self);
}

gboolean
fw_window_undo_remove (FwWindow *self)
{
  Removal *r = removal (self);
  FwPlotModel *plot = fw_window_get_plot_model (self);

  if (r->batch->len == 0)
    return FALSE;
  g_clear_handle_id (&r->undo_id, g_source_remove);
  /* back in reverse order of removal, so every position is the old one */
  for (guint i = r->batch->len; i-- > 0;)
    {
      Removed *item = &g_array_index (r->batch, Removed, i);
      fw_plot_model_insert_run (plot, item->run, item->position);
    }
  g_array_set_size (r->batch, 0);
  gtk_info_bar_set_revealed (r->bar, FALSE);
  fw_window_update_actions (self);
  fw_window_set_status (self, _("Restored"));
  return TRUE;
}

void
fw_window_removal_commit (FwWindow *self)
{
  Removal *r = removal (self);

  if (!r)
    return;
  end_undo_chance (self, r);
  if (r->doomed->len > 0)
    {
      fw_run_store_flush (fw_window_get_run_store (self));
      while (fw_window_get_model_jobs (self) > 0)
        g_main_context_iteration (NULL, TRUE);
      delete_doomed (self, r);
    }
  g_clear_handle_id (&r->retry_id, g_source_remove);
}

gboolean
fw_window_removal_is_pending (FwWindow *self)
{
  Removal *r = removal (self);

  return r->batch->len > 0 || r->doomed->len > 0;
}

void
fw_window_removal_set_undo_ms (FwWindow *self, guint ms)
{
  removal (self)->undo_ms = ms;
}

static void
action_undo_remove (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fw_window_undo_remove (user_data);
}

/* Closing the bar gives up the chance to undo. */
static void
on_bar_response (GtkInfoBar *bar, int response, FwWindow *self)
{
  if (response == GTK_RESPONSE_CLOSE)
    end_undo_chance (self, removal (self));
}

static const GActionEntry removal_entries[] = {
  { "undo-remove", action_undo_remove },
};

void
fw_window_removal_init (FwWindow *self)
{
  Removal *r = g_new0 (Removal, 1);

  r->batch = g_array_new (FALSE, TRUE, sizeof (Removed));
  g_array_set_clear_func (r->batch, removed_clear);
  r->doomed = g_ptr_array_new_with_free_func (g_object_unref);
  r->undo_ms = UNDO_MS;
  r->bar = GTK_INFO_BAR (gtk_widget_get_template_child (GTK_WIDGET (self), FW_TYPE_WINDOW, "undo_bar"));
  r->label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (self), FW_TYPE_WINDOW, "undo_label"));
  g_signal_connect (r->bar, "response", G_CALLBACK (on_bar_response), self);
  g_object_set_data_full (G_OBJECT (self), "fw-window-removal", r, removal_free);
  g_action_map_add_action_entries (G_ACTION_MAP (self), removal_entries, G_N_ELEMENTS (removal_entries), self);
}

void
fw_window_removal_class_init (GtkWidgetClass *widget_class)
{
  /* offset 0: no field in FwWindow, only gtk_widget_get_template_child */
  gtk_widget_class_bind_template_child_full (widget_class, "undo_bar", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "undo_label", FALSE, 0);
}
