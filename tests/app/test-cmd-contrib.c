/* test-cmd-contrib.c — the contrib command as a user runs it: a model
 * saved by train, then contrib writing exactly the JSON of the design (the
 * keys, the first 100 rows per sample list), --method choosing, and bad
 * usage or input leaving no output file behind.  FW_BINARY names the
 * program (set by meson). */
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *tmpdir, *model_path;

static int
run (const char *args, char **out, char **err)
{
  g_autofree char *cmd = g_strdup_printf ("%s %s", g_getenv ("FW_BINARY"), args);
  /* capture what the command prints for people: inherited, it would land
   * inside this test's TAP stream */
  g_autofree char *out_sink = NULL, *err_sink = NULL;
  if (!out)
    out = &out_sink;
  if (!err)
    err = &err_sink;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_command_line_sync (cmd, out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
assert_keys (JsonObject *o, const char *const *keys)
{
  int n = 0;
  for (; keys[n]; n++)
    g_assert_true (json_object_has_member (o, keys[n]) || (g_test_message ("missing %s", keys[n]), FALSE));
  g_assert_cmpint ((int) json_object_get_size (o), ==, n);
}

static JsonObject *
load (JsonParser *p, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (p));
}

static void
test_all_methods (void)
{
  g_autofree char *out = g_build_filename (tmpdir, "all.json", NULL);
  g_autofree char *args = g_strdup_printf ("contrib --model %s --data builtin:shapes --out %s", model_path, out);
  g_assert_cmpint (run (args, NULL, NULL), ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o = load (p, out);
  static const char *const top[] = { "split", "n", "ablation", "permutation", "shapley", "ig", "emap", NULL };
  assert_keys (o, top);
  g_assert_cmpstr (json_object_get_string_member (o, "split"), ==, "test");
  int n = (int) json_object_get_int_member (o, "n");
  g_assert_cmpint (n, >, 100);
  static const char *const ab[] = { "full_accuracy", "image_removed_accuracy", "text_removed_accuracy",
                                    "full_loss", "image_removed_loss", "text_removed_loss", NULL };
  assert_keys (json_object_get_object_member (o, "ablation"), ab);
  static const char *const pe[] = { "full_accuracy", "image_shuffled_accuracy", "text_shuffled_accuracy",
                                    "full_loss", "image_shuffled_loss", "text_shuffled_loss", NULL };
  assert_keys (json_object_get_object_member (o, "permutation"), pe);
  static const char *const em[] = { "n", "model_accuracy", "additive_accuracy", "gap", NULL };
  JsonObject *emap = json_object_get_object_member (o, "emap");
  assert_keys (emap, em);
  g_assert_cmpint (json_object_get_int_member (emap, "n"), ==, MIN (n, 500));

  JsonObject *sh = json_object_get_object_member (o, "shapley");
  static const char *const shk[] = { "image", "text", "interaction", "samples", NULL };
  assert_keys (sh, shk);
  JsonArray *ss = json_object_get_array_member (sh, "samples");
  g_assert_cmpint (json_array_get_length (ss), ==, 100);
  for (guint i = 0; i < 100; i++)
    {
      JsonObject *s = json_array_get_object_element (ss, i);
      static const char *const sk[] = { "index", "image", "text", "interaction", "full", "empty", NULL };
      assert_keys (s, sk);
      double d = json_object_get_double_member (s, "full") - json_object_get_double_member (s, "empty");
      g_assert_cmpfloat (fabs (json_object_get_double_member (s, "image")
                               + json_object_get_double_member (s, "text") - d), <=, 1e-5);
    }

  JsonObject *ig = json_object_get_object_member (o, "ig");
  static const char *const igk[] = { "image", "text", "samples", NULL };
  assert_keys (ig, igk);
  JsonArray *is = json_object_get_array_member (ig, "samples");
  g_assert_cmpint (json_array_get_length (is), ==, 100);
  JsonObject *s0 = json_array_get_object_element (is, 0);
  static const char *const isk[] = { "index", "image", "text", "tokens", "pixels", NULL };
  assert_keys (s0, isk);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s0, "pixels")), ==, 28 * 28);
  JsonArray *tok = json_object_get_array_member (s0, "tokens");
  g_assert_cmpint (json_array_get_length (tok), >, 0);
  static const char *const tk[] = { "token", "score", NULL };
  assert_keys (json_array_get_object_element (tok, 0), tk);
}

static void
test_one_method (void)
{
  g_autofree char *out = g_build_filename (tmpdir, "one.json", NULL);
  g_autofree char *args = g_strdup_printf ("contrib --model %s --data builtin:shapes --split val --method emap,ablation --out %s",
                                           model_path, out);
  g_assert_cmpint (run (args, NULL, NULL), ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o = load (p, out);
  static const char *const top[] = { "split", "n", "ablation", "emap", NULL };
  assert_keys (o, top);
  g_assert_cmpstr (json_object_get_string_member (o, "split"), ==, "val");
}

static void
test_bad_usage (void)
{
  g_autofree char *out = g_build_filename (tmpdir, "bad.json", NULL);
  g_autofree char *err = NULL;
  g_autofree char *a1 = g_strdup_printf ("contrib --model %s --data builtin:shapes --method shap --out %s", model_path, out);
  g_assert_cmpint (run (a1, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "shap"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_autofree char *a2 = g_strdup_printf ("contrib --model %s/missing.safetensors --data builtin:shapes --out %s", tmpdir, out);
  g_assert_cmpint (run (a2, NULL, NULL), ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_cmpint (run ("contrib --data builtin:shapes", NULL, NULL), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  tmpdir = g_dir_make_tmp ("fw-contrib-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = g_build_filename (tmpdir, "m.safetensors", NULL);
  g_autofree char *args = g_strdup_printf ("train --data builtin:shapes --epochs 1 --hidden 32 --head-hidden 16 --threads 1 --quiet --save %s",
                                           model_path);
  g_assert_cmpint (run (args, NULL, NULL), ==, 0);
  g_test_add_func ("/app/contrib/all-methods", test_all_methods);
  g_test_add_func ("/app/contrib/one-method", test_one_method);
  g_test_add_func ("/app/contrib/bad-usage", test_bad_usage);
  int status = g_test_run ();
  const char *names[] = { "all.json", "one.json", "m.safetensors" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *f = g_build_filename (tmpdir, names[i], NULL);
      g_remove (f);
    }
  g_rmdir (tmpdir);
  return status;
}
