/* test-tuning.c — tuning in the real window (Xvfb in CI): a sweep queued
 * from the Sweep and Runs window trains every combination and fills the
 * runs table; sorting, the search filter and brushing the
 * parallel-coordinates chart filter the rows; the diff of two runs;
 * Continue training adds epochs to the same run (its numbers those of a
 * run that never stopped); Duplicate settings; a new window shows the runs
 * and the table again.  XDG_DATA_HOME is a temporary folder. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fw-trainer.h"
#include "fw-test-util.h"
#include "fw-window-private.h"

static char *data_home;

static FwWindow *
new_window (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwConfig config;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 1;
  config.hidden = 16;
  config.head_hidden = 16;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  return win;
}

static int
column_of (FwRunsTable *table, const char *id)
{
  for (guint c = 0; c < fw_runs_table_get_n_columns (table); c++)
    if (strcmp (fw_runs_table_get_column_id (table, c), id) == 0)
      return (int) c;
  return -1;
}

static void
test_sweep_table_continue (void)
{
  FwWindow *win = new_window ();
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwTuningWindow *tw = fw_window_get_tuning_window (win);
  FwRunsTable *table = fw_tuning_window_get_table (tw);
  FwParallelChart *chart = fw_tuning_window_get_chart (tw);
  g_autoptr (GError) error = NULL;

  gtk_window_present (GTK_WINDOW (tw));
  /* a bad grid queues nothing */
  g_assert_false (fw_tuning_window_queue (tw, "lr=0.01,abc", 0));
  g_assert_false (fw_window_queue_sweep (win, "fusion=early image-encoder=cnn", 0, &error));
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (fw_window_is_busy (win));

  /* the sweep: four runs, one after another, all into the table */
  g_assert_true (fw_tuning_window_queue (tw, "lr=0.003,0.03 fusion=early,late", 0));
  g_assert_true (fw_window_is_busy (win));
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 4);
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      FwRun *run = fw_plot_model_get_run (plot, i);
      g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
      g_assert_true (isfinite (fw_run_get_test_accuracy (run)));
    }
  /* a column for each option that differs, then the metrics */
  g_assert_cmpint (column_of (table, "lr"), >=, 0);
  g_assert_cmpint (column_of (table, "fusion"), >=, 0);
  g_assert_cmpint (column_of (table, "hidden"), <, 0);
  g_assert_cmpint (column_of (table, "test_accuracy"), >=, 0);

  /* sorting by a metric and by an option, both ways */
  int acc = column_of (table, "test_accuracy");
  fw_runs_table_sort_by (table, "test_accuracy", TRUE);
  for (guint i = 1; i < 4; i++)
    g_assert_cmpfloat (fw_runs_table_get_value (table, acc, fw_runs_table_get_row (table, i - 1)), <=,
                       fw_runs_table_get_value (table, acc, fw_runs_table_get_row (table, i)));
  fw_runs_table_sort_by (table, "lr", FALSE);
  g_assert_cmpfloat (fw_run_get_config (fw_runs_table_get_row (table, 0))->lr, ==, 0.03);
  g_assert_cmpfloat (fw_run_get_config (fw_runs_table_get_row (table, 3))->lr, ==, 0.003);

  /* the search */
  fw_runs_table_set_search (table, "fusion=late");
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (fw_run_get_config (fw_runs_table_get_row (table, i))->fusion, ==, FW_FUSION_LATE);
  fw_runs_table_set_search (table, "early lr=0.03");
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 1);
  fw_runs_table_set_search (table, "");
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 4);

  /* brushing the chart's lr axis around 0.03 keeps those two rows */
  while (gtk_widget_get_width (GTK_WIDGET (chart)) <= 0)
    g_main_context_iteration (NULL, TRUE);
  int lr_col = column_of (table, "lr");
  int lr_axis = -1;
  for (guint a = 0; a < fw_parallel_chart_get_n_axes (chart); a++)
    if ((int) fw_parallel_chart_get_axis_column (chart, a) == lr_col)
      lr_axis = (int) a;
  g_assert_cmpint (lr_axis, >=, 0);
  double y = fw_parallel_chart_value_to_y (chart, lr_axis, 0.03);
  fw_parallel_chart_brush (chart, lr_axis, y + 6, y - 6);
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpfloat (fw_run_get_config (fw_runs_table_get_row (table, i))->lr, ==, 0.03);
  /* and the metric axis too: both brushes hold */
  fw_parallel_chart_set_metric (chart, "test_accuracy");
  fw_parallel_chart_brush (chart, lr_axis, y, y + 1);   /* a click clears the lr brush */
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 4);

  /* the diff of two runs that differ in lr only */
  FwRun *a = NULL, *b = NULL;
  for (guint i = 0; i < 4; i++)
    {
      FwRun *run = fw_plot_model_get_run (plot, i);
      if (fw_run_get_config (run)->fusion == FW_FUSION_EARLY)
        {
          if (!a)
            a = run;
          else
            b = run;
        }
    }
  fw_runs_table_select (table, a, FALSE);
  fw_runs_table_select (table, b, TRUE);
  g_assert_nonnull (strstr (fw_tuning_window_get_diff (tw), "lr: "));
  g_assert_null (strstr (fw_tuning_window_get_diff (tw), "fusion"));
  /* selecting rows shows only their curves */
  for (guint i = 0; i < 4; i++)
    {
      FwRun *run = fw_plot_model_get_run (plot, i);
      g_assert_cmpint (fw_run_get_visible (run), ==, run == a || run == b);
    }

  /* Duplicate settings */
  fw_runs_table_select (table, a, FALSE);
  g_signal_emit_by_name (tw, "duplicate-settings", a);
  const FwConfig *panel = fw_model_panel_get_config (fw_window_get_model_panel (win));
  g_assert_cmpfloat (panel->lr, ==, fw_run_get_config (a)->lr);
  g_assert_cmpint (panel->fusion, ==, FW_FUSION_EARLY);

  /* Continue training: the same run, two more epochs, curves continued */
  guint n_steps = 0, n_epochs = 0;
  fw_run_get_steps (a, &n_steps);
  fw_run_get_epochs (a, &n_epochs);
  g_assert_cmpuint (n_epochs, ==, 1);
  g_assert_true (fw_window_continue_run (win, a, 2, &error));
  g_assert_no_error (error);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 4);
  guint n_steps2 = 0, n_epochs2 = 0;
  const FwStepPoint *steps = fw_run_get_steps (a, &n_steps2);
  const FwEpochPoint *epochs = fw_run_get_epochs (a, &n_epochs2);
  g_assert_cmpuint (n_epochs2, ==, 3);
  g_assert_cmpuint (n_steps2, ==, 3 * n_steps);
  for (guint i = 1; i < n_steps2; i++)
    g_assert_cmpint (steps[i].step, ==, steps[i - 1].step + 1);
  g_assert_cmpint (fw_run_get_state (a), ==, FW_RUN_FINISHED);
  g_assert_cmpint (fw_run_get_config (a)->epochs, ==, 3);
  /* exactly the epochs of a run that trained 3 epochs straight */
  FwConfig straight = *fw_run_get_config (a);
  straight.threads = 0;
  g_autoptr (FwTrainer) t = fw_trainer_new (&straight, fw_window_get_dataset (win), &error);
  g_assert_no_error (error);
  fw_trainer_start (t);
  FwEvent e;
  do
    fw_trainer_wait_event (t, &e);
  while (e.kind == FW_EVENT_STEP || e.kind == FW_EVENT_EPOCH);
  fw_trainer_join (t);
  const GArray *h = fw_trainer_get_history (t);
  g_assert_cmpuint (h->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (epochs[i].val_loss, ==, g_array_index (h, FwEpochRecord, i).val_loss);
      g_assert_cmpfloat (epochs[i].train_loss, ==, g_array_index (h, FwEpochRecord, i).train_loss);
    }
  g_assert_cmpfloat (fw_run_get_test_accuracy (a), ==, e.test_accuracy);
  double a_lr = fw_run_get_config (a)->lr;

  /* a new window: the runs and the table come back, the continued run with its epochs */
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_iterate_for (100);
  win = new_window ();
  plot = fw_window_get_plot_model (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 4);
  tw = fw_window_get_tuning_window (win);
  table = fw_tuning_window_get_table (tw);
  g_assert_cmpuint (fw_runs_table_get_n_rows (table), ==, 4);
  g_assert_cmpint (column_of (table, "lr"), >=, 0);
  g_assert_cmpint (column_of (table, "fusion"), >=, 0);
  gboolean found = FALSE;
  for (guint i = 0; i < 4; i++)
    {
      FwRun *run = fw_plot_model_get_run (plot, i);
      guint n = 0;
      fw_run_get_epochs (run, &n);
      if (n == 3)
        {
          found = TRUE;
          g_assert_cmpfloat (fw_run_get_config (run)->lr, ==, a_lr);
          g_assert_cmpint (fw_run_get_config (run)->epochs, ==, 3);
        }
    }
  g_assert_true (found);
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_iterate_for (100);
}

/* a window closed in the middle of a sweep: the next window goes on with
 * the runs still queued */
static void
test_queue_survives_restart (void)
{
  FwWindow *win = new_window ();
  FwPlotModel *plot = fw_window_get_plot_model (win);
  guint before = fw_plot_model_get_n_runs (plot);
  g_autoptr (GError) error = NULL;
  g_autofree char *queue_file = g_build_filename (data_home, "fusion-workbench", "sweep-queue.json", NULL);

  g_assert_true (fw_window_queue_sweep (win, "hidden=8,12,20", 0, &error));
  g_assert_no_error (error);
  g_assert_nonnull (fw_window_get_training_run (win));
  g_assert_cmpuint (fw_window_tuning_n_queued (win), ==, 2);
  g_assert_true (g_file_test (queue_file, G_FILE_TEST_IS_REGULAR));
  gtk_window_destroy (GTK_WINDOW (win));   /* the first run stops and is kept as stopped */
  fw_test_iterate_for (100);

  win = new_window ();   /* loads the dataset, then trains the two queued runs */
  plot = fw_window_get_plot_model (win);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpuint (fw_window_tuning_n_queued (win), ==, 0);
  g_assert_false (g_file_test (queue_file, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, before + 3);
  int hidden_12 = 0, hidden_20 = 0;
  for (guint i = 0; i < fw_plot_model_get_n_runs (plot); i++)
    {
      FwRun *run = fw_plot_model_get_run (plot, i);
      if (fw_run_get_state (run) != FW_RUN_FINISHED)
        continue;
      hidden_12 += fw_run_get_config (run)->hidden == 12;
      hidden_20 += fw_run_get_config (run)->hidden == 20;
    }
  g_assert_cmpint (hidden_12, ==, 1);
  g_assert_cmpint (hidden_20, ==, 1);
  g_assert_cmpuint (fw_runs_table_get_n_rows (fw_tuning_window_get_table (fw_window_get_tuning_window (win))),
                    ==, before + 3);
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_iterate_for (100);

  /* a damaged queue file is set aside with a message */
  g_assert_true (g_file_set_contents (queue_file, "[{\"lr\": \"fast\"}]", -1, NULL));
  win = new_window ();
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "sweep-queue.json"));
  g_assert_cmpuint (fw_window_tuning_n_queued (win), ==, 0);
  gtk_window_destroy (GTK_WINDOW (win));
  fw_test_iterate_for (100);
}

int
main (int argc, char **argv)
{
  int status;

  data_home = fw_test_init (&argc, &argv);
  g_test_add_func ("/ui/tuning/sweep-table-continue", test_sweep_table_continue);
  g_test_add_func ("/ui/tuning/queue-survives-restart", test_queue_survives_restart);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
