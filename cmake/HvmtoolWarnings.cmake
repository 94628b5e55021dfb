# Warnings as errors for the project's own code (not for third-party headers,
# which come in as system includes).
function(hvmtool_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
endfunction()
