/* fw-tuning-window.c — composes the sweep form, FwParallelChart and
 * FwRunsTable, and turns buttons into the "queue-sweep", "continue-run" and
 * "duplicate-settings" signals the main window answers.  Selecting rows
 * shows only their curves in the main window's plots. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-sweep-grid.h"
#include "fw-tuning-window.h"

static const char *const metric_ids[] = { "test_accuracy", "val_accuracy", "val_loss", "seconds" };

struct _FwTuningWindow
{
  GtkWindow parent_instance;

  /* Template widgets */
  GtkEntry *grid_entry;
  GtkSpinButton *random_spin;
  GtkLabel *queue_label;
  GtkLabel *sweep_error_label;
  GtkDropDown *metric_dropdown;
  FwParallelChart *chart;
  FwRunsTable *table;
  GtkSpinButton *continue_spin;
  GtkButton *continue_button;
  GtkButton *duplicate_button;
  GtkLabel *diff_label;

  /* Owned */
  char *diff;
};

G_DEFINE_FINAL_TYPE (FwTuningWindow, fw_tuning_window, GTK_TYPE_WINDOW)

enum { QUEUE_SWEEP, CONTINUE_RUN, DUPLICATE_SETTINGS, N_SIGNALS };
static guint signals[N_SIGNALS];

gboolean
fw_tuning_window_queue (FwTuningWindow *self, const char *grid, guint n_random)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSweepGrid) parsed = fw_sweep_grid_parse (grid, &error);
  gtk_widget_set_visible (GTK_WIDGET (self->sweep_error_label), parsed == NULL);
  if (!parsed)
    {
      gtk_label_set_text (self->sweep_error_label, error->message);
      return FALSE;
    }
  g_signal_emit (self, signals[QUEUE_SWEEP], 0, grid, n_random);
  return TRUE;
}

static void
on_queue_clicked (FwTuningWindow *self)
{
  fw_tuning_window_queue (self, gtk_editable_get_text (GTK_EDITABLE (self->grid_entry)),
                          (guint) gtk_spin_button_get_value_as_int (self->random_spin));
}

void
fw_tuning_window_set_queued (FwTuningWindow *self, guint n)
{
  g_autofree char *text = n ? g_strdup_printf (g_dngettext (NULL, "%u run queued", "%u runs queued", n), n)
                            : g_strdup ("");
  gtk_label_set_text (self->queue_label, text);
}

static void
on_metric_changed (FwTuningWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->metric_dropdown);
  if (i < G_N_ELEMENTS (metric_ids))
    fw_parallel_chart_set_metric (self->chart, metric_ids[i]);
}

static void
update_diff (FwTuningWindow *self, GList *selected)
{
  GString *s = g_string_new (NULL);
  if (g_list_length (selected) == 2)
    {
      const FwConfig *a = fw_run_get_config (selected->data);
      const FwConfig *b = fw_run_get_config (selected->next->data);
      int n = 0;
      const FwOptionInfo *opts = fw_config_options (&n);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *x = fw_config_get (a, opts[i].name);
          g_autofree char *y = fw_config_get (b, opts[i].name);
          if (strcmp (x, y) != 0 && strcmp (opts[i].name, "threads") != 0)
            g_string_append_printf (s, "%s%s: %s │ %s", s->len ? "\n" : "", opts[i].name, x, y);
        }
      if (s->len == 0)
        g_string_append (s, _("Same options"));
    }
  g_free (self->diff);
  self->diff = g_string_free (s, FALSE);
  gtk_label_set_text (self->diff_label, self->diff);
}

static void
on_selection_changed (FwTuningWindow *self)
{
  GList *selected = fw_runs_table_get_selected (self->table);
  guint n = g_list_length (selected);
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), n == 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->duplicate_button), n == 1);
  /* selected rows: only their curves in the plots */
  GListModel *runs = fw_runs_table_get_runs (self->table);
  for (guint i = 0; n > 0 && runs && i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (FwRun) run = g_list_model_get_item (runs, i);
      fw_run_set_visible (run, g_list_find (selected, run) != NULL);
    }
  update_diff (self, selected);
  g_list_free (selected);
}

static FwRun *
the_selected (FwTuningWindow *self)
{
  GList *selected = fw_runs_table_get_selected (self->table);
  FwRun *run = g_list_length (selected) == 1 ? selected->data : NULL;
  g_list_free (selected);
  return run;
}

static void
on_continue_clicked (FwTuningWindow *self)
{
  FwRun *run = the_selected (self);
  if (run)
    g_signal_emit (self, signals[CONTINUE_RUN], 0, run,
                   gtk_spin_button_get_value_as_int (self->continue_spin));
}

static void
on_duplicate_clicked (FwTuningWindow *self)
{
  FwRun *run = the_selected (self);
  if (run)
    g_signal_emit (self, signals[DUPLICATE_SETTINGS], 0, run);
}

FwRunsTable *fw_tuning_window_get_table (FwTuningWindow *self) { return self->table; }
FwParallelChart *fw_tuning_window_get_chart (FwTuningWindow *self) { return self->chart; }
const char *fw_tuning_window_get_diff (FwTuningWindow *self) { return self->diff ? self->diff : ""; }

static void
fw_tuning_window_finalize (GObject *object)
{
  g_free (FW_TUNING_WINDOW (object)->diff);
  G_OBJECT_CLASS (fw_tuning_window_parent_class)->finalize (object);
}

static void
fw_tuning_window_class_init (FwTuningWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = fw_tuning_window_finalize;
  signals[QUEUE_SWEEP] = g_signal_new ("queue-sweep", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[CONTINUE_RUN] = g_signal_new ("continue-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, FW_TYPE_RUN, G_TYPE_INT);
  signals[DUPLICATE_SETTINGS] = g_signal_new ("duplicate-settings", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, FW_TYPE_RUN);
  g_type_ensure (FW_TYPE_RUNS_TABLE);
  g_type_ensure (FW_TYPE_PARALLEL_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-tuning-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, grid_entry);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, random_spin);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, queue_label);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, sweep_error_label);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, chart);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, table);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, continue_spin);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, continue_button);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, duplicate_button);
  gtk_widget_class_bind_template_child (widget_class, FwTuningWindow, diff_label);
  gtk_widget_class_bind_template_callback (widget_class, on_queue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_metric_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_duplicate_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
fw_tuning_window_init (FwTuningWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fw_parallel_chart_set_table (self->chart, self->table);
  g_signal_connect_object (self->table, "selection-changed", G_CALLBACK (on_selection_changed),
                           self, G_CONNECT_SWAPPED);
}

FwTuningWindow *
fw_tuning_window_new (GtkWindow *parent, GListModel *runs)
{
  FwTuningWindow *self = g_object_new (FW_TYPE_TUNING_WINDOW, "transient-for", parent, NULL);
  fw_runs_table_set_runs (self->table, runs);
  return self;
}
