/* fw-text.c — caption normalization shared by loading, the vocabulary and
 * the GUI: NFKC, case folding, then words = maximal runs of letters and
 * digits in any script, with the combining marks that follow them.  Mapping words to ids is fw-vocab.c's job. */
#include "fw-dataset.h"

static gboolean
is_mark (gunichar c)
{
  GUnicodeType t = g_unichar_type (c);
  return t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK || t == G_UNICODE_ENCLOSING_MARK;
}

/* ASCII text, most captions: NFKC leaves it as it is and case folding
 * only lowers A-Z, so words are runs of [a-z0-9] and the Unicode passes
 * (a third of the text work in a 70 000-caption load) can be skipped.
 * FALSE when the text has any other byte. */
static gboolean
tokenize_ascii (const char *text, GPtrArray *out)
{
  for (const char *p = text; *p; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  const char *word = NULL;
  for (const char *p = text;; p++)
    {
      gboolean in = g_ascii_isalnum (*p);
      if (in && word == NULL)
        word = p;
      else if (!in && word != NULL)
        {
          g_ptr_array_add (out, g_ascii_strdown (word, p - word));
          word = NULL;
        }
      if (*p == 0)
        break;
    }
  return TRUE;
}

char **
fw_tokenize (const char *utf8)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  if (utf8 != NULL && tokenize_ascii (utf8, out))
    {
      g_ptr_array_add (out, NULL);
      return (char **) g_ptr_array_steal (out, NULL);
    }

  if (utf8 == NULL || !g_utf8_validate (utf8, -1, NULL))
    {
      g_ptr_array_add (out, NULL);
      return (char **) g_ptr_array_steal (out, NULL);
    }

  /* NFKC first so that compatibility forms (ｆｕｌｌｗｉｄｔｈ, ligatures,
   * jamo sequences) fold to the same word; case folding after, as Python's
   * str.casefold does on normalized text. */
  g_autofree char *norm = g_utf8_normalize (utf8, -1, G_NORMALIZE_NFKC);
  g_autofree char *folded = g_utf8_casefold (norm ? norm : "", -1);

  const char *word = NULL;
  for (const char *p = folded;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      /* a combining mark (vowel signs, viramas, accents left uncomposed)
       * belongs to the word it follows: Devanagari is not split in letters */
      gboolean in = c != 0 && (g_unichar_isalnum (c) || (word != NULL && is_mark (c)));
      if (in && word == NULL)
        word = p;
      else if (!in && word != NULL)
        {
          g_ptr_array_add (out, g_strndup (word, p - word));
          word = NULL;
        }
      if (c == 0)
        break;
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_steal (out, NULL);
}
