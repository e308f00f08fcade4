/* fw-lesson-screenshots.c — renders every step of a built-in lesson in the
 * window at 1280×720 (a classroom projector), in presenter mode when the
 * window has it, to PNG files: each step as it opens (question asked) and
 * after its action ran (answer revealed).  For tests/ui/screenshots.sh.
 * Usage: fw-lesson-screenshots OUTDIR PREFIX [LESSON] */
#include <glib/gi18n.h>
#include <locale.h>

#include "fw-lesson-panel.h"
#include "fw-ui.h"
#include "fw-window.h"

static void
iterate_for (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static void
wait_idle (FwWindow *win)
{
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC * 300;

  do
    {
      while ((fw_window_is_busy (win) || fw_contrib_view_is_busy (fw_window_get_contrib_view (win)) ||
             fw_sample_view_is_busy (fw_window_get_sample_view (win)))
             && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, TRUE);
      iterate_for (100);
    }
  while ((fw_window_is_busy (win) || fw_contrib_view_is_busy (fw_window_get_contrib_view (win)) ||
             fw_sample_view_is_busy (fw_window_get_sample_view (win)))
         && g_get_monotonic_time () < end);
}

static void
save (GtkWidget *window, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);

  iterate_for (400);   /* let layout, the revealer and drawing settle */
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  graphene_rect_t area = GRAPHENE_RECT_INIT (0, 0, w, h);
  g_autoptr (GdkTexture) texture =
    gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, &area);
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s\n", path);
}

static GtkWidget *
find_type (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, FW_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc < 3)
    {
      g_printerr ("usage: fw-lesson-screenshots OUTDIR PREFIX [LESSON]\n");
      return 2;
    }
  const char *dir = argv[1], *prefix = argv[2];
  const char *name = argc > 3 ? argv[3] : "late-fusion-xor";
  gtk_init ();
  fw_ui_init ();

  FwWindow *win = fw_window_new (NULL);
  gtk_widget_add_css_class (GTK_WIDGET (win), "fw-main");
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  gtk_window_present (GTK_WINDOW (win));
  /* presenter mode, once the window has it */
  if (g_action_group_has_action (G_ACTION_GROUP (win), "presenter"))
    g_action_group_change_action_state (G_ACTION_GROUP (win), "presenter", g_variant_new_boolean (TRUE));
  if (!fw_window_open_lesson_file (win, name))
    g_error ("%s", fw_window_get_error (win));
  FwLessonPanel *panel = FW_LESSON_PANEL (find_type (GTK_WIDGET (win), FW_TYPE_LESSON_PANEL));
  const FwLesson *lesson = fw_lesson_panel_get_lesson (panel);

  for (int i = 0; i < lesson->n_steps; i++)
    {
      const FwLessonStep *step = &lesson->steps[i];
      g_autofree char *asked = g_strdup_printf ("%slesson-%s-step%d.png", prefix, name, i + 1);
      g_autofree char *done = g_strdup_printf ("%slesson-%s-step%d-done.png", prefix, name, i + 1);

      wait_idle (win);
      save (GTK_WIDGET (win), dir, asked);
      if (step->question)
        fw_lesson_panel_choose (panel, step->answer);
      static const char *const actions[] = { NULL, "train", "compare", "compute-contributions", NULL };
      if (actions[step->action])
        {
          g_action_group_activate_action (G_ACTION_GROUP (win), actions[step->action], NULL);
          wait_idle (win);
        }
      if (step->question && !fw_lesson_panel_get_revealed (panel))
        gtk_widget_activate_action (GTK_WIDGET (panel), "lesson.reveal", NULL);
      if (step->question || actions[step->action])
        save (GTK_WIDGET (win), dir, done);
      fw_lesson_panel_next (panel);
    }
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}
