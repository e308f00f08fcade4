/* fw-scroll-guard.c — a capture-phase scroll controller on the window: when
 * the pointer is over an unfocused spin button, scale or drop-down, the
 * wheel goes to the nearest scrolled window instead (a lesson's learning
 * rate was changed by scrolling the Model panel). */
#include "fw-scroll-guard.h"

typedef struct {
  double x, y;               /* pointer, in root coordinates */
} Pointer;

static gboolean
takes_wheel (GtkWidget *w)
{
  return GTK_IS_SPIN_BUTTON (w) || GTK_IS_SCALE (w) || GTK_IS_DROP_DOWN (w);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, Pointer *p)
{
  p->x = x;
  p->y = y;
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll, double dx, double dy, Pointer *p)
{
  GtkWidget *root = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (scroll));
  GtkWidget *w = gtk_widget_pick (root, p->x, p->y, GTK_PICK_DEFAULT);
  GtkWidget *control = NULL, *scrolled;
  GtkAdjustment *adj;

  for (; w && w != root; w = gtk_widget_get_parent (w))
    if (takes_wheel (w))
      {
        control = w;
        break;
      }
  if (!control || (gtk_widget_get_state_flags (control) & GTK_STATE_FLAG_FOCUS_WITHIN))
    return FALSE;
  /* the scrolled window around the control scrolls as if it were bare */
  scrolled = gtk_widget_get_ancestor (control, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled)
    {
      adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) +
                                     dy * MAX (gtk_adjustment_get_step_increment (adj), 40));
    }
  return TRUE;
}

void
fw_scroll_guard_attach (GtkWidget *root)
{
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  Pointer *p = g_new0 (Pointer, 1);

  g_return_if_fail (GTK_IS_WIDGET (root));

  g_object_set_data_full (G_OBJECT (root), "fw-scroll-guard", p, g_free);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_propagation_phase (motion, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), p);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), p);
  gtk_widget_add_controller (root, scroll);
  gtk_widget_add_controller (root, motion);
}
