/* fw-window-runs.c — the run list's own commands: rename the selected
 * run (saved with it), and put its settings back into the Model panel so
 * a class can rerun or vary it.  Deleting is fw-window-models.c's. */
#include <glib/gi18n.h>

#include "fw-run-row.h"
#include "fw-window-private.h"

void
fw_window_rename_run (FwWindow *self, FwRun *run, const char *name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (FW_IS_WINDOW (self));
  g_return_if_fail (FW_IS_RUN (run));

  fw_run_set_name (run, name);
  /* a run still training saves itself at each epoch; others now */
  if (fw_run_get_dir (run))
    fw_run_store_save_metrics (fw_window_get_run_store (self), run);
  fw_plot_model_changed (fw_window_get_plot_model (self));
  text = g_strdup_printf (_("Renamed to %s"), fw_run_get_description (run));
  fw_window_set_status (self, text);
}

static void
on_rename_response (GtkDialog *dialog, int response, FwWindow *self)
{
  FwRun *run = g_object_get_data (G_OBJECT (dialog), "fw-run");
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "fw-entry");

  if (response == GTK_RESPONSE_ACCEPT)
    fw_window_rename_run (self, run, gtk_editable_get_text (entry));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
action_rename_run (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  FwRun *run = fw_window_get_selected_run (self);
  GtkWidget *dialog, *entry, *label, *box;
  g_autofree char *prompt = NULL;

  if (!run)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  dialog = gtk_dialog_new_with_buttons (_("Rename Run"), GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT | GTK_DIALOG_USE_HEADER_BAR,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Rename"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  box = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_box_set_spacing (GTK_BOX (box), 8);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  prompt = g_strdup_printf (_("A name for %s (empty: its number and options)"), fw_run_get_summary (run));
  label = gtk_label_new (prompt);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), fw_run_get_description (run));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), entry);
  g_object_set_data_full (G_OBJECT (dialog), "fw-run", g_object_ref (run), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "fw-entry", entry);
  g_signal_connect (dialog, "response", G_CALLBACK (on_rename_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
fw_window_use_run_settings (FwWindow *self, FwRun *run)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (FW_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (FW_IS_RUN (run), FALSE);

  if (fw_window_get_training_run (self))
    {
      fw_window_show_error (self, _("Stop training before changing the model's settings."));
      return FALSE;
    }
  fw_model_panel_set_config (fw_window_get_model_panel (self), fw_run_get_config (run));
  text = g_strdup_printf (_("The Model panel now holds the settings of %s"), fw_run_get_description (run));
  fw_window_set_status (self, text);
  return TRUE;
}

static void
action_use_run_settings (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  FwRun *run = fw_window_get_selected_run (self);

  if (run)
    fw_window_use_run_settings (self, run);
}

static const GActionEntry run_entries[] = {
  { "rename-run", action_rename_run },
  { "use-run-settings", action_use_run_settings },
};

/* Runs of another dataset stay listed (their curves are still worth
 * comparing) but are marked: they cannot be explained on this one. */
static void
mark_other_datasets (FwWindow *self)
{
  FwExplainer *explainer = fw_window_get_explainer (self);
  const FwDataset *ds;
  GtkListBoxRow *row;

  if (!explainer || !fw_window_get_runs_list (self))   /* the window is going */
    return;
  ds = fw_explainer_get_dataset (explainer);
  for (int i = 0; (row = gtk_list_box_get_row_at_index (fw_window_get_runs_list (self), i)); i++)
    fw_run_row_set_open_dataset (FW_RUN_ROW (gtk_list_box_row_get_child (row)), ds ? ds->name : NULL);
}

void
fw_window_runs_init (FwWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), run_entries, G_N_ELEMENTS (run_entries), self);
  /* after the list box made its rows (it connected first) */
  g_signal_connect_object (fw_plot_model_get_runs (fw_window_get_plot_model (self)), "items-changed",
                           G_CALLBACK (mark_other_datasets), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (fw_window_get_explainer (self), "dataset-changed",
                           G_CALLBACK (mark_other_datasets), self, G_CONNECT_SWAPPED);
}

void
fw_window_runs_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.use-run-settings", NULL);
}
