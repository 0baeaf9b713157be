# Sanitizers.cmake -- SKINQ_SANITIZE=ON: AddressSanitizer + UBSan on every target, traps on UB.
if(SKINQ_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san} -O1 -g)
  add_link_options(-fsanitize=address,undefined)
endif()

# SKINQ_FUZZ=ON (clang only; scripts/fuzz.sh configures build-fuzz with it): every target gets
# libFuzzer's coverage instrumentation with ASan + UBSan (UB aborts, so it is a crash); the
# tests/fuzz/ targets link libFuzzer's main (-fsanitize=fuzzer).
if(SKINQ_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SKINQ_FUZZ needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_fuzz} -g)
  add_link_options(-fsanitize=address,undefined)
endif()
