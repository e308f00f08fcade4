/* fw-chart-style.c — chart sizes derived from the widget's CSS font: the
 * only style a custom-drawn widget can read in GTK 4 besides colours. */
#include "fw-chart-style.h"

#define DEFAULT_CHART_FONT_PX (0.9 * 13.0 * 96 / 72)

double
fw_chart_font_px (GtkWidget *widget)
{
  const PangoFontDescription *desc = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  double size = pango_font_description_get_size (desc) / (double) PANGO_SCALE;

  if (size <= 0)
    return DEFAULT_CHART_FONT_PX;
  return pango_font_description_get_size_is_absolute (desc) ? size : size * 96.0 / 72.0;
}

double
fw_chart_line_scale (GtkWidget *widget)
{
  double r = fw_chart_font_px (widget) / DEFAULT_CHART_FONT_PX;

  return CLAMP (r * r, 0.5, 4.0);
}
