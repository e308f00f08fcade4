/* fw-run-row.c — keeps a row's labels in step with its FwRun ("changed")
 * and binds the eye toggle to the run's "visible" property. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-run-row.h"
#include "fw-run-summary.h"

struct _FwRunRow
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *swatch_label;
  GtkLabel *description_label;
  GtkLabel *status_label;
  GtkLabel *time_label;
  GtkToggleButton *visible_button;
  GtkMenuButton *menu_button;

  /* Owned */
  FwRun *run;
  char *open_dataset;        /* the window's dataset, NULL when none */
};

G_DEFINE_FINAL_TYPE (FwRunRow, fw_run_row, GTK_TYPE_WIDGET)

static void update (FwRunRow *self);

gboolean
fw_run_row_is_foreign (FwRunRow *self)
{
  const char *name = fw_run_get_dataset_name (self->run);

  return self->open_dataset && name && *name && g_strcmp0 (name, self->open_dataset) != 0;
}

void
fw_run_row_set_open_dataset (FwRunRow *self, const char *name)
{
  g_return_if_fail (FW_IS_RUN_ROW (self));

  if (g_strcmp0 (self->open_dataset, name) == 0)
    return;
  g_free (self->open_dataset);
  self->open_dataset = g_strdup (name);
  update (self);
}

static void
update (FwRunRow *self)
{
  FwRun *run = self->run;
  g_autofree char *status = NULL, *time = NULL, *a11y = NULL, *tip = NULL;

  switch (fw_run_get_state (run))
    {
    case FW_RUN_QUEUED:
      status = g_strdup (_("queued"));
      break;
    case FW_RUN_RUNNING:
      {
        guint n;
        int epochs = fw_run_get_config (run)->epochs;
        fw_run_get_epochs (run, &n);
        /* after the last epoch comes the test split, not an epoch more */
        if ((int) n >= epochs)
          status = g_strdup (_("testing"));
        else
          status = g_strdup_printf (_("epoch %u of %d"), n + 1, epochs);
      }
      break;
    case FW_RUN_PAUSED:
      status = g_strdup (_("paused"));
      break;
    case FW_RUN_FINISHED:
    case FW_RUN_STOPPED:
      if (isfinite (fw_run_get_test_accuracy (run)))
        status = g_strdup_printf (fw_run_get_state (run) == FW_RUN_STOPPED
                                  ? _("test %.3f (stopped)") : _("test %.3f"),
                                  fw_run_get_test_accuracy (run));
      else if (fw_run_get_source (run))
        status = g_strdup (_("not evaluated"));   /* a model file opened without a dataset */
      else
        status = g_strdup (fw_run_get_state (run) == FW_RUN_STOPPED ? _("stopped") : _("done, no test rows"));
      break;
    case FW_RUN_FAILED:
      status = g_strdup (_("failed"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), fw_run_get_message (run));
      break;
    default:
      status = g_strdup ("");
    }
  if (fw_run_get_save_error (run))
    {
      /* marked: a full disk must not pass for a saved run */
      g_autofree char *plain = g_steal_pointer (&status);
      status = g_strdup_printf (_("%s, not saved"), plain);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), fw_run_get_save_error (run));
    }
  /* a run of another dataset cannot be explained here: say so at a glance */
  if (fw_run_row_is_foreign (self))
    {
      g_autofree char *plain = g_steal_pointer (&status);
      status = g_strdup_printf (_("%s · other dataset: %s"), plain, fw_run_get_dataset_name (run));
      gtk_widget_add_css_class (GTK_WIDGET (self), "dim-label");
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "dim-label");
  gtk_label_set_text (self->status_label, status);
  /* renaming changes the description */
  gtk_label_set_text (self->description_label, fw_run_get_description (run));
  {
    g_autofree char *settings = fw_run_describe_settings (run);
    tip = g_strdup_printf (_("%s on %s\n%s"), fw_run_get_summary (run), fw_run_get_dataset_name (run), settings);
  }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->description_label), tip);
  time = fw_format_duration (fw_run_get_seconds (run));
  gtk_label_set_text (self->time_label, time);
  a11y = g_strdup_printf ("%s, %s, %s", fw_run_get_description (run), status, time);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip, -1);
}

static void
fw_run_row_dispose (GObject *object)
{
  FwRunRow *self = FW_RUN_ROW (object);

  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_clear_pointer (&self->open_dataset, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), FW_TYPE_RUN_ROW);
  /* the template's top box has no id, so dispose_template leaves it */
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (fw_run_row_parent_class)->dispose (object);
}

static void
fw_run_row_class_init (FwRunRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_run_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-run-row.ui");
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, swatch_label);
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, description_label);
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, visible_button);
  gtk_widget_class_bind_template_child (widget_class, FwRunRow, menu_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwrunrow");
}

/* The row's menu acts on the selected run: opening it selects its row. */
static void
on_menu_shown (GtkWidget *popover, FwRunRow *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_LIST_BOX_ROW);
  GtkWidget *box = row ? gtk_widget_get_ancestor (row, GTK_TYPE_LIST_BOX) : NULL;

  if (box)
    gtk_list_box_select_row (GTK_LIST_BOX (box), GTK_LIST_BOX_ROW (row));
}

static void
fw_run_row_init (FwRunRow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_menu_append (menu, _("Rename…"), "win.rename-run");
  g_menu_append (menu, _("Use These Settings"), "win.use-run-settings");
  g_menu_append (menu, _("Delete Run"), "win.delete-run");
  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (menu));
  g_signal_connect (gtk_menu_button_get_popover (self->menu_button), "show", G_CALLBACK (on_menu_shown), self);
}

GtkWidget *
fw_run_row_new (FwRun *run)
{
  FwRunRow *self = g_object_new (FW_TYPE_RUN_ROW, NULL);
  const GdkRGBA *c = fw_run_get_color (run);
  g_autofree char *hex = g_strdup_printf ("#%02x%02x%02x", (int) (c->red * 255),
                                          (int) (c->green * 255), (int) (c->blue * 255));
  g_autofree char *markup = g_strdup_printf ("<span foreground=\"%s\">●</span>", hex);

  self->run = g_object_ref (run);
  gtk_label_set_markup (self->swatch_label, markup);

  g_object_bind_property (run, "visible", self->visible_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (run, "changed", G_CALLBACK (update), self);
  g_signal_connect_swapped (run, "progress", G_CALLBACK (update), self);
  update (self);
  return GTK_WIDGET (self);
}

FwRun *
fw_run_row_get_run (FwRunRow *self)
{
  return self->run;
}

const char *
fw_run_row_get_status (FwRunRow *self)
{
  return gtk_label_get_text (self->status_label);
}

const char *
fw_run_row_get_time (FwRunRow *self)
{
  return gtk_label_get_text (self->time_label);
}
