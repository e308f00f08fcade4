/* fw-model-panel.c — builds one row per option from a table (label, widget,
 * tooltip from fw_config_options ()), keeps the widgets and the FwConfig in
 * step through fw_config_set / fw_config_get, and redraws the diagram on
 * every change.  Validation of combinations is the core's. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-fusion-diagram.h"
#include "fw-model-panel.h"

typedef enum { ROW_CHOICE, ROW_INT, ROW_DOUBLE, ROW_LOG, ROW_FRACTION } RowKind;

typedef struct {
  const char *name;          /* flag name, as fw_config_set takes it */
  const char *label;         /* N_ */
  RowKind kind;
  const char *const *values; /* ROW_CHOICE: NULL-terminated option values */
  const char *const *labels; /* ROW_CHOICE: what the user reads (N_) */
  double min, max, step;
  int digits;
} OptionRow;

static const char *const op_values[] = { "concat", "sum", "product", "gated", "tensor", "lowrank",
                                         "attention", NULL };
static const char *const op_labels[] = { N_("Concatenate"), N_("Sum"), N_("Product"), N_("Gated (GMU)"),
                                         N_("Tensor (TFN)"), N_("Low-rank (LMF)"),
                                         N_("Cross-modal attention"), NULL };
static const char *const late_values[] = { "mean", "weighted", "stacking", NULL };
static const char *const late_labels[] = { N_("Mean of probabilities"), N_("Learned weights"),
                                           N_("Stacking"), NULL };
/* "features" is last in both: its label names the loaded vectors' width */
static const char *const image_values[] = { "mlp", "cnn", "features", NULL };
static const char *const image_labels[] = { N_("MLP"), N_("CNN"), N_("Features (none loaded)"), NULL };
static const char *const text_values[] = { "bow", "embed", "gru", "transformer", "features", NULL };
static const char *const text_labels[] = { N_("Bag of words"), N_("Embedding"), N_("GRU"),
                                           N_("Transformer"), N_("Features (none loaded)"), NULL };
static const char *const optim_values[] = { "adam", "sgd", NULL };
static const char *const optim_labels[] = { N_("Adam"), N_("SGD with momentum"), NULL };

static const OptionRow option_rows[] = {
  { "fusion-op", N_("Fusion operation"), ROW_CHOICE, op_values, op_labels },
  { "late-combine", N_("Late combination"), ROW_CHOICE, late_values, late_labels },
  { "image-encoder", N_("Image encoder"), ROW_CHOICE, image_values, image_labels },
  { "text-encoder", N_("Text encoder"), ROW_CHOICE, text_values, text_labels },
  { "layers", N_("Transformer blocks"), ROW_INT, NULL, NULL, 1, FW_MAX_LAYERS, 1, 0 },
  { "heads", N_("Attention heads"), ROW_INT, NULL, NULL, 1, FW_EMBED_DIM, 1, 0 },
  { "hidden", N_("Encoder width"), ROW_INT, NULL, NULL, 4, 4096, 16, 0 },
  { "head-hidden", N_("Head width"), ROW_INT, NULL, NULL, 0, 4096, 16, 0 },
  { "epochs", N_("Epochs"), ROW_INT, NULL, NULL, 1, 1000, 1, 0 },
  { "batch", N_("Batch size"), ROW_INT, NULL, NULL, 1, 4096, 8, 0 },
  { "lr", N_("Learning rate"), ROW_LOG, NULL, NULL, -5, 0, 0.1, 1 },
  { "optimizer", N_("Optimizer"), ROW_CHOICE, optim_values, optim_labels },
  { "weight-decay", N_("Weight decay"), ROW_DOUBLE, NULL, NULL, 0, 1, 0.0001, 4 },
  { "modality-dropout", N_("Modality dropout"), ROW_FRACTION, NULL, NULL, 0, 0.9, 0.05, 2 },
  { "seed", N_("Seed"), ROW_INT, NULL, NULL, 0, 1e9, 1, 0 },
};
#define N_ROWS G_N_ELEMENTS (option_rows)

struct _FwModelPanel
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkToggleButton *fusion_buttons[FW_FUSION_N_KINDS];
  FwFusionDiagram *diagram;
  GtkLabel *teaching_label;
  GtkGrid *options_grid;

  /* Owned */
  FwConfig config;
  GtkWidget *controls[N_ROWS];
  gboolean syncing;
  gboolean training;
};

G_DEFINE_FINAL_TYPE (FwModelPanel, fw_model_panel, GTK_TYPE_WIDGET)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  const char *title;
  const char *pros;
  const char *cons;
} Teaching;

static const Teaching teaching[] = {
  { N_("Early fusion"),
    N_("Simple structure, easy data handling: one network sees both inputs from the start."),
    N_("Larger inputs, and it is hard to learn the interaction between modalities.") },
  { N_("Intermediate fusion"),
    N_("Learns the interaction between modalities from their encoded features."),
    N_("A more complex design with more choices to tune.") },
  { N_("Late fusion"),
    N_("Each modality's model trains independently; easy to add or drop a modality."),
    N_("Limited interaction: it cannot learn what only the pair tells.") },
  { N_("Image only"),
    N_("A baseline: what the image alone can tell."),
    N_("Ignores the text entirely.") },
  { N_("Text only"),
    N_("A baseline: what the caption alone can tell."),
    N_("Ignores the image entirely.") },
};
G_STATIC_ASSERT (G_N_ELEMENTS (teaching) == FW_FUSION_N_KINDS);

static const FwOptionInfo *
find_option_info (const char *name)
{
  int n;
  const FwOptionInfo *infos = fw_config_options (&n);

  for (int i = 0; i < n; i++)
    if (strcmp (infos[i].name, name) == 0)
      return &infos[i];
  return NULL;
}

static void
update_teaching (FwModelPanel *self)
{
  const Teaching *t = &teaching[self->config.fusion];
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>\n<span foreground=\"#2ec27e\">+</span> %s\n<span foreground=\"#e01b24\">−</span> %s",
                                                     _(t->title), _(t->pros), _(t->cons));

  /* a choice that cannot apply (attention fusion with word counts or
   * features, …) says why here, before Train does */
  g_autoptr (GError) error = NULL;
  if (!fw_config_validate (&self->config, &error))
    {
      g_autofree char *why = g_markup_printf_escaped ("\n<span foreground=\"#e01b24\">%s</span> %s",
                                                      _("Cannot train:"), error->message);
      g_autofree char *both = g_strconcat (markup, why, NULL);
      gtk_label_set_markup (self->teaching_label, both);
      return;
    }
  gtk_label_set_markup (self->teaching_label, markup);
}

static void
update_sensitivity (FwModelPanel *self)
{
  FwFusion f = self->config.fusion;

  for (guint i = 0; i < N_ROWS; i++)
    {
      const char *name = option_rows[i].name;
      gboolean sensitive = !self->training;

      if (strcmp (name, "lr") == 0)
        sensitive = TRUE;
      else if (strcmp (name, "fusion-op") == 0)
        sensitive = sensitive && f == FW_FUSION_INTERMEDIATE;
      else if (strcmp (name, "late-combine") == 0)
        sensitive = sensitive && f == FW_FUSION_LATE;
      else if (strcmp (name, "image-encoder") == 0)
        sensitive = sensitive && f != FW_FUSION_EARLY && f != FW_FUSION_TEXT;
      else if (strcmp (name, "text-encoder") == 0)
        sensitive = sensitive && f != FW_FUSION_EARLY && f != FW_FUSION_IMAGE;
      else if (strcmp (name, "layers") == 0 || strcmp (name, "heads") == 0)
        sensitive = sensitive && f != FW_FUSION_EARLY && f != FW_FUSION_IMAGE
                    && self->config.text_encoder == FW_TEXT_TRANSFORMER;
      gtk_widget_set_sensitive (self->controls[i], sensitive);
    }
  for (int i = 0; i < FW_FUSION_N_KINDS; i++)
    gtk_widget_set_sensitive (GTK_WIDGET (self->fusion_buttons[i]), !self->training);
}

/* Widgets ← config */
static void
sync_widgets (FwModelPanel *self)
{
  self->syncing = TRUE;
  for (int i = 0; i < FW_FUSION_N_KINDS; i++)
    gtk_toggle_button_set_active (self->fusion_buttons[i], (int) self->config.fusion == i);
  for (guint i = 0; i < N_ROWS; i++)
    {
      const OptionRow *row = &option_rows[i];
      g_autofree char *value = fw_config_get (&self->config, row->name);
      GtkWidget *w = self->controls[i];

      if (value == NULL)
        continue;
      switch (row->kind)
        {
        case ROW_CHOICE:
          for (guint k = 0; row->values[k]; k++)
            if (strcmp (row->values[k], value) == 0)
              gtk_drop_down_set_selected (GTK_DROP_DOWN (w), k);
          break;
        case ROW_INT:
        case ROW_DOUBLE:
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), g_ascii_strtod (value, NULL));
          break;
        case ROW_LOG:
          gtk_range_set_value (GTK_RANGE (w), log10 (MAX (g_ascii_strtod (value, NULL), 1e-6)));
          break;
        case ROW_FRACTION:
          gtk_range_set_value (GTK_RANGE (w), g_ascii_strtod (value, NULL));
          break;
        }
    }
  self->syncing = FALSE;
  fw_fusion_diagram_set_config (self->diagram, &self->config);
  update_teaching (self);
  update_sensitivity (self);
}

static void
config_changed (FwModelPanel *self)
{
  fw_fusion_diagram_set_config (self->diagram, &self->config);
  update_teaching (self);
  update_sensitivity (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* config ← one widget */
static void
on_control_changed (GtkWidget *w, gpointer unused, FwModelPanel *self)
{
  const OptionRow *row = g_object_get_data (G_OBJECT (w), "fw-option-row");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr(GError) error = NULL;
  const char *value = buf;

  if (self->syncing || row == NULL)
    return;
  switch (row->kind)
    {
    case ROW_CHOICE:
      value = row->values[gtk_drop_down_get_selected (GTK_DROP_DOWN (w))];
      break;
    case ROW_INT:
      g_snprintf (buf, sizeof buf, "%d", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w)));
      break;
    case ROW_DOUBLE:
      g_ascii_formatd (buf, sizeof buf, "%.6g", gtk_spin_button_get_value (GTK_SPIN_BUTTON (w)));
      break;
    case ROW_LOG:
      /* two significant digits: 0.001, 0.0032 … */
      g_ascii_formatd (buf, sizeof buf, "%.2g", pow (10, gtk_range_get_value (GTK_RANGE (w))));
      break;
    case ROW_FRACTION:
      g_ascii_formatd (buf, sizeof buf, "%.2f", gtk_range_get_value (GTK_RANGE (w)));
      break;
    }
  if (!fw_config_set (&self->config, row->name, value, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  config_changed (self);
}

static void
on_range_changed (GtkRange *range, FwModelPanel *self)
{
  on_control_changed (GTK_WIDGET (range), NULL, self);
}

static void
on_fusion_toggled (GtkToggleButton *button, FwModelPanel *self)
{
  if (self->syncing || !gtk_toggle_button_get_active (button))
    return;
  for (int i = 0; i < FW_FUSION_N_KINDS; i++)
    if (self->fusion_buttons[i] == button)
      fw_model_panel_set_fusion (self, i);
}

static char *
format_lr (GtkScale *scale, double value, gpointer user_data)
{
  return g_strdup_printf ("%.2g", pow (10, value));
}

static GtkWidget *
make_control (FwModelPanel *self, const OptionRow *row)
{
  GtkWidget *w = NULL;

  switch (row->kind)
    {
    case ROW_CHOICE:
      {
        g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
        for (guint k = 0; row->labels[k]; k++)
          gtk_string_list_append (list, _(row->labels[k]));
        w = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
        g_signal_connect (w, "notify::selected", G_CALLBACK (on_control_changed), self);
      }
      break;
    case ROW_INT:
    case ROW_DOUBLE:
      w = gtk_spin_button_new_with_range (row->min, row->max, row->step);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (w), row->digits);
      g_signal_connect (w, "notify::value", G_CALLBACK (on_control_changed), self);
      break;
    case ROW_LOG:
    case ROW_FRACTION:
      w = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, row->min, row->max, row->step);
      gtk_scale_set_draw_value (GTK_SCALE (w), TRUE);
      gtk_scale_set_value_pos (GTK_SCALE (w), GTK_POS_RIGHT);
      gtk_scale_set_digits (GTK_SCALE (w), row->digits);
      if (row->kind == ROW_LOG)
        gtk_scale_set_format_value_func (GTK_SCALE (w), format_lr, NULL, NULL);
      gtk_widget_set_size_request (w, 160, -1);
      g_signal_connect (w, "value-changed", G_CALLBACK (on_range_changed), self);
      break;
    }
  gtk_widget_set_hexpand (w, TRUE);
  g_object_set_data (G_OBJECT (w), "fw-option-row", (gpointer) row);
  return w;
}

static void
build_options (FwModelPanel *self)
{
  for (guint i = 0; i < N_ROWS; i++)
    {
      const OptionRow *row = &option_rows[i];
      const FwOptionInfo *info = find_option_info (row->name);
      const char *tip = info ? _(info->help) : NULL;
      GtkWidget *label = gtk_label_new (_(row->label));
      GtkWidget *control = make_control (self, row);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), control);
      gtk_widget_set_tooltip_text (label, tip);
      gtk_widget_set_tooltip_text (control, tip);
      /* the mnemonic label names the control: a label property as well
       * would make it read "Epochs Epochs" */
      gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip ? tip : "",
                                      -1);
      gtk_widget_set_name (control, row->name);
      gtk_grid_attach (self->options_grid, label, 0, i, 1, 1);
      gtk_grid_attach (self->options_grid, control, 1, i, 1, 1);
      self->controls[i] = control;
    }
}

static void
fw_model_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FW_TYPE_MODEL_PANEL);
  /* the template's top box has no id, so dispose_template leaves it */
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (fw_model_panel_parent_class)->dispose (object);
}

static void
fw_model_panel_class_init (FwModelPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_model_panel_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (FW_TYPE_FUSION_DIAGRAM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-model-panel.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "early_button", FALSE,
                                             G_STRUCT_OFFSET (FwModelPanel, fusion_buttons[FW_FUSION_EARLY]));
  gtk_widget_class_bind_template_child_full (widget_class, "intermediate_button", FALSE,
                                             G_STRUCT_OFFSET (FwModelPanel, fusion_buttons[FW_FUSION_INTERMEDIATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "late_button", FALSE,
                                             G_STRUCT_OFFSET (FwModelPanel, fusion_buttons[FW_FUSION_LATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "image_button", FALSE,
                                             G_STRUCT_OFFSET (FwModelPanel, fusion_buttons[FW_FUSION_IMAGE]));
  gtk_widget_class_bind_template_child_full (widget_class, "text_button", FALSE,
                                             G_STRUCT_OFFSET (FwModelPanel, fusion_buttons[FW_FUSION_TEXT]));
  gtk_widget_class_bind_template_child (widget_class, FwModelPanel, diagram);
  gtk_widget_class_bind_template_child (widget_class, FwModelPanel, teaching_label);
  gtk_widget_class_bind_template_child (widget_class, FwModelPanel, options_grid);
  gtk_widget_class_bind_template_callback (widget_class, on_fusion_toggled);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwmodelpanel");
}

static void
fw_model_panel_init (FwModelPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  fw_config_init (&self->config);
  build_options (self);
  sync_widgets (self);
}

GtkWidget *
fw_model_panel_new (void)
{
  return g_object_new (FW_TYPE_MODEL_PANEL, NULL);
}

const FwConfig *
fw_model_panel_get_config (FwModelPanel *self)
{
  g_return_val_if_fail (FW_IS_MODEL_PANEL (self), NULL);
  return &self->config;
}

void
fw_model_panel_set_config (FwModelPanel *self, const FwConfig *config)
{
  g_return_if_fail (FW_IS_MODEL_PANEL (self));

  self->config = *config;
  sync_widgets (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_model_panel_set_fusion (FwModelPanel *self, FwFusion fusion)
{
  g_return_if_fail (FW_IS_MODEL_PANEL (self));
  g_return_if_fail (fusion < FW_FUSION_N_KINDS);

  self->config.fusion = fusion;
  /* early fusion feeds raw pixels (or precomputed vectors) to one shared MLP */
  if (fusion == FW_FUSION_EARLY && self->config.image_encoder == FW_IMAGE_CNN)
    self->config.image_encoder = FW_IMAGE_MLP;
  sync_widgets (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_model_panel_set_training (FwModelPanel *self, gboolean training)
{
  self->training = training;
  update_sensitivity (self);
}

void
fw_model_panel_set_data (FwModelPanel *self, int vocab, int classes)
{
  g_return_if_fail (FW_IS_MODEL_PANEL (self));

  fw_fusion_diagram_set_data (self->diagram, vocab, classes);
}

/* The features entry of an encoder's drop-down reads "features (D)" */
static void
relabel_features (FwModelPanel *self, const char *option, int dim)
{
  for (guint i = 0; i < N_ROWS; i++)
    {
      const OptionRow *row = &option_rows[i];
      if (strcmp (row->name, option) != 0)
        continue;
      guint k = g_strv_length ((char **) row->values) - 1;   /* "features", last */
      GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (self->controls[i])));
      g_autofree char *label = dim > 0 ? g_strdup_printf (_("Features (%d)"), dim)
                                       : g_strdup (_(row->labels[k]));
      const char *const add[] = { label, NULL };
      guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->controls[i]));
      self->syncing = TRUE;
      gtk_string_list_splice (list, k, 1, add);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[i]), selected);
      self->syncing = FALSE;
    }
}

void
fw_model_panel_set_features (FwModelPanel *self, int image_dim, int text_dim)
{
  g_return_if_fail (FW_IS_MODEL_PANEL (self));

  relabel_features (self, "image-encoder", image_dim);
  relabel_features (self, "text-encoder", text_dim);
  fw_fusion_diagram_set_features (self->diagram, image_dim, text_dim);
  /* a dataset opened with vectors is for training on them; one without
   * them cannot feed a features encoder */
  FwConfig *c = &self->config;
  if (image_dim > 0)
    c->image_encoder = FW_IMAGE_FEATURES;
  else if (c->image_encoder == FW_IMAGE_FEATURES)
    c->image_encoder = FW_IMAGE_MLP;
  if (text_dim > 0)
    c->text_encoder = FW_TEXT_FEATURES;
  else if (c->text_encoder == FW_TEXT_FEATURES)
    c->text_encoder = FW_TEXT_BOW;
  sync_widgets (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

FwFusionDiagram *
fw_model_panel_get_diagram (FwModelPanel *self)
{
  g_return_val_if_fail (FW_IS_MODEL_PANEL (self), NULL);

  return self->diagram;
}
