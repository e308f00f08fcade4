/* test-contrib.c — the Contributions view and the Sample view in the
 * real window under a real display: train briefly, check that the view
 * holds the run's Shapley numbers and one reliance point per epoch, export
 * it, then open a sample, hide its text, hide its image and clear its
 * caption, and check each shown prediction against what `predict` computes
 * for that input (the row with the modality missing, fw_model_set_rows). */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fw-run.h"
#include "fw-test-util.h"
#include "fw-window.h"

#define ROW 3

static GtkWidget *
find_flow_box (GtkWidget *widget)
{
  if (GTK_IS_FLOW_BOX (widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_flow_box (c);
      if (found)
        return found;
    }
  return NULL;
}

/* What predict gives for dataset row `row` with the given modalities
 * missing: the same rows → inputs path (fw_model_set_rows) and forward. */
static void
predict_row (FwTrainer *trainer, const FwDataset *ds, int row, gboolean no_image,
             gboolean no_text, float *probs)
{
  FwDataset *mutable = (FwDataset *) ds;
  FwModel *model = fw_trainer_get_model (trainer);
  g_autofree int *lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (trainer), ds);
  guint8 had_image = ds->has_image[row], had_text = ds->has_text[row];

  mutable->has_image[row] = had_image && !no_image;
  mutable->has_text[row] = had_text && !no_text;
  fw_model_set_rows (model, ds, lexmap, NULL, &row, 1, NULL, 0);
  fw_model_forward (model, 1);
  memcpy (probs, fw_model_probs (model), sizeof (float) * ds->n_classes);
  mutable->has_image[row] = had_image;
  mutable->has_text[row] = had_text;
}

static double
max_diff (const float *a, const float *b, int n)
{
  double d = 0;

  for (int i = 0; i < n; i++)
    d = MAX (d, fabs ((double) a[i] - b[i]));
  return d;
}

static void
test_contributions_and_inspector (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwContribView *view = fw_window_get_contrib_view (win);
  FwSampleView *sample = fw_window_get_sample_view (win);
  FwExplainer *explainer = fw_window_get_explainer (win);
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwConfig config;
  const FwDataset *ds;
  FwRun *run;
  FwTrainer *trainer;
  FwContribResult *result;
  const FwContribNumbers *numbers;
  const FwEpochPoint *epochs;
  guint n_epochs;
  FwSampleData *d;
  GtkWidget *flow, *child;
  int K;
  g_autofree float *full = NULL, *expected = NULL, *no_text = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fw-ui-contrib-XXXXXX", NULL);
  const char *exts[] = { "png", "svg", "json" };

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 2;
  config.hidden = 16;
  config.head_hidden = 16;
  config.batch = 64;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes-noisy-text");
  fw_test_wait_idle (win);
  ds = fw_window_get_dataset (win);
  g_assert_nonnull (ds);
  K = ds->n_classes;

  /* train; the view computes the run's contributions when it ends */
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  run = fw_plot_model_get_run (plot, 0);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
  trainer = fw_explainer_get_trainer (explainer, run);
  g_assert_nonnull (trainer);

  result = fw_contrib_view_get_result (view);
  g_assert_nonnull (result);
  g_assert_true (fw_contrib_result_get_run (result) == run);
  numbers = fw_contrib_result_get_numbers (result);
  g_assert_nonnull (numbers);
  g_assert_cmpstr (numbers->split, ==, "test");
  g_assert_cmpint (numbers->n, ==, fw_dataset_split_count (ds, FW_SPLIT_TEST));
  g_assert_true (isfinite (numbers->shapley.image) && isfinite (numbers->shapley.text));
  g_assert_cmpfloat_with_epsilon (numbers->shapley.image_share + numbers->shapley.text_share, 1.0, 1e-9);
  /* noisy text: the model leans on the image */
  g_assert_cmpfloat (numbers->shapley.image_share, >, numbers->shapley.text_share);
  {
    /* the mean Shapley values are the kept samples' when all rows are kept */
    double image = 0, text = 0;
    g_assert_cmpint (numbers->n_samples, ==, MIN (numbers->n, FW_CONTRIB_SAMPLES_KEPT));
    for (int i = 0; i < numbers->n_samples; i++)
      {
        const FwShapleySample *s = &numbers->samples[i];
        g_assert_cmpfloat (fabs (s->image + s->text - (s->full - s->empty)), <, 1e-5);
        image += s->image;
        text += s->text;
      }
    if (numbers->n_samples == numbers->n)
      {
        g_assert_cmpfloat (fabs (image / numbers->n - numbers->shapley.image), <, 1e-6);
        g_assert_cmpfloat (fabs (text / numbers->n - numbers->shapley.text), <, 1e-6);
      }
  }
  {
    int total = 0;
    for (int i = 0; i < K * K; i++)
      total += numbers->confusion[i];
    g_assert_cmpint (total, ==, numbers->n);
  }
  g_assert_true (numbers->emap.n > 0 && isfinite (numbers->emap.gap));

  /* reliance over time: one point per epoch, shares summing to one */
  epochs = fw_run_get_epochs (run, &n_epochs);
  g_assert_cmpuint (n_epochs, ==, 2);
  g_assert_cmpuint (fw_contrib_result_get_n_reliance (result), ==, 2);
  for (guint i = 0; i < n_epochs; i++)
    g_assert_cmpfloat (fabs (epochs[i].image_share + epochs[i].text_share - 1.0), <, 1e-6);

  /* exports: pictures and the contrib command's JSON keys */
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strconcat ("contrib.", exts[i], NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_true (fw_contrib_view_export (view, path, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      if (g_str_equal (exts[i], "json"))
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          JsonObject *root, *shapley;
          g_assert_true (json_parser_load_from_file (parser, path, &error));
          root = json_node_get_object (json_parser_get_root (parser));
          g_assert_cmpint (json_object_get_int_member (root, "n"), ==, numbers->n);
          shapley = json_object_get_object_member (root, "shapley");
          g_assert_cmpfloat (fabs (json_object_get_double_member (shapley, "image") - numbers->shapley.image), <, 1e-5);
          g_assert_true (json_object_has_member (json_object_get_object_member (root, "ablation"), "image_removed_accuracy"));
          g_assert_true (json_object_has_member (json_object_get_object_member (root, "emap"), "gap"));
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "reliance")), ==, 2);
        }
      g_unlink (path);
    }
  g_rmdir (dir);

  /* the inspector: activate a sample in the grid */
  flow = find_flow_box (GTK_WIDGET (win));
  g_assert_nonnull (flow);
  child = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (flow), ROW));
  g_assert_nonnull (child);
  g_assert_true (ds->has_image[ROW] && ds->has_text[ROW]);
  gtk_widget_activate (child);
  fw_test_wait_idle (win);
  d = fw_sample_get_data (fw_sample_view_get_sample (sample));
  g_assert_cmpint (d->row, ==, ROW);
  g_assert_nonnull (d->probs);
  g_assert_nonnull (d->heat);     /* integrated gradients followed */
  g_assert_nonnull (d->tokens);
  full = g_new (float, K);
  expected = g_new (float, K);
  no_text = g_new (float, K);
  memcpy (full, d->probs, sizeof (float) * K);
  predict_row (trainer, ds, ROW, FALSE, FALSE, expected);
  g_assert_cmpfloat (max_diff (full, expected, K), <, 1e-5);

  /* hide text: predict's input for the row with an empty caption */
  gtk_widget_activate_action (GTK_WIDGET (sample), "sample.hide-text", NULL);
  fw_test_wait_idle (win);
  g_assert_true (d->text_hidden);
  predict_row (trainer, ds, ROW, FALSE, TRUE, expected);
  g_assert_cmpfloat (max_diff (d->probs, expected, K), <, 1e-5);
  g_assert_cmpfloat (max_diff (d->probs, full, K), >, 1e-6);   /* it did change */
  memcpy (no_text, d->probs, sizeof (float) * K);
  /* the hidden caption is not left in the entry, nor editable there */
  g_assert_cmpstr (gtk_editable_get_text (fw_sample_view_get_caption_entry (sample)), ==, "");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (fw_sample_view_get_caption_entry (sample))));
  /* another row opened meanwhile keeps its text hidden too */
  fw_sample_view_inspect (sample, ROW);
  fw_test_wait_idle (win);
  g_assert_cmpstr (gtk_editable_get_text (fw_sample_view_get_caption_entry (sample)), ==, "");
  g_assert_true (d->text_hidden);
  g_assert_cmpfloat (max_diff (d->probs, no_text, K), <, 1e-5);

  /* showing the text again restores the caption; an empty caption typed
   * in is then the same missing text */
  gtk_widget_activate_action (GTK_WIDGET (sample), "sample.hide-text", NULL);
  fw_test_wait_idle (win);
  g_assert_cmpstr (gtk_editable_get_text (fw_sample_view_get_caption_entry (sample)), ==, ds->text[ROW]);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (fw_sample_view_get_caption_entry (sample))));
  g_assert_cmpfloat (max_diff (d->probs, full, K), <, 1e-5);
  {
    GtkWidget *focus;
    gtk_widget_activate_action (GTK_WIDGET (sample), "sample.inspect", NULL);   /* focuses the caption */
    fw_test_wait_idle (win);
    focus = gtk_root_get_focus (GTK_ROOT (win));
    g_assert_nonnull (focus);
    g_assert_true (GTK_IS_EDITABLE (focus));
    gtk_editable_set_text (GTK_EDITABLE (focus), "");
  }
  fw_test_wait_idle (win);
  g_assert_cmpfloat (max_diff (d->probs, no_text, K), <, 1e-5);

  /* hide image (with the caption back): the row with its image missing */
  fw_sample_view_inspect (sample, ROW);
  gtk_widget_activate_action (GTK_WIDGET (sample), "sample.hide-image", NULL);
  fw_test_wait_idle (win);
  g_assert_null (d->pixels);
  predict_row (trainer, ds, ROW, TRUE, FALSE, expected);
  g_assert_cmpfloat (max_diff (d->probs, expected, K), <, 1e-5);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* Cancel stops a computation and keeps the numbers shown; a new dataset
 * waits for the workers and drops the models that borrowed the old one;
 * the window closes while a computation runs. */
static void
test_cancel_and_new_dataset (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwContribView *view = fw_window_get_contrib_view (win);
  FwSampleView *sample = fw_window_get_sample_view (win);
  FwExplainer *explainer = fw_window_get_explainer (win);
  FwConfig config;
  FwRun *run;
  FwContribResult *result;
  const FwContribNumbers *before;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 1;
  config.hidden = 16;
  config.head_hidden = 16;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  /* the first sample opens with the dataset, with no model yet */
  g_assert_cmpint (fw_sample_get_data (fw_sample_view_get_sample (sample))->row, ==, 0);
  g_assert_null (fw_sample_get_data (fw_sample_view_get_sample (sample))->probs);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (view), "contrib.compute", NULL) &&
                  fw_contrib_view_is_busy (view));

  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  result = fw_contrib_view_get_result (view);
  before = fw_contrib_result_get_numbers (result);
  g_assert_nonnull (before);
  g_assert_nonnull (fw_sample_get_data (fw_sample_view_get_sample (sample))->probs);

  {
    /* a model whose classes the dataset does not have is refused, and its
     * owner freed at once */
    static const char *const wrong[] = { "apple", "pear", NULL };
    FwTrainer *trainer = fw_explainer_get_trainer (explainer, run);
    g_autoptr(FwRun) other = fw_run_new (fw_run_get_config (run), "other", &(GdkRGBA) { 0, 0, 0, 1 });
    g_autoptr(GError) error = NULL;
    gboolean freed = FALSE;
    g_assert_false (fw_explainer_take_model (explainer, other, fw_trainer_get_model (trainer),
                                             fw_trainer_get_vocab (trainer), wrong, &freed,
                                             set_true, &error));
    g_assert_nonnull (error);
    g_assert_true (freed);
  }
  gtk_widget_activate_action (GTK_WIDGET (view), "contrib.compute", NULL);
  g_assert_true (fw_contrib_view_is_busy (view));
  gtk_widget_activate_action (GTK_WIDGET (view), "contrib.cancel", NULL);
  fw_test_wait_idle (win);
  g_assert_true (fw_contrib_result_get_numbers (result) == before);

  gtk_widget_activate_action (GTK_WIDGET (view), "contrib.compute", NULL);
  g_assert_true (fw_contrib_view_is_busy (view));
  fw_window_load_dataset (win, "builtin:shapes-xor");
  fw_test_wait_idle (win);
  g_assert_null (fw_explainer_get_trainer (explainer, run));
  g_assert_false (fw_contrib_view_is_busy (view));

  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  gtk_widget_activate_action (GTK_WIDGET (view), "contrib.compute", NULL);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Runs trained here are autosaved under XDG_DATA_HOME (a temporary
 * folder); each test starts without the previous one's. */
static void
without_saved_runs (gconstpointer test)
{
  fw_test_forget_saved_runs ();
  ((void (*) (void)) test) ();
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  int status;

  g_test_add_data_func ("/ui/contrib/view-and-inspector", test_contributions_and_inspector, without_saved_runs);
  g_test_add_data_func ("/ui/contrib/cancel-and-new-dataset", test_cancel_and_new_dataset, without_saved_runs);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  return status;
}
