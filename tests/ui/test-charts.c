/* test-charts.c — the chart drawing the window's charts share
 * (fw-chart-draw.c): plot legends stay out of the data, accuracy charts
 * show what guessing scores, the confusion matrix keeps its axis titles,
 * counts and headers at ten classes, and the Shapley sentence does not
 * turn noise into percentages; the loss plot's frames look as if drawn
 * whole while only the live run is drawn anew.  Widgets are drawn into
 * image surfaces. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fw-contrib-chart.h"
#include "fw-effect-shares.h"
#include "fw-plot.h"
#include "fw-ui.h"

static FwRun *
run_with_epochs (const char *name, int epochs, double accuracy)
{
  FwConfig config;
  GdkRGBA color = { 0.8, 0.1, 0.1, 1 };
  FwRun *run;

  fw_config_init (&config);
  config.epochs = epochs;
  run = fw_run_new (&config, name, &color);
  fw_run_set_steps_per_epoch (run, 10);
  for (int e = 1; e <= epochs; e++)
    {
      FwEpochPoint p = { e, e * 10, 1.0 / e, 1.2 / e, accuracy, accuracy, e, NAN, NAN, NAN };
      fw_run_add_epoch (run, &p);
      for (int s = 1; s <= 10; s++)
        fw_run_add_step (run, (e - 1) * 10 + s, 1.0 / e);
    }
  return run;
}

static gboolean
rects_overlap (const FwChartRect *a, const FwChartRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width &&
         a->y < b->y + b->height && b->y < a->y + a->height;
}

static void
test_legend_outside_data (void)
{
  g_autoptr(FwPlotModel) model = fw_plot_model_new ();
  GtkWidget *plot = g_object_ref_sink (fw_plot_new (FW_PLOT_ACCURACY));
  static const char *names[] = { "early", "intermediate·concat", "late·mean", "image only", "text only" };
  int sizes[][2] = { { 900, 400 }, { 420, 300 }, { 320, 240 } };

  fw_plot_set_model (FW_PLOT (plot), model);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(FwRun) run = run_with_epochs (names[i], 5, 0.2 * i);
      fw_plot_model_add_run (model, run);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      FwChartRect legend, data;
      fw_plot_get_layout (FW_PLOT (plot), sizes[i][0], sizes[i][1], &legend, &data);
      g_assert_cmpfloat (legend.height, >, 0);
      g_assert_false (rects_overlap (&legend, &data));
      g_assert_cmpfloat (legend.y + legend.height, <=, data.y);
      g_assert_cmpfloat (data.height, >=, 10);
      g_assert_cmpfloat (data.y + data.height, <=, sizes[i][1]);
    }
  /* no runs shown: no legend band */
  for (guint i = 0; i < fw_plot_model_get_n_runs (model); i++)
    fw_run_set_visible (fw_plot_model_get_run (model, i), FALSE);
  {
    FwChartRect legend, data;
    fw_plot_get_layout (FW_PLOT (plot), 600, 300, &legend, &data);
    g_assert_cmpfloat (legend.height, ==, 0);
  }
  g_object_unref (plot);
}

/* Dark pixels along one row of an ARGB image. */
static int
inked_in_row (cairo_surface_t *s, int y, int x0, int x1)
{
  unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s), n = 0;

  cairo_surface_flush (s);
  for (int x = x0; x < x1; x++)
    {
      guint32 px = *(guint32 *) (data + y * stride + 4 * x);
      if (((px >> 24) & 0xff) > 0x40 && ((px >> 8) & 0xff) < 0xc0)
        n++;
    }
  return n;
}

static void
test_chance_line (void)
{
  g_autoptr(FwPlotModel) model = fw_plot_model_new ();
  GtkWidget *plot = g_object_ref_sink (fw_plot_new (FW_PLOT_ACCURACY));
  g_autoptr(FwRun) run = run_with_epochs ("late·mean", 4, 0.9);
  GdkRGBA fg = { 0, 0, 0, 1 }, bg = { 1, 1, 1, 1 };
  const int W = 600, H = 300;
  int with_line = 0, without_line = 0;
  FwChartRect legend, data;
  double y;

  fw_plot_set_model (FW_PLOT (plot), model);
  fw_plot_model_add_run (model, run);
  fw_plot_get_layout (FW_PLOT (plot), W, H, &legend, &data);
  /* two classes: guessing scores 0.5, half-way up the 0..1 axis */
  y = data.y + data.height * 0.5;
  for (int pass = 0; pass < 2; pass++)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
      cairo_t *cr = cairo_create (s);
      fw_plot_set_chance_level (FW_PLOT (plot), pass == 0 ? NAN : 0.5);
      fw_plot_draw (FW_PLOT (plot), cr, W, H, &fg, &bg);
      cairo_destroy (cr);
      *(pass == 0 ? &without_line : &with_line) =
        inked_in_row (s, (int) y, (int) data.x + 2, (int) (data.x + data.width) - 2);
      cairo_surface_destroy (s);
    }
  /* a dashed line across the data: about half of the row inked */
  g_assert_cmpint (with_line, >, without_line + data.width / 3);
  g_assert_cmpfloat (fw_plot_get_chance_level (FW_PLOT (plot)), ==, 0.5);
  g_object_unref (plot);
}

/* What a screen reader gets instead of the picture. */
static void
test_plot_words_and_table (void)
{
  g_autoptr(FwPlotModel) model = fw_plot_model_new ();
  GtkWidget *plot = g_object_ref_sink (fw_plot_new (FW_PLOT_ACCURACY));
  g_autoptr(FwRun) a = run_with_epochs ("first", 3, 0.625);
  g_autoptr(FwRun) b = run_with_epochs ("second", 2, 0.875);
  g_autofree char *words = NULL;
  g_autoptr(FwChartTable) table = NULL;

  fw_plot_set_model (FW_PLOT (plot), model);
  fw_plot_set_chance_level (FW_PLOT (plot), 0.25);
  fw_plot_model_add_run (model, a);
  fw_plot_model_add_run (model, b);
  words = fw_plot_describe (FW_PLOT (plot));
  g_assert_nonnull (strstr (words, "guessing scores 0.250"));
  g_assert_nonnull (strstr (words, "#1 intermediate·concat: validation accuracy 0.625, train accuracy 0.625 after epoch 3"));
  g_assert_nonnull (strstr (words, "#2 intermediate·concat: validation accuracy 0.875"));
  table = fw_plot_get_table (FW_PLOT (plot));
  g_assert_cmpuint (g_strv_length (table->headers), ==, 4);
  g_assert_cmpuint (table->rows->len, ==, 5);   /* 3 + 2 epochs */
  g_assert_cmpstr (((char **) table->rows->pdata[4])[1], ==, "2");
  g_assert_cmpstr (((char **) table->rows->pdata[4])[3], ==, "0.875");
  /* a hidden run leaves both */
  fw_run_set_visible (a, FALSE);
  g_clear_pointer (&words, g_free);
  words = fw_plot_describe (FW_PLOT (plot));
  g_assert_null (strstr (words, "#1"));
  {
    g_autoptr(FwChartTable) t2 = fw_plot_get_table (FW_PLOT (plot));
    GtkWidget *grid = g_object_ref_sink (fw_chart_table_widget (t2));
    /* header row plus two rows of four cells */
    int cells = 0;
    for (GtkWidget *c = gtk_widget_get_first_child (grid); c; c = gtk_widget_get_next_sibling (c))
      cells++;
    g_assert_cmpint (cells, ==, 4 * 3);
    g_object_unref (grid);
  }
  g_object_unref (plot);
}

/* The plot as the window shows it: its snapshot, drawn into an image. */
static cairo_surface_t *
snapshot_image (GtkWidget *plot, int w, int h)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  GskRenderNode *node;

  GTK_WIDGET_GET_CLASS (plot)->snapshot (plot, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  gsk_render_node_draw (node, cr);
  gsk_render_node_unref (node);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

/* fw_plot_draw of every run in one pass: what the layered snapshot must
 * look like. */
static cairo_surface_t *
direct_image (GtkWidget *plot, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  GdkRGBA fg;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (plot), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  fw_plot_draw (FW_PLOT (plot), cr, w, h, &fg, NULL);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

/* Channel values differing by more than 2 (rounding of the composited
 * layer); g_assert on 0 */
static int
pixels_apart (cairo_surface_t *a, cairo_surface_t *b)
{
  int w = cairo_image_surface_get_width (a), h = cairo_image_surface_get_height (a), n = 0;
  int stride = cairo_image_surface_get_stride (a);
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < 4 * w; x++)
      n += abs (pa[y * stride + x] - pb[y * stride + x]) > 2;
  return n;
}

static void
assert_as_drawn (GtkWidget *plot, int w, int h, cairo_surface_t **out)
{
  cairo_surface_t *shown = snapshot_image (plot, w, h), *direct = direct_image (plot, w, h);

  g_assert_cmpint (pixels_apart (shown, direct), ==, 0);
  cairo_surface_destroy (direct);
  if (out)
    *out = shown;
  else
    cairo_surface_destroy (shown);
}

/* While a run trains, its curve is drawn over a kept image of the rest
 * (finished runs, axes, legend): each frame shows what drawing everything
 * would, and the rest is drawn again only when it changed. */
static void
test_plot_layer (void)
{
  g_autoptr(FwPlotModel) model = fw_plot_model_new ();
  GtkWidget *plot = g_object_ref_sink (fw_plot_new (FW_PLOT_LOSS));
  g_autoptr(FwRun) a = run_with_epochs ("first", 3, 0.6);
  g_autoptr(FwRun) b = run_with_epochs ("second", 3, 0.7);
  g_autoptr(FwRun) live = run_with_epochs ("live", 1, 0.5);
  FwConfig config = *fw_run_get_config (live);
  const int W = 600, H = 300;
  cairo_surface_t *before, *after;
  int min, nat;

  /* the live run has 1 of its 3 epochs: the x axis is planned already */
  config.epochs = 3;
  g_clear_object (&live);
  {
    GdkRGBA color = { 0.1, 0.5, 0.1, 1 };
    live = fw_run_new (&config, "live", &color);
  }
  fw_run_set_steps_per_epoch (live, 10);
  for (int s = 1; s <= 10; s++)
    fw_run_add_step (live, s, 0.9 - 0.02 * s);
  fw_run_set_state (live, FW_RUN_RUNNING);
  fw_plot_set_model (FW_PLOT (plot), model);
  fw_plot_model_add_run (model, a);
  fw_plot_model_add_run (model, b);
  fw_plot_model_add_run (model, live);
  gtk_widget_measure (plot, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_widget_measure (plot, GTK_ORIENTATION_VERTICAL, W, &min, &nat, NULL, NULL);
  gtk_widget_allocate (plot, W, H, -1, NULL);

  assert_as_drawn (plot, W, H, &before);
  g_assert_cmpuint (fw_plot_get_layer_renders (FW_PLOT (plot)), ==, 1);
  /* new steps inside the axes: the layer is kept, the new curve shows */
  for (int s = 11; s <= 20; s++)
    fw_run_add_step (live, s, 0.7 - 0.01 * s);
  assert_as_drawn (plot, W, H, &after);
  g_assert_cmpuint (fw_plot_get_layer_renders (FW_PLOT (plot)), ==, 1);
  g_assert_cmpint (pixels_apart (before, after), >, 20);
  cairo_surface_destroy (before);
  cairo_surface_destroy (after);
  /* a finished run hidden, the live run's end, the smoothing: each
   * redraws the layer once */
  fw_run_set_visible (a, FALSE);
  assert_as_drawn (plot, W, H, NULL);
  g_assert_cmpuint (fw_plot_get_layer_renders (FW_PLOT (plot)), ==, 2);
  fw_run_set_state (live, FW_RUN_FINISHED);
  assert_as_drawn (plot, W, H, NULL);
  assert_as_drawn (plot, W, H, NULL);
  g_assert_cmpuint (fw_plot_get_layer_renders (FW_PLOT (plot)), ==, 3);
  fw_plot_set_smoothing (FW_PLOT (plot), 0.9);
  assert_as_drawn (plot, W, H, NULL);
  g_assert_cmpuint (fw_plot_get_layer_renders (FW_PLOT (plot)), ==, 4);
  g_object_unref (plot);
}

static FwContribNumbers *
confusion_numbers (int K)
{
  FwContribNumbers *n = g_new0 (FwContribNumbers, 1);

  n->n_classes = K;
  n->classes = g_new0 (char *, K + 1);
  n->confusion = g_new0 (int, K * K);
  for (int k = 0; k < K; k++)
    {
      n->classes[k] = g_strdup_printf ("T-shirt/top %d", k);
      for (int j = 0; j < K; j++)
        n->confusion[k * K + j] = k == j ? 100 + k : k + j;
    }
  return n;
}

static void
test_confusion_ten_classes (void)
{
  GtkWidget *chart = g_object_ref_sink (g_object_new (FW_TYPE_CONTRIB_CHART, "kind", FW_CONTRIB_CHART_CONFUSION, NULL));
  g_autoptr(FwContribResult) result = fw_contrib_result_new ();
  int min_h, nat_h, width = 320;
  FwConfusionLayout l;
  GdkRGBA fg = { 0, 0, 0, 1 }, bg = { 1, 1, 1, 1 };

  fw_contrib_result_set_numbers (result, confusion_numbers (10));
  fw_contrib_chart_set_result (FW_CONTRIB_CHART (chart), result);
  gtk_widget_measure (chart, GTK_ORIENTATION_VERTICAL, width, &min_h, &nat_h, NULL, NULL);
  fw_contrib_chart_confusion_layout (FW_CONTRIB_CHART (chart), width, min_h, &l);
  /* the counts are shown at the size the chart asks for */
  g_assert_true (l.numbers_shown);
  g_assert_cmpfloat (l.number_scale, >=, 0.6);
  /* long names do not fit a column: they stand up instead of being cut */
  g_assert_true (l.rotated_headers);
  /* both axes are named, beside the grid */
  g_assert_cmpfloat (l.true_title.width, >, 0);
  g_assert_cmpfloat (l.true_title.height, >, 0);
  g_assert_cmpfloat (l.true_title.x + l.true_title.width, <=, l.gx - l.row_label_width);
  g_assert_cmpfloat (l.predicted_title.y + l.predicted_title.height, <=, l.gy);
  g_assert_cmpfloat (l.gx + 10 * l.cell, <=, width);
  g_assert_cmpfloat (l.gy + 10 * l.cell, <=, min_h);
  /* and it draws */
  {
    cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, min_h);
    cairo_t *cr = cairo_create (s);
    fw_contrib_chart_draw (FW_CONTRIB_CHART (chart), cr, width, min_h, &fg, &bg);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (s);
  }
  /* three short names lie flat */
  {
    FwContribNumbers *n = confusion_numbers (3);
    for (int k = 0; k < 3; k++)
      {
        g_free (n->classes[k]);
        n->classes[k] = g_strdup_printf ("%c", 'a' + k);
      }
    fw_contrib_result_set_numbers (result, n);
    fw_contrib_chart_confusion_layout (FW_CONTRIB_CHART (chart), width, 260, &l);
    g_assert_false (l.rotated_headers);
    g_assert_true (l.numbers_shown);
  }
  g_object_unref (chart);
}

/* the integrated-gradients note names the steps the run's explainer used
 * (attention fusion integrates over 4× as many), and screen readers hear it */
static void
test_ig_note_steps (void)
{
  GtkWidget *chart = g_object_ref_sink (g_object_new (FW_TYPE_CONTRIB_CHART, "kind", FW_CONTRIB_CHART_BARS, NULL));
  g_autoptr(FwContribResult) result = fw_contrib_result_new ();
  FwContribNumbers *n = confusion_numbers (3);

  n->ig_n = 64;
  n->ig_steps = 128;
  n->ig_image = 0.25;
  n->ig_text = 0.5;
  fw_contrib_result_set_numbers (result, n);
  fw_contrib_chart_set_result (FW_CONTRIB_CHART (chart), result);
  fw_contrib_chart_set_method (FW_CONTRIB_CHART (chart), FW_METHOD_IG);
  g_autofree char *words = fw_contrib_chart_describe (FW_CONTRIB_CHART (chart));
  g_assert_nonnull (strstr (words, "0.250"));
  g_assert_nonnull (strstr (words, "On the first 64 rows, zero baseline, 128 steps"));
  g_object_unref (chart);
}

static void
test_effect_shares (void)
{
  g_autofree char *tiny = fw_effect_shares_describe (0.001, -0.0001, 0.0002);
  g_autofree char *inter = fw_effect_shares_describe (0.05, 0.05, 0.40);
  g_autofree char *plain = fw_effect_shares_describe (0.30, 0.10, NAN);

  /* ±0.001 is no reason for percentages */
  g_assert_null (strchr (tiny, '%'));
  g_assert_nonnull (strstr (tiny, "0.01"));
  /* the interaction takes its share: 80% here, not "image 50%" */
  g_assert_nonnull (strstr (inter, "10%"));
  g_assert_nonnull (strstr (inter, "80%"));
  g_assert_nonnull (strstr (inter, "interaction"));
  g_assert_nonnull (strstr (plain, "75%"));
  g_assert_nonnull (strstr (plain, "25%"));
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  fw_ui_init ();

  g_test_add_func ("/ui/charts/legend-outside-data", test_legend_outside_data);
  g_test_add_func ("/ui/charts/chance-line", test_chance_line);
  g_test_add_func ("/ui/charts/plot-words-and-table", test_plot_words_and_table);
  g_test_add_func ("/ui/charts/plot-layer", test_plot_layer);
  g_test_add_func ("/ui/charts/confusion-ten-classes", test_confusion_ten_classes);
  g_test_add_func ("/ui/charts/effect-shares", test_effect_shares);
  g_test_add_func ("/ui/charts/ig-note-steps", test_ig_note_steps);
  return g_test_run ();
}
