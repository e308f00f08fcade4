/* test-run-store.c — the window's saved runs under faults (Xvfb in CI): a
 * hostile run.json (100 KB of "[[[[") is skipped and named while the window
 * starts; stale temporaries of ours are removed at start and the user's
 * files kept; saved models are read only when needed; and a model file that
 * cannot be written (a file-size limit stands in for a full disk) is shown
 * in the banner, the run is marked and keeps its model, which Save Model
 * then writes elsewhere.  XDG_DATA_HOME is a temporary folder. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "fw-file.h"
#include "fw-model-file.h"
#include "fw-run-store.h"
#include "fw-test-util.h"

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
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  if (spec)
    fw_window_load_dataset (win, spec);
  fw_test_wait_idle (win);
  return win;
}

static char *
write_file (const char *dir, const char *name, const char *data, gsize len)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

/* A run folder with a valid run.json of one trained epoch. */
static char *
run_folder (const char *root, const char *id)
{
  char *dir = g_build_filename (root, id, NULL);
  FwConfig config;
  GdkRGBA black = { 0, 0, 0, 1 };
  FwEpochPoint p = { 1, 10, 0.5, 0.5, 0.8, 0.8, 1, NAN, NAN, NAN };

  fw_config_init (&config);
  g_autoptr(FwRun) run = fw_run_new (&config, "shapes", &black);
  fw_run_add_epoch (run, &p);
  fw_run_finish (run, 0.8, 0.5, 1, FALSE);
  g_autofree char *json = fw_run_to_json (run);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_free (write_file (dir, FW_RUN_FILE, json, strlen (json)));
  return dir;
}

static FwRun *
run_in (FwWindow *win, const char *dir)
{
  FwPlotModel *plot = fw_window_get_plot_model (win);

  for (guint i = 0; i < fw_plot_model_get_n_runs (plot); i++)
    if (g_strcmp0 (fw_run_get_dir (fw_plot_model_get_run (plot, i)), dir) == 0)
      return fw_plot_model_get_run (plot, i);
  return NULL;
}

static void
test_hostile_folder (void)
{
  g_autofree char *root = runs_root ();
  g_autofree char *deep = g_strnfill (100 * 1024, '[');
  g_autofree char *bad_run = NULL, *good = NULL, *bad_model = NULL, *latin1 = NULL;

  fw_file_remove_tree (root);
  /* a run.json that crashed json-glib: the window starts and names it */
  bad_run = g_build_filename (root, "20260101-000000", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bad_run, 0700), ==, 0);
  g_free (write_file (bad_run, FW_RUN_FILE, deep, strlen (deep)));
  /* a run folder whose name is not UTF-8 (Latin-1 'é'): named in UTF-8 */
  latin1 = g_build_filename (root, "caf\xe9", NULL);
  g_assert_cmpint (g_mkdir_with_parents (latin1, 0700), ==, 0);
  g_free (write_file (latin1, FW_RUN_FILE, "{", 1));
  /* stale temporaries of ours (both namings) beside the user's own files */
  good = run_folder (root, "20260101-000001");
  const char *stale[] = { ".run.json.fw-tmp-Ab12Cd", ".model.safetensors.fw-tmp-Zz99Yy", "model.safetensors.Q1w2E3" };
  const char *kept[] = { "notes.txt", "model.safetensors.backup" };
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    g_free (write_file (good, stale[i], "x", 1));
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    g_free (write_file (good, kept[i], "x", 1));
  g_free (write_file (root, ".20260101-000009.fw-tmp-AAAAAA", "x", 1));
  g_free (write_file (root, "README", "mine", 4));
  /* a model file that crashed the window when every model was read at start */
  bad_model = run_folder (root, "20260101-000002");
  {
    guint64 le = GUINT64_TO_LE ((guint64) strlen (deep));
    g_autoptr(GByteArray) bytes = g_byte_array_new ();
    g_byte_array_append (bytes, (const guint8 *) &le, 8);
    g_byte_array_append (bytes, (const guint8 *) deep, strlen (deep));
    g_free (write_file (bad_model, FW_RUN_MODEL_FILE, (const char *) bytes->data, bytes->len));
  }

  FwWindow *win = new_window (NULL);
  const char *banner = fw_window_get_error (win);
  g_assert_nonnull (banner);
  g_test_message ("%s", banner);
  g_assert_nonnull (strstr (banner, bad_run));
  g_assert_nonnull (strstr (banner, "nested"));
  g_assert_true (g_utf8_validate (banner, -1, NULL));
  g_assert_nonnull (strstr (banner, "caf\xef\xbf\xbd"));
  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 2);

  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *path = g_build_filename (good, stale[i], NULL);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *path = g_build_filename (good, kept[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  {
    g_autofree char *temp = g_build_filename (root, ".20260101-000009.fw-tmp-AAAAAA", NULL);
    g_autofree char *mine = g_build_filename (root, "README", NULL);
    g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (mine, G_FILE_TEST_EXISTS));
  }

  /* models are read when needed, not at start; a bad one says why then */
  FwRun *run = run_in (win, bad_model);
  g_assert_nonnull (run);
  g_assert_true (fw_run_has_model (run));
  g_assert_false (fw_run_is_model_loaded (run));
  g_assert_null (fw_run_get_model (run));
  g_assert_nonnull (strstr (fw_run_get_model_error (run), "nested"));
  g_assert_nonnull (strstr (fw_run_get_model_error (run), bad_model));
  /* a trained run without its model file is marked, not "finished" in silence */
  run = run_in (win, good);
  g_assert_nonnull (run);
  g_assert_false (fw_run_has_model (run));
  g_assert_nonnull (fw_run_get_save_error (run));
  gtk_window_destroy (GTK_WINDOW (win));
  fw_file_remove_tree (root);
}

static void
limit_file_size (rlim_t bytes)
{
  struct rlimit lim;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &lim), ==, 0);
  lim.rlim_cur = bytes;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
}

/* The model file cannot be written (a full disk): the window says so, the
 * run stays marked and keeps the model, and Save Model writes it elsewhere. */
static void
test_model_write_fails (void)
{
  g_autofree char *root = runs_root ();
  g_autofree char *elsewhere = g_dir_make_tmp ("fw-saved-XXXXXX", NULL);
  g_autofree char *copy = g_build_filename (elsewhere, "kept.safetensors", NULL);
  FwWindow *win;
  FwRun *run;

  fw_file_remove_tree (root);
  win = new_window ("builtin:shapes");
  /* run.json (a few KB) still fits; the model (hundreds of KB) does not */
  signal (SIGXFSZ, SIG_IGN);
  limit_file_size (48 * 1024);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  limit_file_size (RLIM_INFINITY);

  g_assert_cmpuint (fw_plot_model_get_n_runs (fw_window_get_plot_model (win)), ==, 1);
  run = fw_plot_model_get_run (fw_window_get_plot_model (win), 0);
  g_autofree char *model_path = g_build_filename (fw_run_get_dir (run), FW_RUN_MODEL_FILE, NULL);
  g_assert_nonnull (fw_window_get_error (win));
  g_test_message ("%s", fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "could not be saved"));
  g_assert_nonnull (strstr (fw_window_get_error (win), model_path));
  g_assert_null (strstr (fw_window_get_error (win), FW_FILE_TEMP_TAG));
  /* the per-epoch checkpoint fails on the full disk too and ends the run
   * (fw-trainer.h): either way the run stays, marked, with its model */
  g_assert_true (fw_run_get_state (run) == FW_RUN_FINISHED || fw_run_get_state (run) == FW_RUN_FAILED);
  g_assert_nonnull (fw_run_get_save_error (run));
  g_assert_nonnull (strstr (fw_run_get_save_error (run), model_path));
  g_assert_false (g_file_test (model_path, G_FILE_TEST_EXISTS));
  {
    /* no temporary left behind in the run's folder */
    g_autoptr(GDir) d = g_dir_open (fw_run_get_dir (run), 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)))
      g_assert_false (fw_file_is_temp_name (name));
  }
  g_assert_true (fw_run_is_model_loaded (run));

  /* Save Model elsewhere, once there is room */
  fw_window_export_model (win, FW_EXPORT_MODEL_FILE, copy);
  fw_test_wait_idle (win);
  g_autoptr(GError) error = NULL;
  g_autoptr(FwSavedModel) saved = fw_model_load (copy, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (saved->n_classes, ==, fw_run_get_model (run)->n_classes);
  g_autofree char *dir = g_strdup (fw_run_get_dir (run));
  gtk_window_destroy (GTK_WINDOW (win));

  /* the next window shows the run still marked */
  win = new_window (NULL);
  run = run_in (win, dir);
  g_assert_nonnull (run);
  g_assert_nonnull (fw_run_get_save_error (run));
  gtk_window_destroy (GTK_WINDOW (win));
  fw_file_remove_tree (elsewhere);
  fw_file_remove_tree (root);
}

int
main (int argc, char **argv)
{
  int status;

  data_home = fw_test_init (&argc, &argv);

  g_test_add_func ("/ui/run-store/hostile-folder", test_hostile_folder);
  g_test_add_func ("/ui/run-store/model-write-fails", test_model_write_fails);
  status = g_test_run ();
  fw_file_remove_tree (data_home);
  g_free (data_home);
  return status;
}
