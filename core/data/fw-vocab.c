/* fw-vocab.c — the token vocabulary: built from the train split's words
 * (minimum count 1), ids 0 = <pad>, 1 = <unk>, then by descending count with
 * ties in strcmp order, so the same data always gives the same ids.  Saving
 * it is the model file's job (it stores the token list). */
#include "fw-dataset.h"

#include <string.h>

static FwVocab *
vocab_new (void)
{
  FwVocab *v = g_new0 (FwVocab, 1);
  v->tokens = g_ptr_array_new_with_free_func (g_free);
  v->index = g_hash_table_new (g_str_hash, g_str_equal);  /* keys borrowed from tokens */
  return v;
}

static void
vocab_add (FwVocab *v, const char *token)
{
  char *copy = g_strdup (token);
  int id = (int) v->tokens->len;
  g_ptr_array_add (v->tokens, copy);
  /* first one wins: a list with a duplicate keeps its earlier id */
  if (!g_hash_table_contains (v->index, copy))
    g_hash_table_insert (v->index, copy, GINT_TO_POINTER (id));
}

void
fw_vocab_free (FwVocab *vocab)
{
  if (vocab == NULL)
    return;
  g_hash_table_unref (vocab->index);
  g_ptr_array_unref (vocab->tokens);
  g_free (vocab);
}

typedef struct {
  const char *token;
  int count;
} Entry;

static int
entry_cmp (const void *a, const void *b)
{
  const Entry *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->token, y->token);
}

FwVocab *
fw_vocab_build (const FwDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);

  int n_lex = (int) ds->lexicon->len;
  g_autofree int *count = g_new0 (int, n_lex > 0 ? n_lex : 1);
  for (int r = 0; r < ds->n; r++)
    if (ds->split[r] == FW_SPLIT_TRAIN)
      for (int k = ds->word_start[r]; k < ds->word_start[r + 1]; k++)
        count[ds->words[k]]++;

  g_autofree Entry *entries = g_new (Entry, n_lex > 0 ? n_lex : 1);
  int n = 0;
  for (int i = 0; i < n_lex; i++)
    if (count[i] > 0)
      entries[n++] = (Entry) { g_ptr_array_index (ds->lexicon, i), count[i] };
  qsort (entries, n, sizeof *entries, entry_cmp);

  FwVocab *v = vocab_new ();
  vocab_add (v, "<pad>");
  vocab_add (v, "<unk>");
  for (int i = 0; i < n; i++)
    vocab_add (v, entries[i].token);
  return v;
}

FwVocab *
fw_vocab_new_from_tokens (const char *const *tokens, int n)
{
  g_return_val_if_fail (tokens != NULL || n == 0, NULL);

  FwVocab *v = vocab_new ();
  if (n < 2)
    {
      /* a list too short to hold the specials still gets them, so ids 0/1
       * keep their meaning */
      vocab_add (v, "<pad>");
      vocab_add (v, "<unk>");
      return v;
    }
  for (int i = 0; i < n; i++)
    vocab_add (v, tokens[i] ? tokens[i] : "");
  return v;
}

int
fw_vocab_lookup (const FwVocab *vocab, const char *token)
{
  g_return_val_if_fail (vocab != NULL, FW_VOCAB_UNK);
  gpointer value;
  if (token != NULL && g_hash_table_lookup_extended (vocab->index, token, NULL, &value))
    {
      int id = GPOINTER_TO_INT (value);
      /* the specials are not words: a caption never yields <pad> */
      return id == FW_VOCAB_PAD ? FW_VOCAB_UNK : id;
    }
  return FW_VOCAB_UNK;
}

int *
fw_vocab_map_lexicon (const FwVocab *vocab, const FwDataset *ds)
{
  g_return_val_if_fail (vocab != NULL && ds != NULL, NULL);
  int n = (int) ds->lexicon->len;
  int *map = g_new (int, n > 0 ? n : 1);
  for (int i = 0; i < n; i++)
    map[i] = fw_vocab_lookup (vocab, g_ptr_array_index (ds->lexicon, i));
  return map;
}
