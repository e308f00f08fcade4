/* fw-save-chooser.c — see fw-save-chooser.h.  The formats' extensions ride
 * on the chooser and its filters as object data. */
#include <glib/gi18n.h>

#include "fw-save-chooser.h"

GtkFileChooserNative *
fw_save_chooser_new (GtkWidget *parent, const char *title, const char *current_name,
                     const FwSaveFormat *formats, gsize n_formats)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (title, GTK_WINDOW (gtk_widget_get_root (parent)),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  GStrvBuilder *exts = g_strv_builder_new ();

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), current_name);
  for (gsize i = 0; i < n_formats; i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, _(formats[i].name));
      gtk_file_filter_add_suffix (filter, formats[i].ext);
      g_object_set_data (G_OBJECT (filter), "fw-ext", (gpointer) formats[i].ext);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_strv_builder_add (exts, formats[i].ext);
    }
  g_object_set_data_full (G_OBJECT (chooser), "fw-exts", g_strv_builder_end (exts),
                          (GDestroyNotify) g_strfreev);
  g_strv_builder_unref (exts);
  return chooser;
}

char *
fw_save_chooser_get_path (GtkNativeDialog *chooser)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  char *path = g_file_get_path (file);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (chooser));
  const char *ext = filter ? g_object_get_data (G_OBJECT (filter), "fw-ext") : NULL;
  const char *const *exts = g_object_get_data (G_OBJECT (chooser), "fw-exts");

  if (!ext)
    return path;
  for (gsize i = 0; exts && exts[i]; i++)
    {
      g_autofree char *suffix = g_strconcat (".", exts[i], NULL);
      if (g_str_has_suffix (lower, suffix))
        return path;
    }
  /* a name typed without an extension takes the chosen format's */
  char *with_ext = g_strconcat (path, ".", ext, NULL);
  g_free (path);
  return with_ext;
}
