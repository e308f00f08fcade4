/* test-layout.c — the window on a classroom screen.  Run by
 * run-layout.sh under Xvfb at 1024×768 and 1280×720, with a window manager
 * (FW_LAYOUT_WM=1: the window is maximized) and without one: the window's
 * minimum and actual size fit the monitor; Train, Compare fusion types,
 * the Contributions view and the Sample view lie on the screen (no
 * sideways scrolling; the right column may scroll down) and can be
 * activated; the same in presenter mode, whose body text is ≥ 22 px; zoom
 * scales the text and the charts' text and is remembered. */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "fw-builtin.h"
#include "fw-ui.h"
#include "fw-window.h"

#define TIMEOUT_SECONDS 60

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

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
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timed_out, &expired);

  while (fw_window_is_busy (win) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
  iterate_for (400);         /* layout changes apply in an idle, then settle */
}

static GdkRectangle
monitor_geometry (FwWindow *win)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (win));
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
  GdkMonitor *monitor = gdk_display_get_monitor_at_surface (display, surface);
  GdkRectangle geo;

  g_assert_nonnull (monitor);
  gdk_monitor_get_geometry (monitor, &geo);
  return geo;
}

static gboolean
has_wm (void)
{
  return g_strcmp0 (g_getenv ("FW_LAYOUT_WM"), "1") == 0;
}

/* The first widget under root that is a button for action (with target). */
static GtkWidget *
find_action_button (GtkWidget *root, const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action_button (c, action);
      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_primary_menu (GtkWidget *root)
{
  if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_primary (GTK_MENU_BUTTON (root)))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_primary_menu (c);
      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *
ancestor_scroller (GtkWidget *widget)
{
  return gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
}

/* Scrolls the widget's vertical scroller (if any) so its top shows, as
 * keyboard focus would, then checks that it lies in the window and the
 * window on the monitor: whole width, and at least its first 120 px (or
 * all of it) in height. */
static void
assert_on_screen (FwWindow *win, GtkWidget *widget, const char *what)
{
  GtkWidget *scroller = ancestor_scroller (widget);
  GdkRectangle geo = monitor_geometry (win);
  graphene_rect_t b;
  int ww = gtk_widget_get_width (GTK_WIDGET (win)), wh = gtk_widget_get_height (GTK_WIDGET (win));
  float visible;

  g_assert_true (gtk_widget_get_mapped (widget));
  /* twice: the first scroll may let the layout settle anew */
  for (int i = 0; scroller && i < 2; i++)
    {
      GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      graphene_rect_t in;
      g_assert_true (gtk_widget_compute_bounds (widget, scroller, &in));
      gtk_adjustment_set_value (v, in.origin.y + gtk_adjustment_get_value (v) - 8);
      iterate_for (150);
    }
  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (win), &b));
  visible = MIN (b.size.height, 120);
  if (g_test_verbose ())
    g_printerr ("%s: %.0f,%.0f %.0f×%.0f in window %d×%d on %d×%d\n", what, b.origin.x, b.origin.y,
                b.size.width, b.size.height, ww, wh, geo.width, geo.height);
  g_assert_cmpfloat (b.origin.x, >=, 0);
  g_assert_cmpfloat (b.origin.x + b.size.width, <=, MIN (ww, geo.width) + 0.5);
  g_assert_cmpfloat (b.origin.y, >=, 0);
  g_assert_cmpfloat (b.origin.y + visible, <=, MIN (wh, geo.height) + 0.5);
}

/* The window, its minimum and its natural size fit the monitor. */
static void
assert_fits (FwWindow *win)
{
  GdkRectangle geo = monitor_geometry (win);
  int min_w, min_h, nat_w, nat_h;

  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_VERTICAL, -1, &min_h, &nat_h, NULL, NULL);
  if (g_test_verbose ())
    g_printerr ("monitor %d×%d: window %d×%d, minimum %d×%d, natural %d×%d\n", geo.width, geo.height,
                gtk_widget_get_width (GTK_WIDGET (win)), gtk_widget_get_height (GTK_WIDGET (win)),
                min_w, min_h, nat_w, nat_h);
  g_assert_cmpint (min_w, <=, geo.width);
  g_assert_cmpint (min_h, <=, geo.height);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (win)), <=, geo.width);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win)), <=, geo.height);
  if (has_wm ())
    {
      /* maximized: the window manager's size, which is the screen's (the
       * widget is smaller by the client-side decoration's border) */
      GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
      if (g_test_verbose ())
        g_printerr ("maximized surface %d×%d\n", gdk_surface_get_width (surface), gdk_surface_get_height (surface));
      g_assert_true (gtk_window_is_maximized (GTK_WINDOW (win)));
      g_assert_cmpint (gdk_surface_get_width (surface), >=, geo.width - 2);
      g_assert_cmpint (gdk_surface_get_width (surface), <=, geo.width);
      g_assert_cmpint (gdk_surface_get_height (surface), <=, geo.height);
    }
}

/* Train, Compare, the Contributions view and the Sample view: on screen,
 * and each can be activated (buttons enabled; views reached through their
 * tab when they are tabs). */
static void
assert_controls_reachable (FwWindow *win)
{
  GtkWidget *train = find_action_button (GTK_WIDGET (win), "win.train");
  GtkWidget *compare = find_action_button (GTK_WIDGET (win), "win.compare");
  GtkWidget *menu = find_primary_menu (GTK_WIDGET (win));
  GtkWidget *views[] = { GTK_WIDGET (fw_window_get_contrib_view (win)),
                         GTK_WIDGET (fw_window_get_sample_view (win)) };
  const char *names[] = { "Contributions", "Sample" };

  g_assert_nonnull (train);
  g_assert_nonnull (compare);
  g_assert_nonnull (menu);
  assert_on_screen (win, train, "Train");
  assert_on_screen (win, menu, "menu");
  {
    /* the main menu opens on the screen, whole */
    GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu));
    GdkRectangle geo = monitor_geometry (win);
    GdkSurface *parent = gtk_native_get_surface (GTK_NATIVE (win)), *surface;
    int px, py;

    gtk_menu_button_popup (GTK_MENU_BUTTON (menu));
    iterate_for (300);
    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (popover)));
    surface = gtk_native_get_surface (GTK_NATIVE (popover));
    /* the window is at the monitor's corner: maximized, or placed there
     * by an X server without a window manager */
    g_assert_true (gdk_popup_get_parent (GDK_POPUP (surface)) == parent);
    px = geo.x + gdk_popup_get_position_x (GDK_POPUP (surface));
    py = geo.y + gdk_popup_get_position_y (GDK_POPUP (surface));
    {
      /* the menu's box, inside the surface's shadow */
      GtkWidget *contents = gtk_widget_get_first_child (GTK_WIDGET (popover));
      graphene_rect_t b;
      g_assert_true (gtk_widget_compute_bounds (contents, GTK_WIDGET (popover), &b));
      if (g_test_verbose ())
        g_printerr ("menu %.0f,%.0f %.0f×%.0f\n", px + b.origin.x, py + b.origin.y, b.size.width, b.size.height);
      g_assert_cmpfloat (px + b.origin.x, >=, geo.x);
      g_assert_cmpfloat (py + b.origin.y, >=, geo.y);
      g_assert_cmpfloat (px + b.origin.x + b.size.width, <=, geo.x + geo.width);
      g_assert_cmpfloat (py + b.origin.y + b.size.height, <=, geo.y + geo.height);
    }
    gtk_menu_button_popdown (GTK_MENU_BUTTON (menu));
    iterate_for (100);
  }
  g_assert_true (gtk_widget_is_sensitive (train));
  assert_on_screen (win, compare, "Compare");
  g_assert_true (gtk_widget_is_sensitive (compare));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkWidget *page = views[i], *stack;
      /* in a tab (its own when narrow): the tab's switcher button shows it */
      while ((stack = gtk_widget_get_parent (page)) && !GTK_IS_STACK (stack))
        page = stack;
      if (stack)
        {
          g_assert_true (gtk_stack_page_get_visible (gtk_stack_get_page (GTK_STACK (stack), page)));
          gtk_stack_set_visible_child (GTK_STACK (stack), page);
          iterate_for (200);
        }
      assert_on_screen (win, views[i], names[i]);
      g_assert_true (gtk_widget_is_sensitive (views[i]));
    }
}

/* The CSS pixel size of a widget's text. */
static double
font_px (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *desc = pango_context_get_font_description (context);
  double size = pango_font_description_get_size (desc) / (double) PANGO_SCALE;

  return pango_font_description_get_size_is_absolute (desc) ? size : size * 96.0 / 72.0;
}

static GtkWidget *
find_label (GtkWidget *root, const char *prefix)
{
  if (GTK_IS_LABEL (root) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, prefix);
      if (found)
        return found;
    }
  return NULL;
}

/* The Training status line ("Ready: press Train…"): plain body text. */
static GtkWidget *
body_label (FwWindow *win)
{
  GtkWidget *label = find_label (GTK_WIDGET (win), "Ready");

  g_assert_nonnull (label);
  return label;
}

static FwWindow *
open_window (void)
{
  FwWindow *win = fw_window_new (NULL);

  if (has_wm ())
    gtk_window_maximize (GTK_WINDOW (win));
  gtk_window_present (GTK_WINDOW (win));
  fw_window_load_dataset (win, "builtin:shapes");
  wait_idle (win);
  g_assert_nonnull (fw_window_get_dataset (win));
  return win;
}

static void
test_fits (void)
{
  FwWindow *win = open_window ();

  assert_fits (win);
  assert_controls_reachable (win);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_presenter (void)
{
  FwWindow *win = open_window ();
  double before = font_px (body_label (win));

  g_action_group_activate_action (G_ACTION_GROUP (win), "presenter", NULL);
  wait_idle (win);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "presenter"));
  if (g_test_verbose ())
    g_printerr ("body text %.1f px, presenter %.1f px\n", before, font_px (body_label (win)));
  g_assert_cmpfloat (font_px (body_label (win)), >=, 22);
  g_assert_cmpfloat (font_px (GTK_WIDGET (fw_window_get_plot (win, FW_PLOT_LOSS))), >=, 22);
  /* presenting turns Classroom pace on */
  g_assert_true (g_variant_get_boolean (g_action_group_get_action_state (G_ACTION_GROUP (win), "classroom-pace")));
  assert_fits (win);
  assert_controls_reachable (win);

  g_action_group_activate_action (G_ACTION_GROUP (win), "presenter", NULL);
  wait_idle (win);
  g_assert_cmpfloat (fabs (font_px (body_label (win)) - before), <, 0.5);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_zoom (void)
{
  FwWindow *win = open_window ();
  GtkWidget *plot = GTK_WIDGET (fw_window_get_plot (win, FW_PLOT_LOSS));
  double body = font_px (body_label (win)), chart = font_px (plot);
  g_autoptr(GSettings) settings = fw_ui_settings_new ();

  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-in", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-in", NULL);
  wait_idle (win);
  g_assert_cmpfloat (fabs (font_px (body_label (win)) / body - 1.21), <, 0.03);
  g_assert_cmpfloat (fabs (font_px (plot) / chart - 1.21), <, 0.03);
  if (settings)
    g_assert_cmpfloat (fabs (g_settings_get_double (settings, "zoom") - 1.21), <, 1e-9);
  assert_fits (win);
  assert_controls_reachable (win);
  gtk_window_destroy (GTK_WINDOW (win));

  /* a new window opens at the zoom the last one had */
  win = open_window ();
  g_assert_cmpfloat (fabs (font_px (body_label (win)) / body - 1.21), <, 0.03);
  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-out", NULL);
  wait_idle (win);
  g_assert_cmpfloat (fabs (font_px (body_label (win)) / body - 1.1), <, 0.03);
  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-reset", NULL);
  wait_idle (win);
  g_assert_cmpfloat (fabs (font_px (body_label (win)) - body), <, 0.5);
  assert_fits (win);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A built-in dataset shows its lesson; choosing shapes-xor in the menu
 * brings its recommended epochs into the Model panel. */
static void
test_builtin_lesson (void)
{
  FwWindow *win = open_window ();
  const FwConfig *config = fw_model_panel_get_config (fw_window_get_model_panel (win));
  GtkWidget *label = find_label (GTK_WIDGET (win), _(fw_builtin_find ("shapes")->lesson));
  FwConfig defaults;

  fw_config_init (&defaults);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_cmpint (config->epochs, ==, defaults.epochs);
  /* as picked in the main menu's Built-in Datasets */
  g_action_group_activate_action (G_ACTION_GROUP (win), "load-dataset", g_variant_new_string ("builtin:shapes-xor"));
  wait_idle (win);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, _(fw_builtin_find ("shapes-xor")->lesson));
  config = fw_model_panel_get_config (fw_window_get_model_panel (win));
  g_assert_cmpint (config->epochs, ==, 15);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  g_autofree char *data = g_dir_make_tmp ("fw-ui-layout-XXXXXX", NULL);

  /* runs are autosaved: into a folder of this test's own */
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  fw_ui_init ();
  g_test_add_func ("/layout/fits", test_fits);
  g_test_add_func ("/layout/presenter", test_presenter);
  g_test_add_func ("/layout/zoom", test_zoom);
  g_test_add_func ("/layout/builtin-lesson", test_builtin_lesson);
  return g_test_run ();
}
