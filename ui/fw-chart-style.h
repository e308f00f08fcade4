/* fw-chart-style.h — sizes the charts take from their style rather than
 * from constants, so presenter mode and zoom (which set the type size in
 * CSS) thicken their lines as well as enlarge their text. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The widget's font size in CSS pixels. */
double fw_chart_font_px (GtkWidget *widget);
/* What to multiply a line width by: 1 at the default chart type (0.9em of
 * 13pt), growing with the square of the type size (thick lines on a
 * projector), between 0.5 and 4. */
double fw_chart_line_scale (GtkWidget *widget);

G_END_DECLS
