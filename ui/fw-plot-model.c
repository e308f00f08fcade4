/* fw-plot-model.c — a GListStore of FwRun plus one "changed" signal that
 * coalesces point appends and visibility toggles into a redraw request
 * ("steps-added" when only step losses came: what the accuracy plot does
 * not draw), and the decimation that keeps drawing a long run as cheap as
 * a short one. */
#include "fw-plot-model.h"

#include <math.h>
#include <string.h>

struct _FwPlotModel
{
  GObject parent_instance;

  /* Owned */
  GListStore *runs;
  guint n_colors_used;
};

G_DEFINE_FINAL_TYPE (FwPlotModel, fw_plot_model, G_TYPE_OBJECT)

enum { CHANGED, STEPS_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Tableau-like hues: distinct in both styles and for common colour blindness. */
static const char *const palette[] = {
  "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
  "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#8cd17d",
};

static void
fw_plot_model_dispose (GObject *object)
{
  FwPlotModel *self = FW_PLOT_MODEL (object);

  if (self->runs)
    fw_plot_model_remove_all (self);
  g_clear_object (&self->runs);
  G_OBJECT_CLASS (fw_plot_model_parent_class)->dispose (object);
}

static void
fw_plot_model_class_init (FwPlotModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fw_plot_model_dispose;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STEPS_ADDED] = g_signal_new ("steps-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fw_plot_model_init (FwPlotModel *self)
{
  self->runs = g_list_store_new (FW_TYPE_RUN);
}

FwPlotModel *
fw_plot_model_new (void)
{
  return g_object_new (FW_TYPE_PLOT_MODEL, NULL);
}

GListModel *
fw_plot_model_get_runs (FwPlotModel *self)
{
  return G_LIST_MODEL (self->runs);
}

static void
on_run_visible (FwRun *run, GParamSpec *pspec, FwPlotModel *self)
{
  fw_plot_model_changed (self);
}

void
fw_plot_model_add_run (FwPlotModel *self, FwRun *run)
{
  g_return_if_fail (FW_IS_PLOT_MODEL (self));
  g_return_if_fail (FW_IS_RUN (run));

  /* numbers make runs with the same options tell apart: one past the
   * highest in the list */
  if (fw_run_get_number (run) == 0)
    {
      int top = 0;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i++)
        top = MAX (top, fw_run_get_number (fw_plot_model_get_run (self, i)));
      fw_run_set_number (run, top + 1);
    }
  g_signal_connect_object (run, "notify::visible", G_CALLBACK (on_run_visible), self, 0);
  g_list_store_append (self->runs, run);
  fw_plot_model_changed (self);
}

void
fw_plot_model_remove_all (FwPlotModel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FwRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      g_signal_handlers_disconnect_by_data (run, self);
    }
  g_list_store_remove_all (self->runs);
  self->n_colors_used = 0;
  fw_plot_model_changed (self);
}

void
fw_plot_model_remove_run (FwPlotModel *self, FwRun *run)
{
  guint pos;

  if (!g_list_store_find (self->runs, run, &pos))
    return;
  g_signal_handlers_disconnect_by_data (run, self);
  g_list_store_remove (self->runs, pos);
  fw_plot_model_changed (self);
}

void
fw_plot_model_insert_run (FwPlotModel *self, FwRun *run, guint position)
{
  g_return_if_fail (FW_IS_PLOT_MODEL (self));
  g_return_if_fail (FW_IS_RUN (run));

  g_signal_connect_object (run, "notify::visible", G_CALLBACK (on_run_visible), self, 0);
  g_list_store_insert (self->runs, MIN (position, fw_plot_model_get_n_runs (self)), run);
  fw_plot_model_changed (self);
}

guint
fw_plot_model_get_n_runs (FwPlotModel *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->runs));
}

FwRun *
fw_plot_model_get_run (FwPlotModel *self, guint i)
{
  g_autoptr(FwRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

  return run;  /* the store keeps its reference */
}

void
fw_plot_model_changed (FwPlotModel *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_plot_model_steps_added (FwPlotModel *self)
{
  g_signal_emit (self, signals[STEPS_ADDED], 0);
}

void
fw_plot_model_next_color (FwPlotModel *self, GdkRGBA *color)
{
  gdk_rgba_parse (color, palette[self->n_colors_used++ % G_N_ELEMENTS (palette)]);
}

guint
fw_plot_model_decimate (const double *x, const double *y, guint n,
                        double x0, double x1, guint columns,
                        double *out_x, double *out_y)
{
  guint out = 0, i = 0;

  g_return_val_if_fail (columns > 0, 0);
  if (n <= 4 * columns || !(x1 > x0))
    {
      n = MIN (n, 4 * columns);
      memcpy (out_x, x, n * sizeof (double));
      memcpy (out_y, y, n * sizeof (double));
      return n;
    }
  while (i < n)
    {
      /* the run of points [i, j) that falls into one pixel column */
      double col = floor ((x[i] - x0) / (x1 - x0) * columns);
      guint j = i + 1, lo = i, hi = i;
      col = CLAMP (col, 0, columns - 1);
      while (j < n && CLAMP (floor ((x[j] - x0) / (x1 - x0) * columns), 0, columns - 1) == col)
        {
          if (y[j] < y[lo])
            lo = j;
          if (y[j] > y[hi])
            hi = j;
          j++;
        }
      /* first, the two extremes in the order they came, last: no index twice */
      guint keep[4] = { i, MIN (lo, hi), MAX (lo, hi), j - 1 };
      guint last = G_MAXUINT;
      for (int k = 0; k < 4; k++)
        if (keep[k] != last)
          {
            out_x[out] = x[keep[k]];
            out_y[out] = y[keep[k]];
            out++;
            last = keep[k];
          }
      i = j;
    }
  return out;
}
