/* fw-blas.c — choosing OpenBLAS's kernels for CPUs it does not recognise.
 * The choice has to be made before the library initialises, so it goes
 * through the environment and one re-exec; nothing here touches OpenBLAS's
 * internals. */
#include "fw-blas.h"

#include <string.h>
#include <unistd.h>

extern char *openblas_get_corename (void);

const char *
fw_blas_kernels (void)
{
  return openblas_get_corename ();
}

const char *
fw_blas_better_kernels (const char *running)
{
#if defined(__x86_64__) && defined(__GNUC__)
  /* only the generic fallbacks are second-guessed: a family OpenBLAS chose
   * from a CPU model it knows stays */
  static const char *const fallbacks[] = { "Prescott", "Core2", "Penryn", "Nehalem", "Sandybridge" };
  gboolean fallback = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    fallback |= running != NULL && g_ascii_strcasecmp (running, fallbacks[i]) == 0;
  if (!fallback)
    return NULL;
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
#endif
  (void) running;
  return NULL;
}

void
fw_blas_pick_kernels (char **argv)
{
  if (g_getenv ("OPENBLAS_CORETYPE") != NULL)   /* the user's choice, or ours after the re-exec */
    return;
  const char *better = fw_blas_better_kernels (fw_blas_kernels ());
  if (better == NULL)
    return;
  g_setenv ("OPENBLAS_CORETYPE", better, TRUE);
  execv ("/proc/self/exe", argv);
  /* no /proc: carry on with the slow kernels rather than fail */
  g_unsetenv ("OPENBLAS_CORETYPE");
}
