/* fw-json.c — depth-limited JSON parsing: a flat scan counts brackets
 * outside strings, then json-glib parses only what is shallow enough for
 * its recursive descent.  The scan does not validate; json-glib does. */
#include "fw-json.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (fw-json-error-quark, fw_json_error)

int
fw_json_depth (const char *data, gsize len, int limit)
{
  int depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;               /* the escaped character cannot end the string */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > deepest)
            {
              deepest = depth;
              if (deepest > limit)
                return deepest;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }
  return deepest;
}

JsonNode *
fw_json_parse (const char *data, gssize len, const char *what, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (what != NULL, NULL);

  gsize n = len < 0 ? strlen (data) : (gsize) len;
  if (fw_json_depth (data, n, FW_JSON_MAX_DEPTH) > FW_JSON_MAX_DEPTH)
    {
      g_set_error (error, FW_JSON_ERROR, FW_JSON_ERROR_TOO_DEEP,
                   _("%s: the JSON is nested more than %d levels deep"), what, FW_JSON_MAX_DEPTH);
      return NULL;
    }

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) n, &local))
    {
      g_set_error (error, FW_JSON_ERROR, FW_JSON_ERROR_INVALID,
                   _("%s: not valid JSON (%s)"), what, local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, FW_JSON_ERROR, FW_JSON_ERROR_INVALID, _("%s: empty JSON"), what);
      return NULL;
    }
  return json_node_ref (root);
}
