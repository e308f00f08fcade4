/* test-picture.c — chart exports (fw-picture.c): PNG, SVG and PDF land
 * whole through the durable writer, and a failed write names the user's
 * path and leaves nothing behind. */
#include <glib/gstdio.h>
#include <string.h>

#include "fw-file.h"
#include "fw-picture.h"

static cairo_surface_t *
drawn (cairo_surface_t *surface)
{
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 0.2, 0.4, 0.6);
  cairo_rectangle (cr, 10, 10, 50, 30);
  cairo_fill (cr);
  cairo_destroy (cr);
  return surface;
}

static void
test_formats (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-picture-XXXXXX", NULL);
  const struct { const char *name; cairo_surface_t *surface; const char *magic; } cases[] = {
    { "chart.png", cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 200, 100), "\x89PNG" },
    { "chart.svg", fw_picture_new_svg (200, 100), "<?xml" },
    { "chart.pdf", fw_picture_new_pdf (200, 100), "%PDF" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autofree char *text = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;
      g_assert_true (fw_picture_finish (drawn (cases[i].surface), path, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      g_assert_cmpuint (len, >, 100);
      g_assert_true (memcmp (text, cases[i].magic, strlen (cases[i].magic)) == 0);
    }
  fw_file_remove_tree (dir);
}

/* the extension picks the surface; a PNG is drawn at twice the size in the
 * same coordinates, on white */
static void
test_for_path (void)
{
  g_autoptr(GError) error = NULL;
  cairo_surface_t *png = fw_picture_new_for_path ("/x/Chart.PNG", 200, 100, "X", &error);
  cairo_surface_t *svg = fw_picture_new_for_path ("/x/chart.svg", 200, 100, "X", &error);
  cairo_surface_t *pdf = fw_picture_new_for_path ("/x/chart.pdf", 200, 100, "X", &error);
  g_assert_no_error (error);

  g_assert_cmpint (cairo_surface_get_type (png), ==, CAIRO_SURFACE_TYPE_IMAGE);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 400);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 200);
  drawn (png);
  cairo_surface_flush (png);
  {
    const guint32 *px = (const guint32 *) cairo_image_surface_get_data (png);
    int stride = cairo_image_surface_get_stride (png) / 4;
    g_assert_cmphex (px[0], ==, 0xffffffff);                 /* white ground */
    g_assert_cmphex (px[25 * stride + 25], !=, 0xffffffff);  /* (12.5, 12.5) drawn */
    g_assert_cmphex (px[25 * stride + 130], ==, 0xffffffff); /* (65, 12.5) not */
  }
  g_assert_cmpint (cairo_surface_get_type (svg), ==, CAIRO_SURFACE_TYPE_SVG);
  g_assert_cmpint (cairo_surface_get_type (pdf), ==, CAIRO_SURFACE_TYPE_PDF);
  cairo_surface_destroy (png);
  cairo_surface_destroy (svg);
  cairo_surface_destroy (pdf);

  g_assert_null (fw_picture_new_for_path ("/x/chart.bmp", 200, 100, ".png or .svg", &error));
  g_assert_nonnull (strstr (error->message, "/x/chart.bmp"));
  g_assert_nonnull (strstr (error->message, ".png or .svg"));
}

static void
test_failed_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-picture-XXXXXX", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain", NULL);
  g_autofree char *path = g_build_filename (plain, "chart.svg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) d = NULL;
  int n = 0;

  g_assert_true (g_file_set_contents (plain, "a file, not a folder", -1, NULL));
  g_assert_false (fw_picture_finish (drawn (fw_picture_new_svg (200, 100)), path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_null (strstr (error->message, FW_FILE_TEMP_TAG));
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    n++;
  g_assert_cmpint (n, ==, 1);
  fw_file_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/picture/formats", test_formats);
  g_test_add_func ("/ui/picture/for-path", test_for_path);
  g_test_add_func ("/ui/picture/failed-write", test_failed_write);
  return g_test_run ();
}
