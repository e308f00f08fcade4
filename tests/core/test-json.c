/* test-json.c — the depth-limited JSON parser: deep nesting is refused
 * with a message naming the source (without touching json-glib's
 * recursion), brackets inside strings and escapes do not count, and
 * ordinary JSON parses as before. */
#include <string.h>

#include "fw-json.h"

/* n opening brackets and nothing else: what crashed json-glib */
static char *
nested (int n, char open)
{
  char *s = g_malloc (n + 1);
  memset (s, open, n);
  s[n] = '\0';
  return s;
}

static void
test_deep_refused (void)
{
  /* 100 KB of "[[[[": json-glib alone overflows the stack on this */
  g_autofree char *deep = nested (100 * 1024, '[');
  g_autoptr (GError) error = NULL;
  JsonNode *root = fw_json_parse (deep, -1, "deep.json", &error);
  g_assert_null (root);
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "deep.json"));

  g_autofree char *objects = g_strnfill (100 * 1024, 'x');
  for (int i = 0; i < 100 * 1024 - 4; i += 5)
    memcpy (objects + i, "{\"a\":", 5);
  g_clear_error (&error);
  g_assert_null (fw_json_parse (objects, -1, "data.jsonl: row 3", &error));
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "data.jsonl: row 3"));
}

static void
test_limit_is_exact (void)
{
  GString *ok = g_string_new (NULL);
  for (int i = 0; i < FW_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (int i = 0; i < FW_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_assert_cmpint (fw_json_depth (ok->str, ok->len, 1000, NULL), ==, FW_JSON_MAX_DEPTH);
  g_autoptr (GError) error = NULL;
  JsonNode *root = fw_json_parse (ok->str, (gssize) ok->len, "ok.json", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  json_node_unref (root);

  g_string_prepend_c (ok, '[');
  g_string_append_c (ok, ']');
  g_assert_null (fw_json_parse (ok->str, (gssize) ok->len, "ok.json", &error));
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_TOO_DEEP);
  g_string_free (ok, TRUE);
}

static void
test_strings_do_not_count (void)
{
  /* brackets in strings, an escaped quote that does not end the string */
  g_autofree char *inner = nested (5000, '[');
  g_autofree char *doc = g_strdup_printf ("{\"a\": \"\\\"%s\\\\\", \"b\": [1, {\"c\": \"]]{\"}]}", inner);
  g_assert_cmpint (fw_json_depth (doc, strlen (doc), 64, NULL), ==, 3);
  g_autoptr (GError) error = NULL;
  JsonNode *root = fw_json_parse (doc, -1, "s.json", &error);
  g_assert_no_error (error);
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpuint (strlen (json_object_get_string_member (o, "a")), ==, 5000 + 2);
  json_node_unref (root);
}

static void
test_invalid_named (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (fw_json_parse ("{\"a\": ", -1, "broken.json", &error));
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "broken.json"));
  g_clear_error (&error);
  g_assert_null (fw_json_parse ("", 0, "empty.json", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "empty.json"));
  /* len bounds the parse: the rest of the buffer is not read */
  JsonNode *root = fw_json_parse ("[1][[[[", 3, "prefix", NULL);
  g_assert_nonnull (root);
  json_node_unref (root);
}

static void
test_nul_refused (void)
{
  g_autoptr (GError) error = NULL;
  /* json-glib decodes \u0000 into a C string that silently ends there */
  g_assert_null (fw_json_parse ("{\"format\": \"fusion-workbench\\u0000evil\"}", -1, "m.safetensors", &error));
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_NUL);
  g_assert_nonnull (strstr (error->message, "m.safetensors"));
  /* an escaped backslash followed by u0000 is text, not a NUL */
  g_clear_error (&error);
  JsonNode *root = fw_json_parse ("[\"a\\\\u0000\"]", -1, "ok", &error);
  g_assert_no_error (error);
  json_node_unref (root);
  /* without a source name the message is the bare reason */
  g_clear_error (&error);
  g_assert_null (fw_json_parse ("[[[[[[[[[[", 5, NULL, &error));
  g_assert_error (error, FW_JSON_ERROR, FW_JSON_ERROR_INVALID);
  g_clear_error (&error);
  g_autofree char *deep = nested (65, '{');
  g_assert_null (fw_json_parse (deep, -1, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "the JSON is nested"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/json/deep-refused", test_deep_refused);
  g_test_add_func ("/core/json/limit-is-exact", test_limit_is_exact);
  g_test_add_func ("/core/json/strings-do-not-count", test_strings_do_not_count);
  g_test_add_func ("/core/json/invalid-named", test_invalid_named);
  g_test_add_func ("/core/json/nul-refused", test_nul_refused);
  return g_test_run ();
}
