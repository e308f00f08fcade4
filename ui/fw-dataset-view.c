/* fw-dataset-view.c — fills the Dataset panel's labels and table from an
 * FwDataset and shows the first rows as thumbnails (textures copied from
 * the dataset's bytes), each activatable (a click or Enter opens it in the
 * Sample inspector).  Loading is the window's business. */
#include <glib/gi18n.h>

#include "fw-dataset-view.h"

#define MAX_SAMPLES 120

struct _FwDatasetView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *name_label;
  GtkLabel *source_label;
  GtkLabel *summary_label;
  GtkLabel *missing_label;
  GtkGrid *counts_grid;
  GtkFlowBox *samples_box;

  /* Owned */
  guint n_samples_shown;
};

G_DEFINE_FINAL_TYPE (FwDatasetView, fw_dataset_view, GTK_TYPE_WIDGET)

enum { SAMPLE_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static GdkTexture *
sample_texture (const FwDataset *ds, int row)
{
  int s = ds->size, c = ds->channels;
  const guint8 *src = ds->pixels + (gsize) row * c * s * s;
  g_autofree guint8 *rgb = g_malloc ((gsize) s * s * 3);
  g_autoptr(GBytes) bytes = NULL;

  /* planar (C, S, S) bytes → packed RGB */
  for (int i = 0; i < s * s; i++)
    for (int k = 0; k < 3; k++)
      rgb[i * 3 + k] = src[(c == 3 ? k : 0) * s * s + i];
  bytes = g_bytes_new_take (g_steal_pointer (&rgb), (gsize) s * s * 3);
  return gdk_memory_texture_new (s, s, GDK_MEMORY_R8G8B8, bytes, (gsize) s * 3);
}

static GtkWidget *
sample_widget (const FwDataset *ds, int row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *caption, *label, *picture, *cell;
  g_autofree char *a11y = NULL;

  if (ds->has_image[row])
    {
      g_autoptr(GdkTexture) texture = sample_texture (ds, row);
      picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
    }
  else
    {
      picture = gtk_label_new (_("no image"));
      gtk_widget_add_css_class (picture, "dim-label");
    }
  gtk_widget_set_size_request (picture, 84, 84);
  gtk_widget_add_css_class (picture, "fw-thumbnail");
  /* the cell's name says what the picture is: the picture itself is noise */
  gtk_accessible_update_state (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_box_append (GTK_BOX (box), picture);

  caption = gtk_label_new (ds->has_text[row] ? ds->text[row] : _("(no text)"));
  gtk_label_set_ellipsize (GTK_LABEL (caption), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (caption), 12);
  gtk_label_set_width_chars (GTK_LABEL (caption), 12);
  gtk_widget_set_tooltip_text (caption, ds->has_text[row] ? ds->text[row] : NULL);
  gtk_widget_add_css_class (caption, "fw-caption");
  gtk_box_append (GTK_BOX (box), caption);

  label = gtk_label_new (ds->classes[ds->label[row]]);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "fw-sample-label");
  gtk_box_append (GTK_BOX (box), label);

  /* the flow box's own child carries the name: the cell a screen reader
   * lands on, not a box inside it */
  cell = gtk_flow_box_child_new ();
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (cell), box);
  a11y = g_strdup_printf (_("Sample %d: “%s”, label %s"), row + 1,
                          ds->has_text[row] ? ds->text[row] : "", ds->classes[ds->label[row]]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return cell;
}

static void
grid_clear (GtkGrid *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))))
    gtk_grid_remove (grid, child);
}

static void
grid_text (GtkGrid *grid, int col, int row, const char *text, gboolean header)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), col == 0 ? 0 : 1);
  gtk_label_set_ellipsize (GTK_LABEL (label), col == 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  if (header)
    gtk_widget_add_css_class (label, "fw-table-header");
  gtk_grid_attach (grid, label, col, row, 1, 1);
}

static void
fill_counts (FwDatasetView *self, const FwDataset *ds)
{
  g_autofree int *counts = g_new0 (int, (gsize) ds->n_classes * FW_SPLIT_N_KINDS);
  int totals[FW_SPLIT_N_KINDS] = { 0 };
  static const char *const split_titles[] = { N_("train"), N_("val"), N_("test") };
  G_STATIC_ASSERT (G_N_ELEMENTS (split_titles) == FW_SPLIT_N_KINDS);

  for (int r = 0; r < ds->n; r++)
    {
      counts[ds->label[r] * FW_SPLIT_N_KINDS + ds->split[r]]++;
      totals[ds->split[r]]++;
    }
  grid_clear (self->counts_grid);
  grid_text (self->counts_grid, 0, 0, _("class"), TRUE);
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    grid_text (self->counts_grid, s + 1, 0, _(split_titles[s]), TRUE);
  /* a long class list would crowd the panel: the first 12, then a total */
  for (int k = 0; k < MIN (ds->n_classes, 12); k++)
    {
      grid_text (self->counts_grid, 0, k + 1, ds->classes[k], FALSE);
      for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
        {
          char buf[32];
          g_snprintf (buf, sizeof buf, "%'d", counts[k * FW_SPLIT_N_KINDS + s]);
          grid_text (self->counts_grid, s + 1, k + 1, buf, FALSE);
        }
    }
  grid_text (self->counts_grid, 0, MIN (ds->n_classes, 12) + 1, _("all"), TRUE);
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "%'d", totals[s]);
      grid_text (self->counts_grid, s + 1, MIN (ds->n_classes, 12) + 1, buf, TRUE);
    }
}

void
fw_dataset_view_set_dataset (FwDatasetView *self, const FwDataset *ds, int vocab_size)
{
  GtkWidget *child;

  g_return_if_fail (FW_IS_DATASET_VIEW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->samples_box))))
    gtk_flow_box_remove (self->samples_box, child);
  self->n_samples_shown = 0;
  if (ds == NULL)
    {
      gtk_label_set_text (self->name_label, _("No dataset"));
      gtk_label_set_text (self->source_label, "");
      gtk_label_set_text (self->summary_label, "");
      gtk_label_set_text (self->missing_label, "");
      grid_clear (self->counts_grid);
      return;
    }

  {
    int missing_image = 0, missing_text = 0;
    g_autofree char *summary = NULL, *missing = NULL;

    for (int r = 0; r < ds->n; r++)
      {
        missing_image += !ds->has_image[r];
        missing_text += !ds->has_text[r];
      }
    gtk_label_set_text (self->name_label, ds->name);
    {
      g_autofree char *shown = g_filename_display_name (ds->source);
      gtk_label_set_text (self->source_label, shown);
    }
    summary = g_strdup_printf (_("%'d rows · %d classes · vocabulary %'d · %d×%d %s"),
                               ds->n, ds->n_classes,
                               vocab_size >= 0 ? vocab_size : (ds->lexicon ? (int) ds->lexicon->len : 0),
                               ds->size, ds->size, ds->channels == 3 ? _("colour") : _("gray"));
    gtk_label_set_text (self->summary_label, summary);
    missing = g_strdup_printf (_("Missing: %'d images, %'d texts"), missing_image, missing_text);
    gtk_label_set_text (self->missing_label, missing);
  }
  fill_counts (self, ds);
  for (int r = 0; r < MIN (ds->n, MAX_SAMPLES); r++)
    gtk_flow_box_append (self->samples_box, sample_widget (ds, r));
  self->n_samples_shown = MIN (ds->n, MAX_SAMPLES);
}

guint
fw_dataset_view_get_n_samples_shown (FwDatasetView *self)
{
  return self->n_samples_shown;
}

/* The grid shows rows 0, 1, ... in order: a child's index is its row. */
int
fw_dataset_view_get_selected_sample (FwDatasetView *self)
{
  g_autoptr(GList) selected = gtk_flow_box_get_selected_children (self->samples_box);

  return selected ? gtk_flow_box_child_get_index (selected->data) : -1;
}

static void
on_child_activated (GtkFlowBox *box, GtkFlowBoxChild *child, FwDatasetView *self)
{
  gtk_flow_box_select_child (box, child);
  g_signal_emit (self, signals[SAMPLE_ACTIVATED], 0, gtk_flow_box_child_get_index (child));
}

static void
fw_dataset_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FW_TYPE_DATASET_VIEW);
  /* the template's top box has no id, so dispose_template leaves it */
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (fw_dataset_view_parent_class)->dispose (object);
}

static void
fw_dataset_view_class_init (FwDatasetViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_dataset_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-dataset-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, name_label);
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, source_label);
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, missing_label);
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, counts_grid);
  gtk_widget_class_bind_template_child (widget_class, FwDatasetView, samples_box);
  gtk_widget_class_bind_template_callback (widget_class, on_child_activated);
  /* a sample clicked, or activated with Enter: its dataset row */
  signals[SAMPLE_ACTIVATED] = g_signal_new ("sample-activated", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwdatasetview");
}

/* The sample grid is one stop in the Tab order: arrow keys move between
 * its cells, Tab and Shift+Tab leave it (120 presses to cross it were a
 * wall for keyboard users).  The grid stops taking focus for the move. */
static gboolean
on_samples_key (GtkEventControllerKey *keys, guint keyval, guint keycode, GdkModifierType state,
                FwDatasetView *self)
{
  GtkWidget *grid = GTK_WIDGET (self->samples_box);
  GtkRoot *root = gtk_widget_get_root (grid);

  if ((keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab && keyval != GDK_KEY_KP_Tab) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) || !root)
    return FALSE;
  gtk_widget_set_can_focus (grid, FALSE);
  g_signal_emit_by_name (root, "move-focus",
                         keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK)
                           ? GTK_DIR_TAB_BACKWARD : GTK_DIR_TAB_FORWARD);
  gtk_widget_set_can_focus (grid, TRUE);
  return TRUE;
}

static void
fw_dataset_view_init (FwDatasetView *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_samples_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->samples_box), keys);
}

GtkWidget *
fw_dataset_view_new (void)
{
  return g_object_new (FW_TYPE_DATASET_VIEW, NULL);
}
