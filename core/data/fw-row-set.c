/* fw-row-set.c — Golomb–Rice coding of a sorted set of hashed row keys
 * (Putze, Sanders & Singler 2007): each key maps to [0, keys·2^bits), the
 * sorted gaps are written as a unary quotient and `bits` low bits.  What a
 * row's key is and when to record it are fw-row-key.c's and the trainer's. */
#include "fw-row-set.h"

#include <string.h>

#include <glib/gi18n.h>
#include "fw-json.h"

#define FW_ROW_SET_BITS 20
#define SAMPLE_ALL G_GUINT64_CONSTANT (0x100000000)

struct _FwRowSet {
  int rows;                  /* rows the set was made from, duplicates included */
  int keys;                  /* distinct keys recorded (values may repeat) */
  int bits;                  /* Rice parameter: a false match per 2^bits lookups */
  guint64 sample;            /* a key is recorded when key >> 32 < sample (2^32: all) */
  guint64 *values;           /* (keys) sorted, in [0, keys << bits) */
};

/* independent of the key's top bits, which choose the sample */
static guint64
mix (guint64 z)
{
  z ^= z >> 33;
  z *= G_GUINT64_CONSTANT (0xFF51AFD7ED558CCD);
  z ^= z >> 33;
  z *= G_GUINT64_CONSTANT (0xC4CEB9FE1A85EC53);
  return z ^ (z >> 33);
}

static guint64
value_of (guint64 key, int keys, int bits)
{
  unsigned __int128 range = (unsigned __int128) ((guint64) keys << bits);
  return (guint64) (((unsigned __int128) mix (key) * range) >> 64);
}

static int
cmp_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* sorts and drops repeats; returns the new length */
static int
sort_unique (guint64 *v, int n)
{
  if (n == 0)
    return 0;
  qsort (v, n, sizeof *v, cmp_u64);
  int w = 0;
  for (int i = 0; i < n; i++)
    if (w == 0 || v[w - 1] != v[i])
      v[w++] = v[i];
  return w;
}

FwRowSet *
fw_row_set_new (const guint64 *keys, int n)
{
  g_return_val_if_fail (keys != NULL || n == 0, NULL);
  FwRowSet *set = g_new0 (FwRowSet, 1);
  set->rows = n;
  set->bits = FW_ROW_SET_BITS;
  g_autofree guint64 *distinct = g_memdup2 (keys, sizeof (guint64) * MAX (n, 1));
  int m = sort_unique (distinct, n);
  set->sample = SAMPLE_ALL;
  if (m > FW_ROW_SET_MAX_KEYS)
    set->sample = (guint64) ((double) SAMPLE_ALL * FW_ROW_SET_MAX_KEYS / m);
  set->values = g_new (guint64, MAX (m, 1));
  for (int i = 0; i < m; i++)
    if ((distinct[i] >> 32) < set->sample)
      set->values[set->keys++] = distinct[i];
  for (int i = 0; i < set->keys; i++)
    set->values[i] = value_of (set->values[i], set->keys, set->bits);
  /* two keys may share a value (a gap of 0): kept, as the range counts them */
  if (set->keys > 0)
    qsort (set->values, set->keys, sizeof (guint64), cmp_u64);
  return set;
}

void
fw_row_set_free (FwRowSet *set)
{
  if (!set)
    return;
  g_free (set->values);
  g_free (set);
}

typedef struct {
  guint8 *data;
  gsize len, cap;            /* bytes */
  int bit;                   /* next bit in the last byte, 7 = most significant */
} BitWriter;

static void
put_bit (BitWriter *w, int b)
{
  if (w->bit < 0 || w->len == 0)
    {
      if (w->len == w->cap)
        {
          w->cap = MAX (64, w->cap * 2);
          w->data = g_realloc (w->data, w->cap);
        }
      w->data[w->len++] = 0;
      w->bit = 7;
    }
  if (b)
    w->data[w->len - 1] |= (guint8) (1u << w->bit);
  w->bit--;
}

char *
fw_row_set_to_json (const FwRowSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  BitWriter w = { NULL, 0, 0, -1 };
  guint64 prev = 0;
  for (int i = 0; i < set->keys; i++)
    {
      guint64 gap = set->values[i] - prev;
      prev = set->values[i];
      for (guint64 q = gap >> set->bits; q > 0; q--)
        put_bit (&w, 1);
      put_bit (&w, 0);
      for (int b = set->bits - 1; b >= 0; b--)
        put_bit (&w, (int) (gap >> b & 1));
    }
  g_autofree char *b64 = g_base64_encode (w.data, w.len);
  g_free (w.data);
  return g_strdup_printf ("{\"rows\": %d, \"keys\": %d, \"bits\": %d, \"sample\": %" G_GUINT64_FORMAT
                          ", \"gcs\": \"%s\"}", set->rows, set->keys, set->bits, set->sample, b64);
}

static gboolean
bad (GError **error, const char *why)
{
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
               _("the fingerprint of the training rows is damaged: %s"), why);
  return FALSE;
}

static gboolean
member_int (JsonObject *o, const char *name, gint64 lo, gint64 hi, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= lo && *out <= hi;
}

FwRowSet *
fw_row_set_from_json (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (JsonNode) root = fw_json_parse (text, -1, NULL, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      bad (error, _("not a JSON object"));
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  gint64 rows, keys, bits, sample;
  const char *gcs = json_object_get_string_member_with_default (o, "gcs", NULL);
  if (!member_int (o, "rows", 0, G_MAXINT, &rows)
      || !member_int (o, "keys", 0, 4 * FW_ROW_SET_MAX_KEYS, &keys)
      || !member_int (o, "bits", 1, 32, &bits)
      || !member_int (o, "sample", 1, (gint64) SAMPLE_ALL, &sample)
      || gcs == NULL || keys > rows)
    {
      bad (error, _("a count is missing or out of range"));
      return NULL;
    }
  gsize len = 0;
  g_autofree guint8 *data = g_base64_decode (gcs, &len);
  g_autoptr (FwRowSet) set = g_new0 (FwRowSet, 1);
  set->rows = (int) rows;
  set->keys = (int) keys;
  set->bits = (int) bits;
  set->sample = (guint64) sample;
  set->values = g_new (guint64, MAX (keys, 1));
  gsize pos = 0, n_bits = len * 8;
  guint64 prev = 0, range = (guint64) keys << bits;
  for (int i = 0; i < keys; i++)
    {
      guint64 q = 0, r = 0;
      while (pos < n_bits && (data[pos / 8] >> (7 - pos % 8) & 1))
        q++, pos++;
      if (pos + 1 + (gsize) bits > n_bits)
        {
          bad (error, _("it ends early"));
          return NULL;
        }
      pos++;
      for (int b = 0; b < bits; b++, pos++)
        r = r << 1 | (data[pos / 8] >> (7 - pos % 8) & 1);
      guint64 gap = (q << bits) | r;
      if (gap >= range - prev)
        {
          bad (error, _("its values are out of order or range"));
          return NULL;
        }
      prev += gap;
      set->values[i] = prev;
    }
  return g_steal_pointer (&set);
}

static gboolean
contains_value (const FwRowSet *set, guint64 v)
{
  int lo = 0, hi = set->keys;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (set->values[mid] < v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < set->keys && set->values[lo] == v;
}

int
fw_row_set_count (const FwRowSet *set, const guint64 *keys, int n)
{
  g_return_val_if_fail (set != NULL && (keys != NULL || n == 0), 0);
  if (set->keys == 0)
    return 0;
  int found = 0;
  for (int i = 0; i < n; i++)
    if ((keys[i] >> 32) < set->sample && contains_value (set, value_of (keys[i], set->keys, set->bits)))
      found++;
  if (set->sample == SAMPLE_ALL)
    return found;
  /* a sample: scale up, never past the rows asked about */
  return MIN (n, (int) ((double) found * SAMPLE_ALL / set->sample + 0.5));
}

int
fw_row_set_count_rows (const FwRowSet *set, const FwDataset *ds, const int *rows, int n)
{
  g_return_val_if_fail (set != NULL && ds != NULL && (rows != NULL || n == 0), 0);
  if (ds->row_key == NULL)
    return 0;
  g_autofree guint64 *keys = g_new (guint64, MAX (n, 1));
  for (int i = 0; i < n; i++)
    keys[i] = ds->row_key[rows[i]];
  return fw_row_set_count (set, keys, n);
}
