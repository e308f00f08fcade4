/* fw-save-chooser.h — the save chooser of the chart and numbers exports:
 * one filter per offered format, and the chosen path with the selected
 * format's extension added when the name has none of the offered ones.
 * What is written is the caller's business (fw-picture.h for charts). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* marked with N_(); translated here */
  const char *ext;           /* without the dot */
} FwSaveFormat;

/* A modal save chooser on parent's window, not yet shown; no formats
 * (n_formats 0) means no filters and no extension added. */
GtkFileChooserNative *fw_save_chooser_new (GtkWidget *parent, const char *title,
                                           const char *current_name,
                                           const FwSaveFormat *formats, gsize n_formats);
/* The accepted path (g_free), completed with the selected format's extension. */
char *fw_save_chooser_get_path (GtkNativeDialog *chooser);

G_END_DECLS
