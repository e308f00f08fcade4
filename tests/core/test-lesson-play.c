/* test-lesson-play.c — every built-in lesson played headlessly twice gives
 * identical JSON, and each lesson's point shows in its numbers (the figures
 * its questions and texts promise). */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fw-fashion.h"
#include "fw-lesson-player.h"

static const char *const english[] = { "en", NULL };

static char *
play (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) lesson = fw_lesson_load_builtin (name, english, &error);
  g_assert_no_error (error);
  g_autoptr (FwLessonPlayer) player = fw_lesson_player_new (lesson);
  g_autofree FwLessonResult *results = g_new0 (FwLessonResult, lesson->n_steps);
  for (int i = 0; i < lesson->n_steps; i++)
    {
      fw_lesson_player_step (player, &results[i], NULL, &error);
      g_assert_no_error (error);
    }
  return fw_lesson_results_json (lesson, results, lesson->n_steps);
}

/* Plays twice, checks the two are identical, returns the steps. */
static JsonArray *
play_twice (const char *name, JsonParser **parser)
{
  g_autofree char *a = play (name);
  g_autofree char *b = play (name);
  g_test_message ("%s: %s", name, a);
  g_assert_cmpstr (a, ==, b);
  *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (*parser, a, -1, &error);
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (*parser));
  g_assert_nonnull (json_object_get_string_member (root, "title"));
  return json_object_get_array_member (root, "steps");
}

static JsonObject *
step (JsonArray *steps, int i, const char *action)
{
  JsonObject *s = json_array_get_object_element (steps, i);
  g_assert_cmpint (json_object_get_int_member (s, "index"), ==, i);
  g_assert_cmpstr (json_object_get_string_member (s, "action"), ==, action);
  return s;
}

static double
acc (JsonObject *s)
{
  return json_object_get_double_member (s, "test_accuracy");
}

static double
compared (JsonObject *s, const char *fusion, const char *key)
{
  JsonObject *r = json_object_get_object_member (json_object_get_object_member (s, "results"), fusion);
  return json_node_get_double (json_object_get_member (r, key));
}

static double
shapley (JsonObject *s, const char *key)
{
  return json_object_get_double_member (json_object_get_object_member (s, "shapley"), key);
}

static void
test_modalities (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("modalities", &p);
  double image = acc (step (s, 1, "train")), text = acc (step (s, 2, "train"));
  double both = acc (step (s, 3, "train"));
  g_assert_cmpfloat (image, >, 0.85);       /* either modality alone knows the shape */
  g_assert_cmpfloat (text, >, 0.85);
  g_assert_cmpfloat (both, >=, MAX (image, text) - 0.02);   /* "about the same" */
  g_assert_cmpfloat (both, <=, MAX (image, text) + 0.05);
}

static void
test_feature_extraction (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("feature-extraction", &p);
  gint64 mlp = json_object_get_int_member (step (s, 1, "train"), "parameters");
  gint64 cnn = json_object_get_int_member (step (s, 3, "train"), "parameters");
  g_assert_cmpint (mlp, >, 784 * 64 + 64);   /* the image layer alone is ~50,000 */
  g_assert_cmpint (cnn, >, mlp);
}

static void
test_early_fusion (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("early-fusion", &p);
  double image = acc (step (s, 1, "train"));
  double early6 = acc (step (s, 2, "train")), early15 = acc (step (s, 3, "train"));
  g_assert_cmpfloat (image, <, 0.6);
  g_assert_cmpfloat (early6, <, image + 0.05);
  g_assert_cmpfloat (early15, >, 0.9);
}

static void
test_intermediate_fusion (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("intermediate-fusion", &p);
  g_assert_cmpfloat (acc (step (s, 1, "train")), >, 0.85);
  JsonObject *c = step (s, 3, "contributions");
  g_assert_cmpfloat (shapley (c, "image_share"), >, 0.35);   /* "about equal" */
  g_assert_cmpfloat (shapley (c, "image_share"), <, 0.65);
}

static void
test_late_fusion_xor (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("late-fusion-xor", &p);
  JsonObject *late = step (s, 1, "train");
  g_assert_cmpstr (json_object_get_string_member (late, "fusion"), ==, "late");
  g_assert_cmpfloat (acc (late), <, 0.65);
  g_assert_cmpfloat (fabs (shapley (step (s, 2, "contributions"), "interaction")), <, 0.05);
  g_assert_cmpfloat (acc (step (s, 3, "train")), >, 0.9);
  g_assert_cmpfloat (shapley (step (s, 4, "contributions"), "interaction"), >, 0.3);
}

static void
test_trade_offs (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("trade-offs", &p);
  JsonObject *c = step (s, 0, "compare");
  const char *kinds[] = { "early", "intermediate", "late", "image", "text" };
  double inter = compared (c, "intermediate", "test_accuracy");
  double late_params = compared (c, "late", "parameters");
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      if (strcmp (kinds[i], "intermediate") != 0)
        g_assert_cmpfloat (inter, >, compared (c, kinds[i], "test_accuracy"));
      if (strcmp (kinds[i], "late") != 0)
        g_assert_cmpfloat (late_params, >, compared (c, kinds[i], "parameters"));
    }
}

static double
curve_last (JsonObject *s, const char *kind)
{
  JsonObject *c = json_object_get_object_member (json_object_get_object_member (s, "curves"), kind);
  JsonArray *acc = json_object_get_array_member (c, "accuracy");
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (c, "levels"), 0), ==, 0);
  return json_array_get_double_element (acc, json_array_get_length (acc) - 1);
}

static double
curve_auc (JsonObject *s, const char *kind)
{
  JsonObject *c = json_object_get_object_member (json_object_get_object_member (s, "curves"), kind);
  return json_object_get_double_member (c, "auc");
}

static void
test_missing_and_noisy (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("missing-and-noisy", &p);
  g_assert_cmpfloat (acc (step (s, 0, "train")), >, 0.9);   /* copes with missing rows */
  g_assert_cmpfloat (acc (step (s, 1, "train")), >, 0.95);
  JsonObject *plain = step (s, 2, "robustness"), *dropout = step (s, 4, "robustness");
  /* without dropout, losing every caption clearly hurts; dropout holds up */
  g_assert_cmpfloat (curve_last (plain, "missing_text"), <, 0.8);
  g_assert_cmpfloat (curve_auc (dropout, "missing_text"), >, curve_auc (plain, "missing_text") + 0.05);
  g_assert_cmpfloat (curve_last (dropout, "missing_text"), >, curve_last (plain, "missing_text") + 0.1);
  g_assert_cmpfloat (acc (step (s, 5, "train")), >, 0.85);
  g_assert_cmpfloat (shapley (step (s, 6, "contributions"), "image_share"), >, 0.7);
}

static void
test_which_modality (void)
{
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("which-modality", &p);
  JsonObject *shapes = step (s, 1, "contributions");
  g_assert_cmpfloat (shapley (shapes, "text_share"), >, shapley (shapes, "image_share"));
  g_assert_cmpfloat (shapley (step (s, 3, "contributions"), "image_share"), >, 0.7);
}

static void
test_real_photos (void)
{
  if (!g_file_test (FW_FASHION_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  g_autoptr (JsonParser) p = NULL;
  JsonArray *s = play_twice ("real-photos", &p);
  JsonObject *c = step (s, 1, "compare");
  double image = compared (c, "image", "test_accuracy"), text = compared (c, "text", "test_accuracy");
  g_assert_cmpfloat (compared (c, "intermediate", "test_accuracy"), >, image + 0.02);
  g_assert_cmpfloat (image, >, text);
  JsonObject *why = step (s, 3, "contributions");
  g_assert_cmpfloat (shapley (why, "image_share"), >, shapley (why, "text_share"));
  g_assert_cmpfloat (shapley (why, "text_share"), >, 0.1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lesson/play/modalities", test_modalities);
  g_test_add_func ("/lesson/play/feature-extraction", test_feature_extraction);
  g_test_add_func ("/lesson/play/early-fusion", test_early_fusion);
  g_test_add_func ("/lesson/play/intermediate-fusion", test_intermediate_fusion);
  g_test_add_func ("/lesson/play/late-fusion-xor", test_late_fusion_xor);
  g_test_add_func ("/lesson/play/trade-offs", test_trade_offs);
  g_test_add_func ("/lesson/play/missing-and-noisy", test_missing_and_noisy);
  g_test_add_func ("/lesson/play/which-modality", test_which_modality);
  g_test_add_func ("/lesson/play/real-photos", test_real_photos);
  return g_test_run ();
}
