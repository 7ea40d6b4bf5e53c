# Warnings for leadscout's own targets only (PRIVATE), never for consumers.
function(leadscout_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # Clang's -Wconversion also covers sign changes, which GCC's does not in C++; keep the
      # two compilers to the same rule.
      target_compile_options(${target} PRIVATE -Wno-sign-conversion)
    endif()
    if(LEADSCOUT_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
