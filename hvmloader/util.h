/* Freestanding helpers: port I/O, memory/string routines, console output. */
#ifndef HVMLOADER_UTIL_H
#define HVMLOADER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }

static inline void cpuid(uint32_t leaf, uint32_t* a, uint32_t* b, uint32_t* c, uint32_t* d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* Physical memory is identity-mapped (paging off): an address is a pointer. */
static inline void* phys(uint32_t paddr) { return (void*)(uintptr_t)paddr; }

void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);
uint8_t checksum8(const void* p, size_t n);

/* Console: port 0xE9.  Supports %c %s %d %u %x %X %p, 'l'/'ll', width, '0'. */
void putchar(char c);
void vprintf(const char* fmt, va_list ap);
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends of the road.  Both print nothing; callers say why first. */
void __attribute__((noreturn)) power_off(void);
void __attribute__((noreturn)) crash(void);

/* Ranges in [start, end) form. */
static inline int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
  return a < b + blen && b < a + alen;
}

extern char _image_start[], _end[];

#endif
