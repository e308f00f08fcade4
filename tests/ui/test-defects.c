/* test-defects.c — the window defects found in class, each pinned by a
 * test: Pause says "Paused", a stopped run is not "finished", no "epoch 6
 * of 5", run time and time left during the first epoch, the comparison
 * names its winner, one mnemonic per key, Quit asks during training, and
 * runs have unique, renamable names kept with the run. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fw-run-row.h"
#include "fw-run-store.h"
#include "fw-run-summary.h"
#include "fw-test-util.h"
#include "fw-window-private.h"

static gboolean
has_steps (gpointer data)
{
  guint n;

  fw_run_get_steps (data, &n);
  return n >= 3;
}

static void
set_epochs (FwWindow *win, int epochs)
{
  FwConfig config = *fw_model_panel_get_config (fw_window_get_model_panel (win));

  config.epochs = epochs;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
}

static void
test_pause_and_stop_status (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwRun *run;

  set_epochs (win, 300);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_assert_true (fw_test_wait_for (has_steps, run, FW_TEST_TIMEOUT_SECONDS));
  g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (TRUE));
  /* the steps already queued arrive after the pause: it must still say so */
  fw_test_iterate_for (500);
  g_assert_nonnull (strstr (fw_window_get_status (win), "Paused"));
  g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (FALSE));
  fw_test_iterate_for (200);
  g_assert_null (strstr (fw_window_get_status (win), "Paused"));

  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  fw_test_wait_idle (win);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_STOPPED);
  g_assert_nonnull (strstr (fw_window_get_status (win), "stopped after"));
  g_assert_null (strstr (fw_window_get_status (win), "finished"));
  gtk_window_destroy (GTK_WINDOW (win));
}

static FwRun *
hand_run (int epochs, int done)
{
  FwConfig config;
  GdkRGBA color = { 0.2, 0.4, 0.8, 1 };
  FwRun *run;

  fw_config_init (&config);
  config.epochs = epochs;
  run = fw_run_new (&config, "shapes", &color);
  fw_run_set_state (run, FW_RUN_RUNNING);
  for (int e = 1; e <= done; e++)
    {
      FwEpochPoint p = { e, e * 10, 0.5, 0.5, 0.8, 0.8, 0, NAN, NAN, NAN };
      fw_run_add_epoch (run, &p);
    }
  return run;
}

static void
test_run_row_epochs (void)
{
  g_autoptr(FwRun) middle = hand_run (5, 2);
  g_autoptr(FwRun) last = hand_run (5, 5);
  GtkWidget *row_middle = g_object_ref_sink (fw_run_row_new (middle));
  GtkWidget *row_last = g_object_ref_sink (fw_run_row_new (last));

  g_assert_cmpstr (fw_run_row_get_status (FW_RUN_ROW (row_middle)), ==, "epoch 3 of 5");
  /* five epochs done, the test split is being scored: not "epoch 6 of 5" */
  g_assert_cmpstr (fw_run_row_get_status (FW_RUN_ROW (row_last)), ==, "testing");
  g_object_unref (row_middle);
  g_object_unref (row_last);
}

static void
test_time_during_first_epoch (void)
{
  g_autoptr(FwRun) run = hand_run (4, 0);
  GtkWidget *row = g_object_ref_sink (fw_run_row_new (run));
  g_autofree char *progress = NULL;

  g_usleep (300 * 1000);
  fw_run_progress (run);
  /* the trainer's seconds come with the first epoch; the wall clock runs now */
  g_assert_cmpfloat (fw_run_get_seconds (run), >=, 0.25);
  g_assert_cmpstr (fw_run_row_get_time (FW_RUN_ROW (row)), !=, "0.0 s");
  progress = fw_run_describe_progress (run, 10, 25, 1, 0.7);
  g_assert_nonnull (strstr (progress, "left"));
  /* paused: the clock stops */
  fw_run_set_state (run, FW_RUN_PAUSED);
  {
    double at_pause = fw_run_get_elapsed (run);
    g_usleep (200 * 1000);
    g_assert_cmpfloat (fw_run_get_elapsed (run), ==, at_pause);
  }
  g_object_unref (row);
}

static void
test_compare_names_winner (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  GListModel *runs = fw_window_get_compare_runs (win);
  FwRun *best = NULL;

  set_epochs (win, 1);
  g_action_group_activate_action (G_ACTION_GROUP (win), "compare", NULL);
  fw_test_wait_idle (win);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      FwRun *run = g_list_model_get_item (runs, i);
      if (!best || fw_run_get_test_accuracy (run) > fw_run_get_test_accuracy (best))
        best = run;
      g_object_unref (run);
    }
  g_assert_true (g_str_has_prefix (fw_window_get_status (win), "Comparison: "));
  g_assert_nonnull (strstr (fw_window_get_status (win), fw_run_get_description (best)));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_compare_summary_lines (void)
{
  g_autoptr(GListStore) store = g_list_store_new (FW_TYPE_RUN);
  double acc[] = { 0.61, 0.97, 0.97, 0.40 };
  g_autofree char *tie = NULL, *win = NULL;

  g_assert_null (fw_compare_summary (G_LIST_MODEL (store)));
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(FwRun) run = hand_run (1, 1);
      fw_run_set_number (run, i + 1);
      fw_run_finish (run, acc[i], 0.1, 1, FALSE);
      g_list_store_append (store, run);
    }
  tie = fw_compare_summary (G_LIST_MODEL (store));
  g_assert_nonnull (strstr (tie, "tie at 0.970"));
  g_list_store_remove (store, 2);
  win = fw_compare_summary (G_LIST_MODEL (store));
  g_assert_nonnull (strstr (win, "#2 intermediate·concat wins with 0.970"));
  g_assert_nonnull (strstr (win, "ahead of #1 intermediate·concat (0.610)"));
}

/* Alt+C was both "Compare fusion types" and "Per class". */
static void
test_unique_mnemonics (void)
{
  FwWindow *win = fw_test_window_with_data (NULL);
  g_autoptr(GPtrArray) widgets = NULL;

  fw_test_iterate_for (300);   /* mapped */
  widgets = fw_test_collect_widgets (GTK_WIDGET (win));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *w = widgets->pdata[i];
      guint key;
      const char *other;

      /* GTK activates mnemonics of what is on screen */
      if (!GTK_IS_LABEL (w) || !gtk_widget_get_mapped (w) || !gtk_label_get_use_underline (GTK_LABEL (w)) ||
          !strchr (gtk_label_get_label (GTK_LABEL (w)), '_') ||
          (key = gtk_label_get_mnemonic_keyval (GTK_LABEL (w))) == GDK_KEY_VoidSymbol)
        continue;
      key = gdk_keyval_to_lower (key);
      other = g_hash_table_lookup (seen, GUINT_TO_POINTER (key));
      if (other)
        g_error ("Alt+%s opens both \"%s\" and \"%s\"", gdk_keyval_name (key), other,
                 gtk_label_get_label (GTK_LABEL (w)));
      g_hash_table_insert (seen, GUINT_TO_POINTER (key), (gpointer) gtk_label_get_label (GTK_LABEL (w)));
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 4);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
on_quit_confirmed (FwWindow *win, gpointer data)
{
  (*(int *) data)++;
}

static void
test_quit_asks_while_training (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  int confirmed = 0;
  FwRun *run;
  GtkWindow *dialog;

  g_assert_true (fw_window_confirm_quit (win, on_quit_confirmed, &confirmed));
  set_epochs (win, 300);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_assert_false (fw_window_confirm_quit (win, on_quit_confirmed, &confirmed));
  dialog = fw_window_get_quit_dialog (win);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (win));
  /* keep training */
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_null (fw_window_get_quit_dialog (win));
  g_assert_cmpint (confirmed, ==, 0);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_RUNNING);
  /* asked again: stop and quit */
  g_assert_false (fw_window_confirm_quit (win, on_quit_confirmed, &confirmed));
  gtk_dialog_response (GTK_DIALOG (fw_window_get_quit_dialog (win)), GTK_RESPONSE_ACCEPT);
  g_assert_cmpint (confirmed, ==, 1);
  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  fw_test_wait_idle (win);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The selected run's settings go back into the Model panel. */
static void
test_use_run_settings (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwModelPanel *panel = fw_window_get_model_panel (win);
  FwConfig config = *fw_model_panel_get_config (panel);
  FwRun *run;
  g_autofree char *settings = NULL;

  config.epochs = 1;
  config.fusion = FW_FUSION_LATE;
  config.lr = 0.004;
  fw_model_panel_set_config (panel, &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  settings = fw_run_describe_settings (run);
  g_assert_nonnull (strstr (settings, "fusion late"));
  g_assert_nonnull (strstr (settings, "lr 0.004"));

  config.fusion = FW_FUSION_EARLY;
  config.lr = 0.02;
  fw_model_panel_set_config (panel, &config);
  fw_window_select_run (win, run);
  g_action_group_activate_action (G_ACTION_GROUP (win), "use-run-settings", NULL);
  g_assert_cmpint (fw_model_panel_get_config (panel)->fusion, ==, FW_FUSION_LATE);
  g_assert_cmpfloat_with_epsilon (fw_model_panel_get_config (panel)->lr, 0.004, 1e-12);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_run_names (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_autofree char *first = NULL;
  FwRun *a, *b;

  set_epochs (win, 1);
  for (int i = 0; i < 2; i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
      fw_test_wait_idle (win);
    }
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  a = fw_plot_model_get_run (plot, 0);
  b = fw_plot_model_get_run (plot, 1);
  /* the same options, told apart */
  g_assert_cmpstr (fw_run_get_summary (a), ==, fw_run_get_summary (b));
  g_assert_cmpstr (fw_run_get_description (a), !=, fw_run_get_description (b));
  g_assert_true (g_str_has_prefix (fw_run_get_description (a), "#1 "));
  g_assert_true (g_str_has_prefix (fw_run_get_description (b), "#2 "));

  fw_window_rename_run (win, b, "  lr 0.01 try  ");
  g_assert_cmpstr (fw_run_get_description (b), ==, "lr 0.01 try");
  fw_run_store_flush (fw_window_get_run_store (win));
  first = g_strdup (fw_run_get_description (a));
  gtk_window_destroy (GTK_WINDOW (win));

  /* a new window reads both back, names and numbers kept */
  win = fw_window_new (NULL);
  plot = fw_window_get_plot_model (win);
  fw_test_wait_idle (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  g_assert_cmpstr (fw_run_get_description (fw_plot_model_get_run (plot, 0)), ==, first);
  g_assert_cmpstr (fw_run_get_description (fw_plot_model_get_run (plot, 1)), ==, "lr 0.01 try");
  fw_run_set_name (fw_plot_model_get_run (plot, 1), "");
  g_assert_true (g_str_has_prefix (fw_run_get_description (fw_plot_model_get_run (plot, 1)), "#2 "));
  gtk_window_destroy (GTK_WINDOW (win));
}

static gboolean
folder_gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Delete Run and Clear Runs agree: both take runs off the list and the
 * disk, and both can be undone until the chance passes. */
static void
test_delete_and_clear_undo (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_autofree char *dir_a = NULL, *dir_b = NULL;
  FwRun *a, *b;

  set_epochs (win, 1);
  for (int i = 0; i < 2; i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
      fw_test_wait_idle (win);
    }
  fw_run_store_flush (fw_window_get_run_store (win));
  a = fw_plot_model_get_run (plot, 0);
  b = fw_plot_model_get_run (plot, 1);
  dir_a = g_strdup (fw_run_get_dir (a));
  dir_b = g_strdup (fw_run_get_dir (b));
  g_assert_true (g_file_test (dir_a, G_FILE_TEST_IS_DIR));

  /* delete + undo: the run is back in its place, its folder never left */
  fw_window_select_run (win, a);
  g_action_group_activate_action (G_ACTION_GROUP (win), "delete-run", NULL);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  g_assert_true (fw_plot_model_get_run (plot, 0) == b);
  g_assert_true (g_file_test (dir_a, G_FILE_TEST_IS_DIR));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "undo-remove"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "undo-remove", NULL);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  g_assert_true (fw_plot_model_get_run (plot, 0) == a);
  g_assert_true (fw_plot_model_get_run (plot, 1) == b);
  fw_test_iterate_for (100);
  g_assert_true (g_file_test (dir_a, G_FILE_TEST_IS_DIR));

  /* clear + undo: every run comes back, in order */
  g_action_group_activate_action (G_ACTION_GROUP (win), "clear-runs", NULL);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 0);
  g_assert_true (g_file_test (dir_a, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (dir_b, G_FILE_TEST_IS_DIR));
  g_action_group_activate_action (G_ACTION_GROUP (win), "undo-remove", NULL);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  g_assert_true (fw_plot_model_get_run (plot, 0) == a);
  g_assert_true (fw_plot_model_get_run (plot, 1) == b);

  /* delete + the chance passing: the folder goes, the other stays */
  fw_window_removal_set_undo_ms (win, 100);
  fw_window_select_run (win, a);
  g_action_group_activate_action (G_ACTION_GROUP (win), "delete-run", NULL);
  g_assert_true (fw_test_wait_for (folder_gone, dir_a, FW_TEST_TIMEOUT_SECONDS));
  g_assert_false (fw_window_removal_is_pending (win));
  g_assert_false (fw_window_undo_remove (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  g_assert_true (g_file_test (dir_b, G_FILE_TEST_IS_DIR));

  /* clear, then the window closes within the chance: the folders go */
  fw_window_removal_set_undo_ms (win, 60000);
  g_action_group_activate_action (G_ACTION_GROUP (win), "clear-runs", NULL);
  g_assert_true (g_file_test (dir_b, G_FILE_TEST_IS_DIR));
  gtk_window_destroy (GTK_WINDOW (win));
  g_assert_false (g_file_test (dir_b, G_FILE_TEST_EXISTS));
}

/* A run of another dataset is marked in the list, and the Contributions
 * view says in full why it cannot explain it and what to do. */
static void
test_runs_of_other_dataset (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwContribView *view = fw_window_get_contrib_view (win);
  GtkListBoxRow *row;
  FwRunRow *run_row;
  FwRun *run;
  const char *text;

  set_epochs (win, 1);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  run = fw_plot_model_get_run (plot, 0);
  row = gtk_list_box_get_row_at_index (fw_window_get_runs_list (win), 0);
  run_row = FW_RUN_ROW (gtk_list_box_row_get_child (row));
  g_assert_false (fw_run_row_is_foreign (run_row));
  g_assert_null (strstr (fw_run_row_get_status (run_row), "other dataset"));

  fw_window_load_dataset (win, "builtin:shapes-complementary");
  fw_test_wait_idle (win);
  g_assert_true (fw_run_row_is_foreign (run_row));
  g_assert_nonnull (strstr (fw_run_row_get_status (run_row), "other dataset: shapes (built-in)"));
  fw_window_select_run (win, run);
  fw_test_wait_idle (win);
  text = fw_contrib_view_get_run_text (view);
  g_assert_nonnull (strstr (text, fw_run_get_description (run)));
  {
    g_autofree char *way_out = g_strdup_printf ("open %s to explain it", fw_run_get_dataset_name (run));
    g_assert_nonnull (strstr (text, way_out));
    g_assert_nonnull (strstr (text, "shapes-complementary"));
  }
  /* the whole sentence is on screen, not cut off */
  {
    GtkWidget *label = NULL;
    g_autoptr(GPtrArray) all = fw_test_collect_widgets (GTK_WIDGET (view));
    for (guint i = 0; i < all->len; i++)
      if (GTK_IS_LABEL (all->pdata[i]) && g_strcmp0 (gtk_label_get_text (all->pdata[i]), text) == 0)
        label = all->pdata[i];
    g_assert_nonnull (label);
    g_assert_cmpint (gtk_label_get_ellipsize (GTK_LABEL (label)), ==, PANGO_ELLIPSIZE_NONE);
    g_assert_true (gtk_label_get_wrap (GTK_LABEL (label)));
  }

  /* back on its own dataset, the mark goes */
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  g_assert_false (fw_run_row_is_foreign (run_row));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The Sample panel names the run whose model predicts, and follows the
 * selection and renames. */
static void
test_sample_names_its_run (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwSampleView *sample = fw_window_get_sample_view (win);
  FwRun *a, *b;
  g_autofree char *want_a = NULL, *want_b = NULL;

  g_assert_null (strstr (fw_sample_view_get_run_text (sample), "#"));
  set_epochs (win, 1);
  for (int i = 0; i < 2; i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
      fw_test_wait_idle (win);
    }
  a = fw_plot_model_get_run (plot, 0);
  b = fw_plot_model_get_run (plot, 1);
  fw_window_select_run (win, a);
  fw_test_iterate_for (100);
  want_a = g_strdup_printf ("Model: %s", fw_run_get_description (a));
  g_assert_cmpstr (fw_sample_view_get_run_text (sample), ==, want_a);
  fw_window_select_run (win, b);
  fw_test_iterate_for (100);
  want_b = g_strdup_printf ("Model: %s", fw_run_get_description (b));
  g_assert_cmpstr (fw_sample_view_get_run_text (sample), ==, want_b);
  fw_window_rename_run (win, b, "my try");
  g_assert_cmpstr (fw_sample_view_get_run_text (sample), ==, "Model: my try");
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A manifest with a bad row: the banner offers Load the Rest (the window
 * has no --skip-bad-rows), which loads the others and lists what it left. */
static void
test_load_the_rest (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-bad-rows-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pets.csv", NULL);
  g_autoptr(GString) csv = g_string_new ("image,text,label\n");
  FwWindow *win;

  for (int i = 0; i < 40; i++)
    g_string_append_printf (csv, ",%s number %d,%s\n", i % 2 ? "cat" : "dog", i, i % 2 ? "cat" : "dog");
  g_string_append (csv, ",a row,with,too many fields\n");
  g_assert_true (g_file_set_contents (path, csv->str, -1, NULL));

  win = fw_test_window_with_data (path);
  g_assert_null (fw_window_get_dataset (win));
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_null (strstr (fw_window_get_error (win), "--skip-bad-rows"));
  g_test_message ("banner: %s", fw_window_get_error (win));
  g_action_group_activate_action (G_ACTION_GROUP (win), "load-rest", NULL);
  fw_test_wait_idle (win);
  g_assert_nonnull (fw_window_get_dataset (win));
  g_assert_cmpint (fw_window_get_dataset (win)->n, ==, 40);
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "skipped 1 bad row"));
  g_assert_nonnull (strstr (fw_window_get_error (win), "row 41"));
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  int status;

  g_test_add_func ("/ui/defects/pause-and-stop-status", test_pause_and_stop_status);
  g_test_add_func ("/ui/defects/run-row-epochs", test_run_row_epochs);
  g_test_add_func ("/ui/defects/time-during-first-epoch", test_time_during_first_epoch);
  g_test_add_func ("/ui/defects/compare-names-winner", test_compare_names_winner);
  g_test_add_func ("/ui/defects/compare-summary-lines", test_compare_summary_lines);
  g_test_add_func ("/ui/defects/unique-mnemonics", test_unique_mnemonics);
  g_test_add_func ("/ui/defects/quit-asks-while-training", test_quit_asks_while_training);
  g_test_add_func ("/ui/defects/run-names", test_run_names);
  g_test_add_func ("/ui/defects/use-run-settings", test_use_run_settings);
  g_test_add_func ("/ui/defects/load-the-rest", test_load_the_rest);
  g_test_add_func ("/ui/defects/sample-names-its-run", test_sample_names_its_run);
  g_test_add_func ("/ui/defects/delete-and-clear-undo", test_delete_and_clear_undo);
  g_test_add_func ("/ui/defects/runs-of-other-dataset", test_runs_of_other_dataset);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  return status;
}
