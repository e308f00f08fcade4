/* test-features.c — the window opens a dataset with precomputed vectors
 * (issue 12): win.load-dataset-with-features with a features file made
 * from the dataset's own pixels; the Model panel offers and picks
 * "Features (D)", the diagram counts the encoder on D inputs; one epoch
 * trains to a run whose model reads the vectors and evaluates, on them, to
 * the run's test accuracy; a malformed file is named in the banner; and
 * "Open Dataset with Features…" shows its dialog. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fw-features.h"
#include "fw-model-file.h"
#include "fw-model-panel.h"
#include "fw-fusion-diagram.h"
#include "fw-run.h"
#include "fw-safetensors.h"
#include "fw-test-util.h"

static char *tmp;

/* builtin:shapes' own pixels in [0,1], one row NaN (a missing image) */
static char *
write_pixels (const char *name, int rows_delta)
{
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  g_autoptr (FwDataset) ds = fw_dataset_load ("builtin:shapes", &lo, NULL, NULL);
  g_assert_nonnull (ds);
  int P = ds->channels * ds->size * ds->size, n = ds->n + rows_delta;
  g_autofree float *v = g_new0 (float, (gsize) n * P);
  for (int r = 0; r < MIN (n, ds->n); r++)
    for (int p = 0; p < P; p++)
      v[(gsize) r * P + p] = r == 5 ? NAN : ds->pixels[(gsize) r * P + p] / 255.0f;
  gint64 shape[2] = { n, P };
  g_autoptr (FwSafetensorsWriter) w = fw_safetensors_writer_new ();
  fw_safetensors_writer_add (w, "features", FW_DTYPE_F32, 2, shape, v);
  char *path = g_build_filename (tmp, name, NULL);
  g_assert_true (fw_safetensors_writer_save (w, path, NULL));
  return path;
}

static const char *
selected_label (FwModelPanel *panel, const char *option)
{
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (panel)); w;)
    {
      if (GTK_IS_DROP_DOWN (w) && g_strcmp0 (gtk_widget_get_name (w), option) == 0)
        {
          GtkStringObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (w));
          return gtk_string_object_get_string (item);
        }
      /* depth first */
      GtkWidget *next = gtk_widget_get_first_child (w);
      while (!next && w && w != GTK_WIDGET (panel))
        {
          next = gtk_widget_get_next_sibling (w);
          if (!next)
            w = gtk_widget_get_parent (w);
        }
      w = next;
    }
  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* transfer none */
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (tops, i);
      if (g_strcmp0 (gtk_window_get_title (w), "Open Dataset with Features") == 0)
        {
          *(GtkWindow **) data = w;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_open_and_train (void)
{
  g_autofree char *good = write_pixels ("pixels.safetensors", 0);
  FwWindow *win = fw_test_window_with_data (NULL);
  FwModelPanel *panel = fw_window_get_model_panel (win);
  FwConfig config = *fw_model_panel_get_config (panel);
  config.epochs = 1;
  fw_model_panel_set_config (panel, &config);

  g_action_group_activate_action (G_ACTION_GROUP (win), "load-dataset-with-features",
                                  g_variant_new ("(sss)", "builtin:shapes", good, ""));
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  const FwDataset *ds = fw_window_get_dataset (win);
  int P = ds->channels * ds->size * ds->size;
  g_assert_cmpint (fw_dataset_features_dim (ds, FW_MODALITY_IMAGE), ==, P);
  g_assert_false (ds->has_image[5]);

  /* the panel switched to the vectors and names their width */
  const FwConfig *c = fw_model_panel_get_config (panel);
  g_assert_cmpint (c->image_encoder, ==, FW_IMAGE_FEATURES);
  g_assert_cmpint (c->text_encoder, ==, FW_TEXT_BOW);
  g_autofree char *want = g_strdup_printf ("Features (%d)", P);
  g_assert_cmpstr (selected_label (panel, "image-encoder"), ==, want);
  FwFusionDiagram *diagram = fw_model_panel_get_diagram (panel);
  g_assert_cmpuint (fw_fusion_diagram_get_block_params (diagram, "image_encoder"), ==,
                    (gsize) P * c->hidden + c->hidden);

  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  fw_test_wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  FwRun *run = fw_window_get_selected_run (win);
  g_assert_nonnull (run);
  g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
  FwSavedModel *saved = fw_run_get_model (run);
  g_assert_nonnull (saved);
  g_assert_true (fw_model_image_is_features (saved->model));
  /* its test accuracy is the model's on the vectors */
  g_autofree int *rows = g_new (int, ds->n);
  int n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  double loss, accuracy;
  fw_model_evaluate (saved->model, ds, lexmap, NULL, rows, n, &loss, &accuracy);
  g_assert_cmpfloat_with_epsilon (accuracy, fw_run_get_test_accuracy (run), 1e-9);

  /* a file of the wrong length: named in the banner, the dataset kept */
  g_autofree char *bad = write_pixels ("short.safetensors", -3);
  g_action_group_activate_action (G_ACTION_GROUP (win), "load-dataset-with-features",
                                  g_variant_new ("(sss)", "builtin:shapes", bad, ""));
  fw_test_wait_idle (win);
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "short.safetensors"));
  g_assert_nonnull (strstr (fw_window_get_error (win), "rows but the manifest has"));
  g_assert_true (fw_window_get_dataset (win) == ds);

  /* a plain open drops the vectors: the encoder goes back to pixels */
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  g_assert_cmpint (fw_model_panel_get_config (panel)->image_encoder, ==, FW_IMAGE_MLP);
  g_assert_cmpstr (selected_label (panel, "image-encoder"), ==, "MLP");

  /* the dialog: Open waits for a manifest and a features file */
  GtkWindow *dialog = NULL;
  g_action_group_activate_action (G_ACTION_GROUP (win), "open-with-features", NULL);
  g_assert_true (fw_test_wait_for (has_dialog, &dialog, 20));
  GPtrArray *widgets = fw_test_collect_widgets (GTK_WIDGET (dialog));
  int buttons = 0;
  for (guint i = 0; i < widgets->len; i++)
    if (GTK_IS_BUTTON (widgets->pdata[i])
        && g_strcmp0 (gtk_button_get_label (widgets->pdata[i]), "_Open") == 0)
      {
        g_assert_false (gtk_widget_get_sensitive (widgets->pdata[i]));
        buttons++;
      }
  g_assert_cmpint (buttons, ==, 1);
  g_ptr_array_unref (widgets);
  gtk_window_destroy (dialog);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fw_test_init (&argc, &argv);
  tmp = g_dir_make_tmp ("fw-ui-features-XXXXXX", NULL);
  g_test_add_func ("/ui/features/open-and-train", test_open_and_train);
  int status = g_test_run ();
  fw_test_remove_tree (tmp);
  fw_test_remove_tree (data_home);
  g_free (tmp);
  return status;
}
