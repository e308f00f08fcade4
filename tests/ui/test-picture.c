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
  g_test_add_func ("/ui/picture/failed-write", test_failed_write);
  return g_test_run ();
}
