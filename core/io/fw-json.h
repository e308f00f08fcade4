/* fw-json.h — the one way the program parses JSON.  json-glib's parser
 * recurses once per nesting level, so a few kilobytes of "[[[[…" overflow
 * the stack; this helper measures the nesting first, without recursion,
 * and refuses anything deeper than FW_JSON_MAX_DEPTH before json-glib sees
 * it.  What the JSON means is the caller's business. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FW_JSON_ERROR (fw_json_error_quark ())
GQuark fw_json_error_quark (void);
typedef enum { FW_JSON_ERROR_TOO_DEEP, FW_JSON_ERROR_NUL, FW_JSON_ERROR_INVALID } FwJsonError;

/* Far deeper than any file we write (at most 4 levels) or read. */
#define FW_JSON_MAX_DEPTH 64

/* The deepest nesting of arrays and objects in data (strings and escapes
 * are skipped), counting no further than limit + 1.  *nul (may be NULL)
 * tells whether a string holds \u0000, which C strings would silently cut. */
int fw_json_depth (const char *data, gsize len, int limit, gboolean *nul);

/* Parses data (len bytes, or up to the NUL when len is -1).  what names
 * the source in messages ("model.json", "data.jsonl: row 3"); when it is
 * NULL the message is the bare reason, for callers that name the source
 * themselves.  A NUL character in a string is refused too.  Returns the
 * root node (json_node_unref) or NULL with FW_JSON_ERROR set. */
JsonNode *fw_json_parse (const char *data, gssize len, const char *what, GError **error);

G_END_DECLS
