# Sanitizers.cmake -- SKINQ_SANITIZE=ON: AddressSanitizer + UBSan on every target, traps on UB.
if(SKINQ_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san} -O1 -g)
  add_link_options(-fsanitize=address,undefined)
endif()
