/* fw-ui.h — set-up shared by the application and the UI tests: the
 * GResource, the style sheet, and GSettings that still work from the build
 * tree when the schema is not installed. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FW_APP_ID "org.fusionworkbench.FusionWorkbench"

/* Registers the resources and, once a display exists, the CSS.  Idempotent. */
void fw_ui_init (void);
/* The app's settings, from the installed schema or the build folder's
 * compiled one; NULL (settings are then not remembered) when neither exists. */
GSettings *fw_ui_settings_new (void);

G_END_DECLS
