/* fw-features-dialog.c — "Open Dataset with Features…": a manifest and the
 * precomputed image and/or text vectors that go with it, each picked with
 * a native file chooser.  Loading and checking the files is the window's
 * (and the core's) business; this only gathers three paths. */
#include <glib/gi18n.h>

#include "fw-features-dialog.h"

enum { ROW_MANIFEST, ROW_IMAGE, ROW_TEXT, N_ROWS };

typedef struct {
  GtkWindow *window;
  GtkLabel *chosen[N_ROWS];
  GtkWidget *open_button;
  char *paths[N_ROWS];
  FwFeaturesChosen done;
  gpointer data;
} Dialog;

static void
dialog_free (gpointer data)
{
  Dialog *d = data;
  for (int i = 0; i < N_ROWS; i++)
    g_free (d->paths[i]);
  g_free (d);
}

static void
refresh (Dialog *d)
{
  for (int i = 0; i < N_ROWS; i++)
    {
      g_autofree char *name = d->paths[i] ? g_filename_display_basename (d->paths[i]) : NULL;
      gtk_label_set_text (d->chosen[i], name ? name : _("None"));
    }
  /* a manifest, and at least one features file: else it is plain Open */
  gtk_widget_set_sensitive (d->open_button,
                            d->paths[ROW_MANIFEST] && (d->paths[ROW_IMAGE] || d->paths[ROW_TEXT]));
}

static void
on_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  Dialog *d = user_data;
  int row = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "fw-row"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_free (d->paths[row]);
      d->paths[row] = file ? g_file_get_path (file) : NULL;
      refresh (d);
    }
  g_object_unref (chooser);
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *const *suffixes)
{
  g_autoptr(GtkFileFilter) f = gtk_file_filter_new ();
  gtk_file_filter_set_name (f, name);
  for (int i = 0; suffixes[i]; i++)
    gtk_file_filter_add_suffix (f, suffixes[i]);
  gtk_file_chooser_add_filter (chooser, f);
}

static void
on_choose (GtkButton *button, Dialog *d)
{
  static const char *const manifests[] = { "csv", "jsonl", NULL };
  static const char *const vectors[] = { "safetensors", "npy", NULL };
  int row = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "fw-row"));
  const char *title = row == ROW_MANIFEST ? _("Choose the Dataset Manifest")
                    : row == ROW_IMAGE ? _("Choose the Image Features File")
                                       : _("Choose the Text Features File");
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, d->window,
                                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                                               _("_Choose"), _("_Cancel"));
  if (row == ROW_MANIFEST)
    add_filter (GTK_FILE_CHOOSER (chooser), _("Manifests (CSV, JSON Lines)"), manifests);
  else
    add_filter (GTK_FILE_CHOOSER (chooser), _("Features (safetensors, NumPy .npy)"), vectors);
  {
    g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
    gtk_file_filter_set_name (all, _("All files"));
    gtk_file_filter_add_pattern (all, "*");
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  }
  g_object_set_data (G_OBJECT (chooser), "fw-row", GINT_TO_POINTER (row));
  g_signal_connect (chooser, "response", G_CALLBACK (on_chosen), d);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_clear (GtkButton *button, Dialog *d)
{
  int row = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "fw-row"));
  g_clear_pointer (&d->paths[row], g_free);
  refresh (d);
}

static void
on_open (GtkButton *button, Dialog *d)
{
  d->done (d->paths[ROW_MANIFEST], d->paths[ROW_IMAGE], d->paths[ROW_TEXT], d->data);
  gtk_window_destroy (d->window);
}

static void
on_cancel (GtkButton *button, Dialog *d)
{
  gtk_window_destroy (d->window);
}

GtkWindow *
fw_features_dialog_show (GtkWindow *parent, FwFeaturesChosen done, gpointer data)
{
  static const char *const row_labels[N_ROWS] = {
    N_("_Manifest"), N_("_Image features"), N_("_Text features"),
  };
  static const char *const row_tips[N_ROWS] = {
    N_("The dataset: a CSV or JSON Lines manifest with image, text and label columns."),
    N_("One precomputed image vector per manifest row, in manifest order: a safetensors file holding a float32 tensor 'features' (rows × D) or a NumPy .npy; a row of NaN is a missing image."),
    N_("One precomputed text vector per manifest row, as for the image features; a row of NaN is a missing caption."),
  };
  Dialog *d = g_new0 (Dialog, 1);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

  d->done = done;
  d->data = data;
  d->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (d->window, _("Open Dataset with Features"));
  gtk_window_set_transient_for (d->window, parent);
  gtk_window_set_modal (d->window, TRUE);
  gtk_window_set_resizable (d->window, FALSE);
  g_object_set_data_full (G_OBJECT (d->window), "fw-features-dialog", d, dialog_free);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  for (int i = 0; i < N_ROWS; i++)
    {
      GtkWidget *label = gtk_label_new_with_mnemonic (_(row_labels[i]));
      GtkWidget *chosen = gtk_label_new (NULL);
      GtkWidget *choose = gtk_button_new_with_label (_("Choose…"));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), choose);
      gtk_label_set_xalign (GTK_LABEL (chosen), 0);
      gtk_label_set_ellipsize (GTK_LABEL (chosen), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (chosen), 24);
      gtk_widget_set_hexpand (chosen, TRUE);
      gtk_widget_set_tooltip_text (label, _(row_tips[i]));
      gtk_widget_set_tooltip_text (choose, _(row_tips[i]));
      /* "Choose…" alone would not say what for */
      gtk_accessible_update_relation (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      label, NULL, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _(row_tips[i]), -1);
      g_object_set_data (G_OBJECT (choose), "fw-row", GINT_TO_POINTER (i));
      g_signal_connect (choose, "clicked", G_CALLBACK (on_choose), d);
      gtk_grid_attach (GTK_GRID (grid), label, 0, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), chosen, 1, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), choose, 2, i, 1, 1);
      if (i != ROW_MANIFEST)
        {
          GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");
          gtk_widget_set_tooltip_text (clear, _("No file for this modality"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (clear), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          i == ROW_IMAGE ? _("Clear the image features")
                                                         : _("Clear the text features"), -1);
          g_object_set_data (G_OBJECT (clear), "fw-row", GINT_TO_POINTER (i));
          g_signal_connect (clear, "clicked", G_CALLBACK (on_clear), d);
          gtk_grid_attach (GTK_GRID (grid), clear, 3, i, 1, 1);
        }
      d->chosen[i] = GTK_LABEL (chosen);
    }

  d->open_button = gtk_button_new_with_mnemonic (_("_Open"));
  gtk_widget_add_css_class (d->open_button, "suggested-action");
  g_signal_connect (d->open_button, "clicked", G_CALLBACK (on_open), d);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel), d);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), d->open_button);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (d->window, box);
  gtk_window_set_default_widget (d->window, d->open_button);
  refresh (d);
  gtk_window_present (d->window);
  return d->window;
}
