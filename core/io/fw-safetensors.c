/* fw-safetensors.c — the safetensors container, written atomically and read
 * defensively (a malformed or hostile file is an error, never a crash or a
 * read outside the file). */
#include "fw-safetensors.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fw-file.h"
#include "fw-json.h"

G_DEFINE_QUARK (fw-safetensors-error-quark, fw_safetensors_error)

/* far above any model of ours (a 100,000-word vocabulary is 2 MB), and
 * refused before anything is parsed: json-glib needs about twenty times a
 * header's size in memory */
#define MAX_HEADER_BYTES (16u << 20)

static const char *const dtype_names[] = { "F32", "I64" };
static const gsize dtype_sizes[] = { 4, 8 };
G_STATIC_ASSERT (G_N_ELEMENTS (dtype_names) == FW_DTYPE_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (dtype_sizes) == FW_DTYPE_N_KINDS);

/* ---- writing ---------------------------------------------------------- */

typedef struct {
  char *name;
  FwDtype dtype;
  int ndim;
  gint64 shape[FW_TENSOR_MAX_DIMS];
  GBytes *data;
} Pending;

struct _FwSafetensorsWriter {
  GArray *tensors;           /* Pending */
  GPtrArray *meta_keys, *meta_values;
};

static void
pending_clear (gpointer p)
{
  Pending *t = p;
  g_free (t->name);
  g_bytes_unref (t->data);
}

FwSafetensorsWriter *
fw_safetensors_writer_new (void)
{
  FwSafetensorsWriter *w = g_new0 (FwSafetensorsWriter, 1);
  w->tensors = g_array_new (FALSE, TRUE, sizeof (Pending));
  g_array_set_clear_func (w->tensors, pending_clear);
  w->meta_keys = g_ptr_array_new_with_free_func (g_free);
  w->meta_values = g_ptr_array_new_with_free_func (g_free);
  return w;
}

void
fw_safetensors_writer_free (FwSafetensorsWriter *w)
{
  if (!w)
    return;
  g_array_unref (w->tensors);
  g_ptr_array_unref (w->meta_keys);
  g_ptr_array_unref (w->meta_values);
  g_free (w);
}

void
fw_safetensors_writer_add (FwSafetensorsWriter *w, const char *name, FwDtype dtype, int ndim,
                           const gint64 *shape, const void *data)
{
  g_return_if_fail (ndim >= 0 && ndim <= FW_TENSOR_MAX_DIMS);
  Pending t = { g_strdup (name), dtype, ndim, { 0 }, NULL };
  gsize n = dtype_sizes[dtype];
  for (int i = 0; i < ndim; i++)
    {
      t.shape[i] = shape[i];
      n *= (gsize) shape[i];
    }
  t.data = g_bytes_new (data, n);
  g_array_append_val (w->tensors, t);
}

void
fw_safetensors_writer_add_metadata (FwSafetensorsWriter *w, const char *key, const char *value)
{
  g_ptr_array_add (w->meta_keys, g_strdup (key));
  g_ptr_array_add (w->meta_values, g_strdup (value));
}

GBytes *
fw_safetensors_writer_to_bytes (FwSafetensorsWriter *w)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (w->meta_keys->len > 0)
    {
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; i < w->meta_keys->len; i++)
        {
          json_builder_set_member_name (b, w->meta_keys->pdata[i]);
          json_builder_add_string_value (b, w->meta_values->pdata[i]);
        }
      json_builder_end_object (b);
    }
  guint64 offset = 0;
  for (guint i = 0; i < w->tensors->len; i++)
    {
      Pending *t = &g_array_index (w->tensors, Pending, i);
      gsize size = g_bytes_get_size (t->data);
      json_builder_set_member_name (b, t->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, dtype_names[t->dtype]);
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < t->ndim; d++)
        json_builder_add_int_value (b, t->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_add_int_value (b, (gint64) (offset + size));
      json_builder_end_array (b);
      json_builder_end_object (b);
      offset += size;
    }
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  gsize header_len = 0;
  g_autofree char *header = json_generator_to_data (gen, &header_len);
  gsize padded = (header_len + 7) & ~(gsize) 7;  /* data starts 8-byte aligned */

  g_autoptr (GByteArray) out = g_byte_array_sized_new (8 + padded + offset);
  guint64 le = GUINT64_TO_LE ((guint64) padded);
  g_byte_array_append (out, (const guint8 *) &le, 8);
  g_byte_array_append (out, (const guint8 *) header, header_len);
  for (gsize i = header_len; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (guint i = 0; i < w->tensors->len; i++)
    {
      Pending *t = &g_array_index (w->tensors, Pending, i);
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (t->data, &size);
      if (size)
        g_byte_array_append (out, data, size);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
fw_safetensors_writer_save (FwSafetensorsWriter *w, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = fw_safetensors_writer_to_bytes (w);
  gsize size = 0;
  const void *data = g_bytes_get_data (bytes, &size);
  /* durably, through a temporary file renamed into place */
  g_autoptr (GError) local = NULL;
  if (!fw_file_write (path, data, size, 0666, &local))
    {
      g_set_error (error, FW_SAFETENSORS_ERROR, FW_SAFETENSORS_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- reading ---------------------------------------------------------- */

struct _FwSafetensors {
  GBytes *bytes;
  GArray *tensors;           /* FwTensor; names owned by names */
  GPtrArray *names;
  GHashTable *metadata;      /* char* -> char* */
};

void
fw_safetensors_free (FwSafetensors *st)
{
  if (!st)
    return;
  g_bytes_unref (st->bytes);
  g_array_unref (st->tensors);
  g_ptr_array_unref (st->names);
  g_hash_table_unref (st->metadata);
  g_free (st);
}

static gboolean
invalid (GError **error, const char *name, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError **error, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FW_SAFETENSORS_ERROR, FW_SAFETENSORS_ERROR_INVALID,
               _("%s: not a valid safetensors file: %s"), name, what);
  return FALSE;
}

/* a JSON integer that is >= 0 */
static gboolean
get_count (JsonNode *n, guint64 *out)
{
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (n);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static int
by_offset (gconstpointer a, gconstpointer b)
{
  const FwTensor *x = a, *y = b;
  const guint8 *p = x->data, *q = y->data;
  return p < q ? -1 : p > q ? 1 : 0;
}

static gboolean
parse_tensor (FwSafetensors *st, const char *file, const char *key, JsonNode *node,
              const guint8 *data, guint64 data_size, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, file, _("entry '%s' is not an object"), key);
  JsonObject *o = json_node_get_object (node);
  JsonNode *dt = json_object_get_member (o, "dtype");
  JsonNode *sh = json_object_get_member (o, "shape");
  JsonNode *off = json_object_get_member (o, "data_offsets");
  if (!dt || !JSON_NODE_HOLDS_VALUE (dt) || json_node_get_value_type (dt) != G_TYPE_STRING)
    return invalid (error, file, _("tensor '%s' has no dtype"), key);
  FwTensor t = { 0 };
  const char *dts = json_node_get_string (dt);
  int k;
  for (k = 0; k < FW_DTYPE_N_KINDS; k++)
    if (g_strcmp0 (dts, dtype_names[k]) == 0)
      break;
  if (k == FW_DTYPE_N_KINDS)
    return invalid (error, file, _("tensor '%s' has dtype '%s'; only F32 and I64 are read"), key, dts);
  t.dtype = (FwDtype) k;
  if (!sh || !JSON_NODE_HOLDS_ARRAY (sh))
    return invalid (error, file, _("tensor '%s' has no shape"), key);
  JsonArray *sa = json_node_get_array (sh);
  if (json_array_get_length (sa) > FW_TENSOR_MAX_DIMS)
    return invalid (error, file, _("tensor '%s' has too many dimensions"), key);
  t.ndim = (int) json_array_get_length (sa);
  guint64 count = 1;
  for (int d = 0; d < t.ndim; d++)
    {
      guint64 v;
      if (!get_count (json_array_get_element (sa, d), &v) || v > G_MAXINT32)
        return invalid (error, file, _("tensor '%s' has a bad shape"), key);
      t.shape[d] = (gint64) v;
      if (v != 0 && count > G_MAXUINT64 / 8 / v)
        return invalid (error, file, _("tensor '%s' is impossibly large"), key);
      count *= v;
    }
  guint64 begin, end;
  if (!off || !JSON_NODE_HOLDS_ARRAY (off) || json_array_get_length (json_node_get_array (off)) != 2
      || !get_count (json_array_get_element (json_node_get_array (off), 0), &begin)
      || !get_count (json_array_get_element (json_node_get_array (off), 1), &end))
    return invalid (error, file, _("tensor '%s' has bad data_offsets"), key);
  if (begin > end || end > data_size)
    return invalid (error, file, _("tensor '%s' lies outside the file (offsets %llu–%llu, data area %llu bytes)"),
                    key, (unsigned long long) begin, (unsigned long long) end,
                    (unsigned long long) data_size);
  if (end - begin != count * dtype_sizes[t.dtype])
    return invalid (error, file, _("tensor '%s' has %llu bytes but its shape needs %llu"), key,
                    (unsigned long long) (end - begin),
                    (unsigned long long) (count * dtype_sizes[t.dtype]));
  char *name = g_strdup (key);
  g_ptr_array_add (st->names, name);
  t.name = name;
  t.data = data + begin;
  t.nbytes = (gsize) (end - begin);
  g_array_append_val (st->tensors, t);
  return TRUE;
}

FwSafetensors *
fw_safetensors_parse (GBytes *bytes, const char *file, GError **error)
{
  gsize size = 0;
  const guint8 *raw = g_bytes_get_data (bytes, &size);
  if (size < 8)
    {
      invalid (error, file, _("it is %zu bytes long, shorter than the 8-byte header length"), size);
      return NULL;
    }
  guint64 header_len;
  memcpy (&header_len, raw, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > MAX_HEADER_BYTES && header_len <= size - 8)
    {
      invalid (error, file, _("the header is %llu MB, more than the %u MB a model file may have"),
               (unsigned long long) (header_len >> 20), MAX_HEADER_BYTES >> 20);
      return NULL;
    }
  if (header_len > size - 8)
    {
      invalid (error, file, _("the header claims %llu bytes but the file has %zu"),
               (unsigned long long) header_len, size);
      return NULL;
    }
  const char *header = (const char *) raw + 8;
  if (!g_utf8_validate_len (header, (gsize) header_len, NULL))
    {
      invalid (error, file, _("the header is not UTF-8 text"));
      return NULL;
    }
  g_autoptr (GError) jerr = NULL;
  g_autoptr (JsonNode) root = fw_json_parse (header, (gssize) header_len, NULL, &jerr);
  if (!root && g_error_matches (jerr, FW_JSON_ERROR, FW_JSON_ERROR_INVALID))
    {
      invalid (error, file, _("the header is not JSON (%s)"), jerr->message);
      return NULL;
    }
  if (!root)
    {
      invalid (error, file, _("in the header, %s"), jerr->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid (error, file, _("the header is not a JSON object"));
      return NULL;
    }

  g_autoptr (FwSafetensors) st = g_new0 (FwSafetensors, 1);
  st->bytes = g_bytes_ref (bytes);
  st->tensors = g_array_new (FALSE, TRUE, sizeof (FwTensor));
  st->names = g_ptr_array_new_with_free_func (g_free);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const guint8 *data = raw + 8 + header_len;
  guint64 data_size = size - 8 - header_len;

  JsonObject *obj = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (obj, key);
      if (strcmp (key, "__metadata__") == 0)
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              invalid (error, file, _("__metadata__ is not an object"));
              return NULL;
            }
          JsonObject *mo = json_node_get_object (node);
          g_autoptr (GList) keys = json_object_get_members (mo);
          for (GList *k = keys; k; k = k->next)
            {
              JsonNode *v = json_object_get_member (mo, k->data);
              if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
                {
                  invalid (error, file, _("metadata '%s' is not a string"), (const char *) k->data);
                  return NULL;
                }
              g_hash_table_replace (st->metadata, g_strdup (k->data), g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (!parse_tensor (st, file, key, node, data, data_size, error))
        return NULL;
    }

  /* tensors must not share bytes, and (as the format says) the data area
   * has no holes: bytes no tensor owns are a sign of a damaged file */
  g_autoptr (GArray) sorted = g_array_copy (st->tensors);
  g_array_sort (sorted, by_offset);
  guint64 covered = 0;
  for (guint i = 0; i < sorted->len; i++)
    {
      const FwTensor *b = &g_array_index (sorted, FwTensor, i);
      covered += b->nbytes;
      if (i == 0)
        continue;
      const FwTensor *a = &g_array_index (sorted, FwTensor, i - 1);
      if ((const guint8 *) a->data + a->nbytes > (const guint8 *) b->data)
        {
          invalid (error, file, _("tensors '%s' and '%s' overlap"), a->name, b->name);
          return NULL;
        }
    }
  if (covered != data_size)
    {
      invalid (error, file, _("%llu of the %llu bytes after the header belong to no tensor"),
               (unsigned long long) (data_size - covered), (unsigned long long) data_size);
      return NULL;
    }
  return g_steal_pointer (&st);
}

FwSafetensors *
fw_safetensors_load (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &local);
  if (!mf)
    {
      g_set_error (error, FW_SAFETENSORS_ERROR, FW_SAFETENSORS_ERROR_IO, "%s", local->message);
      return NULL;
    }
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mf);
  g_autofree char *shown = g_filename_display_name (path);
  return fw_safetensors_parse (bytes, shown, error);
}

const FwTensor *
fw_safetensors_get (const FwSafetensors *st, const char *name)
{
  for (guint i = 0; i < st->tensors->len; i++)
    {
      const FwTensor *t = &g_array_index (st->tensors, FwTensor, i);
      if (strcmp (t->name, name) == 0)
        return t;
    }
  return NULL;
}

int
fw_safetensors_n_tensors (const FwSafetensors *st)
{
  return (int) st->tensors->len;
}

const FwTensor *
fw_safetensors_nth (const FwSafetensors *st, int i)
{
  g_return_val_if_fail (i >= 0 && i < (int) st->tensors->len, NULL);
  return &g_array_index (st->tensors, FwTensor, i);
}

const char *
fw_safetensors_metadata (const FwSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}
