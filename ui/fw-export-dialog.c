/* fw-export-dialog.c — a GtkFileChooserNative (GTK 4.8 has no
 * GtkFileDialog) with a "format" choice; portals show it as a drop-down.
 * A PyTorch export is a folder, so its name is the folder to create. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-export-dialog.h"

typedef struct {
  FwExportFormat format;
  gboolean only_format;
  FwExportDialogFunc func;
  gpointer user_data;
} Pending;

char *
fw_export_dialog_complete_path (FwExportFormat format, const char *path)
{
  const char *ext = fw_export_format_extension (format);
  g_autofree char *base = g_path_get_basename (path);

  if (!ext || strchr (base, '.'))
    return g_strdup (path);
  return g_strconcat (path, ".", ext, NULL);
}

static void
on_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  Pending *pending = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "format");
      FwExportFormat format = pending->format;

      for (int i = 0; !pending->only_format && choice && i < FW_EXPORT_N_FORMATS; i++)
        if (g_strcmp0 (choice, fw_export_format_label (i)) == 0)
          format = i;
      if (path)
        {
          g_autofree char *full = fw_export_dialog_complete_path (format, path);
          pending->func (format, full, pending->user_data);
        }
    }
  g_object_unref (dialog);
  g_free (pending);
}

void
fw_export_dialog_show (GtkWindow *parent, FwExportFormat format, gboolean only_format,
                       const char *name, FwExportDialogFunc func, gpointer user_data)
{
  GtkFileChooserNative *chooser;
  Pending *pending = g_new0 (Pending, 1);

  pending->format = format;
  pending->only_format = only_format;
  pending->func = func;
  pending->user_data = user_data;
  chooser = gtk_file_chooser_native_new (only_format ? _("Save Model") : _("Export Model"), parent,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  if (!only_format)
    {
      const char *labels[FW_EXPORT_N_FORMATS + 1] = { NULL };

      int k = 0;

      /* the chosen format comes first: GTK 4.8's fallback dialog starts on
       * the first option whatever set_choice said; the labels are the ids */
      labels[k++] = fw_export_format_label (format);
      for (int i = 0; i < FW_EXPORT_N_FORMATS; i++)
        if (i != (int) format)
          labels[k++] = fw_export_format_label (i);
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "format", _("Format"), labels, labels);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "format", fw_export_format_label (format));
    }
  else
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, fw_export_format_label (format));
      gtk_file_filter_add_suffix (filter, fw_export_format_extension (format));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  if (name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), pending);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));

}
