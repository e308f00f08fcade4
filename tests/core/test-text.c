/* test-text.c — caption tokenization (any script) and the vocabulary's id
 * rules: pad 0, unk 1, then descending train count with strcmp ties. */
#include <string.h>

#include "fw-dataset.h"

static void
check_tokens (const char *text, const char *const *expected)
{
  g_auto (GStrv) t = fw_tokenize (text);
  g_assert_cmpstrv (t, expected);
}

static void
test_tokenize (void)
{
  check_tokens ("A Red  circle!", (const char *const[]) { "a", "red", "circle", NULL });
  check_tokens ("it's 3-D, isn't it?", (const char *const[]) { "it", "s", "3", "d", "isn", "t", "it", NULL });
  check_tokens ("", (const char *const[]) { NULL });
  check_tokens ("  ...  ", (const char *const[]) { NULL });
  check_tokens (NULL, (const char *const[]) { NULL });
  /* NFKC: fullwidth letters and the "ﬁ" ligature fold to plain ones */
  check_tokens ("ＲＥＤ ﬁsh", (const char *const[]) { "red", "fish", NULL });
  /* case folding goes beyond ASCII */
  check_tokens ("STRASSE Straße ÉTÉ", (const char *const[]) { "strasse", "strasse", "été", NULL });
  /* Korean words are runs of Hangul syllables */
  check_tokens ("빨간 원, 고양이가 좋아요!", (const char *const[]) { "빨간", "원", "고양이가", "좋아요", NULL });
  /* decomposed jamo compose under NFKC into the same word */
  check_tokens ("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", (const char *const[]) { "한", NULL });
  /* combining marks belong to the word they follow: Devanagari vowel signs
   * (Mc, Mn) and the virama keep "नमस्ते" one word, not न म स त */
  check_tokens ("नमस्ते दुनिया!", (const char *const[]) { "नमस्ते", "दुनिया", NULL });
  check_tokens ("किताब, हिंदी", (const char *const[]) { "किताब", "हिंदी", NULL });
  /* a mark that NFKC cannot compose stays on its letter; alone it is no word */
  check_tokens ("q\xCC\x83x \xCC\x83", (const char *const[]) { "q\xCC\x83x", NULL });
  /* invalid UTF-8 yields nothing rather than reading past the end */
  check_tokens ("ab\xC3", (const char *const[]) { NULL });
}

/* ASCII captions skip NFKC and Unicode case folding: random ASCII (every
 * byte 1-127) tokenizes as it does through the Unicode passes, which a
 * trailing " é" forces and adds one word to. */
static void
test_tokenize_ascii (void)
{
  guint32 state = 7;
  for (int k = 0; k < 500; k++)
    {
      char text[40];
      int n = k % 39;
      for (int i = 0; i < n; i++)
        {
          state = state * 1103515245u + 12345u;
          /* letters, digits and punctuation mostly, any byte sometimes */
          int v = (state >> 16) % 4 ? "aZ9 -'_.Q3x"[(state >> 8) % 11] : 1 + (state >> 9) % 127;
          text[i] = (char) v;
        }
      text[n] = 0;
      g_autofree char *forced = g_strconcat (text, " \xC3\xA9", NULL);
      g_auto (GStrv) fast = fw_tokenize (text);
      g_auto (GStrv) slow = fw_tokenize (forced);
      guint len = g_strv_length (slow);
      g_assert_cmpuint (len, >=, 1);
      g_assert_cmpstr (slow[len - 1], ==, "\xC3\xA9");
      g_free (slow[len - 1]);
      slow[len - 1] = NULL;
      g_assert_cmpstrv (fast, slow);
    }
}

static FwDataset *
tiny_dataset (void)
{
  /* rows: train "b a a", train "c b", val "z z z z" — z never counts */
  FwDataset *ds = g_new0 (FwDataset, 1);
  static const char *lex[] = { "b", "a", "c", "z" };
  static int words[] = { 0, 1, 1, 2, 0, 3, 3, 3, 3 };
  static int starts[] = { 0, 3, 5, 9 };
  static guint8 split[] = { FW_SPLIT_TRAIN, FW_SPLIT_TRAIN, FW_SPLIT_VAL };
  ds->n = 3;
  ds->lexicon = g_ptr_array_new ();
  for (int i = 0; i < 4; i++)
    g_ptr_array_add (ds->lexicon, (gpointer) lex[i]);
  ds->words = words;
  ds->word_start = starts;
  ds->split = split;
  return ds;
}

static void
test_vocab_build (void)
{
  FwDataset *ds = tiny_dataset ();
  g_autoptr (FwVocab) v = fw_vocab_build (ds);
  /* a: 2, b: 2 (tie → strcmp), c: 1; z only in val */
  g_assert_cmpint (v->tokens->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (v->tokens, 0), ==, "<pad>");
  g_assert_cmpstr (g_ptr_array_index (v->tokens, 1), ==, "<unk>");
  g_assert_cmpstr (g_ptr_array_index (v->tokens, 2), ==, "a");
  g_assert_cmpstr (g_ptr_array_index (v->tokens, 3), ==, "b");
  g_assert_cmpstr (g_ptr_array_index (v->tokens, 4), ==, "c");
  g_assert_cmpint (fw_vocab_lookup (v, "c"), ==, 4);
  g_assert_cmpint (fw_vocab_lookup (v, "z"), ==, FW_VOCAB_UNK);
  g_assert_cmpint (fw_vocab_lookup (v, "<pad>"), ==, FW_VOCAB_UNK);
  g_autofree int *map = fw_vocab_map_lexicon (v, ds);
  g_assert_cmpint (map[0], ==, 3);
  g_assert_cmpint (map[1], ==, 2);
  g_assert_cmpint (map[2], ==, 4);
  g_assert_cmpint (map[3], ==, FW_VOCAB_UNK);
  g_ptr_array_unref (ds->lexicon);
  g_free (ds);
}

static void
test_vocab_from_tokens (void)
{
  const char *const tokens[] = { "<pad>", "<unk>", "red", "circle" };
  g_autoptr (FwVocab) v = fw_vocab_new_from_tokens (tokens, 4);
  g_assert_cmpint (fw_vocab_lookup (v, "circle"), ==, 3);
  g_assert_cmpint (fw_vocab_lookup (v, "blue"), ==, FW_VOCAB_UNK);
  g_assert_cmpint (fw_vocab_lookup (v, NULL), ==, FW_VOCAB_UNK);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/text/tokenize", test_tokenize);
  g_test_add_func ("/core/text/tokenize-ascii", test_tokenize_ascii);
  g_test_add_func ("/core/text/vocab-build", test_vocab_build);
  g_test_add_func ("/core/text/vocab-from-tokens", test_vocab_from_tokens);
  return g_test_run ();
}
