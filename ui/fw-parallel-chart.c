/* fw-parallel-chart.c — drawing and brushing.  Every axis spans the range
 * of its values over all runs (word options: their sorted order); the
 * brush is stored in the table as a value range, so it survives a redraw
 * or a resize.  Colours come from the style. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-parallel-chart.h"

#define MARGIN_X 48.0
#define MARGIN_TOP 28.0
#define MARGIN_BOTTOM 24.0
#define GRAB 16.0            /* how near an axis a drag must start */

struct _FwParallelChart
{
  GtkWidget parent_instance;

  /* Borrowed */
  FwRunsTable *table;

  /* Owned */
  char *metric;
  GArray *axes;              /* guint: table columns */
  int drag_axis;             /* -1: none */
  double drag_y0;
};

G_DEFINE_FINAL_TYPE (FwParallelChart, fw_parallel_chart, GTK_TYPE_WIDGET)

static void
update_axes (FwParallelChart *self)
{
  g_array_set_size (self->axes, 0);
  if (!self->table)
    return;
  guint n = fw_runs_table_get_n_columns (self->table);
  for (guint c = 0; c < n; c++)
    if (!fw_runs_table_column_is_metric (self->table, c)
        || g_strcmp0 (fw_runs_table_get_column_id (self->table, c), self->metric) == 0)
      g_array_append_val (self->axes, c);
}

static void
on_table_changed (FwParallelChart *self)
{
  update_axes (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fw_parallel_chart_set_table (FwParallelChart *self, FwRunsTable *table)
{
  g_return_if_fail (FW_IS_PARALLEL_CHART (self) && FW_IS_RUNS_TABLE (table));
  self->table = table;
  g_signal_connect_object (table, "changed", G_CALLBACK (on_table_changed), self, G_CONNECT_SWAPPED);
  on_table_changed (self);
}

void
fw_parallel_chart_set_metric (FwParallelChart *self, const char *metric_id)
{
  g_free (self->metric);
  self->metric = g_strdup (metric_id);
  on_table_changed (self);
}

guint fw_parallel_chart_get_n_axes (FwParallelChart *self) { return self->axes->len; }

guint
fw_parallel_chart_get_axis_column (FwParallelChart *self, guint axis)
{
  g_return_val_if_fail (axis < self->axes->len, 0);
  return g_array_index (self->axes, guint, axis);
}

double
fw_parallel_chart_get_axis_x (FwParallelChart *self, guint axis)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  if (self->axes->len < 2)
    return w / 2;
  return MARGIN_X + axis * (w - 2 * MARGIN_X) / (self->axes->len - 1);
}

/* the axis's value range over every run (not only the shown ones) */
static void
axis_range (FwParallelChart *self, guint axis, double *lo, double *hi)
{
  guint column = fw_parallel_chart_get_axis_column (self, axis);
  const char *const *labels = fw_runs_table_get_labels (self->table, column);
  *lo = INFINITY;
  *hi = -INFINITY;
  if (labels)
    {
      *lo = 0;
      *hi = MAX (g_strv_length ((char **) labels), 1) - 1;
    }
  else
    {
      /* the table's rows are filtered; the axis spans all runs it knows */
      GListModel *runs = fw_runs_table_get_runs (self->table);
      guint n = runs ? g_list_model_get_n_items (runs) : 0;
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (FwRun) run = g_list_model_get_item (runs, i);
          double v = fw_runs_table_get_value (self->table, column, run);
          if (isfinite (v))
            {
              *lo = MIN (*lo, v);
              *hi = MAX (*hi, v);
            }
        }
    }
  if (!isfinite (*lo))
    *lo = 0, *hi = 1;
  if (*hi - *lo < 1e-12)
    *lo -= 0.5, *hi += 0.5;
}

double
fw_parallel_chart_value_to_y (FwParallelChart *self, guint axis, double value)
{
  double h = gtk_widget_get_height (GTK_WIDGET (self)), lo, hi;
  axis_range (self, axis, &lo, &hi);
  double t = (value - lo) / (hi - lo);
  return h - MARGIN_BOTTOM - t * (h - MARGIN_TOP - MARGIN_BOTTOM);
}

static double
y_to_value (FwParallelChart *self, guint axis, double y)
{
  double h = gtk_widget_get_height (GTK_WIDGET (self)), lo, hi;
  axis_range (self, axis, &lo, &hi);
  double t = (h - MARGIN_BOTTOM - y) / MAX (h - MARGIN_TOP - MARGIN_BOTTOM, 1);
  return lo + t * (hi - lo);
}

void
fw_parallel_chart_brush (FwParallelChart *self, guint axis, double y0, double y1)
{
  g_return_if_fail (axis < self->axes->len && self->table);
  const char *id = fw_runs_table_get_column_id (self->table, fw_parallel_chart_get_axis_column (self, axis));
  if (fabs (y1 - y0) < 3)
    {
      fw_runs_table_set_brush (self->table, id, NAN, NAN);   /* a click clears */
      return;
    }
  fw_runs_table_set_brush (self->table, id, y_to_value (self, axis, y0), y_to_value (self, axis, y1));
}

static void
snapshot (GtkWidget *widget, GtkSnapshot *snap)
{
  FwParallelChart *self = FW_PARALLEL_CHART (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GListModel *runs = self->table ? fw_runs_table_get_runs (self->table) : NULL;
  if (!runs || w < 10 || h < 10)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snap, &GRAPHENE_RECT_INIT (0, 0, w, h));
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);

  /* lines: hidden runs faint first, shown runs over them */
  guint n = g_list_model_get_n_items (runs);
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (FwRun) run = g_list_model_get_item (runs, i);
        gboolean shown = fw_runs_table_shows (self->table, run);
        if (shown != (pass == 1))
          continue;
        const GdkRGBA *c = fw_run_get_color (run);
        cairo_set_source_rgba (cr, c->red, c->green, c->blue, shown ? 0.9 : 0.15);
        cairo_set_line_width (cr, shown ? 2.0 : 1.0);
        gboolean pen = FALSE;
        for (guint a = 0; a < self->axes->len; a++)
          {
            double v = fw_runs_table_get_value (self->table, fw_parallel_chart_get_axis_column (self, a), run);
            if (!isfinite (v))
              {
                pen = FALSE;
                continue;
              }
            double x = fw_parallel_chart_get_axis_x (self, a), y = fw_parallel_chart_value_to_y (self, a, v);
            if (pen)
              cairo_line_to (cr, x, y);
            else
              cairo_move_to (cr, x, y);
            pen = TRUE;
          }
        cairo_stroke (cr);
      }

  /* axes, their names, ends and brushes */
  for (guint a = 0; a < self->axes->len; a++)
    {
      guint column = fw_parallel_chart_get_axis_column (self, a);
      double x = fw_parallel_chart_get_axis_x (self, a), lo, hi;
      axis_range (self, a, &lo, &hi);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_set_line_width (cr, 1.0);
      cairo_move_to (cr, x, MARGIN_TOP);
      cairo_line_to (cr, x, h - MARGIN_BOTTOM);
      cairo_stroke (cr);
      pango_layout_set_text (layout, fw_runs_table_get_column_title (self->table, column), -1);
      int tw, th;
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, x - tw / 2.0, 4);
      pango_cairo_show_layout (cr, layout);
      const char *const *labels = fw_runs_table_get_labels (self->table, column);
      for (int end = 0; end < 2; end++)
        {
          double v = end ? hi : lo;
          g_autofree char *text = labels ? g_strdup (labels[(int) v] ? labels[(int) v] : "")
                                         : g_strdup_printf ("%.4g", v);
          if (labels)   /* every word on its own tick */
            continue;
          pango_layout_set_text (layout, text, -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
          cairo_move_to (cr, x + 3, fw_parallel_chart_value_to_y (self, a, v) - th / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
      for (int k = 0; labels && labels[k]; k++)
        {
          pango_layout_set_text (layout, labels[k], -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
          cairo_move_to (cr, x + 3, fw_parallel_chart_value_to_y (self, a, k) - th / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
      double b0, b1;
      if (fw_runs_table_get_brush (self->table, fw_runs_table_get_column_id (self->table, column), &b0, &b1))
        {
          double y0 = fw_parallel_chart_value_to_y (self, a, b0), y1 = fw_parallel_chart_value_to_y (self, a, b1);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
          cairo_rectangle (cr, x - 6, MIN (y0, y1), 12, fabs (y1 - y0));
          cairo_fill (cr);
        }
    }
  g_object_unref (layout);
  cairo_destroy (cr);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, FwParallelChart *self)
{
  self->drag_axis = -1;
  double best = GRAB;
  for (guint a = 0; a < self->axes->len; a++)
    if (fabs (fw_parallel_chart_get_axis_x (self, a) - x) < best)
      {
        best = fabs (fw_parallel_chart_get_axis_x (self, a) - x);
        self->drag_axis = (int) a;
      }
  self->drag_y0 = y;
  if (self->drag_axis < 0)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, FwParallelChart *self)
{
  if (self->drag_axis >= 0)
    fw_parallel_chart_brush (self, (guint) self->drag_axis, self->drag_y0, self->drag_y0 + dy);
  self->drag_axis = -1;
}

static void
fw_parallel_chart_finalize (GObject *object)
{
  FwParallelChart *self = FW_PARALLEL_CHART (object);
  g_free (self->metric);
  g_array_unref (self->axes);
  G_OBJECT_CLASS (fw_parallel_chart_parent_class)->finalize (object);
}

static void
measure (GtkWidget *widget, GtkOrientation o, int for_size, int *min, int *nat, int *min_b, int *nat_b)
{
  *min = o == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *nat = o == GTK_ORIENTATION_HORIZONTAL ? 640 : 220;
}

static void
fw_parallel_chart_class_init (FwParallelChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = fw_parallel_chart_finalize;
  widget_class->snapshot = snapshot;
  widget_class->measure = measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fw_parallel_chart_init (FwParallelChart *self)
{
  self->axes = g_array_new (FALSE, FALSE, sizeof (guint));
  self->metric = g_strdup ("test_accuracy");
  self->drag_axis = -1;
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Drag along an axis to keep only the runs in that range; click an axis to clear it."));
}

GtkWidget *
fw_parallel_chart_new (void)
{
  return g_object_new (FW_TYPE_PARALLEL_CHART, NULL);
}
