/* fw-chart-draw.c — shared Cairo drawing for the chart widgets: anchored
 * text, round ticks, axes, a wrapped legend and the chance line.  Colours
 * come from the caller (the widget's style), never from here. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-chart-draw.h"

#define LEGEND_SWATCH 22
#define LEGEND_GAP 16

void
fw_chart_set_rgba (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

PangoLayout *
fw_chart_layout (GtkWidget *widget, const char *text, gboolean bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);
      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  return layout;
}

void
fw_chart_show_text (GtkWidget *widget, cairo_t *cr, double x, double y, double align_x, double align_y,
                    const char *text, gboolean bold, double max_width)
{
  PangoLayout *layout = fw_chart_layout (widget, text, bold);
  int w, h;

  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

int
fw_chart_text_width (GtkWidget *widget, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  g_object_unref (layout);
  return w;
}

int
fw_chart_text_height (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, "Ag");
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  g_object_unref (layout);
  return h;
}

double
fw_chart_nice_step (double range, int target)
{
  double raw = range / MAX (target, 1);
  double mag, n;

  if (!(raw > 0) || !isfinite (raw))
    return 1;
  mag = pow (10, floor (log10 (raw)));
  n = raw / mag;
  if (n < 1.5)
    return mag;
  if (n < 3.5)
    return 2 * mag;
  if (n < 7.5)
    return 5 * mag;
  return 10 * mag;
}

double
fw_chart_frame_x (const FwChartFrame *f, double x)
{
  return f->area.x + (x - f->x0) / (f->x1 - f->x0) * f->area.width;
}

double
fw_chart_frame_y (const FwChartFrame *f, double y)
{
  double t;

  if (f->log_y)
    t = (log10 (MAX (y, 1e-12)) - log10 (f->y0)) / (log10 (f->y1) - log10 (f->y0));
  else
    t = (y - f->y0) / (f->y1 - f->y0);
  return f->area.y + f->area.height - t * f->area.height;
}

static void
draw_y_tick (GtkWidget *widget, cairo_t *cr, const FwChartFrame *f, double v, const GdkRGBA *fg)
{
  double y = round (fw_chart_frame_y (f, v)) + 0.5;
  char buf[32];

  fw_chart_set_rgba (cr, fg, 0.15);
  cairo_move_to (cr, f->area.x, y);
  cairo_line_to (cr, f->area.x + f->area.width, y);
  cairo_stroke (cr);
  fw_chart_set_rgba (cr, fg, 0.85);
  g_snprintf (buf, sizeof buf, "%g", fabs (v) < 1e-12 ? 0 : v);
  fw_chart_show_text (widget, cr, f->area.x - 8, y, 1, 0.5, buf, FALSE, 0);
}

void
fw_chart_draw_axes (GtkWidget *widget, cairo_t *cr, const FwChartFrame *f, gboolean x_integers,
                    const char *x_title, const GdkRGBA *fg)
{
  const FwChartRect *a = &f->area;
  int th = fw_chart_text_height (widget);
  double step, label_w;
  char buf[32];

  cairo_set_line_width (cr, 1);
  if (f->log_y)
    for (double v = f->y0; v <= f->y1 * 1.0001; v *= 10)
      draw_y_tick (widget, cr, f, v, fg);
  else
    {
      /* as many lines as the height holds without labels touching */
      step = fw_chart_nice_step (f->y1 - f->y0, CLAMP ((int) (a->height / (th * 1.8)), 2, 5));
      for (double v = ceil (f->y0 / step - 1e-9) * step; v <= f->y1 + 1e-9; v += step)
        draw_y_tick (widget, cr, f, v, fg);
    }

  /* x ticks at a round step wide enough for the widest label */
  g_snprintf (buf, sizeof buf, "%g", MAX (fabs (f->x0), fabs (f->x1)));
  label_w = fw_chart_text_width (widget, buf) + 12;
  step = fw_chart_nice_step (f->x1 - f->x0, 6);
  if (x_integers)
    step = MAX (step, 1);
  while ((f->x1 - f->x0) / step * label_w > a->width && step < (f->x1 - f->x0))
    step = fw_chart_nice_step (2.5 * step, 1);
  fw_chart_set_rgba (cr, fg, 0.85);
  for (double v = ceil (f->x0 / step - 1e-9) * step; v <= f->x1 + 1e-9; v += step)
    {
      double x = round (fw_chart_frame_x (f, v)) + 0.5;
      cairo_move_to (cr, x, a->y + a->height);
      cairo_line_to (cr, x, a->y + a->height + 5);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%g", fabs (v) < 1e-12 ? 0 : v);
      fw_chart_show_text (widget, cr, x, a->y + a->height + 7, 0.5, 0, buf, FALSE, 0);
    }
  fw_chart_set_rgba (cr, fg, 0.6);
  cairo_rectangle (cr, a->x + 0.5, a->y + 0.5, a->width - 1, a->height - 1);
  cairo_stroke (cr);
  if (x_title)
    {
      fw_chart_set_rgba (cr, fg, 0.85);
      fw_chart_show_text (widget, cr, a->x + a->width / 2, a->y + a->height + 9 + th, 0.5, 0,
                          x_title, FALSE, 0);
    }
}

/* Walks the legend's boxes; draws them when cr is not NULL.  Returns the
 * height used. */
static double
legend_walk (GtkWidget *widget, cairo_t *cr, double x0, double y0, double width,
             const FwLegendEntry *entries, int n, const GdkRGBA *fg)
{
  int th = fw_chart_text_height (widget);
  double row_h = th + 4, x = x0, y = y0;
  gboolean any = FALSE;

  for (int i = 0; i < n; i++)
    {
      double label_w = MIN (fw_chart_text_width (widget, entries[i].label),
                            MAX (width - LEGEND_SWATCH - 6, 20));
      double item_w = LEGEND_SWATCH + 6 + label_w;

      if (x > x0 && x + item_w > x0 + width)
        {
          x = x0;
          y += row_h;
        }
      if (cr)
        {
          fw_chart_set_rgba (cr, entries[i].color, 1);
          if (entries[i].line)
            {
              cairo_set_line_width (cr, 3);
              cairo_move_to (cr, x, y + row_h / 2);
              cairo_line_to (cr, x + LEGEND_SWATCH, y + row_h / 2);
              cairo_stroke (cr);
            }
          else
            {
              cairo_rectangle (cr, x + 4, y + row_h / 2 - 7, 14, 14);
              cairo_fill (cr);
            }
          fw_chart_set_rgba (cr, fg, 1);
          fw_chart_show_text (widget, cr, x + LEGEND_SWATCH + 6, y + row_h / 2, 0, 0.5,
                              entries[i].label, FALSE, label_w + 1);
        }
      x += item_w + LEGEND_GAP;
      any = TRUE;
    }
  return any ? y + row_h - y0 : 0;
}

double
fw_chart_legend_height (GtkWidget *widget, const FwLegendEntry *entries, int n, double width)
{
  return legend_walk (widget, NULL, 0, 0, width, entries, n, NULL);
}

void
fw_chart_draw_legend (GtkWidget *widget, cairo_t *cr, double x, double y, double width,
                      const FwLegendEntry *entries, int n, const GdkRGBA *fg)
{
  legend_walk (widget, cr, x, y, width, entries, n, fg);
}

void
fw_chart_draw_chance_line (GtkWidget *widget, cairo_t *cr, double x0, double y0, double x1, double y1,
                           const GdkRGBA *fg)
{
  static const double dash[] = { 3, 3 };
  gboolean vertical = fabs (x1 - x0) < fabs (y1 - y0);

  cairo_save (cr);
  fw_chart_set_rgba (cr, fg, 0.7);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
  cairo_restore (cr);
  fw_chart_set_rgba (cr, fg, 0.85);
  /* TRANSLATORS: the score of guessing, on accuracy charts */
  if (vertical)
    fw_chart_show_text (widget, cr, x1, MIN (y0, y1) - 1, 0.5, 1, _("chance"), FALSE, 0);
  else
    fw_chart_show_text (widget, cr, MAX (x0, x1) - 4, y1 - 2, 1, 1, _("chance"), FALSE, 0);
}
