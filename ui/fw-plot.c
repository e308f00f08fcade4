/* fw-plot.c — training curves drawn with Cairo from an FwPlotModel.  Only
 * visible runs are drawn, each in its colour; the loss chart shows the raw
 * step losses faintly under an exponential moving average (debiased, as
 * TensorBoard does) and the validation loss per epoch as dashed markers.
 * Colours come from the widget's style so the dark style works. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-chart-draw.h"
#include "fw-chart-table.h"
#include "fw-chart-style.h"
#include "fw-contrast.h"
#include "fw-plot.h"
#include "fw-plot-model.h"
#include "fw-picture.h"

struct _FwPlot
{
  GtkWidget parent_instance;

  /* Owned */
  FwPlotModel *model;
  FwPlotKind kind;
  gboolean log_scale;
  double smoothing;
  gboolean hovering;
  double hover_x;
  double hover_y;
  double chance_level;       /* accuracy of guessing; NAN when unknown */
  GdkRGBA *legend_colors;    /* the visible runs' colours as drawn (run_color) */
  gint64 described_at;       /* when the accessible description was last set */
  guint describe_id;         /* a pending update of it */
  /* Everything but the runs still training, drawn once (fw_plot_snapshot):
   * a frame then costs one copy plus the live curve, however many finished
   * runs are on the chart.  layer_key says what the layer shows. */
  cairo_surface_t *layer;
  GByteArray *layer_key;
  guint layer_renders;
};

G_DEFINE_FINAL_TYPE (FwPlot, fw_plot, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_MODEL, PROP_KIND, PROP_LOG_SCALE, PROP_SMOOTHING, N_PROPS };
static GParamSpec *properties[N_PROPS];

#define MARGIN_LEFT 72
#define MARGIN_RIGHT 30
#define MARGIN_BOTTOM 52

typedef FwChartFrame Frame;
#define frame_x fw_chart_frame_x
#define frame_y fw_chart_frame_y
#define set_rgba fw_chart_set_rgba

static void
show_text (GtkWidget *widget, cairo_t *cr, double x, double y, double align_x, double align_y,
           const char *text, gboolean bold)
{
  fw_chart_show_text (widget, cr, x, y, align_x, align_y, text, bold, 0);
}

/* A run's colour, as readable on the chart's background as its style asks. */
static void
run_color (FwPlot *self, const Frame *f, FwRun *run, GdkRGBA *out)
{
  GdkRGBA bg;

  if (f->paper)
    bg = *f->paper;
  else
    fw_widget_background (GTK_WIDGET (self), &bg);
  fw_color_ensure_contrast (fw_run_get_color (run), &bg, fw_widget_run_contrast (GTK_WIDGET (self)), out);
}

static gboolean
epoch_value (const FwEpochPoint *e, FwPlotKind kind, gboolean val, double *out)
{
  if (kind == FW_PLOT_LOSS)
    *out = val ? e->val_loss : e->train_loss;
  else
    *out = val ? e->val_accuracy : e->train_accuracy;
  return isfinite (*out);
}

/* Data ranges over the visible runs; FALSE when there is nothing to draw. */
static gboolean
compute_frame (FwPlot *self, Frame *f)
{
  guint n_runs = self->model ? fw_plot_model_get_n_runs (self->model) : 0;
  double ymin = INFINITY, ymax = -INFINITY, xmax = 0;
  gboolean any = FALSE;

  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      const FwConfig *config = fw_run_get_config (run);
      guint n_steps, n_epochs;
      const FwStepPoint *steps = fw_run_get_steps (run, &n_steps);
      const FwEpochPoint *epochs = fw_run_get_epochs (run, &n_epochs);

      if (!fw_run_get_visible (run) || (n_steps == 0 && n_epochs == 0))
        continue;
      any = TRUE;
      if (self->kind == FW_PLOT_LOSS)
        {
          int planned = config->epochs * fw_run_get_steps_per_epoch (run);
          xmax = MAX (xmax, MAX (planned, n_steps ? steps[n_steps - 1].step : 0));
          for (guint i = 0; i < n_steps; i++)
            if (isfinite (steps[i].loss))
              {
                ymin = MIN (ymin, steps[i].loss);
                ymax = MAX (ymax, steps[i].loss);
              }
        }
      else
        xmax = MAX (xmax, MAX (config->epochs, (int) n_epochs));
      for (guint i = 0; i < n_epochs; i++)
        for (int val = 0; val < 2; val++)
          {
            double v;
            if (epoch_value (&epochs[i], self->kind, val, &v))
              {
                ymin = MIN (ymin, v);
                ymax = MAX (ymax, v);
              }
          }
    }
  if (!any)
    return FALSE;

  f->x0 = 0;
  f->x1 = MAX (xmax, 1);
  f->log_y = FALSE;
  if (self->kind == FW_PLOT_ACCURACY)
    {
      f->y0 = 0;
      f->y1 = 1;
    }
  else if (self->log_scale && ymin > 0 && isfinite (ymin))
    {
      f->log_y = TRUE;
      f->y0 = pow (10, floor (log10 (ymin)));
      f->y1 = pow (10, ceil (log10 (MAX (ymax, ymin * 1.01))));
    }
  else
    {
      f->y0 = 0;
      f->y1 = isfinite (ymax) && ymax > 0 ? ymax * 1.05 : 1;
    }
  return TRUE;
}

/* One polyline through a series, drawn from its decimation (at most four
 * points per pixel column), so a frame's cost does not grow with the run. */
static void
stroke_series (cairo_t *cr, const Frame *f, const double *x, const double *y, guint n)
{
  guint columns = MAX (1, (guint) ceil (f->area.width));
  g_autofree double *dx = g_new (double, 4 * columns);
  g_autofree double *dy = g_new (double, 4 * columns);
  guint m = fw_plot_model_decimate (x, y, n, f->x0, f->x1, columns, dx, dy);

  for (guint i = 0; i < m; i++)
    {
      if (i == 0)
        cairo_move_to (cr, frame_x (f, dx[i]), frame_y (f, dy[i]));
      else
        cairo_line_to (cr, frame_x (f, dx[i]), frame_y (f, dy[i]));
    }
  cairo_stroke (cr);
}

/* Exponential moving average with TensorBoard's debiasing, so the first
 * points are not dragged towards zero. */
static void
draw_loss_run (FwPlot *self, cairo_t *cr, const Frame *f, FwRun *run)
{
  guint n_steps, n_epochs, n = 0;
  const FwStepPoint *steps = fw_run_get_steps (run, &n_steps);
  const FwEpochPoint *epochs = fw_run_get_epochs (run, &n_epochs);
  GdkRGBA adjusted;
  const GdkRGBA *c = &adjusted;
  double ema = 0, weight = 0;
  gboolean started = FALSE;
  g_autofree double *xs = g_new (double, MAX (n_steps, 1));
  g_autofree double *raw = g_new (double, MAX (n_steps, 1));
  g_autofree double *smooth = g_new (double, MAX (n_steps, 1));

  run_color (self, f, run, &adjusted);

  for (guint i = 0; i < n_steps; i++)
    {
      if (!isfinite (steps[i].loss))
        continue;
      ema = self->smoothing * ema + (1 - self->smoothing) * steps[i].loss;
      weight = self->smoothing * weight + (1 - self->smoothing);
      xs[n] = steps[i].step;
      raw[n] = steps[i].loss;
      smooth[n] = ema / weight;
      n++;
    }
  /* raw, faint */
  if (self->smoothing > 0)
    {
      cairo_set_line_width (cr, 1);
      set_rgba (cr, c, 0.3);
      stroke_series (cr, f, xs, raw, n);
    }
  /* smoothed */
  cairo_set_line_width (cr, 2.5 * fw_chart_line_scale (GTK_WIDGET (self)));
  set_rgba (cr, c, 1);
  stroke_series (cr, f, xs, smooth, n);
  /* validation loss per epoch */
  {
    static const double dash[] = { 6, 4 };
    started = FALSE;
    cairo_set_dash (cr, dash, 2, 0);
    for (guint i = 0; i < n_epochs; i++)
      {
        if (!isfinite (epochs[i].val_loss))
          continue;
        if (!started)
          cairo_move_to (cr, frame_x (f, epochs[i].step), frame_y (f, epochs[i].val_loss));
        else
          cairo_line_to (cr, frame_x (f, epochs[i].step), frame_y (f, epochs[i].val_loss));
        started = TRUE;
      }
    cairo_stroke (cr);
    cairo_set_dash (cr, NULL, 0, 0);
    for (guint i = 0; i < n_epochs; i++)
      if (isfinite (epochs[i].val_loss))
        {
          cairo_arc (cr, frame_x (f, epochs[i].step), frame_y (f, epochs[i].val_loss), 4.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
  }
}

static void
draw_accuracy_run (FwPlot *self, cairo_t *cr, const Frame *f, FwRun *run)
{
  static const double dash[] = { 6, 4 };
  guint n_epochs;
  const FwEpochPoint *epochs = fw_run_get_epochs (run, &n_epochs);
  GdkRGBA adjusted;
  const GdkRGBA *c = &adjusted;

  run_color (self, f, run, &adjusted);
  for (int val = 0; val < 2; val++)
    {
      gboolean started = FALSE;
      set_rgba (cr, c, val ? 1 : 0.7);
      cairo_set_line_width (cr, (val ? 2.5 : 1.5) * fw_chart_line_scale (GTK_WIDGET (self)));
      if (!val)
        cairo_set_dash (cr, dash, 2, 0);
      /* accuracy is 0 before training: the curve starts at epoch 0 only
       * when there is something to start from */
      for (guint i = 0; i < n_epochs; i++)
        {
          double v;
          if (!epoch_value (&epochs[i], FW_PLOT_ACCURACY, val, &v))
            continue;
          if (!started)
            cairo_move_to (cr, frame_x (f, epochs[i].epoch), frame_y (f, v));
          else
            cairo_line_to (cr, frame_x (f, epochs[i].epoch), frame_y (f, v));
          started = TRUE;
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (val)
        for (guint i = 0; i < n_epochs; i++)
          {
            double v;
            if (epoch_value (&epochs[i], FW_PLOT_ACCURACY, TRUE, &v))
              {
                cairo_arc (cr, frame_x (f, epochs[i].epoch), frame_y (f, v), 4.5, 0, 2 * G_PI);
                cairo_fill (cr);
              }
          }
    }
}

/* One legend entry per visible run; g_free the array. */
static FwLegendEntry *
legend_entries (FwPlot *self, int *n)
{
  guint n_runs = self->model ? fw_plot_model_get_n_runs (self->model) : 0;
  FwLegendEntry *entries = g_new0 (FwLegendEntry, MAX (n_runs, 1));
  FwChartFrame widget_paper = { 0 };

  /* the swatches in the colours the curves are drawn in */
  g_free (self->legend_colors);
  self->legend_colors = g_new0 (GdkRGBA, MAX (n_runs, 1));
  *n = 0;
  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      if (!fw_run_get_visible (run))
        continue;
      run_color (self, &widget_paper, run, &self->legend_colors[*n]);
      entries[*n] = (FwLegendEntry) { fw_run_get_description (run), &self->legend_colors[*n], TRUE };
      (*n)++;
    }
  return entries;
}

/* The legend sits in a band between the title and the data, never over a
 * curve: the data area starts below however many rows it needs. */
static void
plot_layout (FwPlot *self, int width, int height, FwChartRect *legend, FwChartRect *data)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int n, th = fw_chart_text_height (widget);
  g_autofree FwLegendEntry *entries = legend_entries (self, &n);
  double lw = MAX (width - MARGIN_LEFT - MARGIN_RIGHT, 10);
  double lh = fw_chart_legend_height (widget, entries, n, lw);

  /* a legend taller than a third of the chart keeps its first rows */
  lh = MIN (lh, height / 3.0);
  *legend = (FwChartRect) { MARGIN_LEFT, 6 + th + 6, lw, lh };
  data->x = MARGIN_LEFT;
  data->y = legend->y + lh + (lh > 0 ? 8 : 0) + 8;
  data->width = lw;
  data->height = MAX (height - data->y - MARGIN_BOTTOM, 10);
}

void
fw_plot_get_layout (FwPlot *self, int width, int height, FwChartRect *legend, FwChartRect *data)
{
  g_return_if_fail (FW_IS_PLOT (self));

  plot_layout (self, width, height, legend, data);
}

static void
draw_legend (FwPlot *self, cairo_t *cr, const FwChartRect *legend, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int n;
  g_autofree FwLegendEntry *entries = legend_entries (self, &n);

  cairo_save (cr);
  cairo_rectangle (cr, legend->x, legend->y, legend->width, legend->height);
  cairo_clip (cr);
  fw_chart_draw_legend (widget, cr, legend->x, legend->y, legend->width, entries, n, fg);
  cairo_restore (cr);
}

/* Values of every visible run at the x nearest the pointer. */
static void
draw_hover (FwPlot *self, cairo_t *cr, const Frame *f, const GdkRGBA *fg, const GdkRGBA *bg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n_runs = fw_plot_model_get_n_runs (self->model);
  double xv = f->x0 + (self->hover_x - f->area.x) / f->area.width * (f->x1 - f->x0);
  g_autoptr(GString) text = g_string_new (NULL);
  PangoLayout *layout;
  int w, h;
  double bx, by;

  if (self->hover_x < f->area.x || self->hover_x > f->area.x + f->area.width ||
      self->hover_y < f->area.y || self->hover_y > f->area.y + f->area.height)
    return;

  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      guint n_steps, n_epochs;
      const FwStepPoint *steps = fw_run_get_steps (run, &n_steps);
      const FwEpochPoint *epochs = fw_run_get_epochs (run, &n_epochs);

      if (!fw_run_get_visible (run))
        continue;
      if (self->kind == FW_PLOT_LOSS && n_steps > 0)
        {
          guint lo = 0, hi = n_steps - 1;
          double ema = 0, weight = 0;
          while (lo < hi)
            {
              guint mid = (lo + hi) / 2;
              if (steps[mid].step < xv)
                lo = mid + 1;
              else
                hi = mid;
            }
          for (guint i = 0; i <= lo; i++)
            if (isfinite (steps[i].loss))
              {
                ema = self->smoothing * ema + (1 - self->smoothing) * steps[i].loss;
                weight = self->smoothing * weight + (1 - self->smoothing);
              }
          g_string_append_printf (text, _("%s — step %d: loss %.4f (smoothed %.4f)"),
                                  fw_run_get_description (run), steps[lo].step, steps[lo].loss,
                                  weight > 0 ? ema / weight : NAN);
          g_string_append_c (text, '\n');
        }
      else if (self->kind == FW_PLOT_ACCURACY && n_epochs > 0)
        {
          int e = CLAMP ((int) round (xv), 1, (int) n_epochs) - 1;
          g_string_append_printf (text, _("%s — epoch %d: validation %.3f, train %.3f"),
                                  fw_run_get_description (run), epochs[e].epoch,
                                  epochs[e].val_accuracy, epochs[e].train_accuracy);
          g_string_append_c (text, '\n');
        }
    }
  if (text->len == 0)
    return;
  g_string_truncate (text, text->len - 1);

  set_rgba (cr, fg, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, round (self->hover_x) + 0.5, f->area.y);
  cairo_line_to (cr, round (self->hover_x) + 0.5, f->area.y + f->area.height);
  cairo_stroke (cr);

  layout = gtk_widget_create_pango_layout (widget, text->str);
  pango_layout_get_pixel_size (layout, &w, &h);
  bx = self->hover_x + 12;
  if (bx + w + 12 > f->area.x + f->area.width)
    bx = self->hover_x - w - 24;
  bx = MAX (bx, 0);
  by = CLAMP (self->hover_y - h - 12, f->area.y, f->area.y + f->area.height - h - 12);
  if (bg)
    set_rgba (cr, bg, 0.95);
  else
    cairo_set_source_rgba (cr, 1 - fg->red, 1 - fg->green, 1 - fg->blue, 0.92);
  cairo_rectangle (cr, bx, by, w + 12, h + 12);
  cairo_fill_preserve (cr);
  set_rgba (cr, fg, 0.5);
  cairo_stroke (cr);
  set_rgba (cr, fg, 1);
  cairo_move_to (cr, bx + 6, by + 6);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Which runs a drawing includes: the live ones (training or paused) are
 * what changes from frame to frame. */
typedef enum { RUNS_ALL, RUNS_SETTLED, RUNS_LIVE } RunSet;

static gboolean
run_is_live (FwRun *run)
{
  FwRunState state = fw_run_get_state (run);

  return state == FW_RUN_RUNNING || state == FW_RUN_PAUSED;
}

static void
draw_runs (FwPlot *self, cairo_t *cr, const Frame *f, RunSet set, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);

  cairo_save (cr);
  cairo_rectangle (cr, f->area.x, f->area.y, f->area.width, f->area.height);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (set != RUNS_LIVE && self->kind == FW_PLOT_ACCURACY && self->chance_level > 0 && self->chance_level < 1)
    {
      double y = round (frame_y (f, self->chance_level)) + 0.5;
      fw_chart_draw_chance_line (widget, cr, f->area.x, y, f->area.x + f->area.width, y, fg);
    }
  for (guint r = 0; r < fw_plot_model_get_n_runs (self->model); r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      if (!fw_run_get_visible (run) || (set != RUNS_ALL && run_is_live (run) != (set == RUNS_LIVE)))
        continue;
      if (self->kind == FW_PLOT_LOSS)
        draw_loss_run (self, cr, f, run);
      else
        draw_accuracy_run (self, cr, f, run);
    }
  cairo_restore (cr);
}

/* The chart without the hover: title, axes, legend and the runs of set.
 * FALSE when there is nothing to plot (the hint is drawn instead). */
static gboolean
draw_chart (FwPlot *self, cairo_t *cr, int width, int height, const GdkRGBA *fg,
            const GdkRGBA *bg, RunSet set, Frame *out)
{
  GtkWidget *widget = GTK_WIDGET (self);
  Frame f;
  FwChartRect legend;
  const char *title = self->kind == FW_PLOT_LOSS ? _("Loss") : _("Accuracy");
  const char *styles = self->kind == FW_PLOT_LOSS
    ? _("solid: train loss (smoothed) · dashed: validation")
    : _("solid: validation · dashed: train");
  int title_w;

  if (bg)
    {
      set_rgba (cr, bg, 1);
      cairo_paint (cr);
    }
  set_rgba (cr, fg, 1);
  show_text (widget, cr, 8, 6, 0, 0, title, TRUE);
  title_w = fw_chart_text_width (widget, title) + 24;

  f.paper = bg;
  plot_layout (self, width, height, &legend, &f.area);
  if (!compute_frame (self, &f))
    {
      set_rgba (cr, fg, 0.6);
      show_text (widget, cr, width / 2.0, height / 2.0, 0.5, 0.5,
                 _("Press Train to see the curves grow here"), FALSE);
      return FALSE;
    }
  set_rgba (cr, fg, 0.8);
  if (width - MARGIN_RIGHT - title_w > 40)
    fw_chart_show_text (widget, cr, width - MARGIN_RIGHT, 6, 1, 0, styles, FALSE,
                        width - MARGIN_RIGHT - title_w);
  fw_chart_draw_axes (widget, cr, &f, TRUE, self->kind == FW_PLOT_LOSS ? _("step") : _("epoch"), fg);

  draw_runs (self, cr, &f, set, fg);
  draw_legend (self, cr, &legend, fg);
  *out = f;
  return TRUE;
}

void
fw_plot_draw (FwPlot *self, cairo_t *cr, int width, int height, const GdkRGBA *fg,
              const GdkRGBA *bg)
{
  Frame f;

  g_return_if_fail (FW_IS_PLOT (self));

  if (draw_chart (self, cr, width, height, fg, bg, RUNS_ALL, &f) && self->hovering)
    draw_hover (self, cr, &f, fg, bg);
}

static void
key_add (GByteArray *key, const void *data, gsize size)
{
  g_byte_array_append (key, data, size);
}

/* Everything the settled layer depends on, byte for byte: the size, the
 * ink, the options, the frame, and per run what the legend and the
 * settled curves show (a live run only by its legend entry). */
static GByteArray *
layer_key (FwPlot *self, const Frame *f, int width, int height, int scale, const GdkRGBA *fg)
{
  GByteArray *key = g_byte_array_new ();
  double numbers[] = { f->x0, f->x1, f->y0, f->y1, f->area.x, f->area.y, f->area.width,
                       f->area.height, self->smoothing, self->chance_level };
  int ints[] = { width, height, scale, self->kind, self->log_scale, f->log_y };

  key_add (key, ints, sizeof ints);
  key_add (key, numbers, sizeof numbers);
  key_add (key, fg, sizeof *fg);
  for (guint r = 0; r < fw_plot_model_get_n_runs (self->model); r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      const char *description = fw_run_get_description (run);
      guint counts[4] = { fw_run_get_visible (run), run_is_live (run), 0, 0 };

      if (!counts[1])
        {
          fw_run_get_steps (run, &counts[2]);
          fw_run_get_epochs (run, &counts[3]);
        }
      key_add (key, &run, sizeof run);
      key_add (key, counts, sizeof counts);
      key_add (key, fw_run_get_color (run), sizeof (GdkRGBA));
      key_add (key, description, strlen (description) + 1);
    }
  return key;
}

static gboolean
layer_is_current (FwPlot *self, GByteArray *key)
{
  return self->layer && self->layer_key && self->layer_key->len == key->len &&
         memcmp (self->layer_key->data, key->data, key->len) == 0;
}

static void
fw_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FwPlot *self = FW_PLOT (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  GdkRGBA fg;
  FwChartRect legend;
  Frame f = { 0 };
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  if (w <= 0 || h <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  plot_layout (self, w, h, &legend, &f.area);
  if (!compute_frame (self, &f))
    fw_plot_draw (self, cr, w, h, &fg, NULL);      /* the hint */
  else
    {
      GByteArray *key = layer_key (self, &f, w, h, scale, &fg);

      if (layer_is_current (self, key))
        g_byte_array_unref (key);
      else
        {
          cairo_t *lcr;
          Frame drawn;

          g_clear_pointer (&self->layer, cairo_surface_destroy);
          g_clear_pointer (&self->layer_key, g_byte_array_unref);
          self->layer = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * scale, h * scale);
          cairo_surface_set_device_scale (self->layer, scale, scale);
          lcr = cairo_create (self->layer);
          draw_chart (self, lcr, w, h, &fg, NULL, RUNS_SETTLED, &drawn);
          cairo_destroy (lcr);
          self->layer_key = key;
          self->layer_renders++;
        }
      cairo_set_source_surface (cr, self->layer, 0, 0);
      cairo_paint (cr);
      draw_runs (self, cr, &f, RUNS_LIVE, &fg);
      if (self->hovering)
        draw_hover (self, cr, &f, &fg, NULL);
    }
  cairo_destroy (cr);
}

guint fw_plot_get_layer_renders (FwPlot *self) { return self->layer_renders; }

/* the theme, the contrast setting or the font changed: the layer's ink did */
static void
fw_plot_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  FwPlot *self = FW_PLOT (widget);

  GTK_WIDGET_CLASS (fw_plot_parent_class)->css_changed (widget, change);
  g_clear_pointer (&self->layer, cairo_surface_destroy);
  g_clear_pointer (&self->layer_key, g_byte_array_unref);
}

gboolean
fw_plot_export (FwPlot *self, const char *path, GError **error)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  GdkRGBA fg = { 0.12, 0.12, 0.12, 1 }, bg = { 1, 1, 1, 1 };
  cairo_surface_t *surface;
  gboolean hovering = self->hovering;
  cairo_t *cr;

  g_return_val_if_fail (FW_IS_PLOT (self), FALSE);

  /* exports read on paper and slides: always dark ink on white */
  if (w < 200 || h < 150)
    {
      w = 900;
      h = 500;
    }
  surface = fw_picture_new_for_path (path, w, h, _(".png, .svg or .pdf"), error);
  if (!surface)
    return FALSE;
  cr = cairo_create (surface);
  self->hovering = FALSE;
  fw_plot_draw (self, cr, w, h, &fg, &bg);
  self->hovering = hovering;
  cairo_destroy (cr);
  return fw_picture_finish (surface, path, error);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, FwPlot *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion, FwPlot *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_description (FwPlot *self)
{
  g_autofree char *text = fw_plot_describe (self);

  self->described_at = g_get_monotonic_time ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static gboolean
describe_later (gpointer data)
{
  FwPlot *self = data;

  self->describe_id = 0;
  update_description (self);
  return G_SOURCE_REMOVE;
}

static void
on_model_changed (FwPlotModel *model, FwPlot *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  /* the description follows the curves, but at most twice a second */
  if (g_get_monotonic_time () - self->described_at > G_USEC_PER_SEC / 2)
    update_description (self);
  else if (!self->describe_id)
    self->describe_id = g_timeout_add (500, describe_later, self);
}

/* Step losses are the loss plot's alone: the accuracy plot draws epochs */
static void
on_model_steps_added (FwPlotModel *model, FwPlot *self)
{
  if (self->kind == FW_PLOT_LOSS)
    on_model_changed (model, self);
}

static void
fw_plot_dispose (GObject *object)
{
  FwPlot *self = FW_PLOT (object);

  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_clear_handle_id (&self->describe_id, g_source_remove);
  g_clear_pointer (&self->legend_colors, g_free);
  g_clear_pointer (&self->layer, cairo_surface_destroy);
  g_clear_pointer (&self->layer_key, g_byte_array_unref);
  G_OBJECT_CLASS (fw_plot_parent_class)->dispose (object);
}

static void
fw_plot_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwPlot *self = FW_PLOT (object);

  switch (prop_id)
    {
    case PROP_MODEL: g_value_set_object (value, self->model); break;
    case PROP_KIND: g_value_set_int (value, self->kind); break;
    case PROP_LOG_SCALE: g_value_set_boolean (value, self->log_scale); break;
    case PROP_SMOOTHING: g_value_set_double (value, self->smoothing); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_plot_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwPlot *self = FW_PLOT (object);

  switch (prop_id)
    {
    case PROP_MODEL: fw_plot_set_model (self, g_value_get_object (value)); break;
    case PROP_KIND: fw_plot_set_kind (self, g_value_get_int (value)); break;
    case PROP_LOG_SCALE: fw_plot_set_log_scale (self, g_value_get_boolean (value)); break;
    case PROP_SMOOTHING: fw_plot_set_smoothing (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_plot_class_init (FwPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_plot_dispose;
  object_class->get_property = fw_plot_get_property;
  object_class->set_property = fw_plot_set_property;
  widget_class->snapshot = fw_plot_snapshot;
  widget_class->css_changed = fw_plot_css_changed;

  properties[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, FW_TYPE_PLOT_MODEL,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, FW_PLOT_N_KINDS - 1, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_SCALE] = g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] = g_param_spec_double ("smoothing", NULL, NULL, 0, 0.99, 0.6,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "fwplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fw_plot_init (FwPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->smoothing = 0.6;
  self->chance_level = NAN;
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_widget_set_size_request (GTK_WIDGET (self), 320, 240);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
fw_plot_new (FwPlotKind kind)
{
  return g_object_new (FW_TYPE_PLOT, "kind", kind, NULL);
}

void
fw_plot_set_model (FwPlot *self, FwPlotModel *model)
{
  g_return_if_fail (FW_IS_PLOT (self));

  if (self->model == model)
    return;
  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model)
    {
      g_signal_connect (model, "changed", G_CALLBACK (on_model_changed), self);
      g_signal_connect (model, "steps-added", G_CALLBACK (on_model_steps_added), self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_description (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

FwPlotModel *fw_plot_get_model (FwPlot *self) { return self->model; }
FwPlotKind fw_plot_get_kind (FwPlot *self) { return self->kind; }
gboolean fw_plot_get_log_scale (FwPlot *self) { return self->log_scale; }
double fw_plot_get_smoothing (FwPlot *self) { return self->smoothing; }

void
fw_plot_set_kind (FwPlot *self, FwPlotKind kind)
{
  self->kind = kind;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  kind == FW_PLOT_LOSS ? _("Loss plot") : _("Accuracy plot"), -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fw_plot_set_log_scale (FwPlot *self, gboolean log_scale)
{
  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;
  self->log_scale = log_scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

void
fw_plot_set_smoothing (FwPlot *self, double smoothing)
{
  smoothing = CLAMP (smoothing, 0, 0.99);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

void
fw_plot_set_chance_level (FwPlot *self, double accuracy)
{
  g_return_if_fail (FW_IS_PLOT (self));

  self->chance_level = accuracy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double fw_plot_get_chance_level (FwPlot *self) { return self->chance_level; }

/* The last epoch's figures of one run, in words. */
static void
describe_run (FwPlot *self, FwRun *run, GString *s)
{
  guint n;
  const FwEpochPoint *e = fw_run_get_epochs (run, &n);

  if (n == 0)
    {
      g_string_append_printf (s, _("%s: no epoch yet"), fw_run_get_description (run));
      return;
    }
  e += n - 1;
  if (self->kind == FW_PLOT_LOSS)
    g_string_append_printf (s, _("%s: train loss %.4f, validation loss %.4f after epoch %d"),
                            fw_run_get_description (run), e->train_loss, e->val_loss, e->epoch);
  else
    g_string_append_printf (s, _("%s: validation accuracy %.3f, train accuracy %.3f after epoch %d"),
                            fw_run_get_description (run), e->val_accuracy, e->train_accuracy, e->epoch);
}

char *
fw_plot_describe (FwPlot *self)
{
  GString *s = g_string_new (NULL);
  guint n_runs = self->model ? fw_plot_model_get_n_runs (self->model) : 0;
  gboolean any = FALSE;

  g_return_val_if_fail (FW_IS_PLOT (self), NULL);

  if (self->kind == FW_PLOT_LOSS)
    g_string_append (s, _("Loss per training step."));
  else if (self->chance_level > 0 && self->chance_level < 1)
    g_string_append_printf (s, _("Accuracy per epoch; guessing scores %.3f."), self->chance_level);
  else
    g_string_append (s, _("Accuracy per epoch."));
  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      if (!fw_run_get_visible (run))
        continue;
      g_string_append_c (s, ' ');
      describe_run (self, run, s);
      g_string_append_c (s, '.');
      any = TRUE;
    }
  if (!any)
    g_string_append_printf (s, " %s", _("No runs shown yet."));
  return g_string_free (s, FALSE);
}

static char *
format_value (double v, const char *format)
{
  return isfinite (v) ? g_strdup_printf (format, v) : g_strdup ("—");
}

FwChartTable *
fw_plot_get_table (FwPlot *self)
{
  const char *loss_headers[] = { _("Run"), _("Epoch"), _("Train loss"), _("Validation loss"), NULL };
  const char *acc_headers[] = { _("Run"), _("Epoch"), _("Train accuracy"), _("Validation accuracy"), NULL };
  FwChartTable *table;
  guint n_runs;

  g_return_val_if_fail (FW_IS_PLOT (self), NULL);

  table = fw_chart_table_new (self->kind == FW_PLOT_LOSS ? _("Loss per epoch") : _("Accuracy per epoch"),
                              self->kind == FW_PLOT_LOSS ? loss_headers : acc_headers);
  n_runs = self->model ? fw_plot_model_get_n_runs (self->model) : 0;
  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      guint n;
      const FwEpochPoint *e = fw_run_get_epochs (run, &n);

      if (!fw_run_get_visible (run))
        continue;
      for (guint i = 0; i < n; i++)
        {
          gboolean loss = self->kind == FW_PLOT_LOSS;
          g_autofree char *epoch = g_strdup_printf ("%d", e[i].epoch);
          g_autofree char *train = format_value (loss ? e[i].train_loss : e[i].train_accuracy, loss ? "%.4f" : "%.3f");
          g_autofree char *val = format_value (loss ? e[i].val_loss : e[i].val_accuracy, loss ? "%.4f" : "%.3f");
          const char *cells[] = { fw_run_get_description (run), epoch, train, val, NULL };
          fw_chart_table_add_row (table, cells);
        }
    }
  return table;
}
