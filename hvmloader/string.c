/*
 * Own string routines: -nostdlib gives us no libc, and gcc may still emit
 * calls to memcpy/memset for struct copies, so these names are required.
 */
#include "paging.h"
#include "util.h"

/*
 * Below this size the round trip into long mode (paging.S) costs more than
 * the 32-bit string instructions it replaces, even on kvm_pvm.
 */
#define LM_MIN_BYTES 0x4000

/* Whether paging.S did the work; crashes if it faulted (a bug: every
 * address below 4 GiB is mapped). */
static int bulk(uint32_t op, uint32_t dst, uint32_t src, size_t n) {
  static uint8_t area[LM_AREA_SIZE] __attribute__((aligned(4096)));
  static int unavailable;
  struct lm_op o = {op, dst, src, n, 0};
  int r;

  if (n < LM_MIN_BYTES || unavailable) return 0;
  lm_area = (uintptr_t)area;
  r = lm_run(&o);
  if (r == LM_UNAVAILABLE) unavailable = 1;
  if (r == LM_FAULTED) {
    printf("hvmloader: exception %u (error 0x%x) in 64-bit bulk copy at RIP 0x%08x, CR2 0x%08x\n", lm_fault_vector,
           lm_fault_error, lm_fault_rip, lm_fault_cr2);
    crash();
  }
  return r == LM_OK;
}

/* String instructions rather than loops: where paging is off and
 * instructions are emulated (kvm_pvm), one REP instruction moving 4 bytes
 * per step is many times faster than a loop moving one. */
static void copy_up(void* dst, const void* src, size_t n) {
  size_t words = n / 4, bytes = n % 4;

  __asm__ volatile("rep movsl\n\tmovl %3, %%ecx\n\trep movsb"
                   : "+D"(dst), "+S"(src), "+c"(words)
                   : "r"(bytes)
                   : "memory");
}

/* From the last byte down: the odd bytes at the top first, then words. */
static void copy_down(void* dst, const void* src, size_t n) {
  uint8_t* d = (uint8_t*)dst + n - 1;
  const uint8_t* s = (const uint8_t*)src + n - 1;
  size_t bytes = n % 4, words = n / 4;

  __asm__ volatile(
      "std\n\t"
      "rep movsb\n\t"
      "subl $3, %%esi\n\t"
      "subl $3, %%edi\n\t"
      "movl %3, %%ecx\n\t"
      "rep movsl\n\t"
      "cld"
      : "+D"(d), "+S"(s), "+c"(bytes)
      : "r"(words)
      : "memory");
}

void* memcpy(void* dst, const void* src, size_t n) { return memmove(dst, src, n); }

/* Payloads are moved within guest RAM where source and target may overlap. */
void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;

  if (!n || d == s || bulk(LM_OP_MEMMOVE, (uintptr_t)d, (uintptr_t)s, n)) return dst;
  if (d < s || d >= s + n)
    copy_up(d, s, n);
  else
    copy_down(d, s, n);
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  uint32_t pattern = (uint8_t)c * 0x01010101u;
  size_t words = n / 4, bytes = n % 4;
  void* d = dst;

  if (bulk(LM_OP_MEMSET, (uintptr_t)dst, (uint8_t)c, n)) return dst;
  __asm__ volatile("rep stosl\n\tmovl %2, %%ecx\n\trep stosb"
                   : "+D"(d), "+c"(words)
                   : "r"(bytes), "a"(pattern)
                   : "memory");
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
