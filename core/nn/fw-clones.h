/* fw-clones.h — function multi-versioning for the hot loops: GCC compiles
 * a marked function once per listed target and picks one at load time.
 *
 * FW_CLONE_AVX2: "avx2" and "default".  GCC's avx2 target has no FMA, so
 * both clones round alike and the numbers do not depend on the machine.
 * FW_CLONE_AVX512: "avx512f", "avx2" and "default", for loops wide enough
 * for 16 floats; GCC's avx512f clone does contract into FMA, so its last
 * bits may differ from the others'.
 *
 * Under ThreadSanitizer both are empty: the resolver target_clones adds
 * runs while the program is relocated, before TSan is set up (a crash
 * before main). */
#pragma once

#if defined(__SANITIZE_THREAD__)
#define FW_NO_TARGET_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FW_NO_TARGET_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute) && !defined(FW_NO_TARGET_CLONES)
#if __has_attribute(target_clones)
#define FW_CLONE_AVX2 __attribute__ ((target_clones ("avx2", "default")))
#define FW_CLONE_AVX512 __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#endif
#endif
#ifndef FW_CLONE_AVX2
#define FW_CLONE_AVX2
#define FW_CLONE_AVX512
#endif
