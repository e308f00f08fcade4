/* fw-contrast.h — WCAG 2 contrast between colours, and a run colour
 * adjusted (darkened on a light background, lightened on a dark one) just
 * enough to reach a contrast ratio: the palette keeps its hues, and every
 * run stays readable in the light and the dark style. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FW_CONTRAST_TEXT 4.5       /* WCAG AA for text; presenter mode's bar for run colours */
#define FW_CONTRAST_GRAPHICS 3.0   /* WCAG AA for lines and shapes */

double fw_relative_luminance (const GdkRGBA *color);
double fw_contrast_ratio (const GdkRGBA *a, const GdkRGBA *b);
/* color mixed toward black or white (whichever bg is farther from) by the
 * least amount that gives ratio against bg; alpha kept. */
void fw_color_ensure_contrast (const GdkRGBA *color, const GdkRGBA *bg, double ratio, GdkRGBA *out);
/* For a chart widget: the window background it is drawn on (from the
 * theme), and the ratio its run colours need (presenter mode: text's). */
void fw_widget_background (GtkWidget *widget, GdkRGBA *bg);
double fw_widget_run_contrast (GtkWidget *widget);

G_END_DECLS
