/* fw-attention-map.c — the attention map widget.  The image is a Cairo
 * drawing with one cell per image token; the words are real focusable
 * chips (GtkFlowBoxChild) so that a screen reader reads each one with what
 * it attends to, and their shading is a CSS class per tenth of the
 * strongest weight, so the theme's colours and dark style apply.  What is
 * shown follows the pointer (or keyboard focus) first, the selection
 * second.  Running the model and deciding when to show the map are the
 * Sample inspector's job. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-attention-map.h"
#include "fw-chart-draw.h"
#include "fw-chart-style.h"

#define N_SHADES 10   /* chips: fw-attention-0 … fw-attention-10 in style.css */

struct _FwAttentionMap
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *title_label;
  GtkDropDown *head_dropdown;
  GtkDrawingArea *image_area;
  GtkFlowBox *words_box;
  GtkLabel *summary_label;

  /* Owned: the input */
  gboolean has_input;
  int channels, size;
  guint8 *pixels;            /* (channels, size, size) or NULL */
  int grid_w, grid_h, cell, n_regions;
  char **words;              /* (n_words) */
  int n_words;
  int heads;
  float *t2i;                /* (heads, n_words, n_regions) */
  float *i2t;                /* (heads, n_regions, n_words) or NULL */

  /* Owned: what is shown */
  int head;                  /* 0 = mean over the heads */
  int selected_word, selected_region;
  int pointed_word, pointed_region;   /* under the pointer or the keyboard focus, -1 none */
  int cursor_region;         /* the image's keyboard cursor */
  GPtrArray *chips;          /* (n_words) GtkFlowBoxChild, borrowed from words_box */
  gboolean updating_heads;
};

G_DEFINE_FINAL_TYPE (FwAttentionMap, fw_attention_map, GTK_TYPE_WIDGET)

static const GdkRGBA warm = { 0.95, 0.15, 0.10, 1 };

static void update_view (FwAttentionMap *self);

/* ---- the numbers ---- */

static float
t2i_weight (FwAttentionMap *self, int head, int word, int region)
{
  gsize per_head = (gsize) self->n_words * self->n_regions;
  float sum = 0;

  if (head > 0)
    return self->t2i[(head - 1) * per_head + (gsize) word * self->n_regions + region];
  for (int h = 0; h < self->heads; h++)
    sum += self->t2i[h * per_head + (gsize) word * self->n_regions + region];
  return sum / (float) self->heads;
}

static float
i2t_weight (FwAttentionMap *self, int head, int region, int word)
{
  gsize per_head = (gsize) self->n_regions * self->n_words;
  float sum = 0;

  if (head > 0)
    return self->i2t[(head - 1) * per_head + (gsize) region * self->n_words + word];
  for (int h = 0; h < self->heads; h++)
    sum += self->i2t[h * per_head + (gsize) region * self->n_words + word];
  return sum / (float) self->heads;
}

gboolean
fw_attention_map_get_region_weights (FwAttentionMap *self, int word, int head, float *out)
{
  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self) && out, FALSE);
  if (!self->has_input || word < 0 || word >= self->n_words || head < 0 || head > self->heads)
    return FALSE;
  for (int r = 0; r < self->n_regions; r++)
    out[r] = t2i_weight (self, head, word, r);
  return TRUE;
}

gboolean
fw_attention_map_get_word_weights (FwAttentionMap *self, int region, int head, float *out)
{
  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self) && out, FALSE);
  if (!self->has_input || !self->i2t || region < 0 || region >= self->n_regions
      || head < 0 || head > self->heads || self->n_words == 0)
    return FALSE;
  for (int w = 0; w < self->n_words; w++)
    out[w] = i2t_weight (self, head, region, w);
  return TRUE;
}

/* The word whose attention the image shows, the region whose attention
 * the chips show: the pointed one first, then the selected one. */
static int
shown_word (FwAttentionMap *self)
{
  if (self->pointed_region >= 0 && self->i2t)
    return -1;
  return self->pointed_word >= 0 ? self->pointed_word : self->selected_word;
}

static int
shown_region (FwAttentionMap *self)
{
  if (!self->i2t || self->pointed_word >= 0)
    return -1;
  if (self->pointed_region >= 0)
    return self->pointed_region;
  return self->selected_word >= 0 ? -1 : self->selected_region;
}

gboolean
fw_attention_map_get_heatmap (FwAttentionMap *self, float *out)
{
  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self) && out, FALSE);
  return fw_attention_map_get_region_weights (self, shown_word (self), self->head, out);
}

gboolean
fw_attention_map_get_word_shading (FwAttentionMap *self, float *out)
{
  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self) && out, FALSE);
  return fw_attention_map_get_word_weights (self, shown_region (self), self->head, out);
}

/* How strongly to paint weight w of n: its excess over attending to all
 * n alike, relative to the strongest one's, in [0, 1].  Relative to the
 * strongest alone, an untrained model's near-uniform weights would paint
 * everything at full strength and hide the image. */
static double
shade_of (float w, float max_w, int n)
{
  double uniform = 1.0 / MAX (n, 1);

  if (max_w <= uniform * 1.05)
    return 0;
  return CLAMP ((w - uniform) / (max_w - uniform), 0, 1);
}

static int
argmax (const float *v, int n)
{
  int best = 0;

  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

char *
fw_attention_map_describe_word (FwAttentionMap *self, int word)
{
  g_autofree float *w = NULL;
  int r;

  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self), NULL);
  if (!self->has_input || word < 0 || word >= self->n_words)
    return NULL;
  w = g_new (float, MAX (self->n_regions, 1));
  fw_attention_map_get_region_weights (self, word, self->head, w);
  r = argmax (w, self->n_regions);
  /* TRANSLATORS: a caption word and the image region (column, row) it looks at most, with that share */
  return g_strdup_printf (_("word ‘%s’ attends most to region (%d, %d), %.0f%%"), self->words[word],
                          r % self->grid_w + 1, r / self->grid_w + 1, 100.0 * w[r]);
}

char *
fw_attention_map_describe_region (FwAttentionMap *self, int region)
{
  g_autofree float *w = NULL;
  int k;

  g_return_val_if_fail (FW_IS_ATTENTION_MAP (self), NULL);
  if (!self->has_input || region < 0 || region >= self->n_regions)
    return NULL;
  if (!self->i2t || self->n_words == 0)
    return g_strdup_printf (_("region (%d, %d)"), region % self->grid_w + 1, region / self->grid_w + 1);
  w = g_new (float, self->n_words);
  fw_attention_map_get_word_weights (self, region, self->head, w);
  k = argmax (w, self->n_words);
  /* TRANSLATORS: an image region (column, row), the caption word it looks at most, with that share */
  return g_strdup_printf (_("region (%d, %d) attends most to word ‘%s’, %.0f%%"),
                          region % self->grid_w + 1, region / self->grid_w + 1, self->words[k], 100.0 * w[k]);
}

/* ---- the image ---- */

typedef struct {
  double x0, y0, scale;      /* image pixel → widget pixel */
} ImageFrame;

static ImageFrame
image_frame (FwAttentionMap *self, int w, int h)
{
  double side = MAX (MIN (w, h) - 4, 1);
  ImageFrame f = { (w - side) / 2, (h - side) / 2, side / MAX (self->size, 1) };

  return f;
}

static void
region_rect (FwAttentionMap *self, const ImageFrame *f, int r, double *x, double *y, double *s)
{
  *s = self->cell * f->scale;
  *x = f->x0 + (r % self->grid_w) * *s;
  *y = f->y0 + (r / self->grid_w) * *s;
}

static int
region_at (FwAttentionMap *self, double x, double y)
{
  GtkWidget *area = GTK_WIDGET (self->image_area);
  ImageFrame f = image_frame (self, gtk_widget_get_width (area), gtk_widget_get_height (area));
  double s = self->cell * f.scale;
  int col, row;

  if (!self->has_input || s <= 0 || x < f.x0 || y < f.y0)
    return -1;
  col = (int) ((x - f.x0) / s);
  row = (int) ((y - f.y0) / s);
  if (col >= self->grid_w || row >= self->grid_h)
    return -1;
  return row * self->grid_w + col;
}

static void
draw_image (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  FwAttentionMap *self = data;
  GtkWidget *widget = GTK_WIDGET (area);
  ImageFrame f = image_frame (self, w, h);
  int S = self->size, C = self->channels, region;
  g_autofree float *heat = NULL;
  double lw = fw_chart_line_scale (widget), x, y, s, max_heat = 0;
  GdkRGBA fg;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (!self->has_input)
    return;
  if (self->pixels)
    for (int py = 0; py < S; py++)
      for (int px = 0; px < S; px++)
        {
          double r = self->pixels[(0 * S + py) * S + px] / 255.0;
          double g = C == 3 ? self->pixels[(1 * S + py) * S + px] / 255.0 : r;
          double b = C == 3 ? self->pixels[(2 * S + py) * S + px] / 255.0 : r;

          cairo_set_source_rgb (cr, r, g, b);
          cairo_rectangle (cr, f.x0 + px * f.scale, f.y0 + py * f.scale, f.scale + 0.5, f.scale + 0.5);
          cairo_fill (cr);
        }
  else
    {
      fw_chart_set_rgba (cr, &fg, 0.15);
      cairo_rectangle (cr, f.x0, f.y0, S * f.scale, S * f.scale);
      cairo_fill (cr);
    }

  /* the word's attention above uniform, relative to its strongest region */
  heat = g_new0 (float, MAX (self->n_regions, 1));
  if (fw_attention_map_get_heatmap (self, heat))
    {
      for (int r = 0; r < self->n_regions; r++)
        max_heat = MAX (max_heat, heat[r]);
      for (int r = 0; r < self->n_regions; r++)
        {
          region_rect (self, &f, r, &x, &y, &s);
          fw_chart_set_rgba (cr, &warm, 0.75 * shade_of (heat[r], max_heat, self->n_regions));
          cairo_rectangle (cr, x, y, s, s);
          cairo_fill (cr);
        }
    }

  /* the grid, faint, so the regions can be told apart */
  fw_chart_set_rgba (cr, &fg, 0.25);
  cairo_set_line_width (cr, 1);
  for (int c = 0; c <= self->grid_w; c++)
    {
      cairo_move_to (cr, f.x0 + c * self->cell * f.scale, f.y0);
      cairo_line_to (cr, f.x0 + c * self->cell * f.scale, f.y0 + self->grid_h * self->cell * f.scale);
    }
  for (int r = 0; r <= self->grid_h; r++)
    {
      cairo_move_to (cr, f.x0, f.y0 + r * self->cell * f.scale);
      cairo_line_to (cr, f.x0 + self->grid_w * self->cell * f.scale, f.y0 + r * self->cell * f.scale);
    }
  cairo_stroke (cr);

  /* the region whose attention the words show, and the keyboard cursor */
  region = shown_region (self);
  if (region >= 0)
    {
      region_rect (self, &f, region, &x, &y, &s);
      fw_chart_set_rgba (cr, &warm, 1);
      cairo_set_line_width (cr, 3 * lw);
      cairo_rectangle (cr, x + 1.5 * lw, y + 1.5 * lw, s - 3 * lw, s - 3 * lw);
      cairo_stroke (cr);
    }
  if (gtk_widget_has_focus (widget) && self->cursor_region >= 0)
    {
      const double dash[] = { 4 * lw, 3 * lw };

      region_rect (self, &f, self->cursor_region, &x, &y, &s);
      fw_chart_set_rgba (cr, &fg, 1);
      cairo_set_line_width (cr, 2 * lw);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_rectangle (cr, x + lw, y + lw, s - 2 * lw, s - 2 * lw);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
}

/* ---- what is shown, in words ---- */

static void
update_view (FwAttentionMap *self)
{
  g_autofree float *shade = g_new0 (float, MAX (self->n_words, 1));
  g_autofree char *summary = NULL, *region_text = NULL;
  gboolean shaded = self->has_input && fw_attention_map_get_word_shading (self, shade);
  int word = self->has_input ? shown_word (self) : -1;
  int region = self->has_input ? shown_region (self) : -1;
  float max_shade = 0;

  for (int i = 0; shaded && i < self->n_words; i++)
    max_shade = MAX (max_shade, shade[i]);
  for (guint i = 0; i < self->chips->len; i++)
    {
      GtkWidget *chip = g_ptr_array_index (self->chips, i);
      g_autofree char *name = fw_attention_map_describe_word (self, i);
      g_autofree char *level_class = NULL;
      int level = shaded ? (int) lround (N_SHADES * shade_of (shade[i], max_shade, self->n_words)) : 0;

      for (int l = 0; l <= N_SHADES; l++)
        {
          g_autofree char *c = g_strdup_printf ("fw-attention-%d", l);
          gtk_widget_remove_css_class (chip, c);
        }
      level_class = g_strdup_printf ("fw-attention-%d", level);
      gtk_widget_add_css_class (chip, level_class);
      if ((int) i == word)
        gtk_widget_add_css_class (chip, "fw-attention-shown");
      else
        gtk_widget_remove_css_class (chip, "fw-attention-shown");
      if ((int) i == self->selected_word)
        gtk_widget_add_css_class (chip, "fw-attention-selected");
      else
        gtk_widget_remove_css_class (chip, "fw-attention-selected");
      gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      if (shaded)
        {
          /* TRANSLATORS: a word's share of the selected image region's attention */
          g_autofree char *desc = g_strdup_printf (_("%.0f%% of the region’s attention"), 100.0 * shade[i]);
          gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
        }
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_accessible_update_state (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_STATE_SELECTED,
                                   (int) i == self->selected_word, -1);
    }

  if (!self->has_input)
    summary = g_strdup ("");
  else if (word >= 0)
    summary = fw_attention_map_describe_word (self, word);
  else if (region >= 0)
    summary = fw_attention_map_describe_region (self, region);
  else if (self->n_words == 0)
    summary = g_strdup (_("No words in the caption to attend with."));
  else
    summary = g_strdup (_("Point at or select a word to see where it looks in the image."));
  if (summary[0])
    summary[0] = g_ascii_toupper (summary[0]);   /* a sentence; Korean has no case */
  gtk_label_set_text (self->summary_label, summary);

  /* the image reads out the region under its keyboard cursor */
  region_text = fw_attention_map_describe_region (self, self->cursor_region >= 0 ? self->cursor_region
                                                                                : MAX (region, 0));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->image_area), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  word >= 0 ? summary : region_text ? region_text : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self->image_area));
}

/* ---- selection ---- */

void
fw_attention_map_select_word (FwAttentionMap *self, int word)
{
  g_return_if_fail (FW_IS_ATTENTION_MAP (self));
  self->selected_word = word >= 0 && word < self->n_words ? word : -1;
  if (self->selected_word >= 0)
    self->selected_region = -1;
  update_view (self);
}

void
fw_attention_map_select_region (FwAttentionMap *self, int region)
{
  g_return_if_fail (FW_IS_ATTENTION_MAP (self));
  self->selected_region = region >= 0 && region < self->n_regions ? region : -1;
  if (self->selected_region >= 0)
    {
      self->selected_word = -1;
      self->cursor_region = self->selected_region;
    }
  update_view (self);
}

int fw_attention_map_get_selected_word (FwAttentionMap *self) { return self->selected_word; }
int fw_attention_map_get_selected_region (FwAttentionMap *self) { return self->selected_region; }
int fw_attention_map_get_head (FwAttentionMap *self) { return self->head; }
int fw_attention_map_get_heads (FwAttentionMap *self) { return self->has_input ? self->heads : 0; }
int fw_attention_map_get_n_words (FwAttentionMap *self) { return self->has_input ? self->n_words : 0; }
int fw_attention_map_get_n_regions (FwAttentionMap *self) { return self->has_input ? self->n_regions : 0; }
gboolean fw_attention_map_has_input (FwAttentionMap *self) { return self->has_input; }

void
fw_attention_map_set_head (FwAttentionMap *self, int head)
{
  g_return_if_fail (FW_IS_ATTENTION_MAP (self));
  head = CLAMP (head, 0, MAX (self->heads, 0));
  if (gtk_drop_down_get_selected (self->head_dropdown) != (guint) head)
    gtk_drop_down_set_selected (self->head_dropdown, head);   /* comes back through on_head_selected */
  self->head = head;
  update_view (self);
}

static void
on_head_selected (FwAttentionMap *self)
{
  guint selected = gtk_drop_down_get_selected (self->head_dropdown);

  if (self->updating_heads || selected == GTK_INVALID_LIST_POSITION)
    return;
  self->head = (int) selected;
  update_view (self);
}

/* Word chips: clicking or Return selects (again: unselects); the pointer
 * previews.  Keyboard focus does not: it would fight the selection (a
 * clicked chip keeps the focus), and the chip's name already says where
 * the word looks. */
static void
on_word_activated (FwAttentionMap *self, GtkFlowBoxChild *chip)
{
  int i = gtk_flow_box_child_get_index (chip);

  fw_attention_map_select_word (self, i == self->selected_word ? -1 : i);
}

static void
chip_point (FwAttentionMap *self, GtkWidget *chip, gboolean on)
{
  int i = gtk_flow_box_child_get_index (GTK_FLOW_BOX_CHILD (chip));

  if (on)
    {
      self->pointed_word = i;
      self->pointed_region = -1;
    }
  else if (self->pointed_word == i)
    self->pointed_word = -1;
  update_view (self);
}

static void on_chip_enter (GtkEventController *c) { chip_point (g_object_get_data (G_OBJECT (c), "map"), gtk_event_controller_get_widget (c), TRUE); }
static void on_chip_leave (GtkEventController *c) { chip_point (g_object_get_data (G_OBJECT (c), "map"), gtk_event_controller_get_widget (c), FALSE); }

static void
rebuild_chips (FwAttentionMap *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->words_box))))
    gtk_flow_box_remove (self->words_box, child);
  g_ptr_array_set_size (self->chips, 0);
  for (int i = 0; i < self->n_words; i++)
    {
      GtkWidget *chip = gtk_flow_box_child_new ();
      GtkWidget *label = gtk_label_new (self->words[i]);
      GtkEventController *motion = gtk_event_controller_motion_new ();

      gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (chip), label);
      gtk_widget_add_css_class (chip, "fw-attention-word");
      g_object_set_data (G_OBJECT (motion), "map", self);
      g_signal_connect (motion, "enter", G_CALLBACK (on_chip_enter), NULL);
      g_signal_connect (motion, "leave", G_CALLBACK (on_chip_leave), NULL);
      gtk_widget_add_controller (chip, motion);
      gtk_flow_box_append (self->words_box, chip);
      g_ptr_array_add (self->chips, chip);
    }
}

/* ---- the image's pointer and keys ---- */

static void
point_region (FwAttentionMap *self, int region)
{
  if (region == self->pointed_region)
    return;
  self->pointed_region = region;
  if (region >= 0)
    self->pointed_word = -1;
  update_view (self);
}

static void
on_image_motion (GtkEventControllerMotion *c, double x, double y, FwAttentionMap *self)
{
  point_region (self, region_at (self, x, y));
}

static void
on_image_leave (FwAttentionMap *self)
{
  point_region (self, -1);
}

static void
on_image_pressed (GtkGestureClick *gesture, int n_press, double x, double y, FwAttentionMap *self)
{
  int r = region_at (self, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self->image_area));
  if (r >= 0)
    fw_attention_map_select_region (self, r == self->selected_region ? -1 : r);
}

/* The keyboard cursor (a dashed square) shows while the image has focus;
 * Return selects its region. */
static void
on_image_focus (FwAttentionMap *self)
{
  if (self->cursor_region < 0 && self->n_regions > 0)
    self->cursor_region = MAX (self->selected_region, 0);
  update_view (self);
}

static gboolean
on_image_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state,
              FwAttentionMap *self)
{
  int col, row;

  if (!self->has_input || self->n_regions == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  if (self->cursor_region < 0)
    self->cursor_region = 0;
  col = self->cursor_region % self->grid_w;
  row = self->cursor_region / self->grid_w;
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left: col = MAX (col - 1, 0); break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: col = MIN (col + 1, self->grid_w - 1); break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up: row = MAX (row - 1, 0); break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down: row = MIN (row + 1, self->grid_h - 1); break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_ISO_Enter: case GDK_KEY_space:
      fw_attention_map_select_region (self, self->cursor_region == self->selected_region ? -1 : self->cursor_region);
      return TRUE;
    case GDK_KEY_Escape:
      if (self->selected_region < 0 && self->selected_word < 0)
        return FALSE;
      self->selected_region = self->selected_word = -1;
      update_view (self);
      return TRUE;
    default:
      return FALSE;
    }
  self->cursor_region = row * self->grid_w + col;
  update_view (self);   /* the cursor's description is read out */
  return TRUE;
}

static gboolean
on_words_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state,
              FwAttentionMap *self)
{
  if (keyval != GDK_KEY_Escape || self->selected_word < 0)
    return FALSE;
  fw_attention_map_select_word (self, -1);
  return TRUE;
}

/* ---- input ---- */

static void
clear_input (FwAttentionMap *self)
{
  self->has_input = FALSE;
  g_clear_pointer (&self->pixels, g_free);
  g_clear_pointer (&self->words, g_strfreev);
  g_clear_pointer (&self->t2i, g_free);
  g_clear_pointer (&self->i2t, g_free);
  self->n_words = self->n_regions = 0;
}

static void
set_heads (FwAttentionMap *self, int heads)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  guint keep = MIN ((guint) self->head, (guint) heads);

  gtk_string_list_append (list, _("Average of the heads"));
  for (int h = 1; h <= heads; h++)
    {
      g_autofree char *name = g_strdup_printf (_("Head %d"), h);
      gtk_string_list_append (list, name);
    }
  self->updating_heads = TRUE;
  gtk_drop_down_set_model (self->head_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->head_dropdown, keep);
  self->updating_heads = FALSE;
  self->head = (int) keep;
}

void
fw_attention_map_set_input (FwAttentionMap *self, const FwAttentionInput *in)
{
  gsize R, P;
  int old_heads = self->heads;
  gboolean same_words;

  g_return_if_fail (FW_IS_ATTENTION_MAP (self) && in);
  g_return_if_fail (in->grid_w > 0 && in->grid_h > 0 && in->cell > 0 && in->heads > 0 && in->text_to_image);
  g_return_if_fail (in->size > 0 && (gsize) in->grid_w * in->cell <= (gsize) in->size
                    && (gsize) in->grid_h * in->cell <= (gsize) in->size);

  same_words = self->words && in->words && g_strv_equal ((const char *const *) self->words, in->words);
  clear_input (self);
  self->channels = in->channels;
  self->size = in->size;
  P = (gsize) in->channels * in->size * in->size;
  self->pixels = in->pixels ? g_memdup2 (in->pixels, P) : NULL;
  self->grid_w = in->grid_w;
  self->grid_h = in->grid_h;
  self->cell = in->cell;
  self->n_regions = in->grid_w * in->grid_h;
  self->words = in->words ? g_strdupv ((char **) in->words) : g_new0 (char *, 1);
  self->n_words = (int) g_strv_length (self->words);
  self->heads = in->heads;
  R = (gsize) in->heads * self->n_words * self->n_regions;
  self->t2i = g_memdup2 (in->text_to_image, sizeof (float) * MAX (R, 1));
  self->i2t = in->image_to_text ? g_memdup2 (in->image_to_text, sizeof (float) * MAX (R, 1)) : NULL;
  self->has_input = TRUE;

  /* the same place on the new numbers where it still exists */
  if (self->selected_word >= self->n_words)
    self->selected_word = -1;
  if (self->selected_region >= self->n_regions)
    self->selected_region = -1;
  if (self->cursor_region >= self->n_regions)
    self->cursor_region = -1;
  if (self->pointed_region >= self->n_regions)
    self->pointed_region = -1;
  if (!same_words)
    {
      self->pointed_word = -1;
      rebuild_chips (self);
    }
  if (old_heads != self->heads || !gtk_drop_down_get_model (self->head_dropdown))
    set_heads (self, self->heads);
  update_view (self);
}

void
fw_attention_map_clear (FwAttentionMap *self)
{
  g_return_if_fail (FW_IS_ATTENTION_MAP (self));
  clear_input (self);
  self->selected_word = self->selected_region = self->pointed_word = self->pointed_region = -1;
  self->cursor_region = -1;
  rebuild_chips (self);
  update_view (self);
}

/* ---- life cycle ---- */

static void
fw_attention_map_dispose (GObject *object)
{
  FwAttentionMap *self = FW_ATTENTION_MAP (object);
  GtkWidget *child;

  if (self->chips)
    g_ptr_array_set_size (self->chips, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_ATTENTION_MAP);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fw_attention_map_parent_class)->dispose (object);
}

static void
fw_attention_map_finalize (GObject *object)
{
  FwAttentionMap *self = FW_ATTENTION_MAP (object);

  clear_input (self);
  g_clear_pointer (&self->chips, g_ptr_array_unref);
  G_OBJECT_CLASS (fw_attention_map_parent_class)->finalize (object);
}

static void
fw_attention_map_class_init (FwAttentionMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_attention_map_dispose;
  object_class->finalize = fw_attention_map_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-attention-map.ui");
  gtk_widget_class_bind_template_child (widget_class, FwAttentionMap, title_label);
  gtk_widget_class_bind_template_child (widget_class, FwAttentionMap, head_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FwAttentionMap, image_area);
  gtk_widget_class_bind_template_child (widget_class, FwAttentionMap, words_box);
  gtk_widget_class_bind_template_child (widget_class, FwAttentionMap, summary_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwattentionmap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fw_attention_map_init (FwAttentionMap *self)
{
  GtkEventController *c;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->chips = g_ptr_array_new ();
  self->selected_word = self->selected_region = self->pointed_word = self->pointed_region = -1;
  self->cursor_region = -1;
  gtk_drawing_area_set_draw_func (self->image_area, draw_image, self, NULL);

  c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_image_motion), self);
  g_signal_connect_swapped (c, "leave", G_CALLBACK (on_image_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->image_area), c);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_image_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->image_area), GTK_EVENT_CONTROLLER (click));
  c = gtk_event_controller_key_new ();
  g_signal_connect (c, "key-pressed", G_CALLBACK (on_image_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->image_area), c);
  c = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (c, "enter", G_CALLBACK (on_image_focus), self);
  g_signal_connect_swapped (c, "leave", G_CALLBACK (update_view), self);
  gtk_widget_add_controller (GTK_WIDGET (self->image_area), c);

  g_signal_connect_swapped (self->words_box, "child-activated", G_CALLBACK (on_word_activated), self);
  c = gtk_event_controller_key_new ();
  g_signal_connect (c, "key-pressed", G_CALLBACK (on_words_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->words_box), c);
  g_signal_connect_swapped (self->head_dropdown, "notify::selected", G_CALLBACK (on_head_selected), self);
  set_heads (self, 1);
  update_view (self);
}

GtkWidget *
fw_attention_map_new (void)
{
  return g_object_new (FW_TYPE_ATTENTION_MAP, NULL);
}
