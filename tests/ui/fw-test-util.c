/* fw-test-util.c — helpers for the window tests (see the header). */
#include <glib/gstdio.h>

#include "fw-test-util.h"
#include "fw-ui.h"

char *
fw_test_init (int *argc, char ***argv)
{
  char *data_home = g_dir_make_tmp ("fw-ui-data-XXXXXX", NULL);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (argc, argv, NULL);
  fw_ui_init ();
  return data_home;
}

void
fw_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        fw_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
fw_test_forget_saved_runs (void)
{
  g_autofree char *runs = g_build_filename (g_get_user_data_dir (), "fusion-workbench", "runs", NULL);

  fw_test_remove_tree (runs);
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
busy (FwWindow *win)
{
  return fw_window_is_busy (win) || fw_contrib_view_is_busy (fw_window_get_contrib_view (win)) ||
         fw_sample_view_is_busy (fw_window_get_sample_view (win)) ||
         fw_robustness_view_is_busy (fw_window_get_robustness_view (win));
}

void
fw_test_wait_idle (FwWindow *win)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (FW_TEST_TIMEOUT_SECONDS, timed_out, &expired);

  do
    {
      while (busy (win) && !expired)
        g_main_context_iteration (NULL, TRUE);
      /* what is already queued may start more (a finished run starts its
       * contributions in an idle) */
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
    }
  while (busy (win) && !expired);
  g_assert_false (expired);
  g_source_remove (id);
}

void
fw_test_iterate_for (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

gboolean
fw_test_wait_for (gboolean (*cond) (gpointer data), gpointer data, int seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

FwWindow *
fw_test_window_with_data (const char *spec)
{
  FwWindow *win;
  FwConfig config;

  fw_test_forget_saved_runs ();
  win = fw_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 2;
  config.hidden = 16;
  config.head_hidden = 16;
  config.batch = 64;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  if (spec)
    {
      fw_window_load_dataset (win, spec);
      fw_test_wait_idle (win);
    }
  return win;
}

static void
collect (GtkWidget *w, GPtrArray *out)
{
  g_ptr_array_add (out, w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect (c, out);
}

GPtrArray *
fw_test_collect_widgets (GtkWidget *root)
{
  GPtrArray *out = g_ptr_array_new ();

  collect (root, out);
  return out;
}

GtkWidget *
fw_test_find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = fw_test_find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}
