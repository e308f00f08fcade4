/* test-attention-inspector.c — issue 12's check of the attention map in
 * the Sample inspector: a tiny attention-fusion model trained by the
 * `train` command is opened in the window; a test row opened in the
 * inspector shows its attention map, and the heatmap of a word selected
 * there (by activating its chip) equals the weights `predict --attention`
 * writes for that row, averaged over the heads and for one head (and so
 * does a selected region's shading of the words); the core's own forward
 * of the row alone (fw_model_set_rows) agrees with predict's batches.
 * Editing the caption re-predicts the map; a model without attention
 * fusion shows none.  FW_BINARY names the fusion-workbench program. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "fw-model-file.h"
#include "fw-test-util.h"

#define HEADS 2

static const char *binary;
static char *tmp_dir;

static void
run_command (const char *const *argv)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s failed:\n%s%s", argv[0], argv[1], out, err);
}

static gboolean
sample_idle (gpointer data)
{
  FwWindow *win = data;

  return !fw_window_is_busy (win) && !fw_sample_view_is_busy (fw_window_get_sample_view (win));
}

static void
wait_idle (FwWindow *win)
{
  g_assert_true (fw_test_wait_for (sample_idle, win, FW_TEST_TIMEOUT_SECONDS));
}

static char *
train_model (const char *name, const char *fusion_op)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  const char *argv[] = { binary, "train", "--data", "builtin:shapes", "--fusion", "intermediate",
                         "--fusion-op", fusion_op, "--image-encoder", "mlp", "--text-encoder", "embed",
                         "--heads", "2", "--hidden", "16", "--head-hidden", "16", "--epochs", "1",
                         "--threads", "1", "--save", path, NULL };

  run_command (argv);
  return path;
}

/* The opened model file's run, shown in the views. */
static FwRun *
open_model (FwWindow *win, const char *path)
{
  FwPlotModel *plot = fw_window_get_plot_model (win);
  FwRun *run;

  fw_window_open_model (win, path);
  wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  run = fw_plot_model_get_run (plot, fw_plot_model_get_n_runs (plot) - 1);
  g_assert_cmpstr (fw_run_get_source (run), ==, path);
  fw_window_select_run (win, run);
  /* the Contributions view's computation is not what this test is about */
  gtk_widget_activate_action (GTK_WIDGET (fw_window_get_contrib_view (win)), "contrib.cancel", NULL);
  wait_idle (win);
  g_assert_true (fw_explainer_get_run (fw_window_get_explainer (win)) == run);
  return run;
}

/* A test row with an image and a caption of at least three words. */
static int
pick_row (const FwDataset *ds)
{
  g_autofree int *rows = g_new (int, ds->n);
  int n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);

  for (int i = 0; i < n; i++)
    {
      int r = rows[i];
      g_auto (GStrv) words = ds->has_text[r] ? fw_tokenize (ds->text[r]) : NULL;
      if (ds->has_image[r] && words && g_strv_length (words) >= 3)
        return r;
    }
  g_assert_not_reached ();
}

/* The row as predict reads it, through the core's accessor: (heads,
 * words, regions) text→image and (heads, regions, words) image→text. */
static void
core_attention (const char *model_path, const FwDataset *ds, int row, int n_words, int n_regions,
                float *t2i, float *i2t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FwSavedModel) saved = fw_model_load (model_path, 1, &error);
  g_autofree int *lexmap = NULL;
  const float *a;
  int heads, lq, lk;

  g_assert_no_error (error);
  lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  fw_model_set_rows (saved->model, ds, lexmap, NULL, &row, 1, NULL, 0);
  fw_model_forward (saved->model, 1);
  a = fw_model_attention (saved->model, FW_ATTENTION_TEXT_TO_IMAGE, &heads, &lq, &lk);
  g_assert_nonnull (a);
  g_assert_cmpint (heads, ==, HEADS);
  g_assert_cmpint (lq, ==, n_words);
  g_assert_cmpint (lk, ==, n_regions);
  memcpy (t2i, a, sizeof (float) * heads * lq * lk);
  a = fw_model_attention (saved->model, FW_ATTENTION_IMAGE_TO_TEXT, &heads, &lq, &lk);
  g_assert_nonnull (a);
  g_assert_cmpint (lq, ==, n_regions);
  g_assert_cmpint (lk, ==, n_words);
  memcpy (i2t, a, sizeof (float) * heads * lq * lk);
}

/* The row's weights as `predict --attention` writes them for the test
 * split: text_to_image (n, heads, L, regions), image_to_text (n, heads,
 * regions, L) with L = FW_MAX_TOKENS, the rows' own numbers in "rows". */
static void
predict_attention (const char *model_path, const FwDataset *ds, int row, int n_words, int n_regions,
                   float *t2i, float *i2t)
{
  g_autofree char *csv = g_build_filename (tmp_dir, "predict.csv", NULL);
  g_autofree char *att = g_build_filename (tmp_dir, "weights.safetensors", NULL);
  const char *argv[] = { binary, "predict", "--model", model_path, "--data", "builtin:shapes",
                         "--split", "test", "--out", csv, "--attention", att, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(FwSafetensors) st = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const FwTensor *ti, *it, *lens;
  JsonArray *rows;
  int i = -1, L;

  run_command (argv);
  st = fw_safetensors_load (att, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, fw_safetensors_metadata (st, "rows"), -1, &error));
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint k = 0; k < json_array_get_length (rows); k++)
    if (json_array_get_int_element (rows, k) == fw_dataset_source_row (ds, row))
      i = (int) k;
  g_assert_cmpint (i, >=, 0);
  ti = fw_safetensors_get (st, "text_to_image");
  it = fw_safetensors_get (st, "image_to_text");
  lens = fw_safetensors_get (st, "text_lens");
  g_assert_nonnull (ti);
  g_assert_nonnull (it);
  g_assert_nonnull (lens);
  g_assert_cmpint (ti->ndim, ==, 4);
  g_assert_cmpint (ti->shape[1], ==, HEADS);
  g_assert_cmpint (ti->shape[3], ==, n_regions);
  L = (int) ti->shape[2];
  g_assert_cmpint (it->shape[2], ==, n_regions);
  g_assert_cmpint (it->shape[3], ==, L);
  g_assert_cmpint (((const gint64 *) lens->data)[i], ==, n_words);
  for (int h = 0; h < HEADS; h++)
    {
      const float *t = (const float *) ti->data + ((gsize) i * HEADS + h) * L * n_regions;
      const float *m = (const float *) it->data + ((gsize) i * HEADS + h) * n_regions * L;
      memcpy (t2i + (gsize) h * n_words * n_regions, t, sizeof (float) * n_words * n_regions);
      for (int r = 0; r < n_regions; r++)
        memcpy (i2t + ((gsize) h * n_regions + r) * n_words, m + (gsize) r * L, sizeof (float) * n_words);
    }
  g_unlink (csv);
  g_unlink (att);
}

/* Head h's (1…) or the mean's (0) weights of word over the regions. */
static void
expected_row (const float *t2i, int head, int word, int n_words, int n_regions, float *out)
{
  for (int r = 0; r < n_regions; r++)
    {
      double sum = 0;
      for (int h = 0; h < HEADS; h++)
        if (head == 0 || head == h + 1)
          sum += t2i[((gsize) h * n_words + word) * n_regions + r];
      out[r] = (float) (head == 0 ? sum / HEADS : sum);
    }
}

static double
max_diff (const float *a, const float *b, int n)
{
  double d = 0;

  for (int i = 0; i < n; i++)
    d = MAX (d, fabs ((double) a[i] - b[i]));
  return d;
}

/* FW_ATTENTION_PNG=FILE: a picture of the inspector as the test sees it. */
static void
maybe_save_picture (GtkWidget *widget)
{
  const char *path = g_getenv ("FW_ATTENTION_PNG");
  GtkWidget *native = GTK_WIDGET (gtk_widget_get_native (widget));
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  graphene_rect_t area;

  if (!path)
    return;
  /* the Sample view may be a tab: bring its page forward */
  for (GtkWidget *page = widget, *parent; (parent = gtk_widget_get_parent (page)); page = parent)
    if (GTK_IS_STACK (parent))
      gtk_stack_set_visible_child (GTK_STACK (parent), page);
  fw_test_iterate_for (300);
  paintable = gtk_widget_paintable_new (native);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (native), gtk_widget_get_height (native));
  node = gtk_snapshot_free_to_node (snapshot);
  if (g_getenv ("FW_ATTENTION_PNG_WINDOW")) widget = native;
  g_assert_true (gtk_widget_compute_bounds (widget, native, &area));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (native)), node, &area);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static gboolean
words_are (gpointer data)
{
  gpointer *args = data;

  return fw_attention_map_get_n_words (args[0]) == GPOINTER_TO_INT (args[1]);
}

static void
test_attention_inspector (void)
{
  g_autofree char *model_path = train_model ("attention.safetensors", "attention");
  g_autofree char *plain_path = NULL;
  FwWindow *win = fw_window_new (NULL);
  FwSampleView *sample = fw_window_get_sample_view (win);
  FwAttentionMap *map = fw_sample_view_get_attention_map (sample);
  const FwDataset *ds;
  g_auto (GStrv) words = NULL;
  g_autofree float *t2i = NULL, *i2t = NULL, *core_t2i = NULL, *core_i2t = NULL;
  g_autofree float *got = NULL, *want = NULL;
  int row, W, R, shown_word = 1;
  GtkFlowBox *chips;
  GtkDropDown *heads;

  gtk_window_present (GTK_WINDOW (win));
  fw_window_load_dataset (win, "builtin:shapes");
  wait_idle (win);
  ds = fw_window_get_dataset (win);
  g_assert_nonnull (ds);
  /* no model yet: no map, and no room kept for one */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (map)));

  open_model (win, model_path);
  row = pick_row (ds);
  fw_sample_view_inspect (sample, row);
  wait_idle (win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (map)));
  g_assert_true (fw_attention_map_has_input (map));

  /* the map's words are the caption's tokens */
  words = fw_tokenize (ds->text[row]);
  W = (int) MIN (g_strv_length (words), FW_MAX_TOKENS);
  R = fw_attention_map_get_n_regions (map);
  g_assert_cmpint (fw_attention_map_get_n_words (map), ==, W);
  g_assert_cmpint (fw_attention_map_get_heads (map), ==, HEADS);
  g_assert_cmpint (R, ==, (ds->size / FW_IMAGE_PATCH) * (ds->size / FW_IMAGE_PATCH));
  t2i = g_new (float, HEADS * W * R);
  i2t = g_new (float, HEADS * R * W);
  core_t2i = g_new (float, HEADS * W * R);
  core_i2t = g_new (float, HEADS * R * W);
  got = g_new (float, MAX (R, W));
  want = g_new (float, MAX (R, W));
  /* what predict --attention writes for the row; the core's own forward
   * of the row alone agrees with it */
  predict_attention (model_path, ds, row, W, R, t2i, i2t);
  core_attention (model_path, ds, row, W, R, core_t2i, core_i2t);
  g_assert_cmpfloat (max_diff (t2i, core_t2i, HEADS * W * R), <=, 1e-6);
  g_assert_cmpfloat (max_diff (i2t, core_i2t, HEADS * R * W), <=, 1e-6);

  /* select a word by activating its chip, as a click or Return does */
  chips = GTK_FLOW_BOX (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_FLOW_BOX));
  g_assert_nonnull (chips);
  g_signal_emit_by_name (gtk_flow_box_get_child_at_index (chips, shown_word), "activate");
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, shown_word);

  /* averaged over the heads */
  g_assert_cmpint (fw_attention_map_get_head (map), ==, 0);
  g_assert_true (fw_attention_map_get_heatmap (map, got));
  expected_row (t2i, 0, shown_word, W, R, want);
  g_assert_cmpfloat (max_diff (got, want, R), <=, 1e-6);
  /* head 1, chosen in the head selector */
  heads = GTK_DROP_DOWN (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_DROP_DOWN));
  gtk_drop_down_set_selected (heads, 1);
  g_assert_true (fw_attention_map_get_heatmap (map, got));
  expected_row (t2i, 1, shown_word, W, R, want);
  g_assert_cmpfloat (max_diff (got, want, R), <=, 1e-6);
  /* the two heads differ, so the selector is not showing the mean again */
  expected_row (t2i, 2, shown_word, W, R, got);
  g_assert_cmpfloat (max_diff (got, want, R), >, 1e-6);

  maybe_save_picture (GTK_WIDGET (sample));

  /* a region shades the words with its image→text weights */
  fw_attention_map_select_region (map, R / 2);
  g_assert_true (fw_attention_map_get_word_shading (map, got));
  for (int k = 0; k < W; k++)
    want[k] = i2t[((gsize) 0 * R + R / 2) * W + k];
  g_assert_cmpfloat (max_diff (got, want, W), <=, 1e-6);

  /* an edited caption re-predicts the map: two more words */
  {
    g_autofree char *longer = g_strconcat (ds->text[row], " red circle", NULL);
    gpointer args[2] = { map, GINT_TO_POINTER (MIN (W + 2, FW_MAX_TOKENS)) };

    gtk_editable_set_text (fw_sample_view_get_caption_entry (sample), longer);
    wait_idle (win);
    g_assert_true (fw_test_wait_for (words_are, args, FW_TEST_TIMEOUT_SECONDS));
  }

  /* a model without attention fusion: the map goes */
  plain_path = train_model ("concat.safetensors", "concat");
  open_model (win, plain_path);
  fw_sample_view_inspect (sample, row);
  wait_idle (win);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (map)));
  g_assert_false (fw_attention_map_has_input (map));

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (model_path);
  g_unlink (plain_path);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  int status;

  binary = g_getenv ("FW_BINARY");
  if (!binary)
    {
      g_printerr ("FW_BINARY must name the fusion-workbench program\n");
      return 1;
    }
  tmp_dir = g_dir_make_tmp ("fw-attention-XXXXXX", NULL);
  g_test_add_func ("/ui/attention-inspector/heatmap-equals-predict", test_attention_inspector);
  status = g_test_run ();
  fw_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  fw_test_remove_tree (data_home);
  return status;
}
