/* fw-application.c — FwApplication and fw_gui_main: parses --data and
 * --lesson, opens the window on the given, the last or the built-in demo
 * dataset (and the lesson), and owns the app-wide actions.  Everything inside the window is FwWindow's. */
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "fw-application.h"
#include "fw-commands.h"
#include "fw-ui.h"
#include "fw-window.h"

struct _FwApplication
{
  GtkApplication parent_instance;

  /* Owned */
  char *data_spec;
  FwLesson *lesson;          /* --lesson, checked before the window opens */
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (FwApplication, fw_application, GTK_TYPE_APPLICATION)

static void
set_dark (gboolean dark)
{
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
action_dark_style (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwApplication *self = user_data;

  g_simple_action_set_state (action, state);
  set_dark (g_variant_get_boolean (state));
  if (self->settings)
    g_settings_set_boolean (self->settings, "dark-style", g_variant_get_boolean (state));
}

static void
quit_now (GApplication *app)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* closing the windows stops training and saves their state */
  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
  g_application_quit (app);
}

static void
on_quit_confirmed (FwWindow *window, gpointer app)
{
  quit_now (app);
}

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GApplication *app = user_data;

  /* a run in progress is not thrown away by one key press: ask first */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (FW_IS_WINDOW (l->data) && !fw_window_confirm_quit (l->data, on_quit_confirmed, app))
      return;
  quit_now (app);
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  const char *authors[] = { _("The Fusion Workbench developers"), NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("Fusion Workbench"),
                         "logo-icon-name", FW_APP_ID,
                         "version", FW_VERSION,
                         "comments", _("Train and compare image and text fusion models"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_entries[] = {
  { "quit", action_quit },
  { "about", action_about },
  { "dark-style", NULL, NULL, "false", action_dark_style },
};

static void
fw_application_startup (GApplication *app)
{
  FwApplication *self = FW_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (fw_application_parent_class)->startup (app);
  fw_ui_init ();
  g_set_application_name (_("Fusion Workbench"));
  gtk_window_set_default_icon_name (FW_APP_ID);
  self->settings = fw_ui_settings_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  if (self->settings && g_settings_get_boolean (self->settings, "dark-style"))
    {
      GAction *dark = g_action_map_lookup_action (G_ACTION_MAP (app), "dark-style");
      g_simple_action_set_state (G_SIMPLE_ACTION (dark), g_variant_new_boolean (TRUE));
      set_dark (TRUE);
    }
}

static void
fw_application_activate (GApplication *app)
{
  FwApplication *self = FW_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_autofree char *spec = NULL;

  if (window)
    {
      gtk_window_present (window);
      if (self->data_spec)
        fw_window_load_dataset (FW_WINDOW (window), self->data_spec);
      return;
    }
  window = GTK_WINDOW (fw_window_new (GTK_APPLICATION (app)));
  gtk_widget_add_css_class (GTK_WIDGET (window), "fw-main");
  if (self->data_spec)
    spec = g_strdup (self->data_spec);
  else if (self->settings)
    spec = g_settings_get_string (self->settings, "last-dataset");
  if (spec == NULL || *spec == '\0')
    {
      g_free (spec);
      spec = g_strdup ("builtin:shapes");
    }
  fw_window_load_dataset (FW_WINDOW (window), spec);
  /* the lesson's first step loads its own dataset after that one */
  if (self->lesson)
    fw_window_open_lesson (FW_WINDOW (window), g_steal_pointer (&self->lesson));
  gtk_window_present (window);
}

static int
fw_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  FwApplication *self = FW_APPLICATION (app);
  const char *data = NULL;

  /* file names, so byte strings: a Latin-1 name is no UTF-8 string */
  if (g_variant_dict_lookup (options, "data", "^&ay", &data))
    {
      g_free (self->data_spec);
      /* a relative manifest path means the caller's folder */
      if (!g_str_has_prefix (data, "builtin:") && !g_path_is_absolute (data))
        {
          g_autofree char *cwd = g_get_current_dir ();
          self->data_spec = g_build_filename (cwd, data, NULL);
        }
      else
        self->data_spec = g_strdup (data);
    }
  const char *lesson = NULL;
  if (g_variant_dict_lookup (options, "lesson", "^&ay", &lesson))
    {
      g_autoptr (GError) error = NULL;
      g_clear_pointer (&self->lesson, fw_lesson_free);
      self->lesson = fw_lesson_load (lesson, NULL, &error);
      if (!self->lesson)
        {
          /* a teacher checking a file wants the message here, not in a window */
          g_printerr ("fusion-workbench: %s\n", error->message);
          return 1;
        }
    }
  return -1;
}

static void
fw_application_finalize (GObject *object)
{
  FwApplication *self = FW_APPLICATION (object);

  g_free (self->data_spec);
  g_clear_pointer (&self->lesson, fw_lesson_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (fw_application_parent_class)->finalize (object);
}

static void
fw_application_class_init (FwApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = fw_application_finalize;
  app_class->startup = fw_application_startup;
  app_class->activate = fw_application_activate;
  app_class->handle_local_options = fw_application_handle_local_options;
}

static void
fw_application_init (FwApplication *self)
{
  static const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Open this dataset: a manifest, a folder or builtin:NAME"), N_("SPEC") },
    { "lesson", 'l', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Start this lesson: a lesson file or a built-in lesson's name"), N_("FILE") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Train and compare image and text fusion models."));
}

FwApplication *
fw_application_new (void)
{
  return g_object_new (FW_TYPE_APPLICATION,
                       "application-id", FW_APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

int
fw_gui_main (int argc, char **argv)
{
  g_autoptr(FwApplication) app = NULL;
  /* main () has set the locale, LANGUAGE fallback included */
  gtk_disable_setlocale ();

  /* Every chart and the diagram are Cairo drawings: the Cairo renderer
   * shows them without a texture upload per frame, and on machines without
   * a GPU (software GL, Xvfb) it leaves the cores to the trainer.
   * GSK_RENDERER set by the user still wins.  Without it GL is not even
   * probed, which saves loading the GL drivers at start (a quarter of a
   * second with Mesa's software GL). */
  if (g_getenv ("GSK_RENDERER") == NULL)
    {
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
      if (g_getenv ("GDK_DEBUG") == NULL)
        g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
    }
  app = fw_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
