/* test-robustness-view.c — the Robustness view in the real window: three runs
 * trained through win.train fill it with one curve each (level 0 is the
 * run's test accuracy), changing the perturbation measures again, it
 * exports PNG, SVG and the command's JSON, a cancel leaves the old curves,
 * and the learning-curve action trains on growing shares. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "fw-run.h"
#include "fw-test-util.h"

static FwWindow *
window_with_three_runs (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  static const FwFusion fusions[] = { FW_FUSION_LATE, FW_FUSION_INTERMEDIATE, FW_FUSION_EARLY };

  for (gsize i = 0; i < G_N_ELEMENTS (fusions); i++)
    {
      fw_model_panel_set_fusion (fw_window_get_model_panel (win), fusions[i]);
      g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
      fw_test_wait_idle (win);
      g_assert_null (fw_window_get_error (win));
    }
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 3);
  return win;
}

static gboolean
file_starts_with (const char *path, const char *prefix, gsize skip)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  return g_file_get_contents (path, &data, &len, NULL) && len > skip + strlen (prefix)
         && memcmp (data + skip, prefix, strlen (prefix)) == 0;
}

static void
test_three_runs (void)
{
  FwWindow *win = window_with_three_runs ();
  FwRobustnessView *view = fw_window_get_robustness_view (win);
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_autofree char *dir = g_dir_make_tmp ("fw-ui-robust-XXXXXX", NULL);

  fw_robustness_view_set_perturbation (view, FW_PERTURB_MISSING_TEXT);
  gtk_widget_activate_action (GTK_WIDGET (view), "robustness.compute", NULL);
  g_assert_true (fw_robustness_view_is_busy (view));
  fw_test_wait_idle (win);
  g_assert_cmpuint (fw_robustness_view_get_n_curves (view), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const FwRobustnessCurve *c = fw_robustness_view_get_curve (view, i);
      FwRun *run = fw_plot_model_get_run (plot, i);
      g_assert_cmpint (c->kind, ==, FW_PERTURB_MISSING_TEXT);
      g_assert_cmpint (c->n_levels, ==, 6);
      /* the unperturbed level is the run's test accuracy (the trainer
       * evaluates in batches of 64, the view in 256: rounding may move a
       * row at most) */
      g_assert_cmpfloat (fabs (c->accuracy[0] - fw_run_get_test_accuracy (run)), <=, 0.006);
    }

  /* another perturbation is measured at once */
  fw_robustness_view_set_perturbation (view, FW_PERTURB_IMAGE_NOISE);
  g_assert_true (fw_robustness_view_is_busy (view));
  fw_test_wait_idle (win);
  g_assert_cmpint (fw_robustness_view_get_curve (view, 0)->kind, ==, FW_PERTURB_IMAGE_NOISE);
  g_assert_cmpfloat (fw_robustness_view_get_curve (view, 0)->levels[5], ==, 0.8);

  /* exports: the chart as PNG and SVG, the numbers as the command's JSON */
  {
    g_autofree char *png = g_build_filename (dir, "r.png", NULL);
    g_autofree char *svg = g_build_filename (dir, "r.svg", NULL);
    g_autofree char *json = g_build_filename (dir, "r.json", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *root;
    JsonArray *runs;

    g_assert_true (fw_robustness_view_export (view, png, &error));
    g_assert_no_error (error);
    g_assert_true (file_starts_with (png, "PNG", 1));
    g_assert_true (fw_robustness_view_export (view, svg, &error));
    g_assert_true (file_starts_with (svg, "<?xml", 0));
    g_assert_true (fw_robustness_view_export (view, json, &error));
    g_assert_true (json_parser_load_from_file (parser, json, &error));
    g_assert_no_error (error);
    root = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (root, "perturbation"), ==, "image_noise");
    runs = json_object_get_array_member (root, "runs");
    g_assert_cmpuint (json_array_get_length (runs), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *r = json_array_get_object_element (runs, i);
        JsonObject *curve = json_object_get_object_member (
          json_object_get_object_member (r, "curves"), "image_noise");
        g_assert_cmpstr (json_object_get_string_member (r, "run"), ==,
                         fw_run_get_description (fw_plot_model_get_run (plot, i)));
        g_assert_cmpstr (json_object_get_string_member (r, "split"), ==, "test");
        g_assert_cmpuint (json_array_get_length (json_object_get_array_member (curve, "accuracy")), ==, 6);
        g_assert_true (json_object_has_member (curve, "relative_robustness"));
      }
    g_assert_false (fw_robustness_view_export (view, "/tmp/x.bmp", NULL));
  }

  /* a cancelled computation keeps the curves shown */
  fw_robustness_view_set_perturbation (view, FW_PERTURB_MISALIGNED);
  fw_robustness_view_cancel (view);
  fw_test_wait_idle (win);
  g_assert_cmpuint (fw_robustness_view_get_n_curves (view), ==, 3);
  g_assert_cmpint (fw_robustness_view_get_curve (view, 0)->kind, ==, FW_PERTURB_IMAGE_NOISE);

  fw_test_remove_tree (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_learning_curve (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwRobustnessView *view = fw_window_get_robustness_view (win);
  g_autofree char *dir = g_dir_make_tmp ("fw-ui-lc-XXXXXX", NULL);
  g_autofree char *json = g_build_filename (dir, "lc.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  const FwLearningCurve *lc;
  FwConfig config;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 1;
  config.hidden = 16;
  config.head_hidden = 8;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  gtk_widget_activate_action (GTK_WIDGET (view), "robustness.learning-curve", NULL);
  g_assert_true (fw_robustness_view_is_busy (view));
  fw_test_wait_idle (win);
  lc = fw_robustness_view_get_learning_curve (view);
  g_assert_nonnull (lc);
  g_assert_cmpint (lc->n_fractions, ==, 5);
  for (int i = 1; i < lc->n_fractions; i++)
    g_assert_cmpint (lc->train_n[i], >, lc->train_n[i - 1]);
  g_assert_cmpint (lc->train_n[4], ==, fw_dataset_split_count (fw_window_get_dataset (win), FW_SPLIT_TRAIN));
  g_assert_true (fw_robustness_view_export (view, json, &error));
  g_assert_true (json_parser_load_from_file (parser, json, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (json_node_get_object (json_parser_get_root (parser)),
                                         "test_accuracy_std"));
  fw_test_remove_tree (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  int status;

  g_test_add_func ("/ui/robustness/three-runs", test_three_runs);
  g_test_add_func ("/ui/robustness/learning-curve", test_learning_curve);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  return status;
}
