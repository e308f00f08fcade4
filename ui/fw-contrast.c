/* fw-contrast.c — relative luminance and contrast ratio as WCAG 2.1 defines
 * them (sRGB channels linearized), and the least mix toward black or white
 * that reaches a ratio, found by bisection (the ratio grows monotonically
 * with the mix). */
#include <math.h>

#include "fw-contrast.h"

static double
linear (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

double
fw_relative_luminance (const GdkRGBA *c)
{
  return 0.2126 * linear (c->red) + 0.7152 * linear (c->green) + 0.0722 * linear (c->blue);
}

double
fw_contrast_ratio (const GdkRGBA *a, const GdkRGBA *b)
{
  double la = fw_relative_luminance (a), lb = fw_relative_luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

static void
mix (const GdkRGBA *c, double target, double t, GdkRGBA *out)
{
  out->red = c->red + (target - c->red) * t;
  out->green = c->green + (target - c->green) * t;
  out->blue = c->blue + (target - c->blue) * t;
  out->alpha = c->alpha;
}

void
fw_color_ensure_contrast (const GdkRGBA *color, const GdkRGBA *bg, double ratio, GdkRGBA *out)
{
  /* toward the end of the scale farther from the background */
  double target = fw_contrast_ratio (bg, &(GdkRGBA) { 0, 0, 0, 1 }) >= fw_contrast_ratio (bg, &(GdkRGBA) { 1, 1, 1, 1 }) ? 0 : 1;
  double lo = 0, hi = 1;

  *out = *color;
  if (fw_contrast_ratio (color, bg) >= ratio)
    return;
  for (int i = 0; i < 30; i++)
    {
      double t = (lo + hi) / 2;
      mix (color, target, t, out);
      if (fw_contrast_ratio (out, bg) >= ratio)
        hi = t;
      else
        lo = t;
    }
  mix (color, target, hi, out);
}

void
fw_widget_background (GtkWidget *widget, GdkRGBA *bg)
{
  GdkRGBA fg;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "theme_bg_color", bg))
    return;
  /* no such named colour: the background is the far side from the text */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (fw_relative_luminance (&fg) < 0.5)
    *bg = (GdkRGBA) { 1, 1, 1, 1 };
  else
    *bg = (GdkRGBA) { 0.14, 0.14, 0.14, 1 };
}

double
fw_widget_run_contrast (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  return root && gtk_widget_has_css_class (GTK_WIDGET (root), "presenter") ? FW_CONTRAST_TEXT : FW_CONTRAST_GRAPHICS;
}
