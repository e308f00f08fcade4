/* fw-sample-chart.c — draws one of the Sample inspector's pictures with
 * Cairo from an FwSample, redrawn when it changes.  Attribution is shown
 * warm where it raises the explained class's probability and cool where it
 * lowers it; text takes the style's colour. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-chart-draw.h"
#include "fw-contrib-chart.h"
#include "fw-sample-chart.h"

struct _FwSampleChart
{
  GtkWidget parent_instance;

  /* Owned */
  FwSample *sample;
  gulong changed_id;
  FwSampleChartKind kind;
};

G_DEFINE_FINAL_TYPE (FwSampleChart, fw_sample_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_KIND, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const GdkRGBA warm = { 0.95, 0.15, 0.10, 1 }, cool = { 0.10, 0.65, 0.95, 1 };

#define set_rgba fw_chart_set_rgba
#define layout_for fw_chart_layout
#define show_text fw_chart_show_text

static void
draw_image (FwSampleChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  const FwSampleData *d = fw_sample_get_data (self->sample);
  int S = d->size, C = d->channels;
  double side = MIN (w, h) - 4, cell, x0 = (w - side) / 2, y0 = (h - side) / 2;
  double max_heat = 0;
  g_autofree float *heat = NULL;

  if (d->row < 0)
    {
      set_rgba (cr, fg, 0.7);
      show_text (GTK_WIDGET (self), cr, w / 2.0, h / 2.0, 0.5, 0.5, _("Click a sample"), FALSE, w);
      return;
    }
  if (!d->pixels)
    {
      set_rgba (cr, fg, 0.15);
      cairo_rectangle (cr, x0, y0, side, side);
      cairo_fill (cr);
      set_rgba (cr, fg, 0.8);
      show_text (GTK_WIDGET (self), cr, w / 2.0, h / 2.0, 0.5, 0.5, _("no image"), TRUE, side);
      return;
    }
  cell = side / S;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        double r = d->pixels[(0 * S + y) * S + x] / 255.0;
        double g = C == 3 ? d->pixels[(1 * S + y) * S + x] / 255.0 : r;
        double b = C == 3 ? d->pixels[(2 * S + y) * S + x] / 255.0 : r;
        cairo_set_source_rgb (cr, r, g, b);
        cairo_rectangle (cr, x0 + x * cell, y0 + y * cell, cell + 0.5, cell + 0.5);
        cairo_fill (cr);
      }
  if (!d->heat)
    return;
  /* one attribution per pixel: summed over the channels */
  heat = g_new0 (float, S * S);
  for (int c = 0; c < C; c++)
    for (int i = 0; i < S * S; i++)
      heat[i] += d->heat[c * S * S + i];
  for (int i = 0; i < S * S; i++)
    max_heat = MAX (max_heat, fabs (heat[i]));
  if (max_heat <= 0)
    return;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        double v = heat[y * S + x] / max_heat;
        if (fabs (v) < 0.05)
          continue;
        set_rgba (cr, v > 0 ? &warm : &cool, 0.75 * sqrt (fabs (v)));
        cairo_rectangle (cr, x0 + x * cell, y0 + y * cell, cell + 0.5, cell + 0.5);
        cairo_fill (cr);
      }
}

static void
draw_tokens (FwSampleChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const FwSampleData *d = fw_sample_get_data (self->sample);
  double x = 2, y = 2, max_score = 0;
  int n = d->tokens ? (int) g_strv_length (d->tokens) : 0;

  if (d->row < 0)
    return;
  if (!d->text_hidden && n == 0 && d->caption && *d->caption)
    {
      /* the words before their scores arrive */
      set_rgba (cr, fg, 1);
      show_text (widget, cr, 7, 4, 0, 0, d->caption, TRUE, w - 10);
      return;
    }
  if (d->text_hidden || n == 0)
    {
      set_rgba (cr, fg, 0.7);
      show_text (widget, cr, 2, h / 2.0, 0, 0.5,
                 d->text_hidden ? _("(text hidden)") : _("(no text)"), FALSE, w - 4);
      return;
    }
  for (int i = 0; i < n; i++)
    max_score = MAX (max_score, fabs (d->scores[i]));
  for (int i = 0; i < n; i++)
    {
      PangoLayout *layout = layout_for (widget, d->tokens[i], TRUE);
      double v = max_score > 0 ? d->scores[i] / max_score : 0;
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      if (x + tw + 12 > w && x > 2)
        {
          x = 2;
          y += th + 10;
        }
      set_rgba (cr, v >= 0 ? &warm : &cool, 0.1 + 0.7 * fabs (v));
      cairo_rectangle (cr, x, y, tw + 10, th + 4);
      cairo_fill (cr);
      set_rgba (cr, fg, 1);
      cairo_move_to (cr, x + 5, y + 2);
      pango_cairo_show_layout (cr, layout);
      x += tw + 16;
      g_object_unref (layout);
    }
}

static void
draw_probs (FwSampleChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const FwSampleData *d = fw_sample_get_data (self->sample);
  int K = d->n_classes;
  double row_h, label_w = MIN (140, w * 0.35), bx, bw;

  if (!d->probs || K == 0)
    return;
  row_h = MIN ((double) h / K, 34);
  bx = label_w + 8;
  bw = MAX (w - bx - 70, 10);
  for (int k = 0; k < K; k++)
    {
      double y = k * row_h;
      char buf[32];
      g_autofree char *name = k == d->label ? g_strdup_printf ("✓ %s", d->classes[k]) : g_strdup (d->classes[k]);

      set_rgba (cr, fg, 1);
      show_text (widget, cr, label_w, y + row_h / 2, 1, 0.5, name, k == d->predicted, label_w);
      set_rgba (cr, fg, 0.12);
      cairo_rectangle (cr, bx, y + row_h * 0.15, bw, row_h * 0.7);
      cairo_fill (cr);
      set_rgba (cr, k == d->predicted ? &fw_image_color : fg, k == d->predicted ? 1 : 0.5);
      cairo_rectangle (cr, bx, y + row_h * 0.15, bw * CLAMP (d->probs[k], 0, 1), row_h * 0.7);
      cairo_fill (cr);
      g_snprintf (buf, sizeof buf, "%.3f", d->probs[k]);
      set_rgba (cr, fg, 1);
      show_text (widget, cr, bx + bw + 6, y + row_h / 2, 0, 0.5, buf, k == d->predicted, 0);
    }
}

void
fw_sample_chart_draw (FwSampleChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg,
                      const GdkRGBA *bg)
{
  if (bg)
    {
      set_rgba (cr, bg, 1);
      cairo_paint (cr);
    }
  if (!self->sample)
    return;
  switch (self->kind)
    {
    case FW_SAMPLE_CHART_IMAGE: draw_image (self, cr, w, h, fg); break;
    case FW_SAMPLE_CHART_TOKENS: draw_tokens (self, cr, w, h, fg); break;
    case FW_SAMPLE_CHART_PROBS: draw_probs (self, cr, w, h, fg); break;
    default: break;
    }
}

static void
on_sample_changed (FwSampleChart *self)
{
  const FwSampleData *d = self->sample ? fw_sample_get_data (self->sample) : NULL;

  if (d && self->kind == FW_SAMPLE_CHART_PROBS && d->probs && d->predicted >= 0)
    {
      g_autofree char *text = g_strdup_printf (_("Predicted %s with probability %.3f"),
                                               d->classes[d->predicted], d->probs[d->predicted]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fw_sample_chart_set_sample (FwSampleChart *self, FwSample *sample)
{
  if (self->sample)
    g_clear_signal_handler (&self->changed_id, self->sample);
  g_set_object (&self->sample, sample);
  if (sample)
    self->changed_id = g_signal_connect_swapped (sample, "changed", G_CALLBACK (on_sample_changed), self);
  on_sample_changed (self);
}

static void
fw_sample_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FwSampleChart *self = FW_SAMPLE_CHART (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  fw_sample_chart_draw (self, cr, w, h, &fg, NULL);
  cairo_destroy (cr);
}

static void
fw_sample_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  FwSampleChart *self = FW_SAMPLE_CHART (widget);

  switch (self->kind)
    {
    case FW_SAMPLE_CHART_IMAGE:
      *minimum = 150;
      *natural = 190;
      break;
    case FW_SAMPLE_CHART_TOKENS:
      *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 40;
      *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 300 : 70;
      break;
    default:
      *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 80;
      *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 120;
      break;
    }
}

static void
fw_sample_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_KIND)
    g_value_set_int (value, FW_SAMPLE_CHART (object)->kind);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
fw_sample_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_KIND)
    {
      FW_SAMPLE_CHART (object)->kind = g_value_get_int (value);
      gtk_widget_queue_resize (GTK_WIDGET (object));
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
fw_sample_chart_dispose (GObject *object)
{
  FwSampleChart *self = FW_SAMPLE_CHART (object);

  if (self->sample)
    g_clear_signal_handler (&self->changed_id, self->sample);
  g_clear_object (&self->sample);
  G_OBJECT_CLASS (fw_sample_chart_parent_class)->dispose (object);
}

static void
fw_sample_chart_class_init (FwSampleChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_sample_chart_dispose;
  object_class->get_property = fw_sample_chart_get_property;
  object_class->set_property = fw_sample_chart_set_property;
  widget_class->snapshot = fw_sample_chart_snapshot;
  widget_class->measure = fw_sample_chart_measure;
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, FW_SAMPLE_CHART_N_KINDS - 1, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "fwsamplechart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fw_sample_chart_init (FwSampleChart *self)
{
}
