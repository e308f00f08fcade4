/* fw-ui.c — resources, CSS and settings for the GUI; widgets and behaviour
 * live in their own files. */
#include "fw-resources.h"
#include "fw-ui.h"

void
fw_ui_init (void)
{
  static gboolean registered, styled;
  GdkDisplay *display;

  if (!registered)
    {
      fw_register_resource ();
      registered = TRUE;
    }
  display = gdk_display_get_default ();
  if (display && !styled)
    {
      gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display),
                                        "/org/fusionworkbench/FusionWorkbench/icons");
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
      gtk_css_provider_load_from_resource (css, "/org/fusionworkbench/FusionWorkbench/style.css");
      gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      styled = TRUE;
    }
}

GSettings *
fw_ui_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, FW_APP_ID, TRUE);
#ifdef FW_SCHEMA_BUILDDIR
  if (!schema)
    {
      g_autoptr(GSettingsSchemaSource) build = NULL;
      build = g_settings_schema_source_new_from_directory (FW_SCHEMA_BUILDDIR, source, FALSE, NULL);
      if (build)
        schema = g_settings_schema_source_lookup (build, FW_APP_ID, FALSE);
    }
#endif
  if (!schema)
    {
      g_message ("GSettings schema %s not found: settings will not be remembered", FW_APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}
