/* fw-curve-chart.c — axes, grid, lines with points and a legend for
 * fw-curve-chart.h.  Text goes through Pango so Korean labels render. */
#include "fw-curve-chart.h"

#include <glib/gi18n.h>
#include <math.h>

static void
set_rgba (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

/* Draws text with its anchor at (x, y): ax, ay in [0,1] of its size */
static void
text_at (cairo_t *cr, const char *text, double x, double y, double ax, double ay, gboolean bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (bold ? "Sans Bold 11" : "Sans 10");
  int w, h;

  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - ax * w, y - ay * h);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (font);
  g_object_unref (layout);
}

void
fw_curve_chart_draw (cairo_t *cr, int width, int height, const char *title, const char *x_label,
                     const FwCurveSeries *series, int n_series, const GdkRGBA *fg, const GdkRGBA *bg)
{
  const double left = 62, top = 30, bottom = 44;
  double right = 16, legend_w = 0;

  /* the legend goes right of the plot, where it hides no curve */
  for (int s = 0; s < n_series; s++)
    {
      PangoLayout *layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string ("Sans 10");
      int w, h;
      pango_layout_set_font_description (layout, font);
      pango_layout_set_text (layout, series[s].name, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      legend_w = MAX (legend_w, w + 26);
      pango_font_description_free (font);
      g_object_unref (layout);
    }
  if (legend_w > 0 && legend_w < width / 3.0)
    right += legend_w;
  double pw = width - left - right, ph = height - top - bottom;
  double x0 = INFINITY, x1 = -INFINITY;

  if (title)
    {
      set_rgba (cr, fg, 1);
      text_at (cr, title, left, 4, 0, 0, TRUE);
    }
  if (pw < 40 || ph < 40)
    return;
  for (int s = 0; s < n_series; s++)
    for (int i = 0; i < series[s].n; i++)
      {
        x0 = MIN (x0, series[s].x[i]);
        x1 = MAX (x1, series[s].x[i]);
      }
  if (!isfinite (x0))
    {
      x0 = 0;
      x1 = 1;
    }
  if (x1 <= x0)
    x1 = x0 + 1;

  /* grid and axes: accuracy 0 … 1 in fifths, x in quarters of its range */
  cairo_set_line_width (cr, 1);
  for (int k = 0; k <= 5; k++)
    {
      double y = top + ph * (1 - k / 5.0);
      char buf[16];
      set_rgba (cr, fg, k == 0 ? 0.6 : 0.15);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, left + pw, y);
      cairo_stroke (cr);
      set_rgba (cr, fg, 0.8);
      g_snprintf (buf, sizeof buf, "%.1f", k / 5.0);
      text_at (cr, buf, left - 6, y, 1, 0.5, FALSE);
    }
  for (int k = 0; k <= 4; k++)
    {
      double v = x0 + (x1 - x0) * k / 4.0, x = left + pw * k / 4.0;
      char buf[16];
      set_rgba (cr, fg, 0.15);
      cairo_move_to (cr, x, top);
      cairo_line_to (cr, x, top + ph);
      cairo_stroke (cr);
      set_rgba (cr, fg, 0.8);
      g_snprintf (buf, sizeof buf, "%.3g", v);
      text_at (cr, buf, x, top + ph + 4, 0.5, 0, FALSE);
    }
  set_rgba (cr, fg, 0.9);
  if (x_label)
    text_at (cr, x_label, left + pw / 2, height - 2, 0.5, 1, FALSE);
  cairo_save (cr);
  cairo_translate (cr, 2, top + ph / 2);
  cairo_rotate (cr, -G_PI / 2);
  text_at (cr, _("accuracy"), 0, 0, 0.5, 0, FALSE);
  cairo_restore (cr);

#define PX(v) (left + pw * ((v) - x0) / (x1 - x0))
#define PY(v) (top + ph * (1 - CLAMP ((v), 0, 1)))
  for (int s = 0; s < n_series; s++)
    {
      const FwCurveSeries *c = &series[s];
      if (c->n == 0)
        continue;
      /* text leaves a current point behind: start every path afresh */
      cairo_new_path (cr);
      if (c->spread)
        {
          set_rgba (cr, &c->color, 0.2);
          for (int i = 0; i < c->n; i++)
            cairo_line_to (cr, PX (c->x[i]), PY (c->y[i] + c->spread[i]));
          for (int i = c->n - 1; i >= 0; i--)
            cairo_line_to (cr, PX (c->x[i]), PY (c->y[i] - c->spread[i]));
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      set_rgba (cr, &c->color, 1);
      cairo_set_line_width (cr, 2.5);
      cairo_new_path (cr);
      for (int i = 0; i < c->n; i++)
        cairo_line_to (cr, PX (c->x[i]), PY (c->y[i]));
      cairo_stroke (cr);
      for (int i = 0; i < c->n; i++)
        {
          cairo_arc (cr, PX (c->x[i]), PY (c->y[i]), 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
#undef PX
#undef PY

  /* legend: right of the plot when it fits, else over its top right corner */
  for (int s = 0; s < n_series; s++)
    {
      gboolean outside = right > 16;
      double y = top + 6 + s * 18, x = outside ? width - 4 : left + pw - 8;
      PangoLayout *layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string ("Sans 10");
      int w, h;
      pango_layout_set_font_description (layout, font);
      pango_layout_set_text (layout, series[s].name, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      if (outside)
        x = left + pw + 26 + w;
      else
        {
          set_rgba (cr, bg, 0.8);
          cairo_rectangle (cr, x - w - 22, y - 1, w + 26, h + 2);
          cairo_fill (cr);
        }
      set_rgba (cr, &series[s].color, 1);
      cairo_rectangle (cr, x - w - 18, y + h / 2.0 - 2, 12, 4);
      cairo_fill (cr);
      set_rgba (cr, fg, 1);
      cairo_move_to (cr, x - w, y);
      pango_cairo_show_layout (cr, layout);
      pango_font_description_free (font);
      g_object_unref (layout);
    }
}
