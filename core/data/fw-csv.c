/* fw-csv.c — RFC 4180 manifest reader.  Splits bytes into rows of fields
 * and remembers the line each row starts on; it never interprets columns,
 * paths or labels (fw-dataset.c does), and flags rather than rejects rows
 * with the wrong field count or bad text, so --skip-bad-rows can drop them. */
#include "fw-csv.h"

#include <string.h>

#include "fw-dataset.h"

#include <glib/gi18n.h>

/* The error domain lives in the lowest layer so that the parsers link on
 * their own (the fuzzer builds just them). */
G_DEFINE_QUARK (fw-data-error-quark, fw_data_error)

static void
fw_csv_row_free (gpointer p)
{
  FwCsvRow *row = p;
  for (int i = 0; i < row->n_fields; i++)
    g_free (row->fields[i]);
  g_free (row->fields);
  g_free (row->problem);
  g_free (row);
}

void
fw_csv_free (FwCsv *csv)
{
  if (csv == NULL)
    return;
  g_strfreev (csv->header);
  if (csv->rows)
    g_ptr_array_unref (csv->rows);
  g_free (csv);
}

int
fw_csv_column (const FwCsv *csv, const char *name)
{
  g_return_val_if_fail (csv != NULL && name != NULL, -1);
  for (int i = 0; i < csv->n_columns; i++)
    if (g_ascii_strcasecmp (csv->header[i], name) == 0)
      return i;
  return -1;
}

/* NULL when the field's bytes are text we can carry as a C string. */
static const char *
field_problem (const char *s, gsize len)
{
  if (memchr (s, '\0', len) != NULL)
    return _("contains a NUL byte");
  if (!g_utf8_validate (s, (gssize) len, NULL))
    return _("is not valid UTF-8");
  return NULL;
}

FwCsv *
fw_csv_parse (const char *data, gsize len, const char *filename, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (filename != NULL, NULL);

  gsize i = 0;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;

  /* A binary file handed over as a manifest would otherwise fail somewhere
   * odd (an "unterminated quote" deep inside); judge it by its first line. */
  {
    const char *start = data + i;
    const char *nl = memchr (start, '\n', len - i);
    gsize first = nl ? (gsize) (nl - start) : len - i;
    if (memchr (start, '\0', first) != NULL || !g_utf8_validate (start, (gssize) first, NULL))
      {
        g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                     _("%s: line 1: not UTF-8 text — is this really a CSV manifest? "
                       "(expected a header row such as image,text,label)"), filename);
        return NULL;
      }
  }

  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (fw_csv_row_free);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) field = g_string_new (NULL);
  int line = 1;

  while (i < len)
    {
      int row_line = line;
      const char *problem = NULL;
      int problem_field = -1;
      gboolean blank = TRUE, quoted = FALSE;

      g_ptr_array_set_size (fields, 0);
      for (;;)
        {
          g_string_truncate (field, 0);
          if (i < len && data[i] == '"')
            {
              int quote_line = line;
              blank = FALSE;
              quoted = TRUE;
              i++;
              for (;;)
                {
                  if (i >= len)
                    {
                      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                                   _("%s: line %d: unterminated quote — the quoted field "
                                     "opened here never closes (write a quote inside a "
                                     "quoted field as \"\")"), filename, quote_line);
                      return NULL;
                    }
                  char c = data[i];
                  if (c == '"')
                    {
                      if (i + 1 < len && data[i + 1] == '"')
                        {
                          g_string_append_c (field, '"');
                          i += 2;
                          continue;
                        }
                      i++;
                      break;
                    }
                  if (c == '\n')
                    line++;
                  g_string_append_c (field, c);
                  i++;
                }
              if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                {
                  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                               _("%s: line %d: unexpected character after a closing quote "
                                 "(inside a quoted field write a quote as \"\")"),
                               filename, line);
                  return NULL;
                }
            }
          else
            {
              /* Unquoted: quotes inside are taken literally (5" screen), as
               * most CSV writers and readers do. */
              gsize s = i;
              while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                i++;
              if (i > s)
                blank = FALSE;
              g_string_append_len (field, data + s, (gssize) (i - s));
            }

          if (problem == NULL)
            {
              problem = field_problem (field->str, field->len);
              if (problem)
                problem_field = (int) fields->len;
            }
          g_ptr_array_add (fields, g_strndup (field->str, field->len));

          if (i < len && data[i] == ',')
            {
              blank = FALSE;
              i++;
              continue;
            }
          /* end of row: CRLF, LF, or a lone CR */
          if (i < len && data[i] == '\r')
            i++;
          if (i < len && data[i] == '\n')
            i++;
          line++;
          break;
        }

      /* a line of nothing but spaces is a blank line too: no manifest has a
       * one-column row, and an editor's stray indentation is not data */
      if (!blank && fields->len == 1 && !quoted)
        {
          const char *p = g_ptr_array_index (fields, 0);
          while (*p == ' ' || *p == '\t')
            p++;
          blank = *p == '\0';
        }
      if (blank)
        continue;

      FwCsvRow *row = g_new0 (FwCsvRow, 1);
      row->n_fields = (int) fields->len;
      row->line = row_line;
      g_ptr_array_add (fields, NULL);
      row->fields = (char **) g_ptr_array_steal (fields, NULL);
      if (problem)
        row->problem = g_strdup_printf ("\x01%d %s", problem_field, problem);
      g_ptr_array_add (rows, row);
    }

  if (rows->len == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s: the file is empty (expected a header row such as "
                     "image,text,label, then one row per sample)"), filename);
      return NULL;
    }

  FwCsvRow *head = g_ptr_array_index (rows, 0);
  if (head->problem)  /* only reachable past the first line, in a quoted header field */
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE,
                   _("%s: line %d: the header row is not UTF-8 text or holds a NUL byte"),
                   filename, head->line);
      return NULL;
    }

  g_autoptr (FwCsv) csv = g_new0 (FwCsv, 1);
  csv->n_columns = head->n_fields;
  csv->header_line = head->line;
  csv->header = g_new0 (char *, head->n_fields + 1);
  for (int c = 0; c < head->n_fields; c++)
    csv->header[c] = g_strstrip (g_strdup (head->fields[c]));
  for (int c = 0; c < csv->n_columns; c++)
    for (int d = 0; d < c; d++)
      if (csv->header[c][0] != '\0' && g_ascii_strcasecmp (csv->header[c], csv->header[d]) == 0)
        {
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN,
                       _("%s: line %d: column '%s' appears twice in the header"),
                       filename, head->line, csv->header[c]);
          return NULL;
        }
  g_ptr_array_remove_index (rows, 0);

  for (guint r = 0; r < rows->len; r++)
    {
      FwCsvRow *row = g_ptr_array_index (rows, r);
      if (row->problem != NULL && row->problem[0] == '\x01')
        {
          /* name the column now that the header is known */
          char *rest = NULL;
          gint64 f = g_ascii_strtoll (row->problem + 1, &rest, 10);
          char *named = f < csv->n_columns && csv->header[f][0] != '\0'
            /* TRANSLATORS: %s: a column name, then the problem, like " contains a NUL byte" */
            ? g_strdup_printf (_("column '%s'%s"), csv->header[f], rest)
            /* TRANSLATORS: %d: a field number, then the problem, like " contains a NUL byte" */
            : g_strdup_printf (_("field %d%s"), (int) f + 1, rest);
          g_free (row->problem);
          row->problem = named;
        }
      if (row->problem == NULL && row->n_fields != csv->n_columns)
        {
          row->problem = g_strdup_printf (row->n_fields > csv->n_columns
                                          ? _("too many fields: %d, the header has %d (quote fields that contain commas)")
                                          : _("too few fields: %d, the header has %d"),
                                          row->n_fields, csv->n_columns);
          row->bad_count = TRUE;
        }
    }
  csv->rows = g_steal_pointer (&rows);
  return g_steal_pointer (&csv);
}
