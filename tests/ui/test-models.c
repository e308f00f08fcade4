/* test-models.c — models in the real window (Xvfb in CI): a run trained in
 * the GUI is autosaved (run.json, model.safetensors) and a new window
 * reopens it; Save model, Open model (and a corrupt file), deleting a run,
 * and the Export Model formats.  XDG_DATA_HOME is a temporary folder. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fw-export-dialog.h"
#include "fw-model-file.h"
#include "fw-run-store.h"
#include "fw-torch-resources.h"
#include "fw-test-util.h"
#include "fw-window-private.h"

static char *data_home;

static char *
runs_root (void)
{
  return g_build_filename (data_home, "fusion-workbench", "runs", NULL);
}

static FwWindow *
new_window (const char *spec)
{
  FwWindow *win = fw_window_new (NULL);
  FwConfig config;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 2;
  config.hidden = 16;
  config.head_hidden = 16;
  config.batch = 64;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  if (spec)
    fw_window_load_dataset (win, spec);
  fw_test_wait_idle (win);
  return win;
}

/* A fresh window on builtin:shapes with one run trained to the end. */
static FwWindow *
trained_window (FwRun **run)
{
  FwWindow *win;
  FwPlotModel *plot;
  g_autofree char *root = runs_root ();

  fw_test_remove_tree (root);
  win = new_window ("builtin:shapes");
  plot = fw_window_get_plot_model (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  *run = fw_plot_model_get_run (plot, 0);
  g_assert_cmpint (fw_run_get_state (*run), ==, FW_RUN_FINISHED);
  return win;
}

/* fw_model_evaluate on the dataset's test split, as `eval` does it. */
static void
evaluate (FwSavedModel *saved, const FwDataset *ds, double *loss, double *accuracy)
{
  g_autofree int *rows = g_new (int, ds->n);
  int n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  g_autofree int *labels = fw_dataset_map_labels (ds, (const char *const *) saved->classes,
                                                  saved->n_classes, NULL);
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);

  g_assert_cmpint (n, >, 0);
  g_assert_nonnull (labels);
  fw_model_evaluate (saved->model, ds, lexmap, labels, rows, n, loss, accuracy);
}

static void
test_autosave (void)
{
  FwRun *run;
  FwWindow *win = trained_window (&run);
  const FwDataset *ds = fw_window_get_dataset (win);
  g_autofree char *root = runs_root ();
  g_autofree char *json_path = NULL, *model_path = NULL, *text = NULL, *bad = NULL, *bad_file = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(FwSavedModel) saved = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  double loss, accuracy;
  guint n_steps, n_epochs, n_steps2, n_epochs2;
  g_autofree char *description = g_strdup (fw_run_get_description (run));
  double test_accuracy = fw_run_get_test_accuracy (run);
  FwPlotModel *plot;
  FwRun *again;

  /* the folder, under the data directory */
  g_assert_nonnull (fw_run_get_dir (run));
  g_assert_true (g_str_has_prefix (fw_run_get_dir (run), root));
  json_path = g_build_filename (fw_run_get_dir (run), FW_RUN_FILE, NULL);
  model_path = g_build_filename (fw_run_get_dir (run), FW_RUN_MODEL_FILE, NULL);
  g_assert_true (g_file_test (json_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (model_path, G_FILE_TEST_IS_REGULAR));

  /* run.json: the configuration, metrics and final figures */
  g_assert_true (json_parser_load_from_file (parser, json_path, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, FW_RUN_FORMAT);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "finished");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "dataset"), "source"),
                   ==, "builtin:shapes");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "config"), "epochs"), ==, 2);
  fw_run_get_steps (run, &n_steps);
  fw_run_get_epochs (run, &n_epochs);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "epochs")), ==, n_epochs);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "step_losses")), ==, n_steps);
  g_assert_cmpfloat (json_object_get_double_member (o, "test_accuracy"), ==, test_accuracy);

  /* the weights: they load and evaluate to the run's test accuracy */
  saved = fw_model_load (model_path, 256, &error);
  g_assert_no_error (error);
  evaluate (saved, ds, &loss, &accuracy);
  g_assert_cmpfloat_with_epsilon (accuracy, test_accuracy, 1e-9);
  g_assert_nonnull (fw_run_get_model (run));

  /* a folder that is not a run is skipped with a message */
  bad = g_build_filename (root, "00000000-broken", NULL);
  g_assert_cmpint (g_mkdir (bad, 0700), ==, 0);
  bad_file = g_build_filename (bad, FW_RUN_FILE, NULL);
  g_assert_true (g_file_set_contents (bad_file, "{\"format\": \"fusion-workbench-run\", \"version\"", -1, NULL));

  /* a run whose weights are damaged comes back without a model, named */
  {
    g_autofree char *copy = g_build_filename (root, "99999999-bad-weights", NULL);
    g_autofree char *copy_json = g_build_filename (copy, FW_RUN_FILE, NULL);
    g_autofree char *copy_model = g_build_filename (copy, FW_RUN_MODEL_FILE, NULL);
    g_autofree char *json_text = NULL;

    g_assert_cmpint (g_mkdir (copy, 0700), ==, 0);
    g_assert_true (g_file_get_contents (json_path, &json_text, NULL, NULL));
    g_assert_true (g_file_set_contents (copy_json, json_text, -1, NULL));
    g_assert_true (g_file_set_contents (copy_model, "not a model", -1, NULL));
  }

  gtk_window_destroy (GTK_WINDOW (win));

  /* a new window reopens the run: curves, figures and the model */
  win = new_window (NULL);
  plot = fw_window_get_plot_model (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  /* models are read when needed, not at start: the damage is named then */
  g_assert_false (fw_run_is_model_loaded (fw_plot_model_get_run (plot, 1)));
  g_assert_null (fw_run_get_model (fw_plot_model_get_run (plot, 1)));
  g_assert_nonnull (strstr (fw_run_get_model_error (fw_plot_model_get_run (plot, 1)), "99999999-bad-weights"));
  {
    g_autoptr(GError) delete_error = NULL;
    g_assert_true (fw_window_delete_run (win, fw_plot_model_get_run (plot, 1), &delete_error));
    g_assert_no_error (delete_error);
  }
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  again = fw_plot_model_get_run (plot, 0);
  g_assert_cmpstr (fw_run_get_description (again), ==, description);
  g_assert_cmpfloat (fw_run_get_test_accuracy (again), ==, test_accuracy);
  fw_run_get_steps (again, &n_steps2);
  fw_run_get_epochs (again, &n_epochs2);
  g_assert_cmpuint (n_steps2, ==, n_steps);
  g_assert_cmpuint (n_epochs2, ==, n_epochs);
  /* reliance over epochs comes back too */
  for (guint i = 0; i < n_epochs; i++)
    {
      const FwEpochPoint *a = &fw_run_get_epochs (again, &n_epochs2)[i];
      g_assert_true (isfinite (a->image_share) && isfinite (a->text_share));
      g_assert_cmpfloat_with_epsilon (a->image_share + a->text_share, 1.0, 1e-6);
    }
  g_assert_cmpint (fw_run_get_state (again), ==, FW_RUN_FINISHED);
  g_assert_nonnull (fw_run_get_model (again));
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "00000000-broken"));

  /* a reopened run is explained once a dataset is there */
  fw_window_select_run (win, again);
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  {
    FwContribResult *result = fw_contrib_view_get_result (fw_window_get_contrib_view (win));
    const FwContribNumbers *numbers;

    g_assert_true (fw_contrib_result_get_run (result) == again);
    numbers = fw_contrib_result_get_numbers (result);
    g_assert_nonnull (numbers);
    g_assert_cmpfloat_with_epsilon (numbers->ablation.full_accuracy, test_accuracy, 1e-9);
  }
  /* win.delete-run (Ctrl+Delete) on the selected run removes its folder */
  {
    g_autofree char *dir = g_strdup (fw_run_get_dir (again));
    fw_window_select_run (win, again);
    g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "delete-run"));
    g_action_group_activate_action (G_ACTION_GROUP (win), "delete-run", NULL);
    g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 0);
    /* kept for Undo until the chance passes (see test-defects) */
    fw_window_removal_commit (win);
    g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  }
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_remove_tree (bad);
}

/* A run interrupted mid-training (window closed, crash) comes back as
 * stopped with the epochs saved so far. */
static void
test_interrupted (void)
{
  g_autofree char *root = runs_root ();
  g_autofree char *dir = NULL;
  g_autoptr(FwRunStore) store = NULL;
  g_autoptr(FwRun) run = NULL;
  g_autoptr(FwPlotModel) plot = fw_plot_model_new ();
  FwEpochPoint p = { 1, 10, 0.9, 0.8, 0.5, 0.6, 1.5 };
  FwConfig config;
  GdkRGBA color = { 1, 0, 0, 1 };
  FwRun *back;
  guint n;

  fw_test_remove_tree (root);
  fw_config_init (&config);
  store = fw_run_store_new (root);
  run = fw_run_new (&config, "shapes", &color);
  fw_run_set_state (run, FW_RUN_RUNNING);
  g_assert_true (fw_run_store_add (store, run, NULL));
  for (int i = 1; i <= 10; i++)
    fw_run_add_step (run, i, 1.0 / i);
  fw_run_add_epoch (run, &p);
  fw_run_store_save_metrics (store, run);
  fw_run_store_flush (store);

  fw_run_store_load_all (store, plot);
  fw_run_store_flush (store);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  back = fw_plot_model_get_run (plot, 0);
  g_assert_cmpint (fw_run_get_state (back), ==, FW_RUN_STOPPED);
  g_assert_null (fw_run_get_model (back));
  fw_run_get_epochs (back, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (fw_run_get_epochs (back, &n)[0].val_accuracy, ==, 0.6);
  fw_run_get_steps (back, &n);
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmpfloat (fw_run_get_steps (back, &n)[9].loss, ==, 0.1);
  g_assert_cmpstr (fw_run_get_dir (back), ==, fw_run_get_dir (run));
}

/* Closing the window while a run trains: the run ends stopped, and its
 * metrics and weights are on disk; the next window reopens it with its
 * model.  The weights are written after every epoch already. */
static void
test_close_while_training (void)
{
  g_autofree char *root = runs_root ();
  g_autofree char *dir = NULL, *model_path = NULL, *json_path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  FwWindow *win;
  FwConfig config;
  FwRun *run;
  guint n_epochs = 0;
  gint64 until;

  fw_test_remove_tree (root);
  win = new_window ("builtin:shapes");
  config = *fw_model_panel_get_config (fw_window_get_model_panel (win));
  config.epochs = 500;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  dir = g_strdup (fw_run_get_dir (run));
  model_path = g_build_filename (dir, FW_RUN_MODEL_FILE, NULL);
  json_path = g_build_filename (dir, FW_RUN_FILE, NULL);
  until = g_get_monotonic_time () + FW_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  while (n_epochs < 2 && g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, TRUE);
      fw_run_get_epochs (run, &n_epochs);
    }
  g_assert_cmpuint (n_epochs, >=, 2);
  g_assert_true (fw_window_is_busy (win));
  /* written at the end of an epoch, before training ends */
  g_assert_true (g_file_test (model_path, G_FILE_TEST_IS_REGULAR));

  gtk_window_close (GTK_WINDOW (win));
  g_assert_true (json_parser_load_from_file (parser, json_path, NULL));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "state"),
                   ==, "stopped");

  win = new_window (NULL);
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 1);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_STOPPED);
  g_assert_nonnull (fw_run_get_model (run));
  fw_run_get_epochs (run, &n_epochs);
  g_assert_cmpuint (n_epochs, >=, 2);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_save_and_open (void)
{
  FwRun *run;
  FwWindow *win = trained_window (&run);
  const FwDataset *ds = fw_window_get_dataset (win);
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.safetensors", NULL);
  g_autoptr(FwSavedModel) saved = NULL;
  g_autoptr(GError) error = NULL;
  double loss, accuracy;
  FwRun *opened;

  /* Save model: the selected run's model, loadable */
  fw_window_select_run (win, run);
  g_assert_true (fw_window_get_selected_run (win) == run);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "save-model"));
  fw_window_export_model (win, FW_EXPORT_MODEL_FILE, path);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  saved = fw_model_load (path, 64, &error);
  g_assert_no_error (error);
  evaluate (saved, ds, &loss, &accuracy);
  g_assert_cmpfloat_with_epsilon (accuracy, fw_run_get_test_accuracy (run), 1e-9);

  /* Open model: a run without curves, evaluated on the current dataset */
  fw_window_open_model (win, path);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  opened = fw_plot_model_get_run (plot, 1);
  g_assert_nonnull (fw_run_get_model (opened));
  g_assert_null (fw_run_get_dir (opened));
  g_assert_cmpstr (fw_run_get_source (opened), ==, path);
  g_assert_cmpstr (fw_run_get_dataset_name (opened), ==, "saved.safetensors");
  g_assert_cmpstr (fw_run_get_summary (opened), ==, fw_run_get_summary (run));
  {
    guint n;
    fw_run_get_steps (opened, &n);
    g_assert_cmpuint (n, ==, 0);
  }
  g_assert_cmpfloat_with_epsilon (fw_run_get_test_accuracy (opened), accuracy, 1e-9);
  g_assert_cmpfloat_with_epsilon (fw_run_get_test_loss (opened), loss, 1e-6);
  /* the opened run is selected, and can be saved in turn */
  g_assert_true (fw_window_get_selected_run (win) == opened);
  /* and the Contributions view explains it, like a run trained here */
  {
    FwContribResult *result = fw_contrib_view_get_result (fw_window_get_contrib_view (win));
    const FwContribNumbers *numbers;

    g_assert_true (fw_contrib_result_get_run (result) == opened);
    numbers = fw_contrib_result_get_numbers (result);
    g_assert_nonnull (numbers);
    g_assert_cmpint (numbers->n, ==, fw_dataset_split_count (ds, FW_SPLIT_TEST));
    g_assert_cmpfloat_with_epsilon (numbers->ablation.full_accuracy, accuracy, 1e-9);
  }
  gtk_window_destroy (GTK_WINDOW (win));

  /* opened before any dataset: evaluated once one loads */
  {
    g_autofree char *root = runs_root ();
    fw_test_remove_tree (root);
  }
  win = new_window (NULL);
  fw_window_open_model (win, path);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 1);
  opened = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_assert_true (isnan (fw_run_get_test_accuracy (opened)));
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  g_assert_cmpfloat_with_epsilon (fw_run_get_test_accuracy (opened), accuracy, 1e-9);
  g_assert_cmpfloat_with_epsilon (fw_run_get_test_loss (opened), loss, 1e-6);
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}

/* A model trained on rows that are test rows here: the window says so. */
static void
test_open_seen_rows (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *manifest = g_build_filename (dir, "words.csv", NULL);
  g_autofree char *path = g_build_filename (dir, "seed2.safetensors", NULL);
  GString *csv = g_string_new ("image,text,label\n");
  g_autoptr(FwDataset) ds = NULL;
  g_autoptr(FwTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  FwConfig config;
  FwWindow *win;

  for (int i = 0; i < 300; i++)
    g_string_append_printf (csv, ",word%d %s,%s\n", i, i % 2 ? "odd" : "even", i % 2 ? "b" : "a");
  g_assert_true (g_file_set_contents (manifest, csv->str, -1, NULL));
  g_string_free (csv, TRUE);
  /* seed 2 draws other rows for training than the window's seed 1 */
  options.seed = 2;
  ds = fw_dataset_load (manifest, &options, NULL, &error);
  g_assert_no_error (error);
  fw_config_init (&config);
  config.seed = 2;
  config.hidden = 8;
  trainer = fw_trainer_new (&config, ds, &error);
  g_assert_no_error (error);
  g_assert_true (fw_model_save (fw_trainer_get_model (trainer), fw_trainer_get_vocab (trainer),
                                (const char *const *) ds->classes, path, &error));

  win = new_window (manifest);
  g_assert_null (fw_window_get_error (win));
  fw_window_open_model (win, path);
  fw_test_wait_idle (win);
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "trained on"));
  g_assert_nonnull (strstr (fw_window_get_error (win), "seed2.safetensors"));
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_unlink (manifest);
  g_rmdir (dir);
}

static void
test_open_corrupt (void)
{
  FwWindow *win = new_window ("builtin:shapes");
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "corrupt.safetensors", NULL);
  /* a header length far past the end of the file */
  static const char bytes[] = "\xff\xff\x00\x00\x00\x00\x00\x00{\"a\":1}";
  guint before = fw_plot_model_get_n_runs (plot);

  g_assert_true (g_file_set_contents (path, bytes, sizeof bytes - 1, NULL));
  fw_window_open_model (win, path);
  fw_test_wait_idle (win);
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), path));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, before);

  /* a missing file too */
  g_unlink (path);
  fw_window_open_model (win, path);
  fw_test_wait_idle (win);
  g_assert_nonnull (strstr (fw_window_get_error (win), path));
  gtk_window_destroy (GTK_WINDOW (win));
  g_rmdir (dir);
}

/* every label under w holds UTF-8 (Pango drops anything else) */
static void
assert_labels_utf8 (GtkWidget *w)
{
  g_autoptr(GPtrArray) widgets = fw_test_collect_widgets (w);

  for (guint i = 0; i < widgets->len; i++)
    if (GTK_IS_LABEL (widgets->pdata[i]))
      g_assert_true (g_utf8_validate (gtk_label_get_text (widgets->pdata[i]), -1, NULL));
}

/* File names in Latin-1 ('\xe9' is not UTF-8): a corrupt model, a good
 * one and a dataset opened from such names show them with U+FFFD in the
 * banner, the run's name and the Dataset panel. */
static void
test_latin1_names (void)
{
  FwWindow *win = new_window ("builtin:shapes");
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *corrupt = g_build_filename (dir, "corrupt\xe9.safetensors", NULL);
  g_autofree char *good = g_build_filename (dir, "bon\xe9.safetensors", NULL);
  g_autofree char *manifest = g_build_filename (dir, "donn\xe9" "es.csv", NULL);
  g_autoptr(GError) error = NULL;
  const FwDataset *ds = fw_window_get_dataset (win);
  g_autoptr(FwTrainer) trainer = NULL;
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwConfig config;
  const char *banner;

  g_assert_true (g_file_set_contents (corrupt, "\x08\0\0\0\0\0\0\0{broken}", 16, NULL));
  fw_window_open_model (win, corrupt);
  fw_test_wait_idle (win);
  banner = fw_window_get_error (win);
  g_assert_nonnull (banner);
  g_assert_true (g_utf8_validate (banner, -1, NULL));
  g_assert_nonnull (strstr (banner, "corrupt\xef\xbf\xbd.safetensors"));

  /* an untrained model of the open shapes is enough to be opened */
  fw_config_init (&config);
  config.hidden = 8;
  trainer = fw_trainer_new (&config, ds, &error);
  g_assert_no_error (error);
  g_assert_true (fw_model_save (fw_trainer_get_model (trainer), fw_trainer_get_vocab (trainer),
                                (const char *const *) ds->classes, good, &error));
  fw_window_open_model (win, good);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpstr (fw_run_get_dataset_name (fw_plot_model_get_run (plot, fw_plot_model_get_n_runs (plot) - 1)),
                   ==, "bon\xef\xbf\xbd.safetensors");
  assert_labels_utf8 (GTK_WIDGET (win));

  g_assert_true (g_file_set_contents (manifest, "image,text,label\n,a b,x\n,c d,y\n,e f,x\n,g h,y\n", -1, NULL));
  fw_window_load_dataset (win, manifest);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpstr (fw_window_get_dataset (win)->source, ==, manifest);
  assert_labels_utf8 (GTK_WIDGET (win));
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_remove_tree (dir);
}

static void
test_export (void)
{
  FwRun *run;
  FwWindow *win = trained_window (&run);
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *onnx = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *torch = g_build_filename (dir, "torch", NULL);
  g_autofree char *csv = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *contrib = g_build_filename (dir, "contrib.json", NULL);
  g_autofree char *typed = fw_export_dialog_complete_path (FW_EXPORT_ONNX, "/x/model");
  static const char *const torch_files[] = { "model.py", "model.safetensors", "predict.py", "train.py" };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpstr (typed, ==, "/x/model.onnx");
  fw_window_export_model (win, FW_EXPORT_ONNX, onnx);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpint (g_stat (onnx, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 1000);

  fw_window_export_model (win, FW_EXPORT_TORCH, torch);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  for (gsize i = 0; i < G_N_ELEMENTS (torch_files); i++)
    {
      g_autofree char *file = g_build_filename (torch, torch_files[i], NULL);
      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 0);
      g_unlink (file);
    }

  fw_window_export_model (win, FW_EXPORT_METRICS, csv);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));

  fw_window_export_model (win, FW_EXPORT_CONTRIB, contrib);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_true (json_parser_load_from_file (parser, contrib, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (json_node_get_object (json_parser_get_root (parser)), "shapley"));

  /* a failure names the file in the banner */
  {
    g_autofree char *nowhere = g_build_filename (dir, "no", "such", "model.onnx", NULL);
    fw_window_export_model (win, FW_EXPORT_ONNX, nowhere);
    fw_test_wait_idle (win);
    g_assert_nonnull (fw_window_get_error (win));
    g_assert_nonnull (strstr (fw_window_get_error (win), nowhere));
  }
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (onnx);
  g_unlink (csv);
  g_unlink (contrib);
  g_rmdir (torch);
  g_rmdir (dir);
}

/* The Export Model chooser itself: its Format choice picks the writer, and
 * a name typed without an extension takes the format's. */
static GtkFileChooser *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_FILE_CHOOSER (w);
    }
  return NULL;
}

static void
test_export_dialog (void)
{
  FwRun *run;
  FwWindow *win = trained_window (&run);
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *onnx = g_build_filename (dir, "typed.onnx", NULL);
  GtkFileChooser *chooser;
  gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_action_group_activate_action (G_ACTION_GROUP (win), "export-model", NULL);
  while (!(chooser = find_chooser ()) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (chooser);
  /* ONNX is the default format */
  g_assert_cmpstr (gtk_file_chooser_get_choice (chooser, "format"), ==, fw_export_format_label (FW_EXPORT_ONNX));
  /* a path typed in the name entry, as a user may */
  {
    g_autofree char *typed_path = g_build_filename (dir, "typed", NULL);
    gtk_file_chooser_set_current_name (chooser, typed_path);
  }
  /* the dialog checks the name asynchronously before it answers */
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (find_chooser () && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (find_chooser ());
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_true (g_file_test (onnx, G_FILE_TEST_IS_REGULAR));
  g_unlink (onnx);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* every label's text under w, one per line */
static void
collect_labels (GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL (w))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (w)));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, out);
}

/* selects the item labelled text in the first drop-down under w that has it */
static gboolean
pick_in_drop_down (GtkWidget *w, const char *text)
{
  if (GTK_IS_DROP_DOWN (w) && GTK_IS_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (w))))
    {
      GtkStringList *items = GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (w)));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (items)); i++)
        if (g_strcmp0 (gtk_string_list_get_string (items, i), text) == 0)
          {
            gtk_drop_down_set_selected (GTK_DROP_DOWN (w), i);
            return TRUE;
          }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (pick_in_drop_down (c, text))
      return TRUE;
  return FALSE;
}

/* Export Model's "PyTorch training folder" through the real chooser writes
 * what `export --torch` writes, train.py included; that train.py run by
 * python3 (when python3-torch is installed) writes a model that Open Model
 * adds to the run list with the test accuracy train.py printed. */
static void
test_torch_training_folder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-models-XXXXXX", NULL);
  g_autofree char *manifest = g_build_filename (dir, "words.csv", NULL);
  g_autofree char *folder = g_build_filename (dir, "torch", NULL);
  g_autofree char *out = g_build_filename (dir, "trained.safetensors", NULL);
  static const char *const files[] = { "model.py", "predict.py", "train.py", "model.safetensors" };
  GString *csv = g_string_new ("image,text,label\n");
  FwPlotModel *plot;
  GtkFileChooser *chooser;
  FwWindow *win;
  gint64 until;

  /* captions only: train.py reads no image, so needs nothing but torch */
  for (int i = 0; i < 200; i++)
    g_string_append_printf (csv, ",word%d %s,%s\n", i % 13, i % 2 ? "odd" : "even", i % 2 ? "b" : "a");
  g_assert_true (g_file_set_contents (manifest, csv->str, -1, NULL));
  g_string_free (csv, TRUE);
  {
    g_autofree char *root = runs_root ();
    fw_test_remove_tree (root);
  }
  win = new_window (manifest);
  plot = fw_window_get_plot_model (win);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);

  g_action_group_activate_action (G_ACTION_GROUP (win), "export-model", NULL);
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!(chooser = find_chooser ()) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (chooser);
  /* picked in the Format drop-down, as a user does (GTK 4.8's set_choice
   * does not reach the fallback dialog's drop-down) */
  g_assert_cmpstr (fw_export_format_label (FW_EXPORT_TORCH), ==, "PyTorch training folder");
  g_assert_true (pick_in_drop_down (GTK_WIDGET (chooser), fw_export_format_label (FW_EXPORT_TORCH)));
  g_assert_cmpstr (gtk_file_chooser_get_choice (chooser, "format"), ==,
                   fw_export_format_label (FW_EXPORT_TORCH));
  gtk_file_chooser_set_current_name (chooser, folder);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (find_chooser () && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *file = g_build_filename (folder, files[i], NULL);
      g_autofree char *res = g_strconcat ("/org/fusionworkbench/torch/", files[i], NULL);
      g_autoptr(GBytes) want = g_resource_lookup_data (fw_torch_get_resource (), res, 0, NULL);
      g_autofree char *got = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (file, &got, &len, NULL));
      g_assert_cmpuint (len, >, 0);
      if (want)   /* the scripts are export --torch's, byte for byte */
        g_assert_cmpmem (got, len, g_bytes_get_data (want, NULL), g_bytes_get_size (want));
    }

  {
    g_autofree char *script = g_build_filename (folder, "train.py", NULL);
    const char *check[] = { "/usr/bin/python3", "-c", "import torch", NULL };
    const char *train[] = { "/usr/bin/python3", script, manifest, "--epochs", "1", "--workers", "0",
                            "--out", out, NULL };
    g_autofree char *stdout_text = NULL, *stderr_text = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_auto(GStrv) lines = NULL;
    int status = 1;
    double printed;
    FwRun *opened;

    if (!g_spawn_sync (NULL, (char **) check, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) || status != 0)
      {
        g_test_skip ("python3-torch is not installed");
        goto done;
      }
    g_assert_true (g_spawn_sync (NULL, (char **) train, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &stdout_text, &stderr_text, &status, NULL));
    if (status != 0)
      g_printerr ("%s%s", stdout_text, stderr_text);
    g_assert_cmpint (status, ==, 0);
    lines = g_strsplit (g_strstrip (stdout_text), "\n", -1);
    g_assert_true (json_parser_load_from_data (parser, lines[g_strv_length (lines) - 1], -1, NULL));
    printed = json_object_get_double_member (json_node_get_object (json_parser_get_root (parser)),
                                             "test_accuracy");

    fw_window_open_model (win, out);
    fw_test_wait_idle (win);
    g_assert_null (fw_window_get_error (win));
    g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
    opened = fw_plot_model_get_run (plot, 1);
    g_assert_cmpstr (fw_run_get_source (opened), ==, out);
    g_assert_cmpfloat_with_epsilon (fw_run_get_test_accuracy (opened), printed, 1e-6);
    /* and its row in the run list says so */
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (fw_window_get_runs_list (win), 1);
      g_autofree char *status_text = g_strdup_printf ("test %.3f", printed);
      GString *texts = g_string_new (NULL);
      g_assert_nonnull (row);
      collect_labels (GTK_WIDGET (row), texts);
      g_assert_nonnull (strstr (texts->str, status_text));
      g_string_free (texts, TRUE);
    }
  }
done:
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  int status;

  data_home = fw_test_init (&argc, &argv);

  g_test_add_func ("/ui/models/autosave", test_autosave);
  g_test_add_func ("/ui/models/interrupted", test_interrupted);
  g_test_add_func ("/ui/models/close-while-training", test_close_while_training);
  g_test_add_func ("/ui/models/save-and-open", test_save_and_open);
  g_test_add_func ("/ui/models/open-corrupt", test_open_corrupt);
  g_test_add_func ("/ui/models/latin1-names", test_latin1_names);
  g_test_add_func ("/ui/models/open-seen-rows", test_open_seen_rows);
  g_test_add_func ("/ui/models/export", test_export);
  g_test_add_func ("/ui/models/export-dialog", test_export_dialog);
  g_test_add_func ("/ui/models/torch-training-folder", test_torch_training_folder);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
