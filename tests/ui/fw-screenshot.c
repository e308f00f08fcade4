/* fw-screenshot.c — renders the main window at the stages a user sees
 * (empty, training, finished, contributions, inspector, compare table)
 * to PNG files, for tests/ui/screenshots.sh.  With --classroom, the window
 * as the screen it runs on fits it (a projector's 1024×768 or 1280×720):
 * after Compare fusion types, with each bottom tab, and with --presenter in
 * presenter mode, also with the side sheet open.
 * Usage: fw-screenshot OUTDIR PREFIX [--dark | --classroom [--presenter]] */
#include <glib/gi18n.h>
#include <locale.h>

#include "fw-run.h"
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
save (GtkWidget *widget, const char *dir, const char *prefix, const char *stage)
{
  g_autofree char *name = g_strdup_printf ("%s%s.png", prefix, stage);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  int w, h;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  GtkWidget *native = GTK_WIDGET (gtk_widget_get_native (widget));
  graphene_rect_t area = GRAPHENE_RECT_INIT (0, 0, 0, 0);

  iterate_for (300);       /* let layout and drawing settle */
  /* a panel is cut out of its window's picture, background and all */
  g_clear_object (&paintable);
  paintable = gtk_widget_paintable_new (native);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  if (!gtk_widget_compute_bounds (widget, native, &area))
    area = GRAPHENE_RECT_INIT (0, 0, w, h);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (native), gtk_widget_get_height (native));
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (native)), node, &area);
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s\n", path);
}

static GtkListBox *
find_runs_list (GtkWidget *widget)
{
  if (GTK_IS_LIST_BOX (widget) && gtk_list_box_get_row_at_index (GTK_LIST_BOX (widget), 1))
    return GTK_LIST_BOX (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkListBox *found = find_runs_list (c);
      if (found)
        return found;
    }
  return NULL;
}

static GtkDropDown *
find_drop_down (GtkWidget *widget)
{
  if (GTK_IS_DROP_DOWN (widget))
    return GTK_DROP_DOWN (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkDropDown *found = find_drop_down (c);
      if (found)
        return found;
    }
  return NULL;
}

static void
wait_idle (FwWindow *win)
{
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC * 300;

  while ((fw_window_is_busy (win) || fw_contrib_view_is_busy (fw_window_get_contrib_view (win)) ||
          fw_sample_view_is_busy (fw_window_get_sample_view (win))) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

/* A lesson on a projector: shapes-xor at its recommended settings,
 * Compare fusion types, then each tab of the bottom area. */
static int
classroom (const char *dir, const char *prefix, gboolean presenter)
{
  FwWindow *win = fw_window_new (NULL);
  FwConfig config;
  GtkWidget *contrib = GTK_WIDGET (fw_window_get_contrib_view (win));
  GtkWidget *sample = GTK_WIDGET (fw_window_get_sample_view (win));
  GtkWidget *stack;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  /* chosen in the menu, as in class: its recommended settings apply */
  g_action_group_activate_action (G_ACTION_GROUP (win), "load-dataset", g_variant_new_string ("builtin:shapes-xor"));
  wait_idle (win);
  if (presenter)
    g_action_group_activate_action (G_ACTION_GROUP (win), "presenter", NULL);
  /* the screenshots need no slow show */
  g_action_group_change_action_state (G_ACTION_GROUP (win), "classroom-pace", g_variant_new_boolean (FALSE));
  save (GTK_WIDGET (win), dir, prefix, "start");
  g_action_group_activate_action (G_ACTION_GROUP (win), "compare", NULL);
  wait_idle (win);
  save (GTK_WIDGET (win), dir, prefix, "compare");
  stack = gtk_widget_get_ancestor (contrib, GTK_TYPE_STACK);
  if (stack && gtk_stack_get_page (GTK_STACK (stack), sample))
    {
      GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (stack, GTK_TYPE_SCROLLED_WINDOW));
      GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);
      gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
      gtk_stack_set_visible_child_name (GTK_STACK (stack), "explain");
      wait_idle (win);
      gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
      save (GTK_WIDGET (win), dir, prefix, "contributions");
      gtk_stack_set_visible_child (GTK_STACK (stack), sample);
      wait_idle (win);
      gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
      save (GTK_WIDGET (win), dir, prefix, "sample");
      gtk_adjustment_set_value (v, 0);
    }
  if (!g_variant_get_boolean (g_action_group_get_action_state (G_ACTION_GROUP (win), "show-sidebar")))
    {
      /* the Dataset/Model column as a side sheet */
      g_action_group_change_action_state (G_ACTION_GROUP (win), "show-sidebar", g_variant_new_boolean (TRUE));
      save (GTK_WIDGET (win), dir, prefix, "side-sheet");
    }
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}

int
main (int argc, char **argv)
{
  const char *dir, *prefix;
  FwWindow *win;
  FwModelPanel *panel;
  FwConfig config;
  gboolean dark = argc > 3 && g_strcmp0 (argv[3], "--dark") == 0;
  gboolean classroom_mode = argc > 3 && g_strcmp0 (argv[3], "--classroom") == 0;
  gboolean presenter = argc > 4 && g_strcmp0 (argv[4], "--presenter") == 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, FW_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc < 3)
    {
      g_printerr ("usage: fw-screenshot OUTDIR PREFIX [--dark | --classroom [--presenter]]\n");
      return 2;
    }
  dir = argv[1];
  prefix = argv[2];
  gtk_init ();
  fw_ui_init ();
  if (dark)
    g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  if (classroom_mode)
    return classroom (dir, prefix, presenter);

  win = fw_window_new (NULL);
  gtk_widget_add_css_class (GTK_WIDGET (win), "fw-main");
  gtk_window_set_default_size (GTK_WINDOW (win), 1900, 1060);   /* the wide layout */
  gtk_window_present (GTK_WINDOW (win));
  panel = fw_window_get_model_panel (win);
  fw_config_init (&config);
  config.epochs = 8;
  config.hidden = 64;
  config.head_hidden = 32;
  fw_model_panel_set_config (panel, &config);
  fw_window_load_dataset (win, "builtin:shapes-xor");
  wait_idle (win);
  save (GTK_WIDGET (win), dir, prefix, "empty");
  {
    /* the whole Model panel, which the window shows scrolled */
    GtkWidget *alone = gtk_window_new ();
    GtkWidget *copy = fw_model_panel_new ();
    gtk_widget_add_css_class (alone, "fw-main");
    gtk_widget_set_margin_start (copy, 14);
    gtk_widget_set_margin_end (copy, 14);
    gtk_widget_set_margin_top (copy, 12);
    gtk_widget_set_margin_bottom (copy, 12);
    fw_model_panel_set_config (FW_MODEL_PANEL (copy), &config);
    gtk_window_set_child (GTK_WINDOW (alone), copy);
    gtk_window_set_default_size (GTK_WINDOW (alone), 500, -1);
    gtk_window_present (GTK_WINDOW (alone));
    save (alone, dir, prefix, "model-panel");
    gtk_window_destroy (GTK_WINDOW (alone));
  }

  /* training: caught after its second epoch, then stopped */
  config.epochs = 12;
  fw_model_panel_set_config (panel, &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  {
    FwPlotModel *plot = fw_window_get_plot_model (win);
    gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC * 120;
    guint n = 0;
    while (g_get_monotonic_time () < end && fw_window_is_busy (win))
      {
        fw_run_get_epochs (fw_plot_model_get_run (plot, 0), &n);
        if (n >= 4)
          break;
        g_main_context_iteration (NULL, TRUE);
      }
  }
  save (GTK_WIDGET (win), dir, prefix, "training");
  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  wait_idle (win);
  g_action_group_activate_action (G_ACTION_GROUP (win), "clear-runs", NULL);

  /* finished: intermediate, then late fusion on the same data */
  config.epochs = 8;
  fw_model_panel_set_config (panel, &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  wait_idle (win);
  fw_model_panel_set_fusion (panel, FW_FUSION_LATE);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  wait_idle (win);
  save (GTK_WIDGET (win), dir, prefix, "finished");
  {
    /* the Contributions view of the late run, then a sample inspected
     * with its text hidden: each view alone, at its size in the window */
    FwContribView *contrib = fw_window_get_contrib_view (win);
    FwSampleView *sample = fw_window_get_sample_view (win);
    GtkListBox *runs = find_runs_list (GTK_WIDGET (win));
    save (GTK_WIDGET (contrib), dir, prefix, "contributions-late");
    /* the intermediate run: it learned the pair, so the interaction shows */
    gtk_list_box_select_row (runs, gtk_list_box_get_row_at_index (runs, 0));
    wait_idle (win);
    save (GTK_WIDGET (contrib), dir, prefix, "contributions");
    {
      /* the other methods' bars */
      static const char *const methods[] = { "ablation", "permutation", "ig", "emap" };
      GtkDropDown *method = find_drop_down (GTK_WIDGET (contrib));
      for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
        {
          g_autofree char *stage = g_strconcat ("contributions-", methods[m], NULL);
          gtk_drop_down_set_selected (method, m + 1);
          save (GTK_WIDGET (contrib), dir, prefix, stage);
        }
      gtk_drop_down_set_selected (method, 0);
    }
    fw_sample_view_inspect (sample, 2);
    wait_idle (win);
    save (GTK_WIDGET (sample), dir, prefix, "inspector");
    gtk_widget_activate_action (GTK_WIDGET (contrib), "contrib.per-class", NULL);
    gtk_widget_activate_action (GTK_WIDGET (sample), "sample.hide-text", NULL);
    wait_idle (win);
    save (GTK_WIDGET (contrib), dir, prefix, "contributions-per-class");
    save (GTK_WIDGET (sample), dir, prefix, "inspector-hide-text");
    gtk_widget_activate_action (GTK_WIDGET (sample), "sample.hide-text", NULL);
    gtk_widget_activate_action (GTK_WIDGET (contrib), "contrib.per-class", NULL);
    wait_idle (win);
  }

  g_action_group_activate_action (G_ACTION_GROUP (win), "compare", NULL);
  wait_idle (win);
  save (GTK_WIDGET (win), dir, prefix, "compare");

  /* the five compared runs under missing text, in the Robustness tab */
  {
    FwRobustnessView *view = fw_window_get_robustness_view (win);
    GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_STACK));
    gtk_stack_set_visible_child (stack, GTK_WIDGET (view));
    fw_robustness_view_set_perturbation (view, FW_PERTURB_MISSING_TEXT);
    fw_robustness_view_compute (view);
    while (fw_robustness_view_is_busy (view))
      g_main_context_iteration (NULL, TRUE);
    iterate_for (300);
    save (GTK_WIDGET (win), dir, prefix, "robustness");
  }
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}
