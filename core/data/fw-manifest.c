/* fw-manifest.c — CSV and JSON Lines manifests to FwManifestRow: finds the
 * columns (image|file_name, text, label, optional split), checks JSON types,
 * and names the row of every problem.  It does not touch the files the rows
 * point to. */
#include "fw-manifest.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "fw-csv.h"
#include "fw-dataset.h"
#include "fw-json.h"

#include <glib/gi18n.h>

static const char *const field_names[FW_FIELD_N_KINDS] = { "image", "text", "label", "split" };
G_STATIC_ASSERT (G_N_ELEMENTS (field_names) == FW_FIELD_N_KINDS);

static void
row_free (gpointer p)
{
  FwManifestRow *row = p;
  for (int f = 0; f < FW_FIELD_N_KINDS; f++)
    g_free (row->value[f]);
  g_free (row->where);
  g_free (row->problem);
  g_free (row);
}

void
fw_manifest_free (FwManifest *m)
{
  if (m == NULL)
    return;
  if (m->rows)
    g_ptr_array_unref (m->rows);
  g_free (m);
}

static FwManifest *
manifest_new (void)
{
  FwManifest *m = g_new0 (FwManifest, 1);
  m->rows = g_ptr_array_new_with_free_func (row_free);
  return m;
}

/* Paths, labels and splits lose surrounding blanks (a stray space is never
 * meant); captions keep theirs.  Blank means absent either way. */
static char *
clean_value (const char *s, FwField f)
{
  if (s == NULL)
    return NULL;
  char *v = g_strdup (s);
  if (f != FW_FIELD_TEXT)
    g_strstrip (v);
  const char *p = v;
  while (*p && g_ascii_isspace (*p))
    p++;
  if (*p == '\0')
    g_clear_pointer (&v, g_free);
  return v;
}

FwManifest *
fw_manifest_parse_csv (const char *data, gsize len, const char *filename, GError **error)
{
  g_autoptr (FwCsv) csv = fw_csv_parse (data, len, filename, error);
  if (csv == NULL)
    return NULL;

  int col[FW_FIELD_N_KINDS];
  for (int f = 0; f < FW_FIELD_N_KINDS; f++)
    col[f] = fw_csv_column (csv, field_names[f]);
  if (col[FW_FIELD_IMAGE] < 0)
    col[FW_FIELD_IMAGE] = fw_csv_column (csv, "file_name");

  for (int f = 0; f < FW_FIELD_SPLIT; f++)
    if (col[f] < 0)
      {
        /* spreadsheets in many locales save "CSV" with semicolons or tabs */
        if (csv->n_columns == 1 && (strchr (csv->header[0], ';') || strchr (csv->header[0], '\t')))
          {
            g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN,
                         _("%s: line %d: the header '%s' is separated by %s, not commas "
                         "(save the file as comma-separated CSV)"), filename, csv->header_line,
                         csv->header[0], strchr (csv->header[0], ';') ? _("semicolons") : _("tabs"));
            return NULL;
          }
        g_autofree char *have = g_strjoinv (", ", csv->header);
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN,
                     _("%s: line %d: no '%s' column (the header needs image (or file_name), "
                     "text and label, and may have split; it has: %s)"),
                     filename, csv->header_line, field_names[f], have);
        return NULL;
      }

  g_autoptr (FwManifest) m = manifest_new ();
  m->has_split = col[FW_FIELD_SPLIT] >= 0;
  for (guint r = 0; r < csv->rows->len; r++)
    {
      FwCsvRow *cr = g_ptr_array_index (csv->rows, r);
      FwManifestRow *row = g_new0 (FwManifestRow, 1);
      row->where = g_strdup_printf (_("row %u (line %d)"), r + 1, cr->line);
      row->problem = g_strdup (cr->problem);
      /* field-count trouble is syntax; NUL bytes and bad UTF-8 are values */
      row->code = cr->problem && cr->bad_count ? FW_DATA_ERROR_PARSE : FW_DATA_ERROR_VALUE;
      if (row->problem == NULL)
        for (int f = 0; f < FW_FIELD_N_KINDS; f++)
          if (col[f] >= 0)
            row->value[f] = clean_value (cr->fields[col[f]], f);
      g_ptr_array_add (m->rows, row);
    }
  return g_steal_pointer (&m);
}

static const char *
node_kind (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT: return _("an object");
    case JSON_NODE_ARRAY: return _("an array");
    case JSON_NODE_NULL: return _("null");
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);
        if (t == G_TYPE_STRING) return _("a string");
        if (t == G_TYPE_BOOLEAN) return _("a boolean");
        if (t == G_TYPE_INT64) return _("an integer");
        return _("a number");
      }
    }
  return _("something else");
}

/* One JSON member to a field value; FALSE with *problem set on a wrong type. */
static gboolean
member_value (JsonObject *obj, const char *key, FwField f, char **out, char **problem)
{
  JsonNode *node = json_object_get_member (obj, key);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      *out = clean_value (json_node_get_string (node), f);
      return TRUE;
    }
  /* Integer class ids are common in JSON Lines exports; they become the
   * label string "3" (sorted as strings, like every label). */
  if (f == FW_FIELD_LABEL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;
    }
  *problem = g_strdup_printf (_("'%s' must be %s, not %s"), key,
                              f == FW_FIELD_LABEL ? _("a string or an integer")
                              : f == FW_FIELD_IMAGE ? _("a string (a path) or null")
                              : _("a string or null"), node_kind (node));
  return FALSE;
}

/* json-glib cuts a string at an escaped \u0000 without a word; find one
 * ourselves (an escaped backslash before "u0000" is not one). */
static gboolean
has_nul_escape (const char *s, gsize n)
{
  gboolean in_string = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (s[i] == '"')
        in_string = !in_string;
      else if (in_string && s[i] == '\\' && i + 1 < n)
        {
          if (s[i + 1] == 'u' && i + 5 < n && strncmp (s + i + 2, "0000", 4) == 0)
            return TRUE;
          i++;
        }
    }
  return FALSE;
}

FwManifest *
fw_manifest_parse_jsonl (const char *data, gsize len, const char *filename, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  gsize i = 0;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;

  g_autoptr (FwManifest) m = manifest_new ();
  gboolean seen[FW_FIELD_N_KINDS] = { FALSE };
  int line = 0;

  while (i < len)
    {
      const char *s = data + i;
      const char *nl = memchr (s, '\n', len - i);
      gsize n = nl ? (gsize) (nl - s) : len - i;
      i += n + (nl ? 1 : 0);
      line++;
      if (n > 0 && s[n - 1] == '\r')
        n--;

      gsize k = 0;
      while (k < n && g_ascii_isspace (s[k]))
        k++;
      if (k == n)
        continue;

      gboolean binary = memchr (s, '\0', n) != NULL;
      gboolean bad_utf8 = !binary && !g_utf8_validate (s, (gssize) n, NULL);
      if ((binary || bad_utf8) && m->rows->len == 0)
        {
          /* the first line already is not text: a binary file, not a manifest */
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                       _("%s: line %d: not UTF-8 text — is this really a JSON Lines manifest? "
                       "(expected one {\"image\": …, \"text\": …, \"label\": …} object per line)"),
                       filename, line);
          return NULL;
        }

      FwManifestRow *row = g_new0 (FwManifestRow, 1);
      row->where = g_strdup_printf (_("line %d"), line);
      row->code = FW_DATA_ERROR_VALUE;
      g_ptr_array_add (m->rows, row);

      if (binary || bad_utf8)
        {
          row->problem = g_strdup (binary ? _("contains a NUL byte") : _("is not valid UTF-8"));
          continue;
        }

      if (has_nul_escape (s, n))
        {
          row->problem = g_strdup (_("contains a NUL character (\\u0000)"));
          continue;
        }

      /* depth-limited: json-glib recurses once per level of nesting */
      g_autoptr (GError) local = NULL;
      g_autoptr (JsonNode) root = fw_json_parse (s, (gssize) n, NULL, &local);
      if (root == NULL && !g_error_matches (local, FW_JSON_ERROR, FW_JSON_ERROR_INVALID))
        {
          row->problem = g_strdup (local->message);
          row->code = FW_DATA_ERROR_PARSE;
          continue;
        }
      if (root == NULL)
        {
          row->problem = g_strdup_printf (_("is not valid JSON: %s"), local->message);
          row->code = FW_DATA_ERROR_PARSE;
          continue;
        }
      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          row->code = FW_DATA_ERROR_PARSE;
          row->problem = g_strdup_printf (_("is %s, not a JSON object (write one "
                                          "{\"image\": …, \"text\": …, \"label\": …} per line)"),
                                          root ? node_kind (root) : _("empty"));
          continue;
        }
      JsonObject *obj = json_node_get_object (root);
      for (int f = 0; f < FW_FIELD_N_KINDS && row->problem == NULL; f++)
        {
          const char *key = field_names[f];
          if (f == FW_FIELD_IMAGE && !json_object_has_member (obj, key)
              && json_object_has_member (obj, "file_name"))
            key = "file_name";
          if (json_object_has_member (obj, key))
            seen[f] = TRUE;
          member_value (obj, key, f, &row->value[f], &row->problem);
        }
    }

  if (m->rows->len == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s: the file is empty (expected one JSON object per line, "
                   "such as {\"image\": \"a.png\", \"text\": \"a cat\", \"label\": \"cat\"})"),
                   filename);
      return NULL;
    }
  gboolean any_valid = FALSE;
  for (guint r = 0; r < m->rows->len; r++)
    any_valid |= ((FwManifestRow *) g_ptr_array_index (m->rows, r))->problem == NULL;
  /* Column checks only make sense when some line parsed; otherwise the
   * per-line JSON errors are the real story. */
  if (any_valid && !seen[FW_FIELD_LABEL])
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN,
                   _("%s: no line has a 'label' key (each line needs \"label\" and "
                   "\"image\" (or \"file_name\") and/or \"text\")"), filename);
      return NULL;
    }
  if (any_valid && !seen[FW_FIELD_IMAGE] && !seen[FW_FIELD_TEXT])
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN,
                   _("%s: no line has an 'image' (or 'file_name') or a 'text' key"), filename);
      return NULL;
    }
  m->has_split = seen[FW_FIELD_SPLIT];
  return g_steal_pointer (&m);
}
