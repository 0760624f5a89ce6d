/*
 * simd.h — what runtime/ kernels share to be vectorised without intrinsics
 * (internal to runtime/; not part of any kernel's interface).
 *
 *   RT_CONTRACT  function attribute: fuse a*b+c into FMA (GCC turns
 *                contraction off under -std=c11; Clang contracts within an
 *                expression by default)
 *   RT_UNROLL    before a loop with a constant trip count: unroll it fully,
 *                so arrays of vectors indexed by it live in registers
 *   RT_VEC       defined when GCC vector extensions are available; then
 *                rt_v4/rt_v8/rt_v16 (aligned to their size) and
 *                rt_v4u/rt_v8u/rt_v16u (4-byte aligned, may alias float)
 *                are vectors of 4, 8 and 16 floats
 *   RT_VCLAMP(VT, IT, v, lo, hi)
 *                clamp the vector lvalue v to [lo, hi] (vectors of VT; IT
 *                the integer vector of the same shape: rt_i4/rt_i8/rt_i16);
 *                like v < lo ? lo : v, then v > hi ? hi : v per element, so
 *                NaN stays NaN.  RT_SCLAMP(v, lo, hi) is the scalar form.
 *   RT_X86       GCC or Clang on x86: kernels are compiled a second and
 *                third time with RT_AVX2 / RT_AVX512 target attributes
 *   RT_NOVEC     define it to build the plain scalar C fallback with GCC
 *                (to test what a compiler without vector extensions gets)
 *   rt_isa()     the instruction set to use on this CPU: RT_ISA_BASE,
 *                RT_ISA_AVX2 (AVX2 + FMA) or RT_ISA_AVX512 (AVX-512F);
 *                the environment variable SQC_ISA=base|avx2|avx512 caps it
 *                (tests run every kernel set; users can pin results across
 *                machines).  Cheap enough to call per kernel call, so
 *                callers keep no state.
 */
#ifndef SQC_RT_SIMD_H
#define SQC_RT_SIMD_H

#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#define RT_CONTRACT __attribute__((optimize("fp-contract=fast")))
#define RT_UNROLL _Pragma("GCC unroll 16")
#elif defined(__clang__)
#define RT_CONTRACT
#define RT_UNROLL _Pragma("unroll")
#else
#define RT_CONTRACT
#define RT_UNROLL
#endif

#if defined(__GNUC__) && !defined(RT_NOVEC)
#define RT_VEC 1
typedef float rt_v4 __attribute__((vector_size(16)));
typedef float rt_v4u __attribute__((vector_size(16), aligned(4), may_alias));
typedef float rt_v8 __attribute__((vector_size(32)));
typedef float rt_v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float rt_v16 __attribute__((vector_size(64)));
typedef float rt_v16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef int rt_i4 __attribute__((vector_size(16)));
typedef int rt_i8 __attribute__((vector_size(32)));
typedef int rt_i16 __attribute__((vector_size(64)));
/* a comparison of float vectors is -1 (all bits) where it holds, 0 where
 * not: select by masks */
#define RT_VCLAMP(VT, IT, v, lo, hi)                                         \
	do {                                                                 \
		IT m_ = (IT)((v) < (lo));                                    \
                                                                             \
		(v) = (VT)((m_ & (IT)(lo)) | (~m_ & (IT)(v)));               \
		m_ = (IT)((v) > (hi));                                       \
		(v) = (VT)((m_ & (IT)(hi)) | (~m_ & (IT)(v)));               \
	} while (0)
#endif
#define RT_SCLAMP(v, lo, hi)                                                 \
	do {                                                                 \
		(v) = (v) < (lo) ? (lo) : (v);                               \
		(v) = (v) > (hi) ? (hi) : (v);                               \
	} while (0)

#if RT_VEC && (defined(__x86_64__) || defined(__i386__))
#define RT_X86 1
#define RT_AVX2 __attribute__((target("avx2,fma")))
#define RT_AVX512 __attribute__((target("avx512f,fma")))
#endif

enum { RT_ISA_BASE, RT_ISA_AVX2, RT_ISA_AVX512 };

static inline int
rt_isa(void)
{
#if RT_X86
	const char *cap = getenv("SQC_ISA");
	int max = RT_ISA_AVX512;

	if (cap && strcmp(cap, "base") == 0)
		max = RT_ISA_BASE;
	else if (cap && strcmp(cap, "avx2") == 0)
		max = RT_ISA_AVX2;
	if (max >= RT_ISA_AVX512 && __builtin_cpu_supports("avx512f"))
		return RT_ISA_AVX512;
	if (max >= RT_ISA_AVX2 && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		return RT_ISA_AVX2;
#endif
	return RT_ISA_BASE;
}

#endif
