/* fw-a11y.h — names for what GTK 4.8 leaves nameless.  A widget without a
 * label reaches a screen reader as its class name ("GtkToggleButton",
 * "GtkScrollbar"); this names GTK's internal parts (a drop-down's button
 * reads "Optimizer: Adam"), hides the purely decorative ones, and names
 * our panels after their heading. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Walks root's widgets (internal ones included) once; call it again after
 * adding widgets.  Widgets already seen are skipped. */
void fw_a11y_name_internals (GtkWidget *root);

G_END_DECLS
