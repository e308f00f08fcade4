/* fw-contrib-chart.c — draws one of the Contributions view's pictures with
 * Cairo from the numbers of an FwContribResult, redrawn when it changes.
 * Text and axes take the style's colour; only the modalities' two colours
 * are fixed, so the same blue means "image" in every chart. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-chart-draw.h"
#include "fw-contrib-chart.h"
#include "fw-effect-shares.h"

const GdkRGBA fw_image_color = { 0.16, 0.47, 0.85, 1 };
const GdkRGBA fw_text_color = { 0.93, 0.49, 0.10, 1 };
const GdkRGBA fw_interaction_color = { 0.55, 0.38, 0.75, 1 };

struct _FwContribChart
{
  GtkWidget parent_instance;

  /* Owned */
  FwContribResult *result;
  gulong changed_id;
  FwContribChartKind kind;
  FwContribMethod method;
  gboolean per_class;
};

G_DEFINE_FINAL_TYPE (FwContribChart, fw_contrib_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_KIND, N_PROPS };
static GParamSpec *properties[N_PROPS];

typedef struct {
  const char *label;
  double value;
  const GdkRGBA *color;
  gboolean fraction;         /* an accuracy or share in [0,1]: shown as such */
} Bar;

#define set_rgba fw_chart_set_rgba
#define show_text fw_chart_show_text
#define text_width fw_chart_text_width
#define text_height fw_chart_text_height

/* Up to two lines, wrapped to max_width, bottom-aligned at y. */
static void
show_note (GtkWidget *widget, cairo_t *cr, double x, double y, const char *text, double max_width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_set_width (layout, (int) (MAX (max_width, 10) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_height (layout, -2);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x, y - h);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Wrapped to max_width and centred on (x, y): the charts' empty states. */
static void
show_hint (GtkWidget *widget, cairo_t *cr, double x, double y, const char *text, double max_width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_set_width (layout, (int) (MAX (max_width, 10) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - MAX (max_width, 10) / 2, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* What an empty Contributions chart says. */
static const char *
empty_hint (FwContribChart *self)
{
  FwRun *run = self->result ? fw_contrib_result_get_run (self->result) : NULL;
  FwRunState state = run ? fw_run_get_state (run) : FW_RUN_FINISHED;

  if (state == FW_RUN_QUEUED || state == FW_RUN_RUNNING || state == FW_RUN_PAUSED)
    return _("Computed when training ends");
  if (state == FW_RUN_FAILED)
    return _("This run failed: nothing to explain");
  return _("Train a model, then press Compute (Ctrl+Shift+Return)");
}

static const char *
method_title (FwContribMethod m)
{
  switch (m)
    {
    case FW_METHOD_SHAPLEY: return _("Shapley values");
    case FW_METHOD_ABLATION: return _("Ablation: accuracy");
    case FW_METHOD_PERMUTATION: return _("Permutation: accuracy");
    case FW_METHOD_IG: return _("Integrated gradients");
    case FW_METHOD_EMAP: return _("EMAP: accuracy");
    default: return "";
    }
}

/* The bars of a method: up to 4. */
static int
method_bars (const FwContribNumbers *n, FwContribMethod m, Bar *bars)
{
  switch (m)
    {
    case FW_METHOD_SHAPLEY:
      bars[0] = (Bar) { _("image"), n->shapley.image, &fw_image_color, FALSE };
      bars[1] = (Bar) { _("text"), n->shapley.text, &fw_text_color, FALSE };
      bars[2] = (Bar) { _("interaction"), n->shapley.interaction, &fw_interaction_color, FALSE };
      return 3;
    case FW_METHOD_ABLATION:
    case FW_METHOD_PERMUTATION:
      {
        const FwAblation *a = m == FW_METHOD_ABLATION ? &n->ablation : &n->permutation;
        bars[0] = (Bar) { _("both"), a->full_accuracy, &fw_interaction_color, TRUE };
        bars[1] = (Bar) { m == FW_METHOD_ABLATION ? _("no image") : _("image shuffled"),
                          a->image_accuracy, &fw_text_color, TRUE };
        bars[2] = (Bar) { m == FW_METHOD_ABLATION ? _("no text") : _("text shuffled"),
                          a->text_accuracy, &fw_image_color, TRUE };
        return 3;
      }
    case FW_METHOD_IG:
      bars[0] = (Bar) { _("image"), n->ig_image, &fw_image_color, FALSE };
      bars[1] = (Bar) { _("text"), n->ig_text, &fw_text_color, FALSE };
      return 2;
    case FW_METHOD_EMAP:
      bars[0] = (Bar) { _("model"), n->emap.model_accuracy, &fw_interaction_color, TRUE };
      bars[1] = (Bar) { _("additive"), n->emap.additive_accuracy, &fw_image_color, TRUE };
      bars[2] = (Bar) { _("gap"), n->emap.gap, &fw_text_color, TRUE };
      return 3;
    default:
      return 0;
    }
}

static char *
method_note (const FwContribNumbers *n, FwContribMethod m)
{
  GString *s = g_string_new (NULL);

  switch (m)
    {
    case FW_METHOD_SHAPLEY:
      {
        g_autofree char *shares = fw_effect_shares_describe (n->shapley.image, n->shapley.text,
                                                             n->shapley.interaction);
        g_string_append (s, shares);
      }
      break;
    case FW_METHOD_ABLATION:
    case FW_METHOD_PERMUTATION:
      {
        const FwAblation *a = m == FW_METHOD_ABLATION ? &n->ablation : &n->permutation;
        g_string_append_printf (s, _("Losing the image costs %.3f, the text %.3f"),
                                a->full_accuracy - a->image_accuracy,
                                a->full_accuracy - a->text_accuracy);
      }
      break;
    case FW_METHOD_IG:
      g_string_append_printf (s, _("On the first %d rows, zero baseline, %d steps"), n->ig_n,
                              n->ig_steps);
      break;
    case FW_METHOD_EMAP:
      g_string_append_printf (s, _("Gap: the interaction the model uses (%d rows)"),
                              n->emap.n);
      break;
    default:
      break;
    }
  if (n->has_late)
    g_string_append_printf (s, _(" · late weights image %.2f, text %.2f"), n->late_image, n->late_text);
  if (n->has_gate)
    g_string_append_printf (s, _(" · mean gate image %.2f, text %.2f"), n->gate_image, n->gate_text);
  return g_string_free (s, FALSE);
}

static void
format_value (char *buf, gsize size, const Bar *b)
{
  if (!isfinite (b->value))
    g_snprintf (buf, size, "—");
  else if (b->fraction)
    g_snprintf (buf, size, "%.3f", b->value);
  else
    g_snprintf (buf, size, "%+.3f", b->value);
}

/* Horizontal bars from a zero line; labels left, values right. */
static void
draw_bar_rows (FwContribChart *self, cairo_t *cr, double x, double y, double w, double row_h,
               const Bar *bars, int n, const GdkRGBA *fg, double lo, double hi, double chance)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double label_w = 0, value_w = text_width (widget, "+0.000") + 6;
  double bx, bw;
  double zero;

  for (int i = 0; i < n; i++)
    label_w = MAX (label_w, text_width (widget, bars[i].label));
  label_w = MIN (label_w, w * 0.5);
  bx = x + label_w + 8;
  bw = MAX (w - label_w - value_w - 16, 20);
  zero = bx + (0 - lo) / (hi - lo) * bw;
  for (int i = 0; i < n; i++)
    {
      double ry = y + i * row_h, v = isfinite (bars[i].value) ? bars[i].value : 0;
      double vx = bx + (CLAMP (v, lo, hi) - lo) / (hi - lo) * bw;
      char buf[32];

      set_rgba (cr, fg, 1);
      show_text (widget, cr, x + label_w, ry + row_h / 2, 1, 0.5, bars[i].label, FALSE, label_w);
      set_rgba (cr, bars[i].color, 0.9);
      cairo_rectangle (cr, MIN (zero, vx), ry + row_h * 0.15, fabs (vx - zero), row_h * 0.7);
      cairo_fill (cr);
      format_value (buf, sizeof buf, &bars[i]);
      set_rgba (cr, fg, 1);
      show_text (widget, cr, bx + bw + 8, ry + row_h / 2, 0, 0.5, buf, TRUE, 0);
    }
  set_rgba (cr, fg, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, zero + 0.5, y);
  cairo_line_to (cr, zero + 0.5, y + n * row_h);
  cairo_stroke (cr);
  if (chance > 0 && chance < 1)
    {
      double cx = round (bx + (chance - lo) / (hi - lo) * bw) + 0.5;
      fw_chart_draw_chance_line (widget, cr, cx, y + n * row_h, cx, y, fg);
    }
}

static void
draw_bars (FwContribChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const FwContribNumbers *n = self->result ? fw_contrib_result_get_numbers (self->result) : NULL;
  int th = text_height (widget);
  g_autofree char *note = NULL;
  Bar bars[4] = { { 0 } };
  int nb;
  double lo = 0, hi = 0;

  set_rgba (cr, fg, 1);
  show_text (widget, cr, 4, 2, 0, 0, method_title (self->method), TRUE, w - 8);
  if (!n)
    {
      set_rgba (cr, fg, 0.7);
      show_hint (widget, cr, w / 2.0, h / 2.0, empty_hint (self), w - 16);
      return;
    }
  nb = method_bars (n, self->method, bars);
  if (self->per_class && self->method == FW_METHOD_SHAPLEY)
    {
      /* one group of three thin bars per class */
      int K = n->n_classes;
      double y = th + 10, avail = h - y - 2 * th - 8;
      double row_h = MIN (avail / MAX (K * 3, 1), th * 1.1);
      double label_w = 0;

      for (int k = 0; k < K * 3; k++)
        {
          lo = MIN (lo, n->class_shapley[k]);
          hi = MAX (hi, n->class_shapley[k]);
        }
      hi = MAX (hi, 0.05);
      for (int k = 0; k < K; k++)
        label_w = MAX (label_w, text_width (widget, n->classes[k]));
      label_w = MIN (label_w, w * 0.5);
      for (int k = 0; k < K; k++)
        {
          /* the class name stands in the image row's label column */
          Bar cb[3] = {
            { n->classes[k], n->class_shapley[k * 3], &fw_image_color, FALSE },
            { "", n->class_shapley[k * 3 + 1], &fw_text_color, FALSE },
            { "", n->class_shapley[k * 3 + 2], &fw_interaction_color, FALSE },
          };
          draw_bar_rows (self, cr, 4, y + k * 3 * row_h, w - 8, row_h, cb, 3, fg, lo, hi, NAN);
        }
      note = g_strdup (_("Per true class: image, text, interaction (top to bottom)"));
    }
  else
    {
      double y = th + 10, avail = h - y - 2 * th - 12;
      double row_h = MIN (avail / MAX (nb, 1), th * 2.2);

      for (int i = 0; i < nb; i++)
        if (isfinite (bars[i].value))
          {
            lo = MIN (lo, bars[i].value);
            hi = MAX (hi, bars[i].value);
          }
      if (bars[0].fraction)
        hi = MAX (hi, 1.0);
      hi = MAX (hi, 0.05);
      /* accuracies (ablation, permutation, EMAP) beside what guessing scores */
      draw_bar_rows (self, cr, 4, y + th, w - 8, row_h - th / (double) MAX (nb, 1), bars, nb, fg, lo, hi,
                     bars[0].fraction && n->n_classes > 1 ? 1.0 / n->n_classes : NAN);
      note = method_note (n, self->method);
    }
  set_rgba (cr, fg, 0.8);
  show_note (widget, cr, 4, h - 2, note, w - 8);
}

static void
draw_reliance (FwContribChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  FwRun *run = self->result ? fw_contrib_result_get_run (self->result) : NULL;
  const FwEpochPoint *e = NULL;
  guint n = 0, shown = 0;
  int th = text_height (widget), epochs;
  const GdkRGBA *colors[2] = { &fw_image_color, &fw_text_color };
  const FwLegendEntry legend[2] = {
    { _("image"), &fw_image_color, FALSE }, { _("text"), &fw_text_color, FALSE },
  };
  FwChartFrame f;
  double lh;

  set_rgba (cr, fg, 1);
  show_text (widget, cr, 4, 2, 0, 0, _("Reliance per epoch"), TRUE, w - 8);
  if (run)
    e = fw_run_get_epochs (run, &n);
  epochs = run ? MAX (fw_run_get_config (run)->epochs, 1) : 1;
  /* share 0..1 over epochs 1..E; a single epoch sits in the middle */
  lh = fw_chart_legend_height (widget, legend, 2, w - 16);
  f.area = (FwChartRect) { 44, th + 8 + lh + 8, MAX (w - 44 - 12, 10), 0 };
  f.area.height = MAX (h - f.area.y - 2 * th - 12, 10);
  f.x0 = epochs == 1 ? 0.5 : 1;
  f.x1 = epochs == 1 ? 1.5 : epochs;
  f.y0 = 0;
  f.y1 = 1;
  f.log_y = FALSE;
  fw_chart_draw_legend (widget, cr, 8, th + 8, w - 16, legend, 2, fg);
  fw_chart_draw_axes (widget, cr, &f, TRUE, _("epoch"), fg);

  for (int m = 0; m < 2; m++)
    {
      gboolean started = FALSE;
      cairo_set_line_width (cr, 3);
      set_rgba (cr, colors[m], 1);
      for (guint i = 0; i < n; i++)
        {
          double v = m == 0 ? e[i].image_share : e[i].text_share;
          if (!fw_epoch_has_reliance (&e[i]))
            continue;
          if (started)
            cairo_line_to (cr, fw_chart_frame_x (&f, e[i].epoch), fw_chart_frame_y (&f, CLAMP (v, 0, 1)));
          else
            cairo_move_to (cr, fw_chart_frame_x (&f, e[i].epoch), fw_chart_frame_y (&f, CLAMP (v, 0, 1)));
          started = TRUE;
        }
      cairo_stroke (cr);
      for (guint i = 0; i < n; i++)
        {
          double v = m == 0 ? e[i].image_share : e[i].text_share;
          if (!fw_epoch_has_reliance (&e[i]))
            continue;
          cairo_arc (cr, fw_chart_frame_x (&f, e[i].epoch), fw_chart_frame_y (&f, CLAMP (v, 0, 1)), 5, 0, 2 * G_PI);
          cairo_fill (cr);
          shown += m == 0;
        }
    }
  if (shown == 0)
    {
      set_rgba (cr, fg, 0.7);
      show_hint (widget, cr, f.area.x + f.area.width / 2, f.area.y + f.area.height / 2,
                 run && fw_run_get_state (run) != FW_RUN_RUNNING
                   ? _("Not measured for this run") : _("Measured on validation rows after every epoch"),
                 f.area.width - 8);
    }
}

void
fw_contrib_chart_confusion_layout (FwContribChart *self, int w, int h, FwConfusionLayout *l)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const FwContribNumbers *n = self->result ? fw_contrib_result_get_numbers (self->result) : NULL;
  int th = text_height (widget), K = n ? n->n_classes : 0;
  double names_w = 0, head_h;

  memset (l, 0, sizeof *l);
  if (K == 0)
    return;
  for (int k = 0; k < K; k++)
    names_w = MAX (names_w, text_width (widget, n->classes[k]));
  l->row_label_width = MIN (names_w, w * 0.3);
  /* the axis titles: "true" turned up the left edge, "predicted" on top */
  l->true_title = (FwChartRect) { 2, 0, th, 0 };
  l->gx = l->true_title.x + th + 6 + l->row_label_width + 6;
  l->cell = (w - l->gx - 4) / K;
  /* column names lie flat when they fit and stand up when they do not */
  l->rotated_headers = names_w + 6 > l->cell;
  head_h = l->rotated_headers ? MIN (names_w, 0.25 * h) + 4 : th + 2;
  l->predicted_title = (FwChartRect) { l->gx, th + 6, w - l->gx - 4, th };
  l->gy = l->predicted_title.y + th + 4 + head_h;
  l->cell = MAX (MIN (l->cell, (h - l->gy - 4) / K), 1);
  l->true_title.y = l->gy;
  l->true_title.height = K * l->cell;
  /* counts shrink with the cell, but never below legible, then drop */
  l->number_scale = CLAMP ((l->cell - 2) / th, 0, 1);
  l->numbers_shown = l->number_scale >= 0.6;
}

static void
show_text_scaled (GtkWidget *widget, cairo_t *cr, double x, double y, const char *text,
                  gboolean bold, double scale)
{
  PangoLayout *layout = fw_chart_layout (widget, text, bold);
  PangoAttrList *attrs = pango_attr_list_new ();
  int tw, lh;

  pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &tw, &lh);
  cairo_move_to (cr, x - tw / 2.0, y - lh / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
draw_confusion (FwContribChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const FwContribNumbers *n = self->result ? fw_contrib_result_get_numbers (self->result) : NULL;
  FwConfusionLayout l;
  int K;

  set_rgba (cr, fg, 1);
  show_text (widget, cr, 4, 2, 0, 0, _("Confusion (test)"), TRUE, w - 8);
  if (!n || n->n_classes == 0)
    {
      set_rgba (cr, fg, 0.7);
      show_hint (widget, cr, w / 2.0, h / 2.0, empty_hint (self), w - 16);
      return;
    }
  K = n->n_classes;
  fw_contrib_chart_confusion_layout (self, w, h, &l);

  /* axis titles */
  set_rgba (cr, fg, 0.85);
  show_text (widget, cr, l.gx + K * l.cell / 2, l.predicted_title.y, 0.5, 0, _("predicted"), FALSE, 0);
  cairo_save (cr);
  cairo_translate (cr, l.true_title.x, l.true_title.y + l.true_title.height / 2);
  cairo_rotate (cr, -G_PI / 2);
  show_text (widget, cr, 0, 0, 0.5, 0, _("true"), FALSE, 0);
  cairo_restore (cr);

  for (int k = 0; k < K; k++)
    {
      int total = 0;
      for (int j = 0; j < K; j++)
        total += n->confusion[k * K + j];
      set_rgba (cr, fg, 1);
      show_text (widget, cr, l.gx - 6, l.gy + (k + 0.5) * l.cell, 1, 0.5, n->classes[k], FALSE,
                 l.row_label_width);
      for (int j = 0; j < K; j++)
        {
          int c = n->confusion[k * K + j];
          double frac = total ? (double) c / total : 0;
          char buf[16];
          set_rgba (cr, k == j ? &fw_image_color : &fw_text_color, 0.12 + 0.88 * frac);
          cairo_rectangle (cr, l.gx + j * l.cell + 1, l.gy + k * l.cell + 1, l.cell - 2, l.cell - 2);
          cairo_fill (cr);
          g_snprintf (buf, sizeof buf, "%d", c);
          set_rgba (cr, fg, 1);
          if (l.numbers_shown)
            show_text_scaled (widget, cr, l.gx + (j + 0.5) * l.cell, l.gy + (k + 0.5) * l.cell, buf,
                              k == j, l.number_scale);
        }
    }
  /* predicted class names over the columns */
  set_rgba (cr, fg, 1);
  for (int j = 0; j < K; j++)
    {
      if (!l.rotated_headers)
        show_text (widget, cr, l.gx + (j + 0.5) * l.cell, l.gy - 2, 0.5, 1, n->classes[j], FALSE, l.cell);
      else
        {
          cairo_save (cr);
          cairo_translate (cr, l.gx + (j + 0.5) * l.cell, l.gy - 3);
          cairo_rotate (cr, -G_PI / 2);
          show_text (widget, cr, 0, 0, 0, 0.5, n->classes[j], FALSE, l.gy - l.predicted_title.y - 3 - 4 - l.predicted_title.height);
          cairo_restore (cr);
        }
    }
}

void
fw_contrib_chart_draw (FwContribChart *self, cairo_t *cr, int w, int h, const GdkRGBA *fg,
                       const GdkRGBA *bg)
{
  if (bg)
    {
      set_rgba (cr, bg, 1);
      cairo_paint (cr);
    }
  switch (self->kind)
    {
    case FW_CONTRIB_CHART_BARS: draw_bars (self, cr, w, h, fg); break;
    case FW_CONTRIB_CHART_RELIANCE: draw_reliance (self, cr, w, h, fg); break;
    case FW_CONTRIB_CHART_CONFUSION: draw_confusion (self, cr, w, h, fg); break;
    default: break;
    }
}

char *
fw_contrib_chart_describe (FwContribChart *self)
{
  const FwContribNumbers *n = self->result ? fw_contrib_result_get_numbers (self->result) : NULL;

  switch (self->kind)
    {
    case FW_CONTRIB_CHART_BARS:
      {
        Bar bars[4];
        int nb;
        GString *s;
        if (!n)
          return g_strdup (_("No contributions computed yet"));
        s = g_string_new (method_title (self->method));
        nb = method_bars (n, self->method, bars);
        for (int i = 0; i < nb; i++)
          g_string_append_printf (s, "; %s %.3f", bars[i].label, bars[i].value);
        /* what the drawn note under the bars says, for screen readers too */
        g_autofree char *note = method_note (n, self->method);
        if (note && *note)
          g_string_append_printf (s, ". %s", note);
        return g_string_free (s, FALSE);
      }
    case FW_CONTRIB_CHART_RELIANCE:
      return g_strdup_printf (_("Reliance over epochs: %u points"),
                              self->result ? fw_contrib_result_get_n_reliance (self->result) : 0);
    default:
      return g_strdup (_("Confusion matrix of the test split"));
    }
}

static void
update_description (FwContribChart *self)
{
  g_autofree char *text = fw_contrib_chart_describe (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
on_result_changed (FwContribChart *self)
{
  update_description (self);
  if (self->kind == FW_CONTRIB_CHART_CONFUSION)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fw_contrib_chart_set_result (FwContribChart *self, FwContribResult *result)
{
  g_return_if_fail (FW_IS_CONTRIB_CHART (self));

  if (self->result)
    g_clear_signal_handler (&self->changed_id, self->result);
  g_set_object (&self->result, result);
  if (result)
    self->changed_id = g_signal_connect_swapped (result, "changed", G_CALLBACK (on_result_changed), self);
  on_result_changed (self);
}

void
fw_contrib_chart_set_method (FwContribChart *self, FwContribMethod method)
{
  self->method = method;
  on_result_changed (self);
}

void
fw_contrib_chart_set_per_class (FwContribChart *self, gboolean per_class)
{
  self->per_class = per_class;
  on_result_changed (self);
}

static void
fw_contrib_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FwContribChart *self = FW_CONTRIB_CHART (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  fw_contrib_chart_draw (self, cr, w, h, &fg, NULL);
  cairo_destroy (cr);
}

static void
fw_contrib_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  FwContribChart *self = FW_CONTRIB_CHART (widget);
  gboolean wide = self->kind != FW_CONTRIB_CHART_CONFUSION;

  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? (wide ? 240 : 200) : 230;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? (wide ? 380 : 230) : 260;
  if (!wide && orientation == GTK_ORIENTATION_VERTICAL && self->result &&
      fw_contrib_result_get_numbers (self->result))
    {
      /* rows tall enough for the counts, headers included */
      int K = fw_contrib_result_get_numbers (self->result)->n_classes;
      int need = (int) (text_height (widget) * (4 + 0.8 * K)) + 100;
      *minimum = MAX (*minimum, need);
      *natural = MAX (*natural, need);
    }
}

static void
fw_contrib_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwContribChart *self = FW_CONTRIB_CHART (object);

  if (prop_id == PROP_KIND)
    g_value_set_int (value, self->kind);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
fw_contrib_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwContribChart *self = FW_CONTRIB_CHART (object);

  if (prop_id == PROP_KIND)
    {
      self->kind = g_value_get_int (value);
      on_result_changed (self);
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
fw_contrib_chart_dispose (GObject *object)
{
  FwContribChart *self = FW_CONTRIB_CHART (object);

  if (self->result)
    g_clear_signal_handler (&self->changed_id, self->result);
  g_clear_object (&self->result);
  G_OBJECT_CLASS (fw_contrib_chart_parent_class)->dispose (object);
}

static void
fw_contrib_chart_class_init (FwContribChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_contrib_chart_dispose;
  object_class->get_property = fw_contrib_chart_get_property;
  object_class->set_property = fw_contrib_chart_set_property;
  widget_class->snapshot = fw_contrib_chart_snapshot;
  widget_class->measure = fw_contrib_chart_measure;
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, FW_CONTRIB_CHART_N_KINDS - 1, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "fwcontribchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fw_contrib_chart_init (FwContribChart *self)
{
}
