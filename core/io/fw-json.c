/* fw-json.c — depth-limited JSON parsing: a flat scan counts brackets
 * outside strings, then json-glib parses only what is shallow enough for
 * its recursive descent.  The scan does not validate; json-glib does. */
#include "fw-json.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (fw-json-error-quark, fw_json_error)

int
fw_json_depth (const char *data, gsize len, int limit, gboolean *nul)
{
  int depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  if (nul)
    *nul = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            {
              if (nul && i + 5 < len && data[i + 1] == 'u' && memcmp (data + i + 2, "0000", 4) == 0)
                *nul = TRUE;
              i++;             /* the escaped character cannot end the string */
            }
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

static JsonNode *
fail (GError **error, FwJsonError code, const char *what, const char *reason)
{
  if (what)
    g_set_error (error, FW_JSON_ERROR, code, "%s: %s", what, reason);
  else
    g_set_error_literal (error, FW_JSON_ERROR, code, reason);
  return NULL;
}

JsonNode *
fw_json_parse (const char *data, gssize len, const char *what, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  gsize n = len < 0 ? strlen (data) : (gsize) len;
  gboolean nul = FALSE;
  if (fw_json_depth (data, n, FW_JSON_MAX_DEPTH, &nul) > FW_JSON_MAX_DEPTH)
    {
      g_autofree char *reason = g_strdup_printf (_("the JSON is nested more than %d levels deep"),
                                                 FW_JSON_MAX_DEPTH);
      return fail (error, FW_JSON_ERROR_TOO_DEEP, what, reason);
    }
  if (nul)
    return fail (error, FW_JSON_ERROR_NUL, what, _("a JSON string holds a NUL character (\\u0000)"));

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) n, &local))
    {
      /* without a source name, callers word the "not JSON" part themselves */
      g_autofree char *reason = what ? g_strdup_printf (_("not valid JSON (%s)"), local->message)
                                     : g_strdup (local->message);
      return fail (error, FW_JSON_ERROR_INVALID, what, reason);
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    return fail (error, FW_JSON_ERROR_INVALID, what, _("empty JSON"));
  return json_node_ref (root);
}
