/* fw-fusion-diagram.c — draws inputs → encoders → ⊕ → head → ŷ with Cairo,
 * placing the ⊕ at the inputs (early), between encoders and head
 * (intermediate) or after one head per modality (late); the unimodal
 * baselines grey out the unused input.  Box labels follow the options;
 * with the data's sizes known, the inputs and output show their tensor
 * shapes and each block its parameter count (the core counts them from the
 * architecture, as the model it would train). */
#include <glib/gi18n.h>
#include <math.h>
#include <stdarg.h>

#include "fw-fusion-diagram.h"

struct _FwFusionDiagram
{
  GtkWidget parent_instance;

  /* Owned */
  FwConfig config;
  int vocab, classes;        /* 0: no data open */
  int image_features, text_features; /* widths of precomputed vectors; 0: none */
  GArray *blocks;            /* FwBlockParams of config on that data; NULL without */
};

G_DEFINE_FINAL_TYPE (FwFusionDiagram, fw_fusion_diagram, GTK_TYPE_WIDGET)

typedef struct {
  cairo_t *cr;
  GtkWidget *widget;
  GdkRGBA fg;
  GdkRGBA accent;
  double bw, bh;             /* box size */
} Pen;

static void
text_at (Pen *p, double cx, double cy, const char *text, gboolean bold, double alpha)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (p->widget, NULL);
  int w, h;

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);
      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_set_source_rgba (p->cr, p->fg.red, p->fg.green, p->fg.blue, alpha);
  cairo_move_to (p->cr, cx - w / 2.0, cy - h / 2.0);
  pango_cairo_show_layout (p->cr, layout);
  g_object_unref (layout);
}

static void
rounded (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
box (Pen *p, double cx, double cy, const char *label, gboolean emphasis, double alpha)
{
  cairo_t *cr = p->cr;

  rounded (cr, cx - p->bw / 2, cy - p->bh / 2, p->bw, p->bh, 8);
  if (emphasis)
    cairo_set_source_rgba (cr, p->accent.red, p->accent.green, p->accent.blue, 0.25 * alpha);
  else
    cairo_set_source_rgba (cr, p->fg.red, p->fg.green, p->fg.blue, 0.08 * alpha);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, p->fg.red, p->fg.green, p->fg.blue, 0.8 * alpha);
  cairo_set_line_width (cr, 1.5);
  if (alpha < 1)
    cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  text_at (p, cx, cy, label, FALSE, alpha);
}

/* The fusion point: a filled circle in the accent colour with ⊕ and the
 * operation written under it. */
static void
fuse (Pen *p, double cx, double cy, const char *op)
{
  cairo_t *cr = p->cr;
  double r = MIN (p->bh * 0.42, 22);

  cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &p->accent);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 3);
  cairo_move_to (cr, cx - r * 0.55, cy);
  cairo_line_to (cr, cx + r * 0.55, cy);
  cairo_move_to (cr, cx, cy - r * 0.55);
  cairo_line_to (cr, cx, cy + r * 0.55);
  cairo_stroke (cr);
  if (op)
    text_at (p, cx, cy + r + 14, op, TRUE, 1);
}

static void
arrow (Pen *p, double x0, double y0, double x1, double y1, double alpha)
{
  cairo_t *cr = p->cr;
  double a = atan2 (y1 - y0, x1 - x0);

  cairo_set_source_rgba (cr, p->fg.red, p->fg.green, p->fg.blue, 0.7 * alpha);
  cairo_set_line_width (cr, 2);
  if (fabs (y1 - y0) > 1 && fabs (x1 - x0) > 1)
    {
      double mx = (x0 + x1) / 2;
      cairo_move_to (cr, x0, y0);
      cairo_curve_to (cr, mx, y0, mx, y1, x1, y1);
      a = 0;
    }
  else
    {
      cairo_move_to (cr, x0, y0);
      cairo_line_to (cr, x1, y1);
    }
  cairo_stroke (cr);
  cairo_move_to (cr, x1, y1);
  cairo_line_to (cr, x1 - 9 * cos (a - 0.45), y1 - 9 * sin (a - 0.45));
  cairo_line_to (cr, x1 - 9 * cos (a + 0.45), y1 - 9 * sin (a + 0.45));
  cairo_close_path (cr);
  cairo_fill (cr);
}

static const char *
op_label (FwFusionOp op)
{
  static const char *const labels[] = {
    N_("concat"), N_("sum"), N_("product"), N_("gated"), N_("tensor"), N_("low-rank"),
    N_("attention"),
  };
  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == FW_OP_N_KINDS);
  return _(labels[op]);
}

static const char *
late_label (FwLateCombine c)
{
  static const char *const labels[] = { N_("mean"), N_("weighted"), N_("stacking") };
  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == FW_LATE_N_KINDS);
  return _(labels[c]);
}

static char *
image_encoder_label (const FwConfig *c)
{
  const char *name = c->image_encoder == FW_IMAGE_CNN ? _("CNN")
                   : c->image_encoder == FW_IMAGE_FEATURES ? _("Features") : _("MLP");
  return g_strdup_printf ("%s\n%d", name, c->hidden);
}

static char *
text_encoder_label (const FwConfig *c)
{
  if (c->text_encoder == FW_TEXT_TRANSFORMER)
    return g_strdup_printf (g_dngettext (NULL, "Transformer\n%d block · %d", "Transformer\n%d blocks · %d",
                                         c->layers),
                            c->layers, c->hidden);
  const char *name = c->text_encoder == FW_TEXT_BOW ? _("BoW")
                   : c->text_encoder == FW_TEXT_EMBED ? _("Embed")
                   : c->text_encoder == FW_TEXT_FEATURES ? _("Features") : _("GRU");
  return g_strdup_printf ("%s\n%d", name, c->hidden);
}

static char *
head_label (const FwConfig *c)
{
  if (c->head_hidden == 0)
    return g_strdup (_("Linear"));
  return g_strdup_printf (_("Head\n%d"), c->head_hidden);
}

gsize
fw_fusion_diagram_get_block_params (FwFusionDiagram *self, const char *block)
{
  g_return_val_if_fail (FW_IS_FUSION_DIAGRAM (self), 0);

  for (guint i = 0; self->blocks && i < self->blocks->len; i++)
    if (g_str_equal (g_array_index (self->blocks, FwBlockParams, i).name, block))
      return g_array_index (self->blocks, FwBlockParams, i).params;
  return 0;
}

/* "6.5k params" for the blocks named (NULL-terminated), or NULL: short,
 * as the notes under neighbouring boxes share the width. */
static char *
params_label (FwFusionDiagram *self, ...)
{
  va_list ap;
  gsize n = 0;
  const char *block;

  va_start (ap, self);
  while ((block = va_arg (ap, const char *)))
    n += fw_fusion_diagram_get_block_params (self, block);
  va_end (ap);
  if (n == 0)
    return NULL;
  if (n < 1000)
    return g_strdup_printf (g_dngettext (NULL, "%zu param", "%zu params", n), n);
  if (n < 1000000)
    return g_strdup_printf (_("%.3gk params"), n / 1000.0);
  return g_strdup_printf (_("%.3gM params"), n / 1e6);
}

/* Small text under a box (a block's parameters, an input's shape). */
static void
note (Pen *p, double cx, double cy, const char *text)
{
  if (!text)
    return;
  PangoLayout *layout = gtk_widget_create_pango_layout (p->widget, NULL);
  g_autofree char *markup = g_markup_printf_escaped ("<small>%s</small>", text);
  int w, h;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_set_source_rgba (p->cr, p->fg.red, p->fg.green, p->fg.blue, 0.8);
  cairo_move_to (p->cr, cx - w / 2.0, cy + p->bh / 2 + 2);
  pango_cairo_show_layout (p->cr, layout);
  g_object_unref (layout);
}

static char *
image_shape_label (FwFusionDiagram *self)
{
  const FwConfig *c = &self->config;
  /* precomputed vectors: a batch of N rows of D */
  if (self->blocks && c->image_encoder == FW_IMAGE_FEATURES)
    return g_strdup_printf ("[N, %d]", self->image_features);
  return self->blocks ? g_strdup_printf ("%d×%d×%d", c->image_size, c->image_size,
                                         c->color == FW_COLOR_RGB ? 3 : 1)
                      : NULL;
}

static char *
text_shape_label (FwFusionDiagram *self)
{
  if (!self->blocks)
    return NULL;
  if (self->config.text_encoder == FW_TEXT_BOW)
    return g_strdup_printf (_("%d word counts"), self->vocab);
  if (self->config.text_encoder == FW_TEXT_TRANSFORMER)
    return g_strdup_printf (g_dngettext (NULL, "≤ %d tokens × %d, %d head", "≤ %d tokens × %d, %d heads",
                                         self->config.heads),
                            FW_MAX_TOKENS, FW_EMBED_DIM, self->config.heads);
  if (self->config.text_encoder == FW_TEXT_FEATURES)
    return g_strdup_printf ("[N, %d]", self->text_features);
  return g_strdup_printf (_("≤ %d tokens"), FW_MAX_TOKENS);
}

/* attention fusion: the encoders give tokens, which meet in two
 * cross-attention blocks (words → image regions above, regions → words
 * below), each pooled to 64 and joined into the head's 128 */
static void
draw_attention (Pen *p, const FwConfig *c, const double *X, double yi, double yt, double ym,
                double half, const char *head)
{
  int g = c->image_size / FW_IMAGE_PATCH;
  int dt = c->text_encoder == FW_TEXT_GRU ? c->hidden : FW_EMBED_DIM;
  g_autofree char *itok = c->image_encoder == FW_IMAGE_CNN
    ? g_strdup_printf (_("CNN\n%d×%d×32"), g, g)
    : g_strdup_printf (_("Patches\n%d×%d×%d"), g, g,
                       (c->color == FW_COLOR_RGB ? 3 : 1) * FW_IMAGE_PATCH * FW_IMAGE_PATCH);
  const char *tname = c->text_encoder == FW_TEXT_EMBED ? _("Embed")
                    : c->text_encoder == FW_TEXT_GRU ? _("GRU") : _("Transformer");  /* msgid from the transformer branch */
  g_autofree char *ttok = g_strdup_printf ("%s\n≤%d×%d", tname, FW_MAX_TOKENS, dt);
  g_autofree char *t2i = g_strdup_printf (_("words → image\n%d heads"), c->heads);
  g_autofree char *i2t = g_strdup_printf (_("image → words\n%d heads"), c->heads);

  box (p, X[0], yi, _("Image"), FALSE, 1);
  box (p, X[0], yt, _("Text"), FALSE, 1);
  arrow (p, X[0] + half, yi, X[1] - half, yi, 1);
  arrow (p, X[0] + half, yt, X[1] - half, yt, 1);
  box (p, X[1], yi, itok, FALSE, 1);
  box (p, X[1], yt, ttok, FALSE, 1);
  /* each block reads both token sets: queries from one, keys from the other */
  arrow (p, X[1] + half, yi, X[2] - half, yi, 1);
  arrow (p, X[1] + half, yt, X[2] - half, yt, 1);
  arrow (p, X[1] + half, yi, X[2] - half, yt, 1);
  arrow (p, X[1] + half, yt, X[2] - half, yi, 1);
  box (p, X[2], yi, t2i, FALSE, 1);
  box (p, X[2], yt, i2t, FALSE, 1);
  arrow (p, X[2] + half, yi, X[3] - half, ym, 1);
  arrow (p, X[2] + half, yt, X[3] - half, ym, 1);
  box (p, X[3], ym, head, FALSE, 1);
  arrow (p, X[3] + half, ym, X[4] - half, ym, 1);
  box (p, X[4], ym, "ŷ", TRUE, 1);
}

void
fw_fusion_diagram_draw (FwFusionDiagram *self, cairo_t *cr, int width, int height,
                        const GdkRGBA *fg, const GdkRGBA *accent)
{
  const FwConfig *c = &self->config;
  Pen p = { cr, GTK_WIDGET (self), *fg, *accent, 0, 0 };
  double yi = height * 0.25, yt = height * 0.75, ym = height * 0.5;
  double X[5];
  g_autofree char *ienc = image_encoder_label (c);
  g_autofree char *tenc = text_encoder_label (c);
  g_autofree char *head = head_label (c);
  g_autofree char *image_shape = image_shape_label (self);
  g_autofree char *text_shape = text_shape_label (self);
  g_autofree char *out_shape = self->blocks ? g_strdup_printf (_("%d classes"), self->classes) : NULL;
  g_autofree char *p_image = params_label (self, "image_encoder", NULL);
  g_autofree char *p_text = params_label (self, "text_encoder", NULL);
  g_autofree char *p_early = params_label (self, "text_embedding", "encoder", NULL);
  g_autofree char *p_head = params_label (self, "head", "fusion", NULL);
  g_autofree char *p_heads = params_label (self, "image_head", "text_head", "late", NULL);
  double half;

  p.bw = CLAMP (width * 0.15, 56, 130);
  p.bh = CLAMP (height * 0.3, 36, 64);
  half = p.bw / 2;
  for (int i = 0; i < 5; i++)
    X[i] = width * (0.1 + 0.2 * i);

  switch (c->fusion)
    {
    case FW_FUSION_EARLY:
      /* inputs → ⊕ → one shared encoder → head → ŷ */
      box (&p, X[0], yi, _("Image"), FALSE, 1);
      box (&p, X[0], yt, _("Text"), FALSE, 1);
      arrow (&p, X[0] + half, yi, X[1] - 22, ym, 1);
      arrow (&p, X[0] + half, yt, X[1] - 22, ym, 1);
      fuse (&p, X[1], ym, _("concat"));
      arrow (&p, X[1] + 22, ym, X[2] - half, ym, 1);
      {
        g_autofree char *enc = g_strdup_printf (_("MLP\n%d"), c->hidden);
        box (&p, X[2], ym, enc, FALSE, 1);
      }
      arrow (&p, X[2] + half, ym, X[3] - half, ym, 1);
      box (&p, X[3], ym, head, FALSE, 1);
      arrow (&p, X[3] + half, ym, X[4] - half, ym, 1);
      box (&p, X[4], ym, "ŷ", TRUE, 1);
      note (&p, X[2], ym, p_early);
      note (&p, X[3], ym, p_head);
      break;

    case FW_FUSION_INTERMEDIATE:
      if (c->fusion_op == FW_OP_ATTENTION)
        {
          draw_attention (&p, c, X, yi, yt, ym, half, head);
          note (&p, X[3], ym, p_head);
          break;
        }
      box (&p, X[0], yi, _("Image"), FALSE, 1);
      box (&p, X[0], yt, _("Text"), FALSE, 1);
      arrow (&p, X[0] + half, yi, X[1] - half, yi, 1);
      arrow (&p, X[0] + half, yt, X[1] - half, yt, 1);
      box (&p, X[1], yi, ienc, FALSE, 1);
      box (&p, X[1], yt, tenc, FALSE, 1);
      arrow (&p, X[1] + half, yi, X[2] - 22, ym, 1);
      arrow (&p, X[1] + half, yt, X[2] - 22, ym, 1);
      fuse (&p, X[2], ym, op_label (c->fusion_op));
      arrow (&p, X[2] + 22, ym, X[3] - half, ym, 1);
      box (&p, X[3], ym, head, FALSE, 1);
      arrow (&p, X[3] + half, ym, X[4] - half, ym, 1);
      box (&p, X[4], ym, "ŷ", TRUE, 1);
      note (&p, X[1], yi, p_image);
      note (&p, X[1], yt, p_text);
      note (&p, X[3], ym, p_head);
      break;

    case FW_FUSION_LATE:
      box (&p, X[0], yi, _("Image"), FALSE, 1);
      box (&p, X[0], yt, _("Text"), FALSE, 1);
      arrow (&p, X[0] + half, yi, X[1] - half, yi, 1);
      arrow (&p, X[0] + half, yt, X[1] - half, yt, 1);
      box (&p, X[1], yi, ienc, FALSE, 1);
      box (&p, X[1], yt, tenc, FALSE, 1);
      arrow (&p, X[1] + half, yi, X[2] - half, yi, 1);
      arrow (&p, X[1] + half, yt, X[2] - half, yt, 1);
      box (&p, X[2], yi, head, FALSE, 1);
      box (&p, X[2], yt, head, FALSE, 1);
      arrow (&p, X[2] + half, yi, X[3] - 22, ym, 1);
      arrow (&p, X[2] + half, yt, X[3] - 22, ym, 1);
      fuse (&p, X[3], ym, late_label (c->late_combine));
      arrow (&p, X[3] + 22, ym, X[4] - half, ym, 1);
      box (&p, X[4], ym, "ŷ", TRUE, 1);
      note (&p, X[1], yi, p_image);
      note (&p, X[1], yt, p_text);
      note (&p, X[2], yt, p_heads);
      break;

    case FW_FUSION_IMAGE:
    case FW_FUSION_TEXT:
      {
        gboolean image = c->fusion == FW_FUSION_IMAGE;
        double y_on = image ? yi : yt, y_off = image ? yt : yi;
        box (&p, X[0], y_on, image ? _("Image") : _("Text"), FALSE, 1);
        box (&p, X[0], y_off, image ? _("Text") : _("Image"), FALSE, 0.35);
        text_at (&p, X[1] + half, y_off, _("not used"), FALSE, 0.5);
        arrow (&p, X[0] + half, y_on, X[1] - half, y_on, 1);
        box (&p, X[1], y_on, image ? ienc : tenc, FALSE, 1);
        arrow (&p, X[1] + half, y_on, X[3] - half, ym, 1);
        box (&p, X[3], ym, head, FALSE, 1);
        arrow (&p, X[3] + half, ym, X[4] - half, ym, 1);
        box (&p, X[4], ym, "ŷ", TRUE, 1);
        note (&p, X[1], y_on, image ? p_image : p_text);
        note (&p, X[3], ym, p_head);
      }
      break;

    default:
      break;
    }
  /* the inputs' and the output's shapes, every fusion type alike */
  if (c->fusion != FW_FUSION_TEXT)
    note (&p, X[0], yi, image_shape);
  if (c->fusion != FW_FUSION_IMAGE)
    note (&p, X[0], yt, text_shape);
  note (&p, X[4], ym, out_shape);
}

/* The blocks' parameters for the current options on the open data, and
 * the accessible description that reads them out. */
static void
update_blocks (FwFusionDiagram *self)
{
  FwShape shape = { self->config.color == FW_COLOR_RGB ? 3 : 1, self->config.image_size,
                    self->vocab, self->classes, self->image_features, self->text_features };

  g_clear_pointer (&self->blocks, g_array_unref);
  if (self->vocab >= 2 && self->classes >= 2)
    self->blocks = fw_model_count_block_params (&self->config, &shape, NULL);

  g_autoptr (GString) text = g_string_new (NULL);
  for (guint i = 0; self->blocks && i < self->blocks->len; i++)
    {
      const FwBlockParams *b = &g_array_index (self->blocks, FwBlockParams, i);
      g_string_append_printf (text, i ? "; %s: %zu" : "%s: %zu", b->name, b->params);
    }
  if (text->len)
    {
      g_autofree char *description = g_strdup_printf (_("Parameters per block: %s"), text->str);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      description, -1);
    }
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
fw_fusion_diagram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FwFusionDiagram *self = FW_FUSION_DIAGRAM (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkStyleContext *style;
  GdkRGBA fg, accent;
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  style = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", &accent) &&
      !gtk_style_context_lookup_color (style, "theme_selected_bg_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  fw_fusion_diagram_draw (self, cr, w, h, &fg, &accent);
  cairo_destroy (cr);
}

static void
fw_fusion_diagram_finalize (GObject *object)
{
  FwFusionDiagram *self = FW_FUSION_DIAGRAM (object);

  g_clear_pointer (&self->blocks, g_array_unref);
  G_OBJECT_CLASS (fw_fusion_diagram_parent_class)->finalize (object);
}

static void
fw_fusion_diagram_class_init (FwFusionDiagramClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = fw_fusion_diagram_finalize;
  widget_class->snapshot = fw_fusion_diagram_snapshot;
  gtk_widget_class_set_css_name (widget_class, "fwfusiondiagram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fw_fusion_diagram_init (FwFusionDiagram *self)
{
  fw_config_init (&self->config);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 170);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Diagram of the model: where the image and text are fused"), -1);
}

GtkWidget *
fw_fusion_diagram_new (void)
{
  return g_object_new (FW_TYPE_FUSION_DIAGRAM, NULL);
}

void
fw_fusion_diagram_set_config (FwFusionDiagram *self, const FwConfig *config)
{
  g_return_if_fail (FW_IS_FUSION_DIAGRAM (self));
  g_return_if_fail (config != NULL);

  self->config = *config;
  update_blocks (self);
}

void
fw_fusion_diagram_set_features (FwFusionDiagram *self, int image_dim, int text_dim)
{
  g_return_if_fail (FW_IS_FUSION_DIAGRAM (self));

  self->image_features = MAX (image_dim, 0);
  self->text_features = MAX (text_dim, 0);
  update_blocks (self);
}

void
fw_fusion_diagram_set_data (FwFusionDiagram *self, int vocab, int classes)
{
  g_return_if_fail (FW_IS_FUSION_DIAGRAM (self));

  self->vocab = MAX (vocab, 0);
  self->classes = MAX (classes, 0);
  update_blocks (self);
}
