/* fw-contrib-view.c — the Contributions view.  It keeps one
 * FwContribResult per run it has shown, asks the explainer to compute a
 * run's numbers when a finished run is shown (or on Compute), polls the
 * worker's progress ten times a second, and hands the numbers to its three
 * charts.  Which run is shown is the explainer's "run". */
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fw-contrib-chart.h"
#include "fw-contrib-view.h"
#include "fw-save-chooser.h"
#include "fw-picture.h"

struct _FwContribView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget *heading;
  GtkBox *charts_box;
  GtkLabel *run_label;
  GtkDropDown *method_dropdown;
  GtkRevealer *progress_revealer;
  GtkProgressBar *progress_bar;
  FwContribChart *bars_chart;
  FwContribChart *reliance_chart;
  FwContribChart *confusion_chart;

  /* Owned */
  GHashTable *results;       /* FwRun → FwContribResult */
  FwRun *run;                /* the run shown */
  GCancellable *compute_cancellable;
  FwRun *compute_run;
  gint compute_progress;     /* per mille, written by the worker */
  guint progress_id;
  gboolean per_class;
  gboolean compact;
  gboolean disposed;
  FwExplainer *explainer;
};

G_DEFINE_FINAL_TYPE (FwContribView, fw_contrib_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_PER_CLASS, PROP_COMPACT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char *const method_names[] = {
  N_("Shapley"), N_("Ablation"), N_("Permutation"), N_("Integrated gradients"), N_("EMAP"),
};
G_STATIC_ASSERT (G_N_ELEMENTS (method_names) == FW_METHOD_N_KINDS);

static void update_actions (FwContribView *self);

static gboolean
have_model (FwContribView *self)
{
  return self->explainer && fw_explainer_has_model (self->explainer, self->run);
}

static FwContribResult *
result_for (FwContribView *self, FwRun *run)
{
  FwContribResult *result = g_hash_table_lookup (self->results, run);

  if (!result)
    {
      result = fw_contrib_result_new ();
      fw_contrib_result_set_run (result, run);
      g_hash_table_insert (self->results, g_object_ref (run), result);
    }
  return result;
}

/* ---- computing contributions ---- */

static gboolean
poll_progress (gpointer user_data)
{
  FwContribView *self = user_data;

  gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (&self->compute_progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
update_run_label (FwContribView *self, const char *message)
{
  g_autofree char *text = NULL;

  if (message)
    gtk_label_set_text (self->run_label, message);
  else if (!self->run)
    gtk_label_set_text (self->run_label, _("no run yet"));
  else if (!have_model (self) &&
           (text = fw_explainer_describe_other_dataset (self->explainer, self->run)))
    gtk_label_set_text (self->run_label, text);
  else
    {
      const FwContribNumbers *n = fw_contrib_result_get_numbers (result_for (self, self->run));
      if (n)
        text = g_strdup_printf (_("%s · %s split, %d rows"), fw_run_get_description (self->run),
                                n->split, n->n);
      else
        text = g_strdup (fw_run_get_description (self->run));
      gtk_label_set_text (self->run_label, text);
    }
}

typedef struct {
  FwContribView *self;       /* a reference: the view outlives the call */
  GCancellable *cancellable;
} ComputeCall;

static void
on_computed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ComputeCall *call = user_data;
  FwContribView *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(FwRun) run = NULL;
  FwContribNumbers *numbers = fw_explainer_compute_finish (FW_EXPLAINER (source), res, &error);
  gboolean current = call->cancellable == self->compute_cancellable;

  g_object_unref (call->cancellable);
  g_free (call);
  if (current)
    {
      run = g_steal_pointer (&self->compute_run);
      g_clear_object (&self->compute_cancellable);
      g_clear_handle_id (&self->progress_id, g_source_remove);
      if (!self->disposed)
        gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
    }
  if (self->disposed || !run || !g_hash_table_contains (self->results, run))
    g_clear_pointer (&numbers, fw_contrib_numbers_free);
  if (!self->disposed)
    {
      if (numbers)
        fw_contrib_result_set_numbers (result_for (self, run), numbers);
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Could not compute contributions: %s"), error->message);
          update_run_label (self, text);
        }
      else
        update_run_label (self, NULL);
      update_actions (self);
    }
  g_object_unref (self);
}

static void
start_compute (FwContribView *self)
{
  ComputeCall *call;

  if (!have_model (self) || self->compute_cancellable)
    return;
  self->compute_cancellable = g_cancellable_new ();
  self->compute_run = g_object_ref (self->run);
  call = g_new0 (ComputeCall, 1);
  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->compute_cancellable);
  fw_explainer_compute_async (self->explainer, self->run, self->compute_cancellable,
                              &self->compute_progress, on_computed, call);

  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  if (!self->progress_id)
    self->progress_id = g_timeout_add (100, poll_progress, self);
  update_actions (self);
}

/* ---- the run shown ---- */

static void
show_run (FwContribView *self, FwRun *run)
{
  FwContribResult *result = run ? result_for (self, run) : NULL;

  if (self->run == run)
    return;
  g_set_object (&self->run, run);
  fw_contrib_chart_set_result (self->bars_chart, result);
  fw_contrib_chart_set_result (self->reliance_chart, result);
  fw_contrib_chart_set_result (self->confusion_chart, result);
  update_run_label (self, NULL);
  /* a finished run shows its numbers as soon as it is picked */
  if (result && !fw_contrib_result_get_numbers (result))
    start_compute (self);
  update_actions (self);
}

static void
on_explainer_run (FwContribView *self)
{
  show_run (self, fw_explainer_get_run (self->explainer));
}

static void
on_model_added (FwContribView *self, FwRun *run)
{
  if (run == self->run)
    start_compute (self);
  update_actions (self);
}

/* Models borrowed the old dataset: their numbers no longer apply to the
 * computation in flight, which the explainer has cancelled. */
static void
on_dataset_changed (FwContribView *self)
{
  /* the run shown may now be of another dataset, or of this one again */
  if (!self->compute_cancellable)
    update_run_label (self, NULL);
  update_actions (self);
}

static void
on_runs_changed (GListModel *runs, guint position, guint removed, guint added, FwContribView *self)
{
  g_autoptr(GHashTable) present = NULL;
  GHashTableIter iter;
  gpointer key;

  if (removed == 0)
    return;
  /* forget the numbers of the runs that went */
  present = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (runs, i);
      g_hash_table_add (present, item);
    }
  if (self->run && !g_hash_table_contains (present, self->run))
    show_run (self, NULL);
  g_hash_table_iter_init (&iter, self->results);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (present, key))
      g_hash_table_iter_remove (&iter);
}

void
fw_contrib_view_attach (FwContribView *self, FwExplainer *explainer, GListModel *runs)
{
  g_return_if_fail (FW_IS_CONTRIB_VIEW (self));
  g_return_if_fail (FW_IS_EXPLAINER (explainer));

  g_set_object (&self->explainer, explainer);
  g_signal_connect_object (explainer, "notify::run", G_CALLBACK (on_explainer_run), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (explainer, "model-added", G_CALLBACK (on_model_added), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (explainer, "dataset-changed", G_CALLBACK (on_dataset_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (runs, "items-changed", G_CALLBACK (on_runs_changed), self, 0);
  show_run (self, fw_explainer_get_run (explainer));
}

gboolean
fw_contrib_view_is_busy (FwContribView *self)
{
  return self->compute_cancellable != NULL;
}

const char *fw_contrib_view_get_run_text (FwContribView *self) { return gtk_label_get_text (self->run_label); }

FwContribResult *
fw_contrib_view_get_result (FwContribView *self)
{
  return self->run ? result_for (self, self->run) : NULL;
}

/* ---- export ---- */

gboolean
fw_contrib_view_export (FwContribView *self, const char *path, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  FwContribChart *charts[] = { self->bars_chart, self->reliance_chart, self->confusion_chart };
  GdkRGBA fg = { 0.12, 0.12, 0.12, 1 }, bg = { 1, 1, 1, 1 };
  int widths[G_N_ELEMENTS (charts)], w = 0, h = 380;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (g_str_has_suffix (lower, ".json"))
    {
      if (!self->run)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("There are no contributions to export yet: train a model first."));
          return FALSE;
        }
      return fw_contrib_result_write_json (result_for (self, self->run), path, error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      widths[i] = MAX (gtk_widget_get_width (GTK_WIDGET (charts[i])), 420);
      w += widths[i] + 12;
    }
  surface = fw_picture_new_for_path (path, w, h, _(".png, .svg, .pdf or .json"), error);
  if (!surface)
    return FALSE;
  cr = cairo_create (surface);
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      cairo_save (cr);
      cairo_rectangle (cr, 0, 0, widths[i], h);
      cairo_clip (cr);
      fw_contrib_chart_draw (charts[i], cr, widths[i], h, &fg, &bg);
      cairo_restore (cr);
      cairo_translate (cr, widths[i] + 12, 0);
    }
  cairo_destroy (cr);
  return fw_picture_finish (surface, path, error);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  FwContribView *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = fw_save_chooser_get_path (dialog);
      g_autoptr(GError) error = NULL;

      if (!fw_contrib_view_export (self, path, &error))
        update_run_label (self, error->message);
      else
        {
          g_autofree char *shown = g_filename_display_name (path);
          g_autofree char *text = g_strdup_printf (_("Saved %s"), shown);
          update_run_label (self, text);
        }
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* ---- actions ---- */

static void
update_actions (FwContribView *self)
{
  GtkWidget *w = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (w, "contrib.compute", have_model (self) && !self->compute_cancellable);
  gtk_widget_action_set_enabled (w, "contrib.cancel", self->compute_cancellable != NULL);
  gtk_widget_action_set_enabled (w, "contrib.export", self->run != NULL);
}

static void
action_compute (GtkWidget *widget, const char *name, GVariant *param)
{
  start_compute (FW_CONTRIB_VIEW (widget));
}

static void
action_cancel (GtkWidget *widget, const char *name, GVariant *param)
{
  FwContribView *self = FW_CONTRIB_VIEW (widget);

  if (self->compute_cancellable)
    g_cancellable_cancel (self->compute_cancellable);
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *param)
{
  static const FwSaveFormat formats[] = {
    { N_("PNG picture"), "png" }, { N_("SVG picture"), "svg" }, { N_("JSON numbers"), "json" },
  };
  GtkFileChooserNative *chooser = fw_save_chooser_new (widget, _("Export Contributions"), "contributions.png",
                                                       formats, G_N_ELEMENTS (formats));

  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_method_selected (FwContribView *self)
{
  guint method = gtk_drop_down_get_selected (self->method_dropdown);

  if (method < FW_METHOD_N_KINDS)
    fw_contrib_chart_set_method (self->bars_chart, method);
}

/* ---- life cycle ---- */

static void
fw_contrib_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwContribView *self = FW_CONTRIB_VIEW (object);

  switch (prop_id)
    {
    case PROP_PER_CLASS: g_value_set_boolean (value, self->per_class); break;
    case PROP_COMPACT: g_value_set_boolean (value, self->compact); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_contrib_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwContribView *self = FW_CONTRIB_VIEW (object);

  switch (prop_id)
    {
    case PROP_PER_CLASS:
      if (self->per_class == g_value_get_boolean (value))
        return;
      self->per_class = g_value_get_boolean (value);
      fw_contrib_chart_set_per_class (self->bars_chart, self->per_class);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_COMPACT:
      /* a tab of a narrow window: the tab names the view, the matrix goes below */
      if (self->compact == g_value_get_boolean (value))
        return;
      self->compact = g_value_get_boolean (value);
      gtk_widget_set_visible (self->heading, !self->compact);
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->charts_box),
                                      self->compact ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_contrib_view_dispose (GObject *object)
{
  FwContribView *self = FW_CONTRIB_VIEW (object);
  GtkWidget *child;

  self->disposed = TRUE;
  if (self->compute_cancellable)
    g_cancellable_cancel (self->compute_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_pointer (&self->results, g_hash_table_unref);
  g_clear_object (&self->run);
  g_clear_object (&self->compute_run);
  g_clear_object (&self->compute_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_CONTRIB_VIEW);
  g_clear_object (&self->explainer);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fw_contrib_view_parent_class)->dispose (object);
}

static void
fw_contrib_view_class_init (FwContribViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_contrib_view_dispose;
  object_class->get_property = fw_contrib_view_get_property;
  object_class->set_property = fw_contrib_view_set_property;

  properties[PROP_PER_CLASS] = g_param_spec_boolean ("per-class", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPACT] = g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (FW_TYPE_CONTRIB_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-contrib-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FwContribView, heading);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, charts_box);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, run_label);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, bars_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, reliance_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribView, confusion_chart);

  gtk_widget_class_install_action (widget_class, "contrib.compute", NULL, action_compute);
  gtk_widget_class_install_action (widget_class, "contrib.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "contrib.export", NULL, action_export);
  gtk_widget_class_install_property_action (widget_class, "contrib.per-class", "per-class");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwcontribview");
}

static void
fw_contrib_view_init (FwContribView *self)
{
  static const char *const shortcuts[][2] = {
    { "<Control><Shift>Return", "contrib.compute" },
    { "<Control><Shift>KP_Enter", "contrib.compute" },
    { "<Control><Shift>x", "contrib.export" },
    { "<Control><Shift>b", "contrib.per-class" },
  };
  g_autoptr(GtkStringList) methods = gtk_string_list_new (NULL);
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->results = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);

  for (int i = 0; i < FW_METHOD_N_KINDS; i++)
    gtk_string_list_append (methods, _(method_names[i]));
  gtk_drop_down_set_model (self->method_dropdown, G_LIST_MODEL (methods));
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (on_method_selected), self);

  /* window-wide shortcuts, kept with the actions they name */
  controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i][0]),
                                                            gtk_named_action_new (shortcuts[i][1])));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  fw_contrib_chart_set_result (self->bars_chart, NULL);
  update_run_label (self, NULL);
  update_actions (self);
}
