/* fw-config.c — parsing, printing and checking of FwConfig.  One table of
 * options drives the command line's flags and --help, the GUI's tooltips
 * and the JSON stored in model files. */
#include "fw-config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (fw-config-error-quark, fw_config_error)

static const char *const fusion_names[] = { "early", "intermediate", "late", "image", "text" };
static const char *const op_names[] = { "concat", "sum", "product", "gated", "tensor", "lowrank",
                                           "attention" };
static const char *const late_names[] = { "mean", "weighted", "stacking" };
static const char *const image_names[] = { "mlp", "cnn", "features" };
static const char *const text_names[] = { "bow", "embed", "gru", "transformer", "features" };
static const char *const optim_names[] = { "adam", "sgd" };
static const char *const color_names[] = { "gray", "rgb" };
static const char *const schedule_names[] = { "constant", "step", "cosine" };

G_STATIC_ASSERT (G_N_ELEMENTS (fusion_names) == FW_FUSION_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (op_names) == FW_OP_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (late_names) == FW_LATE_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (image_names) == FW_IMAGE_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (text_names) == FW_TEXT_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (optim_names) == FW_OPTIM_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (color_names) == FW_COLOR_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (schedule_names) == FW_SCHEDULE_N_KINDS);
/* one --heads divides the tokens of the Transformer and of attention fusion */
G_STATIC_ASSERT (FW_ATTENTION_DIM == FW_EMBED_DIM);

const char *fw_fusion_name (FwFusion v) { return fusion_names[v]; }
const char *fw_fusion_op_name (FwFusionOp v) { return op_names[v]; }
const char *fw_late_combine_name (FwLateCombine v) { return late_names[v]; }
const char *fw_image_encoder_name (FwImageEncoder v) { return image_names[v]; }
const char *fw_text_encoder_name (FwTextEncoder v) { return text_names[v]; }
const char *fw_optimizer_name (FwOptimizer v) { return optim_names[v]; }
const char *fw_color_name (FwColor v) { return color_names[v]; }
const char *fw_lr_schedule_name (FwLrSchedule v) { return schedule_names[v]; }

typedef enum { KIND_ENUM, KIND_INT, KIND_DOUBLE, KIND_SEED } OptionKind;

typedef struct {
  FwOptionInfo info;
  OptionKind kind;
  gsize offset;              /* into FwConfig */
  const char *const *names;  /* KIND_ENUM */
  int n_names;
  double min, max;           /* KIND_INT, KIND_DOUBLE */
} Option;

#define ENUM(n, field, tbl, help) \
  { { n, NULL, help }, KIND_ENUM, G_STRUCT_OFFSET (FwConfig, field), tbl, G_N_ELEMENTS (tbl), 0, 0 }
#define NUM(n, kind, field, lo, hi, help) \
  { { n, NULL, help }, kind, G_STRUCT_OFFSET (FwConfig, field), NULL, 0, lo, hi }

static Option options[] = {
  ENUM ("fusion", fusion, fusion_names,
        N_("Where the image and the text meet: at the raw inputs, between encoders and head, after two separate classifiers, or not at all.")),
  ENUM ("fusion-op", fusion_op, op_names,
        N_("How intermediate fusion joins the two feature vectors.")),
  ENUM ("late-combine", late_combine, late_names,
        N_("How late fusion joins the two classifiers' predictions.")),
  ENUM ("image-encoder", image_encoder, image_names,
        N_("The network that turns an image into features: a dense layer, a small convolutional network, or a dense layer on precomputed vectors (--image-features).")),
  ENUM ("text-encoder", text_encoder, text_names,
        N_("The network that turns a caption into features: word counts, averaged word embeddings, a recurrent GRU, a Transformer encoder, or a dense layer on precomputed vectors (--text-features).")),
  NUM ("layers", KIND_INT, layers, 1, FW_MAX_LAYERS,
       N_("Encoder blocks of the Transformer text encoder, each self-attention then a feed-forward layer.")),
  NUM ("heads", KIND_INT, heads, 1, FW_EMBED_DIM,
       N_("Attention heads: each attends over the tokens with its own share of the 64 token features, so the count must divide 64.")),
  NUM ("image-size", KIND_INT, image_size, 4, 512,
       N_("Images are resized to this many pixels per side.")),
  ENUM ("color", color, color_names,
        N_("Whether images are read in gray or in colour.")),
  NUM ("hidden", KIND_INT, hidden, 1, 8192,
       N_("Width of each encoder's feature vector.")),
  NUM ("head-hidden", KIND_INT, head_hidden, 0, 8192,
       N_("Hidden units of the head after fusion; 0 makes the head a single linear layer.")),
  NUM ("epochs", KIND_INT, epochs, 1, 100000,
       N_("How many times training goes through the whole training split.")),
  NUM ("batch", KIND_INT, batch, 1, 65536,
       N_("How many samples each gradient step averages over.")),
  NUM ("lr", KIND_DOUBLE, lr, 1e-8, 10,
       N_("Learning rate: the size of each optimizer step.")),
  ENUM ("optimizer", optimizer, optim_names,
        N_("Adam adapts each weight's step size; SGD steps along the gradient, with momentum.")),
  NUM ("momentum", KIND_DOUBLE, momentum, 0, 0.999,
       N_("SGD's momentum: the share of the last step kept in the next; 0 is plain SGD.")),
  NUM ("weight-decay", KIND_DOUBLE, weight_decay, 0, 10,
       N_("Pulls weights towards zero to fight overfitting.")),
  NUM ("modality-dropout", KIND_DOUBLE, modality_dropout, 0, 1,
       N_("Probability of blanking one modality of a training sample, so the model learns to cope when one is missing.")),
  NUM ("seed", KIND_SEED, seed, 0, 0,
       N_("Seed of every random choice: the same seed gives the same run.")),
  NUM ("threads", KIND_INT, threads, 0, 1024,
       N_("Compute threads; 0 uses every core.")),
  NUM ("val-fraction", KIND_DOUBLE, val_fraction, 0, 0.9,
       N_("Share of training rows held out for validation when the data has no val rows.")),
  NUM ("patience", KIND_INT, patience, 0, 100000,
       N_("Early stopping: stop after this many epochs without a lower validation loss and keep the best epoch's weights; 0 trains every epoch.")),
  ENUM ("lr-schedule", lr_schedule, schedule_names,
        N_("How the learning rate changes over training: constant, divided by 10 at half and three quarters of the epochs, or falling along a cosine.")),
  NUM ("warmup-epochs", KIND_INT, warmup_epochs, 0, 100000,
       N_("Epochs over which the learning rate rises linearly from almost 0 to its value.")),
};

/* the names tables are sized, not NULL-terminated */
static char *
join_names (const Option *o, const char *separator)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < o->n_names; i++)
    g_string_append_printf (s, "%s%s", i ? separator : "", o->names[i]);
  return g_string_free (s, FALSE);
}

void
fw_config_init (FwConfig *c)
{
  memset (c, 0, sizeof *c);
  c->fusion = FW_FUSION_INTERMEDIATE;
  c->fusion_op = FW_OP_CONCAT;
  c->late_combine = FW_LATE_MEAN;
  c->image_encoder = FW_IMAGE_MLP;
  c->text_encoder = FW_TEXT_BOW;
  c->layers = 2;
  c->heads = 4;
  c->image_size = 28;
  c->color = FW_COLOR_GRAY;
  c->hidden = 256;
  c->head_hidden = 128;
  c->epochs = 5;
  c->batch = 64;
  c->lr = 0.001;
  c->optimizer = FW_OPTIM_ADAM;
  c->momentum = 0.9;
  c->weight_decay = 0;
  c->modality_dropout = 0;
  c->seed = 1;
  c->threads = 0;
  c->val_fraction = 0.1;
  c->patience = 0;
  c->lr_schedule = FW_SCHEDULE_CONSTANT;
  c->warmup_epochs = 0;
}

const FwOptionInfo *
fw_config_options (int *n_options)
{
  static FwOptionInfo infos[G_N_ELEMENTS (options)];
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
        {
          infos[i] = options[i].info;
          if (options[i].kind == KIND_ENUM)
            infos[i].values = join_names (&options[i], "|");
          else if (options[i].kind == KIND_DOUBLE)
            infos[i].values = "X";
          else
            infos[i].values = "N";
        }
      g_once_init_leave (&done, 1);
    }
  if (n_options)
    *n_options = G_N_ELEMENTS (options);
  return infos;
}

/* a name or value as an error message may quote it: what the user typed
 * can be anything (a model file's config too), but a message must be
 * valid UTF-8 and short enough to read */
#define SHOWN_CHARS 40
static char *
shown (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  if (g_utf8_strlen (valid, -1) <= SHOWN_CHARS)
    return g_steal_pointer (&valid);
  g_autofree char *head = g_utf8_substring (valid, 0, SHOWN_CHARS);
  return g_strconcat (head, "…", NULL);
}

static const Option *
find_option (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    if (strcmp (options[i].info.name, name) == 0)
      return &options[i];
  return NULL;
}

gboolean
fw_config_set (FwConfig *c, const char *name, const char *value, GError **error)
{
  const Option *o = find_option (name);
  if (!o)
    {
      g_autofree char *shown_name = shown (name);
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("unknown option --%s"), shown_name);
      return FALSE;
    }
  /* name is now one of ours: only the value can need cleaning */
  g_autofree char *shown_value = shown (value);
  void *field = G_STRUCT_MEMBER_P (c, o->offset);
  char *end = NULL;
  switch (o->kind)
    {
    case KIND_ENUM:
      for (int i = 0; i < o->n_names; i++)
        if (strcmp (value, o->names[i]) == 0)
          {
            *(int *) field = i;
            return TRUE;
          }
      {
        g_autofree char *choices = join_names (o, ", ");
        g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                     _("--%s: '%s' is not one of %s"), name, shown_value, choices);
      }
      return FALSE;
    case KIND_INT:
      {
        gint64 v = g_ascii_strtoll (value, &end, 10);
        if (!*value || *end || v < o->min || v > o->max)
          {
            g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                         _("--%s: '%s' is not a whole number from %g to %g"),
                         name, shown_value, o->min, o->max);
            return FALSE;
          }
        *(int *) field = (int) v;
        return TRUE;
      }
    case KIND_DOUBLE:
      {
        double v = g_ascii_strtod (value, &end);
        if (!*value || *end || !isfinite (v) || v < o->min || v > o->max)
          {
            g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                         _("--%s: '%s' is not a number from %g to %g"),
                         name, shown_value, o->min, o->max);
            return FALSE;
          }
        *(double *) field = v;
        return TRUE;
      }
    case KIND_SEED:
      {
        guint64 v = g_ascii_strtoull (value, &end, 10);
        if (!*value || *end || value[0] == '-')
          {
            g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                         _("--%s: '%s' is not a non-negative whole number"), name,
                         shown_value);
            return FALSE;
          }
        *(guint64 *) field = v;
        return TRUE;
      }
    }
  g_return_val_if_reached (FALSE);
}

/* The shortest text that reads back as v: 0.1, not 0.10000000000000001. */
static char *
shortest_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 1; digits < 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        return g_strdup (buf);
    }
  return g_strdup (g_ascii_dtostr (buf, sizeof buf, v));
}

char *
fw_config_get (const FwConfig *c, const char *name)
{
  const Option *o = find_option (name);
  g_return_val_if_fail (o != NULL, NULL);
  const void *field = G_STRUCT_MEMBER_P (c, o->offset);
  switch (o->kind)
    {
    case KIND_ENUM:
      return g_strdup (o->names[*(const int *) field]);
    case KIND_INT:
      return g_strdup_printf ("%d", *(const int *) field);
    case KIND_DOUBLE:
      return shortest_double (*(const double *) field);
    case KIND_SEED:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, *(const guint64 *) field);
    }
  g_return_val_if_reached (NULL);
}

gboolean
fw_config_validate (const FwConfig *c, GError **error)
{
  if (c->fusion == FW_FUSION_EARLY && c->image_encoder == FW_IMAGE_CNN)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("early fusion joins the raw pixels and the text before one shared dense "
                     "encoder, so it needs --image-encoder mlp (or features); use intermediate "
                     "or late fusion for the cnn encoder"));
      return FALSE;
    }
  if (c->fusion == FW_FUSION_EARLY && c->text_encoder == FW_TEXT_GRU)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("early fusion joins the text as one vector (word counts, averaged "
                     "embeddings or precomputed features), so it needs --text-encoder bow, embed "
                     "or features; use intermediate or late fusion for the gru encoder"));
      return FALSE;
    }
  if (c->fusion == FW_FUSION_EARLY && c->text_encoder == FW_TEXT_TRANSFORMER)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("early fusion joins the text as one vector (word counts or averaged "
                     "embeddings), so it needs --text-encoder bow or embed; use intermediate, "
                     "late or text fusion for the transformer encoder"));
      return FALSE;
    }
  if (c->heads < 1 || FW_EMBED_DIM % c->heads != 0)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("--heads %d does not divide the %d token features evenly; use 1, 2, 4, 8, "
                     "16, 32 or 64"), c->heads, FW_EMBED_DIM);
      return FALSE;
    }
  if (c->fusion == FW_FUSION_INTERMEDIATE && c->fusion_op == FW_OP_TENSOR
      && (gint64) (c->hidden + 1) * (c->hidden + 1) > 1 << 20)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("tensor fusion with --hidden %d makes %d features; use --hidden 1000 or less"),
                   c->hidden, (c->hidden + 1) * (c->hidden + 1));
      return FALSE;
    }
  if (c->fusion_op == FW_OP_ATTENTION && c->fusion != FW_FUSION_INTERMEDIATE
      && c->fusion != FW_FUSION_IMAGE && c->fusion != FW_FUSION_TEXT)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("--fusion-op attention lets image regions and words attend to each other "
                     "between the encoders and the head, so it needs --fusion intermediate "
                     "(%s fusion never holds both sets of tokens)"), fw_fusion_name (c->fusion));
      return FALSE;
    }
  if (c->fusion == FW_FUSION_INTERMEDIATE && c->fusion_op == FW_OP_ATTENTION
      && c->text_encoder == FW_TEXT_BOW)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("attention fusion needs the caption word by word, which bag-of-words "
                     "counts do not keep; use --text-encoder embed, gru or transformer"));
      return FALSE;
    }
  /* attention attends over tokens: image regions and words, which one
   * vector per row does not have */
  if (c->fusion == FW_FUSION_INTERMEDIATE && c->fusion_op == FW_OP_ATTENTION
      && (c->image_encoder == FW_IMAGE_FEATURES || c->text_encoder == FW_TEXT_FEATURES))
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("attention fusion lets image regions attend to words, but a precomputed "
                     "features vector is one per row, with no regions or words in it; use "
                     "--fusion-op concat (or another operation) with --%s-encoder features"),
                   c->image_encoder == FW_IMAGE_FEATURES ? "image" : "text");
      return FALSE;
    }
  if (c->image_encoder == FW_IMAGE_CNN && c->image_size < 4)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("the cnn encoder pools twice, so --image-size must be at least 4"));
      return FALSE;
    }
  return TRUE;
}

JsonNode *
fw_config_to_json (const FwConfig *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const Option *o = &options[i];
      const void *field = G_STRUCT_MEMBER_P (c, o->offset);
      json_builder_set_member_name (b, o->info.name);
      switch (o->kind)
        {
        case KIND_ENUM: json_builder_add_string_value (b, o->names[*(const int *) field]); break;
        case KIND_INT: json_builder_add_int_value (b, *(const int *) field); break;
        case KIND_DOUBLE: json_builder_add_double_value (b, *(const double *) field); break;
        case KIND_SEED: json_builder_add_int_value (b, (gint64) *(const guint64 *) field); break;
        }
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
fw_config_from_json (FwConfig *c, JsonNode *node, GError **error)
{
  fw_config_init (c);
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("the model's config is not a JSON object"));
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const Option *o = &options[i];
      JsonNode *m = json_object_get_member (obj, o->info.name);
      if (!m)
        continue;  /* older files: the default */
      /* declared before any goto: clang refuses to jump past a cleanup variable */
      g_autofree char *text = NULL;
      if (!JSON_NODE_HOLDS_VALUE (m))
        goto bad;
      GType t = json_node_get_value_type (m);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (o->kind == KIND_ENUM && t == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (m));
      else if (o->kind != KIND_ENUM && t == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (m));
      else if (o->kind == KIND_DOUBLE && t == G_TYPE_DOUBLE)
        text = g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (m)));
      else
        goto bad;
      if (!fw_config_set (c, o->info.name, text, error))
        return FALSE;
      continue;
    bad:
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("the model's config has a bad value for '%s'"), o->info.name);
      return FALSE;
    }
  return fw_config_validate (c, error);
}

gboolean
fw_config_set_options (FwConfig *c, const char *options, GError **error)
{
  g_auto(GStrv) words = g_strsplit_set (options ? options : "", " \t", -1);
  FwConfig trial = *c;

  for (guint i = 0; words[i]; i++)
    {
      g_auto(GStrv) pair = NULL;

      if (!words[i][0])
        continue;
      pair = g_strsplit (words[i], "=", 2);
      if (!pair[1])
        {
          g_autofree char *shown_word = shown (words[i]);
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       _("'%s' is not name=value"), shown_word);
          return FALSE;
        }
      if (!fw_config_set (&trial, pair[0], pair[1], error))
        return FALSE;
    }
  *c = trial;
  return TRUE;
}

char *
fw_config_describe (const FwConfig *c)
{
  GString *s = g_string_new (fw_fusion_name (c->fusion));
  if (c->fusion == FW_FUSION_INTERMEDIATE)
    g_string_append_printf (s, "·%s", fw_fusion_op_name (c->fusion_op));
  else if (c->fusion == FW_FUSION_LATE)
    g_string_append_printf (s, "·%s", fw_late_combine_name (c->late_combine));
  if (c->fusion != FW_FUSION_TEXT && c->image_encoder != FW_IMAGE_MLP)
    g_string_append_printf (s, " %s", fw_image_encoder_name (c->image_encoder));
  if (c->fusion != FW_FUSION_IMAGE && c->text_encoder != FW_TEXT_BOW)
    g_string_append_printf (s, " %s", fw_text_encoder_name (c->text_encoder));
  return g_string_free (s, FALSE);
}
