/* test-window.c — the real main window under a real display (Xvfb in CI):
 * load a built-in dataset, pick a fusion type, train through win.train to
 * the end, and check the plot model, the run list, the exports, the error
 * banner and the five-row fusion comparison.  Epochs and widths are tiny so
 * the suite stays fast. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fw-run.h"
#include "fw-test-util.h"

static void
test_train (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  const FwDataset *ds = fw_window_get_dataset (win);
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwRun *run;
  guint n_steps, n_epochs;
  const FwStepPoint *steps;
  const FwEpochPoint *epochs;
  int train_n, steps_per_epoch;
  g_autofree char *dir = g_dir_make_tmp ("fw-ui-XXXXXX", NULL);
  const char *exts[] = { "png", "svg", "pdf" };

  g_assert_nonnull (ds);
  g_assert_null (fw_window_get_error (win));
  g_assert_cmpint (ds->n, >, 0);

  fw_model_panel_set_fusion (fw_window_get_model_panel (win), FW_FUSION_LATE);
  g_assert_cmpint (fw_model_panel_get_config (fw_window_get_model_panel (win))->fusion, ==, FW_FUSION_LATE);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  g_assert_true (fw_window_is_busy (win));
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));

  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);

  /* the diagram counts each block's parameters on the open data: together
   * they are the trained late-fusion model's */
  {
    FwFusionDiagram *diagram = fw_model_panel_get_diagram (fw_window_get_model_panel (win));
    const char *blocks[] = { "image_encoder", "text_encoder", "image_head", "text_head", "late" };
    gsize sum = 0;
    for (guint b = 0; b < G_N_ELEMENTS (blocks); b++)
      sum += fw_fusion_diagram_get_block_params (diagram, blocks[b]);
    g_assert_cmpuint (fw_fusion_diagram_get_block_params (diagram, "image_encoder"), >, 0);
    g_assert_cmpuint (fw_fusion_diagram_get_block_params (diagram, "head"), ==, 0);
    g_assert_cmpuint (sum, ==, fw_run_get_n_params (fw_plot_model_get_run (plot, 0)));
  }
  run = fw_plot_model_get_run (plot, 0);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
  g_assert_cmpint (fw_run_get_config (run)->fusion, ==, FW_FUSION_LATE);
  g_assert_cmpstr (fw_run_get_summary (run), ==, "late·mean");
  g_assert_cmpstr (fw_run_get_description (run), ==, "#1 late·mean");

  /* one point per mini-batch and one per epoch, in order */
  train_n = fw_dataset_split_count (ds, FW_SPLIT_TRAIN);
  steps_per_epoch = (train_n + 63) / 64;
  steps = fw_run_get_steps (run, &n_steps);
  epochs = fw_run_get_epochs (run, &n_epochs);
  g_assert_cmpint (fw_run_get_steps_per_epoch (run), ==, steps_per_epoch);
  g_assert_cmpuint (n_steps, ==, 2 * steps_per_epoch);
  g_assert_cmpuint (n_epochs, ==, 2);
  for (guint i = 0; i < n_steps; i++)
    {
      g_assert_cmpint (steps[i].step, ==, (int) i + 1);
      g_assert_true (isfinite (steps[i].loss));
    }
  for (guint i = 0; i < n_epochs; i++)
    {
      g_assert_cmpint (epochs[i].epoch, ==, (int) i + 1);
      g_assert_cmpint (epochs[i].step, ==, (int) (i + 1) * steps_per_epoch);
      g_assert_true (epochs[i].train_accuracy >= 0 && epochs[i].train_accuracy <= 1);
    }
  g_assert_true (fw_run_get_test_accuracy (run) >= 0 && fw_run_get_test_accuracy (run) <= 1);
  g_assert_cmpuint (fw_run_get_n_params (run), >, 0);

  /* exports of what is shown */
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      g_autofree char *name = g_strdup_printf ("loss.%s", exts[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      GStatBuf st;

      g_assert_true (fw_window_export_plot (win, FW_PLOT_LOSS, path, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 500);
      g_remove (path);
    }
  {
    g_autofree char *path = g_build_filename (dir, "metrics.csv", NULL);
    g_autofree char *csv = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (fw_window_export_metrics (win, path, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
    lines = g_strsplit (csv, "\n", -1);
    g_assert_cmpstr (lines[0], ==, "epoch,train_loss,val_loss,train_accuracy,val_accuracy,seconds");
    g_assert_true (g_str_has_prefix (lines[1], "1,"));
    g_assert_true (g_str_has_prefix (lines[2], "2,"));
    g_assert_cmpstr (lines[3], ==, "");
    g_remove (path);
  }
  g_rmdir (dir);

  /* hiding a run keeps it in the list */
  fw_run_set_visible (run, FALSE);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 1);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_compare (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  GListModel *rows = fw_window_get_compare_runs (win);
  static const FwFusion expected[] = {
    FW_FUSION_EARLY, FW_FUSION_INTERMEDIATE, FW_FUSION_LATE, FW_FUSION_IMAGE, FW_FUSION_TEXT,
  };
  FwConfig config = *fw_model_panel_get_config (fw_window_get_model_panel (win));

  config.epochs = 1;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "compare", NULL);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));

  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5);
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(FwRun) run = g_list_model_get_item (rows, i);
      guint n_epochs;

      g_assert_cmpint (fw_run_get_config (run)->fusion, ==, expected[i]);
      g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
      g_assert_true (isfinite (fw_run_get_test_accuracy (run)));
      g_assert_true (isfinite (fw_run_get_final_val_loss (run)));
      g_assert_cmpuint (fw_run_get_n_params (run), >, 0);
      g_assert_cmpfloat (fw_run_get_seconds (run), >, 0);
      /* the table's cost columns: FLOPs from the architecture, measured inference */
      g_assert_cmpfloat (fw_run_get_flops_per_sample (run), >, 2.0 * fw_run_get_n_params (run) / 4);
      g_assert_cmpfloat (fw_run_get_inference_ms (run), >, 0);
      fw_run_get_epochs (run, &n_epochs);
      g_assert_cmpuint (n_epochs, ==, 1);
      /* same data and seed for every row */
      g_assert_cmpuint (fw_run_get_config (run)->seed, ==, config.seed);
    }
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_load_error (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:no-such-dataset");

  g_assert_null (fw_window_get_dataset (win));
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_stop (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwConfig config = *fw_model_panel_get_config (fw_window_get_model_panel (win));
  FwRun *run;

  config.epochs = 200;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "stop"));
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);

  /* pause: no new steps arrive while paused, then they resume */
  {
    guint before, after;
    gint64 until;

    fw_test_iterate_for (200);
    g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (TRUE));
    g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_PAUSED);
    fw_test_iterate_for (300);   /* the batch in flight and its events land */
    fw_run_get_steps (run, &before);
    fw_test_iterate_for (400);
    fw_run_get_steps (run, &after);
    g_assert_cmpuint (after, ==, before);
    g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (FALSE));
    g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_RUNNING);
    until = g_get_monotonic_time () + FW_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;
    while (after == before && g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, TRUE);
        fw_run_get_steps (run, &after);
      }
    g_assert_cmpuint (after, >, before);
  }
  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  fw_test_wait_idle (win);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_STOPPED);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A diverging run (a learning rate far past the slider's range) ends with
 * a FAILED event: the window shows the core's message, marks the run
 * failed, and is ready to train again. */
static void
test_training_failure (void)
{
  FwWindow *win = fw_test_window_with_data ("builtin:shapes");
  FwConfig config = *fw_model_panel_get_config (fw_window_get_model_panel (win));
  FwRun *run;

  config.lr = 1e30;
  config.epochs = 3;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 1);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FAILED);
  g_assert_nonnull (fw_run_get_message (run));
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), fw_run_get_message (run)));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Options edited in one window come back in the next (GSettings, memory
 * backend in tests). */
static void
test_settings (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwModelPanel *panel = fw_window_get_model_panel (win);
  FwConfig config = *fw_model_panel_get_config (panel);
  const FwConfig *restored;

  config.fusion = FW_FUSION_TEXT;
  config.hidden = 48;
  config.lr = 0.003;
  fw_model_panel_set_config (panel, &config);
  gtk_window_destroy (GTK_WINDOW (win));

  win = fw_window_new (NULL);
  restored = fw_model_panel_get_config (fw_window_get_model_panel (win));
  g_assert_cmpint (restored->fusion, ==, FW_FUSION_TEXT);
  g_assert_cmpint (restored->hidden, ==, 48);
  g_assert_cmpfloat_with_epsilon (restored->lr, 0.003, 1e-9);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* win.show-shortcuts opens the shortcuts window built from its .ui. */
static void
test_shortcuts_window (void)
{
  FwWindow *win = fw_window_new (NULL);
  GListModel *toplevels = gtk_window_get_toplevels ();
  gboolean found = FALSE;

  gtk_window_present (GTK_WINDOW (win));
  g_action_group_activate_action (G_ACTION_GROUP (win), "show-shortcuts", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_SHORTCUTS_WINDOW (w))
        {
          found = TRUE;
          g_assert_true (gtk_window_get_transient_for (w) == GTK_WINDOW (win));
          gtk_window_destroy (w);
          break;
        }
    }
  g_assert_true (found);
  gtk_window_destroy (GTK_WINDOW (win));
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);
      if (found)
        return found;
    }
  return NULL;
}

/* The model panel offers the Transformer text encoder with its Layers and
 * Heads spin buttons, which only count (and are sensitive) with it; each
 * has the option table's tooltip and the diagram counts its blocks. */
static void
test_transformer_options (void)
{
  GtkWidget *panel = g_object_ref_sink (fw_model_panel_new ());
  FwModelPanel *mp = FW_MODEL_PANEL (panel);
  GtkWidget *text = find_named (panel, "text-encoder");
  GtkWidget *layers = find_named (panel, "layers");
  GtkWidget *heads = find_named (panel, "heads");
  FwFusionDiagram *diagram = fw_model_panel_get_diagram (mp);
  int n = 0;
  const FwOptionInfo *infos = fw_config_options (&n);

  g_assert_nonnull (text);
  g_assert_true (GTK_IS_SPIN_BUTTON (layers));
  g_assert_true (GTK_IS_SPIN_BUTTON (heads));
  for (int i = 0; i < n; i++)
    if (g_str_equal (infos[i].name, "heads"))
      g_assert_cmpstr (gtk_widget_get_tooltip_text (heads), ==, _(infos[i].help));
  fw_model_panel_set_data (mp, 20, 3);
  g_assert_false (gtk_widget_get_sensitive (layers));

  GListModel *labels = gtk_drop_down_get_model (GTK_DROP_DOWN (text));
  guint transformer = G_MAXUINT;
  for (guint i = 0; i < g_list_model_get_n_items (labels); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (labels), i), _("Transformer")))
      transformer = i;
  g_assert_cmpuint (transformer, !=, G_MAXUINT);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (text), transformer);
  g_assert_cmpint (fw_model_panel_get_config (mp)->text_encoder, ==, FW_TEXT_TRANSFORMER);
  g_assert_true (gtk_widget_get_sensitive (layers));
  g_assert_true (gtk_widget_get_sensitive (heads));
  gsize two = fw_fusion_diagram_get_block_params (diagram, "text_encoder");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (layers), 3);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (heads), 8);
  g_assert_cmpint (fw_model_panel_get_config (mp)->layers, ==, 3);
  g_assert_cmpint (fw_model_panel_get_config (mp)->heads, ==, 8);
  /* one more block: two LayerNorms, attention and feed-forward of 64 wide */
  g_assert_cmpuint (fw_fusion_diagram_get_block_params (diagram, "text_encoder") - two, ==,
                    4 * 64 + (3 * 64 * 64 + 3 * 64) + (64 * 64 + 64) + (64 * 256 + 256) + (256 * 64 + 64));

  fw_model_panel_set_fusion (mp, FW_FUSION_IMAGE);
  g_assert_false (gtk_widget_get_sensitive (layers));
  g_object_unref (panel);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  int status;

  g_test_add_func ("/ui/window/load-error", test_load_error);
  g_test_add_func ("/ui/window/train", test_train);
  g_test_add_func ("/ui/window/pause-and-stop", test_stop);
  g_test_add_func ("/ui/window/compare", test_compare);
  g_test_add_func ("/ui/window/training-failure", test_training_failure);
  g_test_add_func ("/ui/window/settings", test_settings);
  g_test_add_func ("/ui/window/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/ui/window/transformer-options", test_transformer_options);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  return status;
}
