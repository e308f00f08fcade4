/* fw-plot.c — training curves drawn with Cairo from an FwPlotModel.  Only
 * visible runs are drawn, each in its colour; the loss chart shows the raw
 * step losses faintly under an exponential moving average (debiased, as
 * TensorBoard does) and the validation loss per epoch as dashed markers.
 * Colours come from the widget's style so the dark style works. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>

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
};

G_DEFINE_FINAL_TYPE (FwPlot, fw_plot, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_MODEL, PROP_KIND, PROP_LOG_SCALE, PROP_SMOOTHING, N_PROPS };
static GParamSpec *properties[N_PROPS];

#define MARGIN_LEFT 72
#define MARGIN_RIGHT 30
#define MARGIN_TOP 44
#define MARGIN_BOTTOM 52

typedef struct {
  double x0, x1, y0, y1;     /* data ranges */
  double px, py, pw, ph;     /* plot area in pixels */
  const GdkRGBA *paper;      /* an export's background; NULL: the window's */
  gboolean log_y;
} Frame;

static double
frame_x (const Frame *f, double x)
{
  return f->px + (x - f->x0) / (f->x1 - f->x0) * f->pw;
}

static double
frame_y (const Frame *f, double y)
{
  double t;

  if (f->log_y)
    t = (log10 (MAX (y, 1e-12)) - log10 (f->y0)) / (log10 (f->y1) - log10 (f->y0));
  else
    t = (y - f->y0) / (f->y1 - f->y0);
  return f->py + f->ph - t * f->ph;
}

static void
show_text (GtkWidget *widget, cairo_t *cr, double x, double y, double align_x, double align_y,
           const char *text, gboolean bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  int w, h;

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);
      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static double
nice_step (double range, int target)
{
  double raw = range / MAX (target, 1);
  double mag = pow (10, floor (log10 (raw)));
  double n = raw / mag;

  if (n < 1.5)
    return mag;
  if (n < 3.5)
    return 2 * mag;
  if (n < 7.5)
    return 5 * mag;
  return 10 * mag;
}

static void
set_rgba (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
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

static void
draw_axes (FwPlot *self, cairo_t *cr, const Frame *f, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  char buf[64];

  cairo_set_line_width (cr, 1);
  /* horizontal grid and y labels */
  if (f->log_y)
    {
      for (double v = f->y0; v <= f->y1 * 1.0001; v *= 10)
        {
          double y = round (frame_y (f, v)) + 0.5;
          set_rgba (cr, fg, 0.15);
          cairo_move_to (cr, f->px, y);
          cairo_line_to (cr, f->px + f->pw, y);
          cairo_stroke (cr);
          set_rgba (cr, fg, 0.8);
          g_snprintf (buf, sizeof buf, "%g", v);
          show_text (widget, cr, f->px - 8, y, 1, 0.5, buf, FALSE);
        }
    }
  else
    {
      double step = nice_step (f->y1 - f->y0, 5);
      for (double v = ceil (f->y0 / step) * step; v <= f->y1 + 1e-9; v += step)
        {
          double y = round (frame_y (f, v)) + 0.5;
          set_rgba (cr, fg, 0.15);
          cairo_move_to (cr, f->px, y);
          cairo_line_to (cr, f->px + f->pw, y);
          cairo_stroke (cr);
          set_rgba (cr, fg, 0.8);
          g_snprintf (buf, sizeof buf, "%g", fabs (v) < 1e-12 ? 0 : v);
          show_text (widget, cr, f->px - 8, y, 1, 0.5, buf, FALSE);
        }
    }
  /* x ticks */
  {
    double step = MAX (1, nice_step (f->x1 - f->x0, 6));
    for (double v = 0; v <= f->x1 + 1e-9; v += step)
      {
        double x = round (frame_x (f, v)) + 0.5;
        set_rgba (cr, fg, 0.8);
        cairo_move_to (cr, x, f->py + f->ph);
        cairo_line_to (cr, x, f->py + f->ph + 5);
        cairo_stroke (cr);
        g_snprintf (buf, sizeof buf, "%g", v);
        show_text (widget, cr, x, f->py + f->ph + 7, 0.5, 0, buf, FALSE);
      }
  }
  set_rgba (cr, fg, 0.6);
  cairo_rectangle (cr, f->px + 0.5, f->py + 0.5, f->pw - 1, f->ph - 1);
  cairo_stroke (cr);
  set_rgba (cr, fg, 0.8);
  show_text (widget, cr, f->px + f->pw / 2, f->py + f->ph + 26, 0.5, 0,
             self->kind == FW_PLOT_LOSS ? _("step") : _("epoch"), FALSE);
}

/* One polyline through a series, drawn from its decimation (at most four
 * points per pixel column), so a frame's cost does not grow with the run. */
static void
stroke_series (cairo_t *cr, const Frame *f, const double *x, const double *y, guint n)
{
  guint columns = MAX (1, (guint) ceil (f->pw));
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

static void
draw_legend (FwPlot *self, cairo_t *cr, const Frame *f, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n_runs = fw_plot_model_get_n_runs (self->model);
  double x = f->px + f->pw - 8, y = f->py + 8;
  const char *styles = self->kind == FW_PLOT_LOSS
    ? _("solid: train loss (smoothed) · dashed: validation")
    : _("solid: validation · dashed: train");

  set_rgba (cr, fg, 0.7);
  show_text (widget, cr, f->px + f->pw, f->py - 6, 1, 1, styles, FALSE);

  /* a veil behind the legend so curves under it do not garble it */
  {
    int max_w = 0, total_h = 0;
    for (guint r = 0; r < n_runs; r++)
      {
        FwRun *run = fw_plot_model_get_run (self->model, r);
        PangoLayout *layout;
        int w, h;
        if (!fw_run_get_visible (run))
          continue;
        layout = gtk_widget_create_pango_layout (widget, fw_run_get_description (run));
        pango_layout_get_pixel_size (layout, &w, &h);
        max_w = MAX (max_w, w);
        total_h += h + 2;
        g_object_unref (layout);
      }
    if (total_h > 0)
      {
        cairo_set_source_rgba (cr, 1 - fg->red, 1 - fg->green, 1 - fg->blue, 0.75);
        cairo_rectangle (cr, x - max_w - 36, y - 4, max_w + 40, total_h + 6);
        cairo_fill (cr);
      }
  }
  for (guint r = 0; r < n_runs; r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      PangoLayout *layout;
      int w, h;

      if (!fw_run_get_visible (run))
        continue;
      layout = gtk_widget_create_pango_layout (widget, fw_run_get_description (run));
      pango_layout_get_pixel_size (layout, &w, &h);
      set_rgba (cr, fg, 1);
      cairo_move_to (cr, x - w, y);
      pango_cairo_show_layout (cr, layout);
      {
        GdkRGBA adjusted;
        run_color (self, f, run, &adjusted);
        set_rgba (cr, &adjusted, 1);
      }
      cairo_set_line_width (cr, 3);
      cairo_move_to (cr, x - w - 30, y + h / 2.0);
      cairo_line_to (cr, x - w - 8, y + h / 2.0);
      cairo_stroke (cr);
      y += h + 2;
      g_object_unref (layout);
    }
}

/* Values of every visible run at the x nearest the pointer. */
static void
draw_hover (FwPlot *self, cairo_t *cr, const Frame *f, const GdkRGBA *fg, const GdkRGBA *bg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n_runs = fw_plot_model_get_n_runs (self->model);
  double xv = f->x0 + (self->hover_x - f->px) / f->pw * (f->x1 - f->x0);
  g_autoptr(GString) text = g_string_new (NULL);
  PangoLayout *layout;
  int w, h;
  double bx, by;

  if (self->hover_x < f->px || self->hover_x > f->px + f->pw ||
      self->hover_y < f->py || self->hover_y > f->py + f->ph)
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
  cairo_move_to (cr, round (self->hover_x) + 0.5, f->py);
  cairo_line_to (cr, round (self->hover_x) + 0.5, f->py + f->ph);
  cairo_stroke (cr);

  layout = gtk_widget_create_pango_layout (widget, text->str);
  pango_layout_get_pixel_size (layout, &w, &h);
  bx = self->hover_x + 12;
  if (bx + w + 12 > f->px + f->pw)
    bx = self->hover_x - w - 24;
  bx = MAX (bx, 0);
  by = CLAMP (self->hover_y - h - 12, f->py, f->py + f->ph - h - 12);
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

void
fw_plot_draw (FwPlot *self, cairo_t *cr, int width, int height, const GdkRGBA *fg,
              const GdkRGBA *bg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  Frame f;
  const char *title = self->kind == FW_PLOT_LOSS ? _("Loss") : _("Accuracy");

  g_return_if_fail (FW_IS_PLOT (self));

  if (bg)
    {
      set_rgba (cr, bg, 1);
      cairo_paint (cr);
    }
  set_rgba (cr, fg, 1);
  show_text (widget, cr, 8, 6, 0, 0, title, TRUE);

  f.paper = bg;
  f.px = MARGIN_LEFT;
  f.py = MARGIN_TOP;
  f.pw = MAX (width - MARGIN_LEFT - MARGIN_RIGHT, 10);
  f.ph = MAX (height - MARGIN_TOP - MARGIN_BOTTOM, 10);
  if (!compute_frame (self, &f))
    {
      set_rgba (cr, fg, 0.6);
      show_text (widget, cr, width / 2.0, height / 2.0, 0.5, 0.5,
                 _("Press Train to see the curves grow here"), FALSE);
      return;
    }
  draw_axes (self, cr, &f, fg);

  cairo_save (cr);
  cairo_rectangle (cr, f.px, f.py, f.pw, f.ph);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint r = 0; r < fw_plot_model_get_n_runs (self->model); r++)
    {
      FwRun *run = fw_plot_model_get_run (self->model, r);
      if (!fw_run_get_visible (run))
        continue;
      if (self->kind == FW_PLOT_LOSS)
        draw_loss_run (self, cr, &f, run);
      else
        draw_accuracy_run (self, cr, &f, run);
    }
  cairo_restore (cr);
  draw_legend (self, cr, &f, fg);
  if (self->hovering)
    draw_hover (self, cr, &f, fg, bg);
}

static void
fw_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FwPlot *self = FW_PLOT (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  fw_plot_draw (self, cr, w, h, &fg, NULL);
  cairo_destroy (cr);
}

gboolean
fw_plot_export (FwPlot *self, const char *path, GError **error)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  g_autofree char *lower = g_ascii_strdown (path, -1);
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
  if (g_str_has_suffix (lower, ".svg"))
    surface = fw_picture_new_svg (w, h);
  else if (g_str_has_suffix (lower, ".pdf"))
    surface = fw_picture_new_pdf (w, h);
  else if (g_str_has_suffix (lower, ".png"))
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * 2, h * 2);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown picture format; use .png, .svg or .pdf"), path);
      return FALSE;
    }
  cr = cairo_create (surface);
  if (cairo_surface_get_type (surface) == CAIRO_SURFACE_TYPE_IMAGE)
    cairo_scale (cr, 2, 2);
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
on_model_changed (FwPlotModel *model, FwPlot *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
fw_plot_dispose (GObject *object)
{
  FwPlot *self = FW_PLOT (object);

  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
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
    g_signal_connect (model, "changed", G_CALLBACK (on_model_changed), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
