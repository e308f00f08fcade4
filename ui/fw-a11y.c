/* fw-a11y.c — gives GTK's internal widgets the names GTK 4.8 does not:
 * the parts are recognised by class name because most are private types.
 * Only labels and the "hidden" state are set; nothing changes on screen. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-a11y.h"

#define SEEN_KEY "fw-a11y-named"

static void
set_label (gpointer accessible, const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (accessible), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
hide (gpointer accessible)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (accessible), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
}

static gboolean
is_type (GtkWidget *w, const char *name)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (w), name);
}

/* The text of a mnemonic label pointing at w, without its underscore. */
static char *
mnemonic_text (GtkWidget *w)
{
  GList *labels = gtk_widget_list_mnemonic_labels (w);
  char *text = NULL;

  if (labels && GTK_IS_LABEL (labels->data))
    text = g_strdup (gtk_label_get_text (labels->data));
  g_list_free (labels);
  return text;
}

static const char *
drop_down_name (GtkDropDown *dd)
{
  return g_object_get_data (G_OBJECT (dd), "fw-a11y-name");
}

/* A drop-down's button reads "Optimizer: Adam": the name and the choice. */
static void
update_drop_down_button (GtkDropDown *dd)
{
  GtkWidget *button = g_object_get_data (G_OBJECT (dd), "fw-a11y-button");
  GObject *item = gtk_drop_down_get_selected_item (dd);
  const char *choice = NULL;
  g_autofree char *label = NULL;

  if (!button)
    return;
  if (GTK_IS_STRING_OBJECT (item))
    choice = gtk_string_object_get_string (GTK_STRING_OBJECT (item));
  else if (item && g_object_get_data (item, "fw-a11y-text"))
    choice = g_object_get_data (item, "fw-a11y-text");
  if (choice)
    label = g_strdup_printf (_("%s: %s"), drop_down_name (dd), choice);
  else
    label = g_strdup (drop_down_name (dd));
  set_label (button, label);
}

static void
name_drop_down (GtkDropDown *dd)
{
  g_autofree char *name = mnemonic_text (GTK_WIDGET (dd));
  const char *tip = gtk_widget_get_tooltip_text (GTK_WIDGET (dd));

  if (!name)
    name = g_strdup (g_object_get_data (G_OBJECT (dd), "fw-a11y-name-hint"));
  if (!name && tip)
    {
      /* the tooltip's first sentence */
      const char *end = strpbrk (tip, ".:");
      name = end ? g_strndup (tip, end - tip) : g_strdup (tip);
    }
  g_object_set_data_full (G_OBJECT (dd), "fw-a11y-name", g_steal_pointer (&name) ?: g_strdup (_("Choice")), g_free);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (dd)); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TOGGLE_BUTTON (c))
      {
        g_object_set_data (G_OBJECT (dd), "fw-a11y-button", c);
        /* what the button shows is in its name: its insides are noise */
        for (GtkWidget *inner = gtk_widget_get_first_child (c); inner; inner = gtk_widget_get_next_sibling (inner))
          hide (inner);
      }
  g_signal_connect (dd, "notify::selected", G_CALLBACK (update_drop_down_button), NULL);
  update_drop_down_button (dd);
}

/* Our panels read as their heading ("Model", "Dataset"). */
static const char *
heading_of (GtkWidget *w)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      const char *text;
      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, "fw-heading"))
        return gtk_label_get_text (GTK_LABEL (c));
      if ((text = heading_of (c)))
        return text;
    }
  return NULL;
}

static gboolean
is_container_role (GtkWidget *w)
{
  GtkAccessibleRole role = gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (w));

  return role == GTK_ACCESSIBLE_ROLE_GENERIC || role == GTK_ACCESSIBLE_ROLE_WIDGET ||
         role == GTK_ACCESSIBLE_ROLE_GROUP;
}

/* An empty label has nothing to say: out of the tree until it has text. */
static void
update_empty_label (GtkLabel *label)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_STATE_HIDDEN,
                               *gtk_label_get_text (label) == '\0', -1);
}

static void
name_widget (GtkWidget *w)
{
  GtkWidget *parent = gtk_widget_get_parent (w);

  if (g_object_get_data (G_OBJECT (w), SEEN_KEY))
    return;
  g_object_set_data (G_OBJECT (w), SEEN_KEY, GINT_TO_POINTER (1));

  if (GTK_IS_DROP_DOWN (w))
    name_drop_down (GTK_DROP_DOWN (w));
  else if (GTK_IS_SCROLLBAR (w))
    set_label (w, gtk_orientable_get_orientation (GTK_ORIENTABLE (w)) == GTK_ORIENTATION_VERTICAL
                  ? _("Vertical scroll bar") : _("Horizontal scroll bar"));
  else if (GTK_IS_RANGE (w) && parent && GTK_IS_SCROLLBAR (parent))
    hide (w);
  else if (GTK_IS_PANED (w))
    set_label (w, _("Panels"));
  else if (is_type (w, "GtkPanedHandle"))
    set_label (w, _("Divider between the panels"));
  else if (GTK_IS_INFO_BAR (w))
    set_label (w, _("Message"));
  else if (GTK_IS_BUTTON (w) && parent && gtk_widget_get_ancestor (parent, GTK_TYPE_INFO_BAR) &&
           !gtk_button_get_label (GTK_BUTTON (w)) && GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (w))))
    set_label (w, _("Close the message"));
  else if (GTK_IS_IMAGE (w) && parent && gtk_widget_get_ancestor (w, GTK_TYPE_BUTTON))
    hide (w);   /* an icon beside (or instead of) the button's name */
  else if (is_type (w, "GtkBuiltinIcon"))
    hide (w);
  else if (GTK_IS_LABEL (w))
    {
      g_signal_connect (w, "notify::label", G_CALLBACK (update_empty_label), NULL);
      update_empty_label (GTK_LABEL (w));
    }
  else if (GTK_IS_PROGRESS_BAR (w) && gtk_widget_get_tooltip_text (w))
    set_label (w, gtk_widget_get_tooltip_text (w));
  else if (GTK_IS_PROGRESS_BAR (w))
    set_label (w, _("Progress"));
  else if (GTK_IS_FRAME (w) && !gtk_frame_get_label (GTK_FRAME (w)))
    {
      /* a frame around one chart reads as the chart */
      GtkWidget *child = gtk_frame_get_child (GTK_FRAME (w));
      set_label (w, child && gtk_widget_get_tooltip_text (child) ? gtk_widget_get_tooltip_text (child) : _("Frame"));
    }
  else if (g_str_has_prefix (G_OBJECT_TYPE_NAME (w), "Fw") && is_container_role (w) && heading_of (w))
    set_label (w, heading_of (w));
  else if (GTK_IS_BUTTON (w) && GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (w))))
    {
      /* GTK 4.8 names a button by its label property (underscore and
       * all) followed by the label child it is "labelled by" ("_Open
       * Open"): one name, the text shown, and no relation */
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (w));
      set_label (w, gtk_label_get_text (GTK_LABEL (child)));
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
    }
}

static void
walk (GtkWidget *w)
{
  name_widget (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    walk (c);
}

void
fw_a11y_name_internals (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  walk (root);
}
