/* fw-builtin.c — the built-in teaching datasets: shapes drawn with Cairo at
 * the requested size and colour mode, captions from a few templates, all
 * from the seed, so a lesson replays identically.  Splitting, classes and
 * tokens are fw_dataset_finish's, as for files. */
#include "fw-builtin.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gi18n.h>

#include "fw-dataset-private.h"
#include "fw-row-key.h"
#include "fw-fashion.h"
#include "fw-image.h"
#include "fw-rng.h"

#define FW_BUILTIN_ROWS 2000

typedef enum {
  FW_BUILTIN_SHAPES,
  FW_BUILTIN_COMPLEMENTARY,
  FW_BUILTIN_XOR,
  FW_BUILTIN_NOISY_TEXT,
  FW_BUILTIN_MISSING,
  FW_BUILTIN_FASHION,        /* fw-fashion.c: photos, not drawings */
  FW_BUILTIN_N_KINDS
} FwBuiltinKind;

static const FwBuiltinInfo builtins[] = {
  { "shapes", N_("both the image and the caption tell the shape: any fusion works, and each modality alone does too"), NULL },
  { "shapes-complementary", N_("the image shows the shape, the caption names the colour: the class (colour + shape) needs both"), "epochs=10" },
  { "shapes-xor", N_("class = square XOR 'hot' in the caption: each modality alone is at chance, so late fusion fails while intermediate fusion learns it"), "epochs=15" },
  { "shapes-noisy-text", N_("60% of captions name the wrong shape: the model must learn to trust the image more than the text"), "epochs=10" },
  { "shapes-missing", N_("about 30% of rows lack the image or the caption: try --modality-dropout and compare robustness"), "epochs=10" },
  { FW_FASHION_NAME, N_("3,000 Fashion-MNIST photos of clothing; 25% of captions name the wrong class: fusion helps and hurts on real pictures (needs the dataset-fashion-mnist package)"), NULL },
};
G_STATIC_ASSERT (G_N_ELEMENTS (builtins) == FW_BUILTIN_N_KINDS);

const FwBuiltinInfo *
fw_builtin_list (int *n)
{
  if (n)
    *n = FW_BUILTIN_N_KINDS;
  return builtins;
}

const FwBuiltinInfo *
fw_builtin_find (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (builtins); i++)
    if (g_str_equal (builtins[i].name, name))
      return &builtins[i];
  return NULL;
}

typedef enum { SHAPE_CIRCLE, SHAPE_SQUARE, SHAPE_TRIANGLE, SHAPE_CROSS, N_SHAPES } Shape;
static const char *const shape_names[N_SHAPES] = { "circle", "square", "triangle", "cross" };

typedef struct { const char *name; double r, g, b; } Colour;
#define N_COLOURS 4
static const Colour colours[N_COLOURS] = {
  { "red", 0.86, 0.16, 0.14 },
  { "green", 0.13, 0.62, 0.22 },
  { "blue", 0.15, 0.32, 0.90 },
  { "yellow", 0.92, 0.75, 0.05 },
};

/* Caption templates: %1$s colour, %2$s shape.  Several wordings so that a
 * bag of words cannot key on one fixed phrase. */
static const char *const shape_captions[] = {
  "a %1$s %2$s", "a %2$s in %1$s", "%1$s %2$s", "there is a %1$s %2$s",
  "a picture of a %1$s %2$s", "this %2$s is %1$s", "one %1$s %2$s on white",
};
static const char *const colour_captions[] = {
  "something %1$s", "it is %1$s", "a %1$s one", "coloured %1$s", "%1$s",
  "the colour is %1$s", "painted %1$s",
};
static const char *const xor_captions[] = {
  "it feels %1$s", "a %1$s one", "%1$s", "this one is %1$s", "quite %1$s today",
  "the tag says %1$s",
};

static void
draw_shape (cairo_t *cr, Shape shape, double cx, double cy, double radius, double angle)
{
  cairo_save (cr);
  cairo_translate (cr, cx, cy);
  cairo_rotate (cr, angle);
  switch (shape)
    {
    case SHAPE_CIRCLE:
      cairo_arc (cr, 0, 0, radius, 0, 2 * G_PI);
      break;
    case SHAPE_SQUARE:
      cairo_rectangle (cr, -radius * 0.85, -radius * 0.85, radius * 1.7, radius * 1.7);
      break;
    case SHAPE_TRIANGLE:
      for (int k = 0; k < 3; k++)
        {
          double a = -G_PI / 2 + k * 2 * G_PI / 3;
          if (k == 0)
            cairo_move_to (cr, radius * cos (a), radius * sin (a));
          else
            cairo_line_to (cr, radius * cos (a), radius * sin (a));
        }
      cairo_close_path (cr);
      break;
    case SHAPE_CROSS:
      {
        double w = radius * 0.36;
        cairo_rectangle (cr, -radius, -w, 2 * radius, 2 * w);
        cairo_rectangle (cr, -w, -radius, 2 * w, 2 * radius);
        cairo_set_fill_rule (cr, CAIRO_FILL_RULE_WINDING);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  cairo_fill (cr);
  cairo_restore (cr);
}

/* Draws one shape on white at a jittered place, size and angle and stores
 * it as (channels, size, size) bytes. */
static void
render (cairo_surface_t *surface, guint8 *rgb, guint64 *rng, Shape shape,
        double r, double g, double b, int size, FwColor color, guint8 *out)
{
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  /* modest jitter: enough that no single pixel gives the shape away, little
   * enough that a small dense network learns shapes from 1,600 images */
  double radius = size * (0.28 + 0.08 * fw_rng_uniform (rng));
  double cx = size * (0.5 + 0.16 * (fw_rng_uniform (rng) - 0.5));
  double cy = size * (0.5 + 0.16 * (fw_rng_uniform (rng) - 0.5));
  double angle = (fw_rng_uniform (rng) - 0.5) * 0.5;
  cairo_set_source_rgb (cr, r, g, b);
  draw_shape (cr, shape, cx, cy, radius, angle);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  /* CAIRO_FORMAT_RGB24 is a native-endian 0x00RRGGBB word per pixel */
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint32 v;
        memcpy (&v, data + (gsize) y * stride + 4 * x, 4);
        guint8 *p = rgb + ((gsize) y * size + x) * 3;
        p[0] = (v >> 16) & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = v & 0xff;
      }
  fw_image_from_rgb (rgb, size * 3, 3, size, color, out);
}

FwDataset *
fw_builtin_generate (const char *name, const FwLoadOptions *options,
                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  FwLoadOptions defaults = FW_LOAD_OPTIONS_INIT;
  const FwLoadOptions *o = options ? options : &defaults;

  int kind = -1;
  for (int k = 0; k < FW_BUILTIN_N_KINDS; k++)
    if (strcmp (name, builtins[k].name) == 0)
      kind = k;
  if (kind < 0)
    {
      g_autoptr (GString) known = g_string_new (NULL);
      for (int k = 0; k < FW_BUILTIN_N_KINDS; k++)
        g_string_append_printf (known, "%sbuiltin:%s", k ? ", " : "", builtins[k].name);
      g_autofree char *shown = g_filename_display_name (name);   /* as typed: maybe not UTF-8 */
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                   _("builtin:%s: no such built-in dataset (there are %s)"), shown, known->str);
      return NULL;
    }
  if (kind == FW_BUILTIN_FASHION)
    return fw_fashion_generate (o, cancellable, error);

  int n = FW_BUILTIN_ROWS;
  int size = o->image_size;
  int channels = o->color == FW_COLOR_RGB ? 3 : 1;
  g_autofree char *display = g_strdup_printf ("builtin:%s", name);
  g_autoptr (FwDataset) ds = fw_dataset_alloc (n, channels, size, display, error);
  if (ds == NULL)
    return NULL;
  /* TRANSLATORS: the display name of a built-in dataset; %s is its name */
  ds->name = g_strdup_printf (_("%s (built-in)"), name);

  /* One stream per dataset name, so shapes and shapes-xor with the same
   * seed are not the same pictures relabelled. */
  guint64 rng = o->seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + g_str_hash (name);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint8 *split = g_new (gint8, n);
  memset (split, -1, n);
  gsize plane = (gsize) channels * size * size;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, size, size);
  g_autofree guint8 *rgb = g_malloc ((gsize) size * size * 3);

  for (int r = 0; r < n; r++)
    {
      if (r % 100 == 0)
        {
          if (g_cancellable_is_cancelled (cancellable))
            {
              cairo_surface_destroy (surface);
              g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_CANCELLED, _("%s: loading was cancelled"), display);
              return NULL;
            }
          if (o->progress)
            o->progress ((double) r / n, o->progress_data);
        }

      Shape shape = (Shape) fw_rng_below (&rng, N_SHAPES);
      int colour = (int) fw_rng_below (&rng, N_COLOURS);
      int wording = (int) fw_rng_below (&rng, 1000);
      const Colour *c = &colours[colour];
      const char *caption_shape = shape_names[shape];
      char *label = NULL, *text = NULL;
      gboolean image = TRUE, caption = TRUE;
      double gray = 0.45;

      switch (kind)
        {
        case FW_BUILTIN_SHAPES:
        case FW_BUILTIN_NOISY_TEXT:
        case FW_BUILTIN_MISSING:
          if (kind == FW_BUILTIN_NOISY_TEXT && fw_rng_uniform (&rng) < 0.6f)
            caption_shape = shape_names[(shape + 1 + fw_rng_below (&rng, N_SHAPES - 1)) % N_SHAPES];
          if (kind == FW_BUILTIN_MISSING)
            {
              float u = fw_rng_uniform (&rng);
              image = u >= 0.15f;
              caption = u < 0.15f || u >= 0.30f;
            }
          label = g_strdup (shape_names[shape]);
          text = g_strdup_printf (shape_captions[wording % G_N_ELEMENTS (shape_captions)],
                                  c->name, caption_shape);
          render (surface, rgb, &rng, shape, c->r, c->g, c->b, size, o->color, ds->pixels + r * plane);
          break;
        case FW_BUILTIN_COMPLEMENTARY:
          /* three of each so classes stay well populated (9 × ~220 rows) */
          shape = (Shape) (shape % 3);
          colour = colour % 3;
          c = &colours[colour];
          label = g_strdup_printf ("%s %s", c->name, shape_names[shape]);
          text = g_strdup_printf (colour_captions[wording % G_N_ELEMENTS (colour_captions)], c->name);
          /* neutral gray: the image must not leak the colour */
          render (surface, rgb, &rng, shape, gray, gray, gray, size, o->color, ds->pixels + r * plane);
          break;
        case FW_BUILTIN_XOR:
          {
            gboolean square = fw_rng_below (&rng, 2);
            gboolean hot = fw_rng_below (&rng, 2);
            label = g_strdup (square != hot ? "odd" : "even");
            text = g_strdup_printf (xor_captions[wording % G_N_ELEMENTS (xor_captions)], hot ? "hot" : "cold");
            /* one dark ink, so the shape is the image's only message */
            render (surface, rgb, &rng, square ? SHAPE_SQUARE : SHAPE_CIRCLE, 0.15, 0.15, 0.15,
                    size, o->color, ds->pixels + r * plane);
          }
          break;
        default:
          g_assert_not_reached ();
        }

      if (!image)
        memset (ds->pixels + r * plane, 0, plane);
      ds->has_image[r] = image;
      ds->has_text[r] = caption;
      ds->text[r] = caption ? text : (g_free (text), NULL);
      g_ptr_array_add (labels, label);
    }
  cairo_surface_destroy (surface);

  if (!fw_dataset_finish (ds, (char **) labels->pdata, split, FALSE, o, display, error))
    return NULL;
  /* what the rows are: a function of the name, the seed and the row */
  for (int r = 0; r < n; r++)
    {
      g_autofree char *id = g_strdup_printf ("%s#%" G_GUINT64_FORMAT "#%d", display, o->seed, r);
      ds->row_key[r] = fw_row_key (id, ds->text[r]);
    }
  if (o->progress)
    o->progress (1.0, o->progress_data);
  return g_steal_pointer (&ds);
}
