# SkinqIsa.cmake -- prove the compiler takes each ISA's intrinsics, then give ISA flags to the
# files named *_sse41.c / *_avx2.c / *_avx512.c only. Everything else stays baseline x86-64.
include(CheckCSourceCompiles)

set(SKINQ_ISA_DEFINITIONS "")
set(SKINQ_HAVE_SSE41 OFF)
set(SKINQ_HAVE_AVX2 OFF)
set(SKINQ_HAVE_AVX512 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  if(SKINQ_WITH_SSE41)
    set(CMAKE_REQUIRED_FLAGS -msse4.1)
    check_c_source_compiles("#include <smmintrin.h>
      int main(void){ __m128i a = _mm_set1_epi32(1); a = _mm_mullo_epi32(a, a); return _mm_extract_epi32(a, 0) - 1; }"
      SKINQ_CC_SSE41)
    unset(CMAKE_REQUIRED_FLAGS)
    if(SKINQ_CC_SSE41)
      set(SKINQ_HAVE_SSE41 ON)
      list(APPEND SKINQ_ISA_DEFINITIONS SKINQ_HAVE_SSE41=1)
    endif()
  endif()
  if(SKINQ_WITH_AVX2 AND SKINQ_HAVE_SSE41)
    set(CMAKE_REQUIRED_FLAGS "-mavx2 -mfma")
    check_c_source_compiles("#include <immintrin.h>
      int main(void){ __m256 a = _mm256_set1_ps(1.f); a = _mm256_fmadd_ps(a, a, a);
        __m256i b = _mm256_add_epi32(_mm256_set1_epi32(1), _mm256_cvtps_epi32(a)); return _mm256_extract_epi32(b, 0) - 3; }"
      SKINQ_CC_AVX2)
    unset(CMAKE_REQUIRED_FLAGS)
    if(SKINQ_CC_AVX2)
      set(SKINQ_HAVE_AVX2 ON)
      list(APPEND SKINQ_ISA_DEFINITIONS SKINQ_HAVE_AVX2=1)
    endif()
  endif()
  if(SKINQ_WITH_AVX512 AND SKINQ_HAVE_AVX2)
    set(CMAKE_REQUIRED_FLAGS "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma")
    check_c_source_compiles("#include <immintrin.h>
      int main(void){ __m512 a = _mm512_set1_ps(1.f); __mmask16 k = _mm512_cmp_ps_mask(a, a, _CMP_EQ_OQ);
        __m512i b = _mm512_maskz_mov_epi8((__mmask64)k, _mm512_set1_epi8(1)); __m256 c = _mm256_maskz_mov_ps((__mmask8)k, _mm256_set1_ps(2.f));
        return _mm512_reduce_add_epi32(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(b))) + (int)_mm256_cvtss_f32(c) - 18; }"
      SKINQ_CC_AVX512)
    unset(CMAKE_REQUIRED_FLAGS)
    if(SKINQ_CC_AVX512)
      set(SKINQ_HAVE_AVX512 ON)
      list(APPEND SKINQ_ISA_DEFINITIONS SKINQ_HAVE_AVX512=1)
    endif()
  endif()
endif()
add_feature_info(SSE41 SKINQ_HAVE_SSE41 "SSE4.1 kernels (per-file -msse4.1)")
add_feature_info(AVX2 SKINQ_HAVE_AVX2 "AVX2+FMA kernels (per-file -mavx2 -mfma -ffp-contract=off)")
add_feature_info(AVX512 SKINQ_HAVE_AVX512 "AVX-512 F+BW+DQ+VL kernels (per-file -mavx512f/bw/dq/vl -mfma -ffp-contract=off)")

# Per-file flags. -ffp-contract=off: FMA only where a kernel writes _mm256_fmadd_ps itself, so
# the scalar tails inside an AVX2 file round like the scalar reference (see lib/color/README.md).
function(skinq_isa_flags sources)
  foreach(f IN LISTS sources)
    if(f MATCHES "_sse41\\.c$")
      if(SKINQ_HAVE_SSE41)
        set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-msse4.1")
      else()
        set_source_files_properties(${f} PROPERTIES HEADER_FILE_ONLY ON)
      endif()
    elseif(f MATCHES "_avx2\\.c$")
      if(SKINQ_HAVE_AVX2)
        set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-ffp-contract=off")
      else()
        set_source_files_properties(${f} PROPERTIES HEADER_FILE_ONLY ON)
      endif()
    elseif(f MATCHES "_avx512\\.c$")
      if(SKINQ_HAVE_AVX512)
        set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS
          "-mavx512f;-mavx512bw;-mavx512dq;-mavx512vl;-mfma;-ffp-contract=off")
      else()
        set_source_files_properties(${f} PROPERTIES HEADER_FILE_ONLY ON)
      endif()
    endif()
  endforeach()
endfunction()
