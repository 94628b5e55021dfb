/* Shared by the test kernels: whether a command line holds `word` as a
 * whole space-separated word. */
#ifndef CMDLINE_WORD_H
#define CMDLINE_WORD_H

static inline int has_word(const char* s, const char* word) {
  for (; *s; s++) {
    const char* a = s;
    const char* b = word;
    while (*b && *a == *b) a++, b++;
    if (!*b && (*a == ' ' || *a == 0)) return 1;
  }
  return 0;
}

#endif
