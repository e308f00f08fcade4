/* fw-sample-view.c — the Sample inspector.  A row opened here is predicted
 * by the run the explainer shows: first the probabilities, then the
 * integrated-gradients map and word scores, each in an explainer worker.
 * At most one prediction is in flight; inputs changed meanwhile (a typed
 * caption, a hidden modality, another run) are coalesced into the next. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-attention-map.h"
#include "fw-sample-chart.h"
#include "fw-sample-view.h"

struct _FwSampleView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget *heading;
  GtkLabel *sample_label;
  FwSampleChart *image_chart;
  FwSampleChart *tokens_chart;
  FwSampleChart *probs_chart;
  GtkEntry *caption_entry;
  GtkLabel *run_label;
  FwAttentionMap *attention_map;

  /* Owned */
  FwSample *sample;
  guint caption_idle_id;
  char *hidden_caption;      /* the row's caption while Hide text is on */
  guint64 generation;        /* of the inputs */
  gboolean in_flight;
  gboolean dirty;
  gboolean hide_image;
  gboolean hide_text;
  gboolean compact;
  gboolean disposed;
  FwExplainer *explainer;
  FwRun *run;                /* a reference: the explainer's, followed for renames */
  gulong run_changed_id;

  /* Borrowed */
  FwDatasetView *dataset_view;
};

G_DEFINE_FINAL_TYPE (FwSampleView, fw_sample_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_HIDE_IMAGE, PROP_HIDE_TEXT, PROP_COMPACT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void request_explain (FwSampleView *self);
static void launch_explain (FwSampleView *self, gboolean want_ig);

static const FwDataset *
dataset (FwSampleView *self)
{
  return self->explainer ? fw_explainer_get_dataset (self->explainer) : NULL;
}

/* An attention-fusion model's map of the input, else no map at all (the
 * panel closes up rather than keeping an empty space). */
static void
show_attention (FwSampleView *self, const FwAttentionWeights *a)
{
  const FwSampleData *d = fw_sample_get_data (self->sample);
  FwAttentionInput in;

  if (!a || a->grid * a->cell > d->size)
    {
      fw_attention_map_clear (self->attention_map);
      gtk_widget_set_visible (GTK_WIDGET (self->attention_map), FALSE);
      return;
    }
  in = (FwAttentionInput) { d->channels, d->size, d->pixels, a->grid, a->grid, a->cell,
                            (const char *const *) a->words, a->heads, a->text_to_image, a->image_to_text };
  fw_attention_map_set_input (self->attention_map, &in);
  gtk_widget_set_visible (GTK_WIDGET (self->attention_map), TRUE);
}

typedef struct {
  FwSampleView *self;        /* a reference: the view outlives the call */
  guint64 generation;
  gboolean want_ig;
} PredictCall;

static void
on_predicted (GObject *source, GAsyncResult *res, gpointer user_data)
{
  PredictCall *call = user_data;
  FwSampleView *self = call->self;
  g_autoptr(FwPrediction) p = fw_explainer_predict_finish (FW_EXPLAINER (source), res, NULL);
  FwSampleData *d;

  self->in_flight = FALSE;
  if (self->disposed)
    goto out;
  if (self->dirty || call->generation != self->generation)
    {
      self->dirty = FALSE;
      launch_explain (self, FALSE);
      goto out;
    }
  d = fw_sample_get_data (self->sample);
  if (!p)
    {
      /* the model went meanwhile: show the inputs alone */
      g_clear_pointer (&d->probs, g_free);
      fw_sample_clear_explanation (self->sample);
      fw_sample_changed (self->sample);
      show_attention (self, NULL);
    }
  else if (!call->want_ig)
    {
      show_attention (self, p->attention);
      g_free (d->probs);
      d->probs = g_steal_pointer (&p->probs);
      d->predicted = p->predicted;
      /* in the model's class order */
      g_strfreev (d->classes);
      d->classes = g_steal_pointer (&p->classes);
      d->n_classes = p->n_classes;
      d->label = p->label;
      fw_sample_changed (self->sample);
      launch_explain (self, TRUE);   /* the heatmap follows */
    }
  else
    {
      fw_sample_clear_explanation (self->sample);
      d->heat = g_steal_pointer (&p->ig.pixels);
      if (d->caption && p->ig.tokens)
        {
          d->tokens = g_strdupv (p->ig.tokens);
          d->scores = g_memdup2 (p->ig.token_scores, sizeof (float) * MAX (p->ig.n_tokens, 1));
        }
      fw_sample_changed (self->sample);
    }
out:
  g_object_unref (self);
  g_free (call);
}

static void
launch_explain (FwSampleView *self, gboolean want_ig)
{
  FwSampleData *d = fw_sample_get_data (self->sample);
  FwRun *run = self->explainer ? fw_explainer_get_run (self->explainer) : NULL;
  PredictCall *call;

  if (d->row < 0 || !dataset (self))
    return;
  if (!fw_explainer_has_model (self->explainer, run))
    {
      /* nothing to predict with yet: show the inputs alone */
      g_clear_pointer (&d->probs, g_free);
      fw_sample_clear_explanation (self->sample);
      fw_sample_changed (self->sample);
      show_attention (self, NULL);
      return;
    }
  call = g_new0 (PredictCall, 1);
  call->self = g_object_ref (self);
  call->generation = self->generation;
  call->want_ig = want_ig;
  self->in_flight = TRUE;
  /* hiding means missing: the same input predict sees for an empty cell */
  fw_explainer_predict_async (self->explainer, run, d->row, d->pixels, d->caption, want_ig,
                              on_predicted, call);
}

/* A new input: the previous prediction and map no longer apply. */
static void
request_explain (FwSampleView *self)
{
  FwSampleData *d = fw_sample_get_data (self->sample);
  const FwDataset *ds = dataset (self);

  self->generation++;
  if (d->row >= 0 && ds)
    {
      gsize P = (gsize) ds->channels * ds->size * ds->size;

      g_clear_pointer (&d->pixels, g_free);
      if (!self->hide_image && ds->has_image[d->row])
        d->pixels = g_memdup2 (ds->pixels + (gsize) d->row * P, P);
      d->text_hidden = self->hide_text;
      g_free (d->caption);
      d->caption = self->hide_text ? NULL : g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->caption_entry)));
      /* the old scores belong to the old words */
      fw_sample_clear_explanation (self->sample);
    }
  if (self->in_flight)
    {
      self->dirty = TRUE;
      return;
    }
  launch_explain (self, FALSE);
}

/* Typing re-predicts once the keystrokes of this main-loop turn are in
 * (and one prediction in flight at most, see request_explain). */
static gboolean
on_caption_idle (gpointer data)
{
  FwSampleView *self = data;

  self->caption_idle_id = 0;
  request_explain (self);
  return G_SOURCE_REMOVE;
}

static void
on_caption_changed (FwSampleView *self)
{
  if (fw_sample_get_data (self->sample)->row < 0 || self->caption_idle_id)
    return;
  self->caption_idle_id = g_idle_add (on_caption_idle, self);
}

static void
set_caption_text (FwSampleView *self, const char *text)
{
  g_signal_handlers_block_by_func (self->caption_entry, on_caption_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->caption_entry), text);
  g_signal_handlers_unblock_by_func (self->caption_entry, on_caption_changed, self);
}

/* The row's caption goes in the entry, or is kept aside while Hide text
 * is on: a hidden text must not still be read (and edited) on screen. */
static void
show_caption (FwSampleView *self, const char *text)
{
  if (self->hide_text)
    {
      g_free (self->hidden_caption);
      self->hidden_caption = g_strdup (text);
      set_caption_text (self, "");
    }
  else
    set_caption_text (self, text);
}

/* Hide text empties and locks the entry; showing the text puts back the
 * caption as it was (typed edits included). */
static void
apply_hide_text (FwSampleView *self)
{
  if (self->hide_text)
    {
      g_free (self->hidden_caption);
      self->hidden_caption = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->caption_entry)));
      set_caption_text (self, "");
    }
  else
    {
      set_caption_text (self, self->hidden_caption ? self->hidden_caption : "");
      g_clear_pointer (&self->hidden_caption, g_free);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->caption_entry), !self->hide_text);
}

void
fw_sample_view_inspect (FwSampleView *self, int row)
{
  FwSampleData *d;
  g_autofree char *label = NULL;
  const FwDataset *ds;

  g_return_if_fail (FW_IS_SAMPLE_VIEW (self));
  ds = dataset (self);
  if (!ds || row < 0 || row >= ds->n)
    return;
  d = fw_sample_get_data (self->sample);
  fw_sample_clear (self->sample);
  d->row = row;
  d->label = ds->label[row];
  d->n_classes = ds->n_classes;
  d->classes = g_strdupv (ds->classes);
  d->channels = ds->channels;
  d->size = ds->size;
  label = g_strdup_printf (_("row %d · label %s"), row + 1, ds->classes[ds->label[row]]);
  gtk_label_set_text (self->sample_label, label);
  show_caption (self, ds->has_text[row] ? ds->text[row] : "");
  request_explain (self);
  fw_sample_changed (self->sample);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sample.inspect", TRUE);
}

/* A sample the user opens shows, also when the view is a tab. */
static void
show_self (FwSampleView *self)
{
  GtkWidget *page = GTK_WIDGET (self), *parent;

  /* the stack page holding the view, however deep */
  while ((parent = gtk_widget_get_parent (page)) && !GTK_IS_STACK (parent))
    page = parent;
  if (parent)
    gtk_stack_set_visible_child (GTK_STACK (parent), page);
}

static void
on_sample_activated (FwSampleView *self, int row)
{
  fw_sample_view_inspect (self, row);
  show_self (self);
}

/* ---- following the explainer ---- */

static void
on_dataset_changed (FwSampleView *self)
{
  const FwDataset *ds = dataset (self);

  fw_sample_clear (self->sample);
  fw_sample_changed (self->sample);
  show_attention (self, NULL);
  gtk_label_set_text (self->sample_label, _("click a sample in the Dataset panel"));
  show_caption (self, "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sample.inspect", ds != NULL);
  /* the first sample, so the panel teaches something before any click */
  if (ds && ds->n > 0)
    fw_sample_view_inspect (self, 0);
}

/* The panel names the run whose model predicts ("Model: #3 late·mean"). */
static void
update_run_label (FwSampleView *self)
{
  g_autofree char *text = NULL;

  if (self->run)
    text = g_strdup_printf (_("Model: %s"), fw_run_get_description (self->run));
  gtk_label_set_text (self->run_label, text ? text : _("Model: none yet — train a run"));
}

static void
follow_run (FwSampleView *self, FwRun *run)
{
  if (self->run == run)
    return;
  if (self->run_changed_id)
    g_clear_signal_handler (&self->run_changed_id, self->run);
  g_set_object (&self->run, run);
  if (run)
    self->run_changed_id = g_signal_connect_object (run, "changed", G_CALLBACK (update_run_label),
                                                    self, G_CONNECT_SWAPPED);
  update_run_label (self);
}

/* The same sample through another run's model, or the run's new one. */
static void
on_run_or_model (FwSampleView *self)
{
  follow_run (self, fw_explainer_get_run (self->explainer));
  request_explain (self);
}

static void
on_model_added (FwSampleView *self, FwRun *run)
{
  if (run == fw_explainer_get_run (self->explainer))
    request_explain (self);
}

void
fw_sample_view_attach (FwSampleView *self, FwExplainer *explainer, FwDatasetView *dataset_view)
{
  g_return_if_fail (FW_IS_SAMPLE_VIEW (self));
  g_return_if_fail (FW_IS_EXPLAINER (explainer));

  g_set_object (&self->explainer, explainer);
  self->dataset_view = dataset_view;
  g_signal_connect_object (explainer, "notify::run", G_CALLBACK (on_run_or_model), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (explainer, "model-added", G_CALLBACK (on_model_added), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (explainer, "dataset-changed", G_CALLBACK (on_dataset_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dataset_view, "sample-activated", G_CALLBACK (on_sample_activated),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sample.inspect", dataset (self) != NULL);
  follow_run (self, fw_explainer_get_run (explainer));
  update_run_label (self);
}

gboolean
fw_sample_view_is_busy (FwSampleView *self)
{
  return self->in_flight || self->caption_idle_id != 0;
}

FwSample *fw_sample_view_get_sample (FwSampleView *self) { return self->sample; }
GtkEditable *fw_sample_view_get_caption_entry (FwSampleView *self) { return GTK_EDITABLE (self->caption_entry); }
const char *fw_sample_view_get_run_text (FwSampleView *self) { return gtk_label_get_text (self->run_label); }
FwAttentionMap *fw_sample_view_get_attention_map (FwSampleView *self) { return self->attention_map; }

/* ---- actions ---- */

static void
action_inspect (GtkWidget *widget, const char *name, GVariant *param)
{
  FwSampleView *self = FW_SAMPLE_VIEW (widget);
  int row = self->dataset_view ? fw_dataset_view_get_selected_sample (self->dataset_view) : -1;

  fw_sample_view_inspect (self, row >= 0 ? row : 0);
  show_self (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->caption_entry));
}

/* ---- life cycle ---- */

static void
fw_sample_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwSampleView *self = FW_SAMPLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_HIDE_IMAGE: g_value_set_boolean (value, self->hide_image); break;
    case PROP_HIDE_TEXT: g_value_set_boolean (value, self->hide_text); break;
    case PROP_COMPACT: g_value_set_boolean (value, self->compact); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_sample_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwSampleView *self = FW_SAMPLE_VIEW (object);
  gboolean v = g_value_get_boolean (value);
  gboolean *field;

  switch (prop_id)
    {
    case PROP_HIDE_IMAGE: field = &self->hide_image; break;
    case PROP_HIDE_TEXT: field = &self->hide_text; break;
    case PROP_COMPACT:
      /* a tab of a narrow window: the tab names the view */
      if (self->compact != v)
        {
          self->compact = v;
          gtk_widget_set_visible (self->heading, !v);
          g_object_notify_by_pspec (object, pspec);
        }
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (*field == v)
    return;
  *field = v;
  if (field == &self->hide_text)
    apply_hide_text (self);
  request_explain (self);
  g_object_notify_by_pspec (object, pspec);
}

static void
fw_sample_view_dispose (GObject *object)
{
  FwSampleView *self = FW_SAMPLE_VIEW (object);
  GtkWidget *child;

  self->disposed = TRUE;
  if (self->run_changed_id)
    g_clear_signal_handler (&self->run_changed_id, self->run);
  g_clear_object (&self->run);
  g_clear_handle_id (&self->caption_idle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_SAMPLE_VIEW);
  g_clear_object (&self->explainer);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->sample);
  g_clear_pointer (&self->hidden_caption, g_free);
  G_OBJECT_CLASS (fw_sample_view_parent_class)->dispose (object);
}

static void
fw_sample_view_class_init (FwSampleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_sample_view_dispose;
  object_class->get_property = fw_sample_view_get_property;
  object_class->set_property = fw_sample_view_set_property;

  properties[PROP_HIDE_IMAGE] = g_param_spec_boolean ("hide-image", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIDE_TEXT] = g_param_spec_boolean ("hide-text", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPACT] = g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (FW_TYPE_SAMPLE_CHART);
  g_type_ensure (FW_TYPE_ATTENTION_MAP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-sample-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, heading);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, sample_label);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, image_chart);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, tokens_chart);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, probs_chart);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, caption_entry);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, run_label);
  gtk_widget_class_bind_template_child (widget_class, FwSampleView, attention_map);
  gtk_widget_class_bind_template_callback (widget_class, on_caption_changed);

  gtk_widget_class_install_action (widget_class, "sample.inspect", NULL, action_inspect);
  gtk_widget_class_install_property_action (widget_class, "sample.hide-image", "hide-image");
  gtk_widget_class_install_property_action (widget_class, "sample.hide-text", "hide-text");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwsampleview");
}

static void
fw_sample_view_init (FwSampleView *self)
{
  static const char *const shortcuts[][2] = {
    { "<Control>i", "sample.inspect" },
    { "<Control><Alt>1", "sample.hide-image" },
    { "<Control><Alt>2", "sample.hide-text" },
  };
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->sample = fw_sample_new ();
  fw_sample_chart_set_sample (self->image_chart, self->sample);
  fw_sample_chart_set_sample (self->tokens_chart, self->sample);
  fw_sample_chart_set_sample (self->probs_chart, self->sample);

  /* window-wide shortcuts, kept with the actions they name */
  controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i][0]),
                                                            gtk_named_action_new (shortcuts[i][1])));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gtk_label_set_text (self->sample_label, _("click a sample in the Dataset panel"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sample.inspect", FALSE);
}
