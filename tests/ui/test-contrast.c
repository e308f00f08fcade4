/* test-contrast.c — every run colour of the palette, adjusted for the
 * chart's background, reaches 4.5:1 (presenter mode) and 3:1 (otherwise)
 * against the light and the dark style's backgrounds, keeping as much of
 * its own colour as that allows; the raw palette does not (its yellow is
 * about 1.6:1 on white), which is why the adjustment exists. */
#include <math.h>

#include "fw-contrast.h"
#include "fw-plot-model.h"

static const char *const backgrounds[] = {
  "#ffffff", "#f6f5f4",      /* light: white, Adwaita's window */
  "#242424", "#353535",      /* dark: libadwaita's and GTK's dark window */
};

static void
test_known_ratios (void)
{
  GdkRGBA black = { 0, 0, 0, 1 }, white = { 1, 1, 1, 1 }, grey;

  g_assert_cmpfloat (fabs (fw_contrast_ratio (&black, &white) - 21), <, 1e-9);
  g_assert_cmpfloat (fabs (fw_contrast_ratio (&white, &white) - 1), <, 1e-9);
  gdk_rgba_parse (&grey, "#767676");   /* the classic 4.54:1 grey on white */
  g_assert_cmpfloat (fabs (fw_contrast_ratio (&grey, &white) - 4.54), <, 0.01);
}

static void
test_palette (void)
{
  g_autoptr(FwPlotModel) model = fw_plot_model_new ();
  double worst_raw = 21;

  for (int i = 0; i < 10; i++)
    {
      GdkRGBA c;
      fw_plot_model_next_color (model, &c);
      for (guint b = 0; b < G_N_ELEMENTS (backgrounds); b++)
        {
          GdkRGBA bg, text, graphics;
          gdk_rgba_parse (&bg, backgrounds[b]);
          worst_raw = MIN (worst_raw, fw_contrast_ratio (&c, &bg));
          fw_color_ensure_contrast (&c, &bg, FW_CONTRAST_TEXT, &text);
          fw_color_ensure_contrast (&c, &bg, FW_CONTRAST_GRAPHICS, &graphics);
          g_assert_cmpfloat (fw_contrast_ratio (&text, &bg), >=, FW_CONTRAST_TEXT - 1e-6);
          g_assert_cmpfloat (fw_contrast_ratio (&graphics, &bg), >=, FW_CONTRAST_GRAPHICS - 1e-6);
          /* no darker (or lighter) than needed: close to the bar unless the colour already passed */
          if (fw_contrast_ratio (&c, &bg) < FW_CONTRAST_TEXT)
            g_assert_cmpfloat (fw_contrast_ratio (&text, &bg), <, FW_CONTRAST_TEXT + 0.05);
          else
            g_assert_true (gdk_rgba_equal (&text, &c));
        }
    }
  g_assert_cmpfloat (worst_raw, <, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/contrast/known-ratios", test_known_ratios);
  g_test_add_func ("/contrast/palette", test_palette);
  return g_test_run ();
}
