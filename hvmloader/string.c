/*
 * Own string routines: -nostdlib gives us no libc, and gcc may still emit
 * calls to memcpy/memset for struct copies, so these names are required.
 */
#include "util.h"

void* memcpy(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;

  while (n--) *d++ = *s++;
  return dst;
}

/* Payloads are moved within guest RAM where source and target may overlap. */
void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;

  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  uint8_t* d = dst;

  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t *x = a, *y = b;

  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;

  while (s[n]) n++;
  return n;
}

size_t strnlen(const char* s, size_t max) {
  size_t n = 0;

  while (n < max && s[n]) n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return (uint8_t)*a - (uint8_t)*b;
}

/* The value that makes the 8-bit sum of a table zero once stored in it. */
uint8_t checksum8(const void* p, size_t n) {
  const uint8_t* b = p;
  uint8_t sum = 0;

  while (n--) sum += *b++;
  return (uint8_t)-sum;
}
