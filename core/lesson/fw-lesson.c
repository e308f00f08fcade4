/* fw-lesson.c — reads lesson files (JSON, format version 1) and the
 * built-in lessons (GResources) into FwLesson, checking everything a class
 * would otherwise trip over: the format, each step's options (through
 * fw_config_set, the parser `train` uses), datasets, actions, questions.
 * Extra keys are ignored so newer files still open. */
#include "fw-lesson.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fw-builtin.h"
#include "fw-json.h"
#include "fw-lessons-resources.h"

G_DEFINE_QUARK (fw-lesson-error-quark, fw_lesson_error)

#define RESOURCE_PREFIX "/org/fusionworkbench/lessons/"

static const char *const action_names[] = { "none", "train", "compare", "contributions", "robustness" };
G_STATIC_ASSERT (G_N_ELEMENTS (action_names) == FW_LESSON_N_ACTIONS);

static const char *const look_names[] = {
  NULL, "dataset", "diagram", "model", "loss", "accuracy", "runs", "compare", "contributions",
  "reliance", "sample", "robustness",
};
G_STATIC_ASSERT (G_N_ELEMENTS (look_names) == FW_LESSON_N_LOOKS);

/* in teaching order; each is lessons/NAME.json */
static const char *const builtin_names[] = {
  "modalities", "feature-extraction", "early-fusion", "intermediate-fusion", "late-fusion-xor",
  "trade-offs", "missing-and-noisy", "which-modality", "real-photos", NULL,
};

const char *const *fw_lesson_builtin_names (void) { return builtin_names; }
const char *fw_lesson_action_name (FwLessonAction a) { return action_names[a]; }
const char *fw_lesson_look_name (FwLessonLook l) { return look_names[l]; }

void
fw_lesson_config_init (FwConfig *config)
{
  fw_config_init (config);
  config->threads = 1;
}

void
fw_lesson_free (FwLesson *lesson)
{
  if (!lesson)
    return;
  for (int i = 0; i < lesson->n_steps; i++)
    {
      FwLessonStep *s = &lesson->steps[i];
      g_free (s->text);
      g_free (s->dataset);
      g_free (s->question);
      g_strfreev (s->choices);
    }
  g_free (lesson->steps);
  g_free (lesson->title);
  g_free (lesson->source);
  g_free (lesson);
}

/* ---- parsing state: the file's name and the step, for every message ---- */
typedef struct {
  const char *filename;      /* for messages: UTF-8 (a display name) */
  const char *base_dir;
  const char *const *languages;
  int step;                  /* 1-based; 0 outside the steps */
} Ctx;

G_GNUC_PRINTF (3, 4) static void
fail (const Ctx *ctx, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  if (ctx->step > 0)
    /* TRANSLATORS: file name, 1-based step number, what is wrong */
    g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_INVALID, _("%s: step %d: %s"),
                 ctx->filename, ctx->step, what);
  else
    g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_INVALID, "%s: %s", ctx->filename, what);
}

static gboolean
is_string (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A text: a string, or an object of language codes → strings.  Picks the
 * reader's language, then English, then the first one given. */
static char *
read_text (const Ctx *ctx, JsonNode *node, const char *key, GError **error)
{
  if (!node)
    {
      fail (ctx, error, _("'%s' is missing"), key);
      return NULL;
    }
  if (is_string (node))
    return g_strdup (json_node_get_string (node));
  if (!JSON_NODE_HOLDS_OBJECT (node) || json_object_get_size (json_node_get_object (node)) == 0)
    {
      fail (ctx, error, _("'%s' must be a string or an object of language codes and strings, "
                          "like {\"en\": \"…\", \"ko\": \"…\"}"), key);
      return NULL;
    }
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *m = members; m; m = m->next)
    if (!is_string (json_object_get_member (obj, m->data)))
      {
        fail (ctx, error, _("'%s': the \"%s\" text is not a string"), key, (const char *) m->data);
        return NULL;
      }
  for (int i = 0; ctx->languages[i]; i++)
    if (json_object_has_member (obj, ctx->languages[i]))
      return g_strdup (json_object_get_string_member (obj, ctx->languages[i]));
  if (json_object_has_member (obj, "en"))
    return g_strdup (json_object_get_string_member (obj, "en"));
  return g_strdup (json_object_get_string_member (obj, members->data));
}

static gboolean
read_dataset (const Ctx *ctx, JsonNode *node, char **out, GError **error)
{
  if (!is_string (node) || !*json_node_get_string (node))
    {
      fail (ctx, error, _("'dataset' must be a string: builtin:NAME or a manifest's path"));
      return FALSE;
    }
  const char *spec = json_node_get_string (node);
  if (g_str_has_prefix (spec, "builtin:"))
    {
      int n;
      const FwBuiltinInfo *list = fw_builtin_list (&n);
      for (int i = 0; i < n; i++)
        if (strcmp (spec + strlen ("builtin:"), list[i].name) == 0)
          {
            *out = g_strdup (spec);
            return TRUE;
          }
      g_autoptr (GString) known = g_string_new (NULL);
      for (int i = 0; i < n; i++)
        g_string_append_printf (known, "%sbuiltin:%s", i ? ", " : "", list[i].name);
      fail (ctx, error, _("unknown dataset '%s' (the built-in ones are %s)"), spec, known->str);
      return FALSE;
    }
  g_autofree char *path = NULL;
  if (g_path_is_absolute (spec))
    path = g_strdup (spec);
  else if (ctx->base_dir)
    path = g_build_filename (ctx->base_dir, spec, NULL);
  if (!path || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      fail (ctx, error, _("unknown dataset '%s': no such file or folder (a relative path starts "
                          "at the lesson file's folder)"), spec);
      return FALSE;
    }
  *out = g_steal_pointer (&path);
  return TRUE;
}

/* Each member through fw_config_set, the parser of `train`'s options:
 * names without the dashes, '_' or '-' between words. */
static gboolean
read_config (const Ctx *ctx, JsonNode *node, FwConfig *config, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, error, _("'config' must be an object of option names and values, like "
                          "{\"fusion\": \"late\", \"epochs\": 8}"));
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *m = members; m; m = m->next)
    {
      g_autofree char *name = g_strdelimit (g_strdup (m->data), "_", '-');
      JsonNode *v = json_object_get_member (obj, m->data);
      g_autofree char *text = NULL;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      GType type = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
      if (type == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (v));
      else if (type == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
      else if (type == G_TYPE_DOUBLE)
        text = g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (v)));
      else
        {
          fail (ctx, error, _("config: '%s' must be a string or a number"), (const char *) m->data);
          return FALSE;
        }
      g_autoptr (GError) local = NULL;
      if (!fw_config_set (config, name, text, &local))
        {
          fail (ctx, error, _("config: %s"), local->message);
          return FALSE;
        }
    }
  g_autoptr (GError) local = NULL;
  if (!fw_config_validate (config, &local))
    {
      fail (ctx, error, _("config: %s"), local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_question (const Ctx *ctx, JsonNode *node, FwLessonStep *step, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, error, _("'question' must be an object with \"text\", \"choices\" and \"answer\""));
      return FALSE;
    }
  JsonObject *q = json_node_get_object (node);
  step->question = read_text (ctx, json_object_get_member (q, "text"), "question.text", error);
  if (!step->question)
    return FALSE;
  JsonNode *choices = json_object_get_member (q, "choices");
  if (!choices || !JSON_NODE_HOLDS_ARRAY (choices)
      || json_array_get_length (json_node_get_array (choices)) < 2)
    {
      fail (ctx, error, _("'question.choices' must be a list of at least two texts"));
      return FALSE;
    }
  JsonArray *a = json_node_get_array (choices);
  step->n_choices = (int) json_array_get_length (a);
  step->choices = g_new0 (char *, step->n_choices + 1);
  for (int i = 0; i < step->n_choices; i++)
    if (!(step->choices[i] = read_text (ctx, json_array_get_element (a, i), "question.choices", error)))
      return FALSE;
  JsonNode *answer = json_object_get_member (q, "answer");
  if (!answer || !JSON_NODE_HOLDS_VALUE (answer) || json_node_get_value_type (answer) != G_TYPE_INT64
      || json_node_get_int (answer) < 0 || json_node_get_int (answer) >= step->n_choices)
    {
      fail (ctx, error, _("'question.answer' must be the index of the right choice, "
                          "from 0 to %d"), step->n_choices - 1);
      return FALSE;
    }
  step->answer = (int) json_node_get_int (answer);
  return TRUE;
}

static gboolean
read_named (const Ctx *ctx, JsonNode *node, const char *key, const char *const *names, int n,
            int *out, GError **error)
{
  if (is_string (node))
    for (int i = 0; i < n; i++)
      if (names[i] && strcmp (json_node_get_string (node), names[i]) == 0)
        {
          *out = i;
          return TRUE;
        }
  g_autoptr (GString) known = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    if (names[i])
      g_string_append_printf (known, "%s%s", known->len ? ", " : "", names[i]);
  fail (ctx, error, _("unknown %s '%s' (use one of %s)"), key,
        is_string (node) ? json_node_get_string (node) : "…", known->str);
  return FALSE;
}

static gboolean
read_step (Ctx *ctx, JsonNode *node, const FwLessonStep *before, FwLessonStep *step,
           gboolean *trained, GError **error)
{
  step->answer = -1;
  if (before)
    {
      step->config = before->config;
      step->dataset = g_strdup (before->dataset);
    }
  else
    {
      fw_lesson_config_init (&step->config);
      step->dataset = g_strdup ("builtin:shapes");
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, error, _("a step must be an object"));
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  if (!(step->text = read_text (ctx, json_object_get_member (obj, "text"), "text", error)))
    return FALSE;
  JsonNode *m;
  if ((m = json_object_get_member (obj, "dataset")))
    {
      g_clear_pointer (&step->dataset, g_free);
      if (!read_dataset (ctx, m, &step->dataset, error))
        return FALSE;
      step->sets_up = TRUE;
    }
  if ((m = json_object_get_member (obj, "config")))
    {
      if (!read_config (ctx, m, &step->config, error))
        return FALSE;
      step->sets_up = TRUE;
    }
  int v = FW_LESSON_ACTION_NONE;
  if ((m = json_object_get_member (obj, "action"))
      && !read_named (ctx, m, "action", action_names, FW_LESSON_N_ACTIONS, &v, error))
    return FALSE;
  step->action = v;
  if ((step->action == FW_LESSON_ACTION_CONTRIBUTIONS || step->action == FW_LESSON_ACTION_ROBUSTNESS)
      && !*trained)
    {
      fail (ctx, error, _("%s looks at the last trained model, and no step before this one "
                          "trains (use \"train\" or \"compare\" first)"),
            action_names[step->action]);
      return FALSE;
    }
  *trained |= step->action == FW_LESSON_ACTION_TRAIN || step->action == FW_LESSON_ACTION_COMPARE;
  if ((m = json_object_get_member (obj, "question")) && !read_question (ctx, m, step, error))
    return FALSE;
  v = FW_LESSON_LOOK_NONE;
  if ((m = json_object_get_member (obj, "look_at"))
      && !read_named (ctx, m, "look_at", look_names, FW_LESSON_N_LOOKS, &v, error))
    return FALSE;
  step->look_at = v;
  return TRUE;
}

FwLesson *
fw_lesson_parse (const char *data, gsize length, const char *filename, const char *base_dir,
                 const char *const *languages, GError **error)
{
  g_return_val_if_fail (data != NULL && filename != NULL, NULL);
  g_autofree char *shown = g_filename_display_name (filename);
  Ctx ctx = { shown, base_dir, languages ? languages : (const char *const *) g_get_language_names (), 0 };
  /* depth-limited: a lesson file can be anything a teacher was sent */
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = fw_json_parse (data, (gssize) length, NULL, &local);
  if (!root)
    {
      fail (&ctx, error, _("not valid JSON: %s"), local->message);
      return NULL;
    }
  JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *format = obj ? json_object_get_member (obj, "format") : NULL;
  if (!is_string (format) || strcmp (json_node_get_string (format), FW_LESSON_FORMAT) != 0)
    {
      fail (&ctx, error, _("not a lesson file: it needs \"format\": \"%s\""), FW_LESSON_FORMAT);
      return NULL;
    }
  JsonNode *version = json_object_get_member (obj, "version");
  if (!version || !JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_INT64
      || json_node_get_int (version) < 1)
    {
      fail (&ctx, error, _("\"version\" must be a whole number (this workbench reads version %d)"),
            FW_LESSON_VERSION);
      return NULL;
    }
  if (json_node_get_int (version) > FW_LESSON_VERSION)
    {
      fail (&ctx, error, _("lesson format version %lld is newer than this workbench reads (%d): "
                           "update Fusion Workbench"),
            (long long) json_node_get_int (version), FW_LESSON_VERSION);
      return NULL;
    }
  g_autoptr (FwLesson) lesson = g_new0 (FwLesson, 1);
  if (!(lesson->title = read_text (&ctx, json_object_get_member (obj, "title"), "title", error)))
    return NULL;
  JsonNode *steps = json_object_get_member (obj, "steps");
  if (!steps || !JSON_NODE_HOLDS_ARRAY (steps) || json_array_get_length (json_node_get_array (steps)) == 0)
    {
      fail (&ctx, error, _("the lesson has no steps: \"steps\" must be a list of at least one step"));
      return NULL;
    }
  JsonArray *a = json_node_get_array (steps);
  int n = (int) json_array_get_length (a);
  lesson->steps = g_new0 (FwLessonStep, n);
  gboolean trained = FALSE;
  for (int i = 0; i < n; i++)
    {
      lesson->n_steps = i + 1;   /* so fw_lesson_free frees what was read */
      ctx.step = i + 1;
      if (!read_step (&ctx, json_array_get_element (a, i), i ? &lesson->steps[i - 1] : NULL,
                      &lesson->steps[i], &trained, error))
        return NULL;
    }
  lesson->source = g_strdup (filename);
  return g_steal_pointer (&lesson);
}

FwLesson *
fw_lesson_load_file (const char *path, const char *const *languages, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  /* a lesson is a few kilobytes: refuse to read a huge file into memory */
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                  G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info && g_file_info_get_size (info) > 16 * 1024 * 1024)
    {
      g_autofree char *shown = g_filename_display_name (path);
      g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_INVALID,
                   _("%s: too large for a lesson file (over 16 MB)"), shown);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_NOT_FOUND, "%s", local->message);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  return fw_lesson_parse (data, length, path, dir, languages, error);
}

FwLesson *
fw_lesson_load_builtin (const char *name, const char *const *languages, GError **error)
{
  gboolean known = FALSE;
  for (int i = 0; builtin_names[i]; i++)
    known |= strcmp (name, builtin_names[i]) == 0;
  if (!known)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) builtin_names);
      g_autofree char *shown = g_filename_display_name (name);   /* as typed: maybe not UTF-8 */
      g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_NOT_FOUND,
                   _("'%s' is neither a lesson file nor a built-in lesson (there are %s)"),
                   shown, list);
      return NULL;
    }
  g_autofree char *path = g_strconcat (RESOURCE_PREFIX, name, ".json", NULL);
  g_autoptr (GBytes) bytes = g_resource_lookup_data (fw_lessons_get_resource (), path,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (!bytes)
    return NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *source = g_strconcat ("builtin:", name, NULL);
  return fw_lesson_parse (data, length, source, NULL, languages, error);
}

FwLesson *
fw_lesson_load (const char *name_or_path, const char *const *languages, GError **error)
{
  if (g_file_test (name_or_path, G_FILE_TEST_EXISTS) || strchr (name_or_path, G_DIR_SEPARATOR)
      || g_str_has_suffix (name_or_path, ".json"))
    return fw_lesson_load_file (name_or_path, languages, error);
  return fw_lesson_load_builtin (name_or_path, languages, error);
}
