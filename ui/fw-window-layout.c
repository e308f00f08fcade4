/* fw-window-layout.c — the main window in any classroom: an adaptive
 * layout (wide: Contributions beside Sample, plots side by side; narrow:
 * tabs, stacked plots, the runs above the comparison), a size fitted to the
 * monitor it opens on, a sidebar that hides (F9), presenter mode (F5: large
 * type, thick lines, advanced controls hidden) and zoom (Ctrl+plus/minus/0,
 * kept in GSettings).  Sizes come from CSS (style.css and one provider on
 * the window for the type size); the breakpoints are in CSS pixels scaled
 * by the type size.  Training and models are fw-window.c's. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-window-private.h"

#define BASE_FONT_PX (13.0 * 96 / 72)  /* style.css: window.fw-main 13pt */
#define PRESENTER_FONT_PX 23.0         /* body text from the back of the room: ≥ 22 px */
#define WIDE_MIN_PX 1500               /* narrower than this (at zoom 1): the narrow layout */
#define STACK_PLOTS_PX 760             /* a right column narrower than this stacks the plots */
#define HYSTERESIS_PX 24               /* no flapping at the breakpoint */
#define ZOOM_MIN 0.6
#define ZOOM_MAX 2.5
#define ZOOM_STEP 1.1

static void fw_window_layout_update_actions (FwWindow *self);

static void (*parent_size_allocate) (GtkWidget *widget, int width, int height, int baseline);

/* How much larger than the default the type is now. */
static double
type_scale (FwWindowLayout *l)
{
  return l->presenter ? PRESENTER_FONT_PX / BASE_FONT_PX : l->zoom;
}

static void
update_css (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  g_autofree char *css = NULL;
  char px[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (px, sizeof px, "%.2f", BASE_FONT_PX * type_scale (l));
  css = g_strdup_printf ("window.fw-main { font-size: %spx; }", px);
  gtk_css_provider_load_from_data (l->zoom_css, css, -1);
}

/* ---- the adaptive layout ---- */

/* The bottom area is a stack: Contributions (with Sample beside it) and
 * Robustness.  Narrow, Sample leaves Contributions' side for a tab of its
 * own; wide, it comes back. */
static void
move_sample_view (FwWindow *self, gboolean tab)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  GtkWidget *sample = GTK_WIDGET (fw_window_get_sample_view (self));
  gboolean shown = gtk_stack_get_visible_child (l->bottom_stack) == sample;

  g_object_ref (sample);
  if (tab)
    {
      gtk_box_remove (l->bottom_wide, sample);
      gtk_stack_add_titled (l->bottom_stack, sample, "sample", _("Sample"));
    }
  else
    {
      gtk_stack_remove (l->bottom_stack, sample);
      gtk_box_append (l->bottom_wide, sample);
      if (shown)
        gtk_stack_set_visible_child (l->bottom_stack, GTK_WIDGET (l->bottom_wide));
    }
  g_object_unref (sample);
  gtk_widget_set_visible (l->bottom_separator, !tab);
}

static void
set_sheet (FwWindow *self, gboolean sheet)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  GtkWidget *sidebar = l->sidebar;

  if (l->sheet == sheet)
    return;
  l->sheet = sheet;
  g_object_ref (sidebar);
  if (sheet)
    {
      gtk_paned_set_start_child (l->paned, NULL);
      gtk_revealer_set_reveal_child (l->sheet_revealer, FALSE);
      gtk_revealer_set_child (l->sheet_revealer, sidebar);
      gtk_widget_set_visible (GTK_WIDGET (l->sheet_revealer), TRUE);
    }
  else
    {
      gtk_revealer_set_child (l->sheet_revealer, NULL);
      gtk_widget_set_visible (GTK_WIDGET (l->sheet_revealer), FALSE);
      gtk_paned_set_start_child (l->paned, sidebar);
    }
  gtk_widget_set_visible (sidebar, TRUE);
  g_object_unref (sidebar);
  /* a side sheet starts closed, a docked column open */
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-sidebar", g_variant_new_boolean (!sheet));
}

static int
min_width (GtkWidget *widget)
{
  int min = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  return min;
}

/* Above the breakpoint, and when the wide layout fits (its measured
 * minimum, scaled to today's type, decides too): wide. */
static gboolean
wants_narrow (FwWindowLayout *l, int width)
{
  double breakpoint = MAX (WIDE_MIN_PX * type_scale (l), l->wide_min_width + HYSTERESIS_PX);

  return l->narrow ? width < breakpoint + HYSTERESIS_PX : width < breakpoint;
}

/* The right column's minimum width with the plots stacked, as they will
 * be when the column is short of room: the column is a vertical box, so
 * its minimum is its widest row's (plus margins). */
static int
column_min_stacked (FwWindowLayout *l)
{
  GtkWidget *column = gtk_widget_get_parent (GTK_WIDGET (l->plots_box));
  int rows = 0, now = min_width (l->main_scroller), box = min_width (column), plots = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (column); c; c = gtk_widget_get_next_sibling (c))
    if (c != GTK_WIDGET (l->plots_box) && gtk_widget_get_visible (c))
      rows = MAX (rows, min_width (c));
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (l->plots_box)); c; c = gtk_widget_get_next_sibling (c))
    plots = MAX (plots, min_width (c));
  return now - box + MAX (rows, plots);
}

/* A window that grew past its monitor (larger type before the layout
 * adapted) comes back to the monitor's size. */
static void
fit_window_to_monitor (FwWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));
  GdkMonitor *monitor;
  GdkRectangle geo;
  int w, h;

  if (!surface || gtk_window_is_maximized (GTK_WINDOW (self)) || gtk_window_is_fullscreen (GTK_WINDOW (self)))
    return;
  monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (widget), surface);
  if (!monitor)
    return;
  gdk_monitor_get_geometry (monitor, &geo);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  if (w > geo.width || h > geo.height)
    gtk_window_set_default_size (GTK_WINDOW (self), MIN (w, geo.width), MIN (h, geo.height));
}

/* Decides the layout for the window's width and applies what changed:
 * narrow or wide, then the sidebar docked or as a side sheet (whether
 * both columns' minimums fit), then the plots side by side or stacked. */
static void
apply_layout (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  int width = l->width;
  gboolean narrow, sheet, stack;
  int need, column;

  if (width <= 0)
    return;
  narrow = wants_narrow (l, width);
  if (narrow != l->narrow)
    {
      l->narrow = narrow;
      move_sample_view (self, narrow);
      gtk_orientable_set_orientation (GTK_ORIENTABLE (l->runs_box),
                                      narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
      g_object_set (fw_window_get_contrib_view (self), "compact", narrow, NULL);
      g_object_set (fw_window_get_sample_view (self), "compact", narrow, NULL);
      if (narrow)
        gtk_widget_add_css_class (GTK_WIDGET (self), "narrow");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), "narrow");
    }

  need = min_width (l->sidebar) + column_min_stacked (l) + 8;
  sheet = l->sheet ? width < need + 2 * HYSTERESIS_PX : width < need + HYSTERESIS_PX;
  set_sheet (self, sheet);

  column = width - (!l->sheet && gtk_widget_get_visible (l->sidebar)
                    ? MAX (gtk_widget_get_width (l->sidebar), min_width (l->sidebar)) : 0);
  stack = l->stack_plots ? column < STACK_PLOTS_PX * type_scale (l) + HYSTERESIS_PX
                         : column < STACK_PLOTS_PX * type_scale (l);
  l->stack_plots = stack;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (l->plots_box),
                                  stack ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  fit_window_to_monitor (self);
}

static gboolean
apply_layout_idle (gpointer data)
{
  FwWindow *self = data;

  fw_window_get_layout (self)->apply_id = 0;
  apply_layout (self);
  return G_SOURCE_REMOVE;
}

static void
queue_apply (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);

  if (!l->apply_id)
    l->apply_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_layout_idle, self, NULL);
}

/* Decided after an allocation of a new width, applied in an idle: a layout
 * changed while GTK allocates would be allocated with stale measurements. */
static void
fw_window_layout_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  FwWindow *self = FW_WINDOW (widget);
  FwWindowLayout *l = fw_window_get_layout (self);

  parent_size_allocate (widget, width, height, baseline);
  if (!l->narrow)
    l->wide_min_width = min_width (widget);
  if (width != l->width || l->restyled)
    {
      l->width = width;
      l->restyled = FALSE;
      queue_apply (self);
    }
}

/* The window opens no larger than its monitor, in the layout that fits it. */
static void
fit_to_monitor (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  GtkWidget *widget = GTK_WIDGET (self);
  GdkDisplay *display = gtk_widget_get_display (widget);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));
  GdkMonitor *monitor = surface ? gdk_display_get_monitor_at_surface (display, surface) : NULL;
  g_autoptr(GdkMonitor) first = NULL;
  GdkRectangle geo;
  int w, h;

  if (!monitor)
    {
      first = g_list_model_get_item (gdk_display_get_monitors (display), 0);
      monitor = first;
    }
  if (!monitor)
    return;
  gdk_monitor_get_geometry (monitor, &geo);
  gtk_window_get_default_size (GTK_WINDOW (self), &w, &h);
  w = w > 0 ? MIN (w, geo.width) : geo.width;
  h = h > 0 ? MIN (h, geo.height) : geo.height;
  gtk_window_set_default_size (GTK_WINDOW (self), w, h);
  if (!l->narrow)
    l->wide_min_width = min_width (widget);
  l->width = gtk_window_is_maximized (GTK_WINDOW (self)) ? geo.width : w;
  apply_layout (self);
  l->fitted = TRUE;
}

static void
on_realize (FwWindow *self)
{
  if (!fw_window_get_layout (self)->fitted)
    fit_to_monitor (self);
}

/* Type size changed from old_scale: the breakpoints move with it, and the
 * wide layout's minimum, last measured at the old size, grows alike. */
static void
relayout (FwWindow *self, double old_scale)
{
  FwWindowLayout *l = fw_window_get_layout (self);

  double grow = old_scale > 0 ? type_scale (l) / old_scale : 1;

  if (l->narrow)
    l->wide_min_width = (int) ceil (l->wide_min_width * grow);
  /* larger type must not push the window off the screen before the next
   * allocation decides: a column that will not fit becomes a sheet now */
  if (grow > 1 && !l->sheet && l->width > 0 &&
      (min_width (l->sidebar) + column_min_stacked (l) + 8) * grow >= l->width)
    set_sheet (self, TRUE);
  update_css (self);
  fw_window_layout_update_actions (self);
  /* decided after the next allocation, with the new sizes */
  l->restyled = TRUE;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* ---- presenter mode ---- */

/* Advanced controls carry the CSS class fw-advanced in their templates;
 * presenter mode hides them, whatever panel they are in. */
static void
show_advanced (GtkWidget *widget, gboolean show)
{
  if (gtk_widget_has_css_class (widget, "fw-advanced"))
    gtk_widget_set_visible (widget, show);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    show_advanced (c, show);
}

static void
action_presenter (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwWindow *self = user_data;
  FwWindowLayout *l = fw_window_get_layout (self);
  gboolean on = g_variant_get_boolean (state);
  GAction *pace = g_action_map_lookup_action (G_ACTION_MAP (self), "classroom-pace");

  double old_scale = type_scale (l);

  g_simple_action_set_state (action, state);
  if (l->presenter == on)
    return;
  l->presenter = on;
  if (on)
    gtk_widget_add_css_class (GTK_WIDGET (self), "presenter");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "presenter");
  show_advanced (GTK_WIDGET (self), !on);
  /* curves that grow in front of the class: pace is on while presenting
   * (and back to the setting after) */
  if (pace)
    {
      gboolean setting = fw_window_get_settings (self) &&
                         g_settings_get_boolean (fw_window_get_settings (self), "classroom-pace");
      g_simple_action_set_state (G_SIMPLE_ACTION (pace), g_variant_new_boolean (on || setting));
      fw_window_set_pace (self, on || setting);
    }
  relayout (self, old_scale);
}

static void
action_classroom_pace (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwWindow *self = user_data;

  g_simple_action_set_state (action, state);
  fw_window_set_pace (self, g_variant_get_boolean (state));
  /* what presenter mode turns on is not the user's setting */
  if (!fw_window_get_layout (self)->presenter && fw_window_get_settings (self))
    g_settings_set_boolean (fw_window_get_settings (self), "classroom-pace", g_variant_get_boolean (state));
}

/* ---- zoom ---- */

static void
set_zoom (FwWindow *self, double zoom)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  double old_scale = type_scale (l);

  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  if (fabs (zoom - 1) < 0.02)
    zoom = 1;
  l->zoom = zoom;
  if (fw_window_get_settings (self))
    g_settings_set_double (fw_window_get_settings (self), "zoom", zoom);
  relayout (self, old_scale);
}

static void
action_zoom_in (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  set_zoom (self, fw_window_get_layout (self)->zoom * ZOOM_STEP);
}

static void
action_zoom_out (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  set_zoom (self, fw_window_get_layout (self)->zoom / ZOOM_STEP);
}

static void
action_zoom_reset (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  set_zoom (user_data, 1);
}

static void
action_show_sidebar (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwWindow *self = user_data;

  FwWindowLayout *l = fw_window_get_layout (self);

  g_simple_action_set_state (action, state);
  if (l->sheet)
    gtk_revealer_set_reveal_child (l->sheet_revealer, g_variant_get_boolean (state));
  else
    gtk_widget_set_visible (l->sidebar, g_variant_get_boolean (state));
}

static const GActionEntry layout_entries[] = {
  { "presenter", NULL, NULL, "false", action_presenter },
  { "classroom-pace", NULL, NULL, "false", action_classroom_pace },
  { "zoom-in", action_zoom_in },
  { "zoom-out", action_zoom_out },
  { "zoom-reset", action_zoom_reset },
  { "show-sidebar", NULL, NULL, "true", action_show_sidebar },
};

static void
fw_window_layout_update_actions (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  GAction *a;

  if ((a = g_action_map_lookup_action (G_ACTION_MAP (self), "zoom-in")))
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), !l->presenter && l->zoom * ZOOM_STEP <= ZOOM_MAX + 1e-9);
  if ((a = g_action_map_lookup_action (G_ACTION_MAP (self), "zoom-out")))
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), !l->presenter && l->zoom / ZOOM_STEP >= ZOOM_MIN - 1e-9);
  if ((a = g_action_map_lookup_action (G_ACTION_MAP (self), "zoom-reset")))
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), !l->presenter && l->zoom != 1);
}

/* ---- life cycle ---- */

void
fw_window_layout_class_init (GtkWidgetClass *widget_class)
{
  parent_size_allocate = widget_class->size_allocate;
  widget_class->size_allocate = fw_window_layout_size_allocate;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.presenter", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.show-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
}

void
fw_window_layout_init (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);
  GSettings *settings = fw_window_get_settings (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), layout_entries, G_N_ELEMENTS (layout_entries), self);
  /* the type size: above style.css, for this window only (font-size inherits) */
  l->zoom_css = gtk_css_provider_new ();
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_add_provider (gtk_widget_get_style_context (GTK_WIDGET (self)),
                                  GTK_STYLE_PROVIDER (l->zoom_css), GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_widget_add_css_class (GTK_WIDGET (self), "fw-main");
  l->zoom = settings ? CLAMP (g_settings_get_double (settings, "zoom"), ZOOM_MIN, ZOOM_MAX) : 1;
  if (settings && g_settings_get_boolean (settings, "classroom-pace"))
    g_action_group_change_action_state (G_ACTION_GROUP (self), "classroom-pace", g_variant_new_boolean (TRUE));
  update_css (self);
  fw_window_layout_update_actions (self);
  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);
}

void
fw_window_layout_dispose (FwWindow *self)
{
  FwWindowLayout *l = fw_window_get_layout (self);

  g_clear_handle_id (&l->apply_id, g_source_remove);
  g_clear_object (&l->zoom_css);
}
