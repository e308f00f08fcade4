/* fw-features-dialog.h — the "Open Dataset with Features…" dialog: a
 * manifest plus image and/or text features files. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* manifest is set; image or text (or both) is set, the other may be NULL */
typedef void (*FwFeaturesChosen) (const char *manifest, const char *image, const char *text,
                                  gpointer data);

/* Shows the dialog over parent; done runs when the user presses Open.
 * Returns the dialog's window (it destroys itself). */
GtkWindow *fw_features_dialog_show (GtkWindow *parent, FwFeaturesChosen done, gpointer data);

G_END_DECLS
