/* test-sweep-grid.c — a sweep's grid: options and values checked by the
 * option parser, combinations numbered with the last option fastest,
 * ranges (linear and logarithmic, whole options rounded), random picks
 * that are distinct and repeatable, and every kind of bad grid refused. */
#include <string.h>

#include "fw-sweep-grid.h"

static void
test_combinations (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSweepGrid) g = fw_sweep_grid_parse ("lr=0.001,0.01  fusion=early,intermediate,late", &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw_sweep_grid_n_options (g), ==, 2);
  g_assert_cmpstr (fw_sweep_grid_option (g, 1), ==, "fusion");
  g_assert_cmpuint (fw_sweep_grid_n_combinations (g), ==, 6);
  g_assert_cmpstr (fw_sweep_grid_value (g, 0, 0), ==, "0.001");
  g_assert_cmpstr (fw_sweep_grid_value (g, 1, 1), ==, "intermediate");
  g_assert_cmpstr (fw_sweep_grid_value (g, 3, 0), ==, "0.01");
  g_assert_cmpstr (fw_sweep_grid_value (g, 3, 1), ==, "early");
  g_autofree char *d = fw_sweep_grid_describe (g, 5);
  g_assert_cmpstr (d, ==, "lr=0.01 fusion=late");
  FwConfig base, c;
  fw_config_init (&base);
  base.hidden = 77;
  g_assert_true (fw_sweep_grid_config (g, 4, &base, &c, &error));
  g_assert_cmpfloat (c.lr, ==, 0.01);
  g_assert_cmpint (c.fusion, ==, FW_FUSION_INTERMEDIATE);
  g_assert_cmpint (c.hidden, ==, 77);   /* the rest from the base */
}

static void
test_ranges (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSweepGrid) g = fw_sweep_grid_parse ("lr=1e-4..1e-2:3:log hidden=10..20:4,10,64 "
                                                   "modality-dropout=0..0.5:3", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fw_sweep_grid_n_combinations (g), ==, 3 * 5 * 3);
  g_assert_cmpstr (fw_sweep_grid_value (g, 0, 0), ==, "0.0001");
  g_assert_cmpstr (fw_sweep_grid_value (g, 15, 0), ==, "0.001");
  g_assert_cmpstr (fw_sweep_grid_value (g, 30, 0), ==, "0.01");
  /* 10, 13.33, 16.67, 20 rounded; the repeated 10 kept once */
  const char *hidden[] = { "10", "13", "17", "20", "64" };
  for (guint i = 0; i < G_N_ELEMENTS (hidden); i++)
    g_assert_cmpstr (fw_sweep_grid_value (g, i * 3, 1), ==, hidden[i]);
  g_assert_cmpstr (fw_sweep_grid_value (g, 1, 2), ==, "0.25");
}

static void
test_pick (void)
{
  g_autoptr (FwSweepGrid) g = fw_sweep_grid_parse ("lr=0.001,0.002,0.003,0.004 hidden=8,16,32", NULL);
  g_autoptr (GArray) all = fw_sweep_grid_pick (g, 0, 1);
  g_assert_cmpuint (all->len, ==, 12);
  g_autoptr (GArray) more = fw_sweep_grid_pick (g, 50, 1);
  g_assert_cmpuint (more->len, ==, 12);
  g_autoptr (GArray) a = fw_sweep_grid_pick (g, 5, 7);
  g_autoptr (GArray) b = fw_sweep_grid_pick (g, 5, 7);
  g_autoptr (GArray) other = fw_sweep_grid_pick (g, 5, 8);
  g_assert_cmpuint (a->len, ==, 5);
  g_assert_cmpmem (a->data, 5 * sizeof (guint), b->data, 5 * sizeof (guint));
  g_assert_true (memcmp (a->data, other->data, 5 * sizeof (guint)) != 0);
  for (guint i = 1; i < a->len; i++)   /* distinct, in grid order */
    g_assert_cmpuint (g_array_index (a, guint, i - 1), <, g_array_index (a, guint, i));
}

static void
test_bad_grids (void)
{
  const char *bad[] = {
    "", "lr", "lr=", "=1", "nonsense=1", "lr=abc", "lr=0.1,,0.2", "lr=0.1 lr=0.2",
    "fusion=early,sideways", "lr=1..2", "lr=1..2:0", "lr=0..1:3:log", "lr=a..1:3", "hidden=1..4:3:lin",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwSweepGrid) g = fw_sweep_grid_parse (bad[i], &error);
      g_assert_null (g);
      g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
      g_test_message ("%s -> %s", bad[i], error->message);
    }
  /* each value fine, the combination not */
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSweepGrid) g = fw_sweep_grid_parse ("fusion=early,late image-encoder=cnn", &error);
  g_assert_no_error (error);
  FwConfig base, c;
  fw_config_init (&base);
  g_assert_false (fw_sweep_grid_config (g, 0, &base, &c, &error));
  g_assert_nonnull (strstr (error->message, "fusion=early image-encoder=cnn"));
  g_clear_error (&error);
  g_assert_true (fw_sweep_grid_config (g, 1, &base, &c, &error));
  /* too many combinations */
  g_autoptr (FwSweepGrid) huge = fw_sweep_grid_parse ("hidden=1..1000:1000 batch=1..1000:1000 seed=1..1000:1000", &error);
  g_assert_null (huge);
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/sweep-grid/combinations", test_combinations);
  g_test_add_func ("/core/sweep-grid/ranges", test_ranges);
  g_test_add_func ("/core/sweep-grid/pick", test_pick);
  g_test_add_func ("/core/sweep-grid/bad", test_bad_grids);
  return g_test_run ();
}
