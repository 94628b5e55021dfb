/*
 * Debug console on I/O port 0xE9: the one device every hvmtool platform
 * (kvm, and Xen even without a device model) provides.
 */
#include "util.h"

#define DEBUG_PORT 0xE9

void putchar(char c) { outb(DEBUG_PORT, (uint8_t)c); }

static void puts_n(const char* s, size_t n) {
  while (n--) putchar(*s++);
}

/* 64-bit division without libgcc's __udivdi3: only ever by 10. */
static uint64_t divmod10(uint64_t v, unsigned* rem) {
  uint64_t q = 0, r = 0;
  int i;

  for (i = 63; i >= 0; i--) {
    r = (r << 1) | ((v >> i) & 1);
    if (r >= 10) {
      r -= 10;
      q |= (uint64_t)1 << i;
    }
  }
  *rem = (unsigned)r;
  return q;
}

static void put_number(uint64_t v, unsigned base, int upper, int width, char pad, int negative) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[24];
  int n = 0;

  do {
    unsigned d;

    if (base == 16) {
      d = v & 15;
      v >>= 4;
    } else {
      v = divmod10(v, &d);
    }
    buf[n++] = digits[d];
  } while (v);

  if (negative && pad == '0') putchar('-');
  for (width -= n + negative; width > 0; width--) putchar(pad);
  if (negative && pad != '0') putchar('-');
  while (n) putchar(buf[--n]);
}

void vprintf(const char* fmt, va_list ap) {
  for (; *fmt; fmt++) {
    int width = 0, longs = 0;
    char pad = ' ';
    uint64_t u;
    int64_t s;

    if (*fmt != '%') {
      putchar(*fmt);
      continue;
    }
    fmt++;
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') {
      longs++;
      fmt++;
    }

    switch (*fmt) {
      case 'c':
        putchar((char)va_arg(ap, int));
        break;
      case 's': {
        const char* str = va_arg(ap, const char*);
        size_t len;

        if (!str) str = "(null)";
        len = strlen(str);
        for (width -= (int)len; width > 0; width--) putchar(' ');
        puts_n(str, len);
        break;
      }
      case 'd':
      case 'i':
        s = longs >= 2 ? va_arg(ap, int64_t) : longs ? va_arg(ap, long) : va_arg(ap, int);
        put_number(s < 0 ? (uint64_t)-s : (uint64_t)s, 10, 0, width, pad, s < 0);
        break;
      case 'u':
      case 'x':
      case 'X':
        u = longs >= 2 ? va_arg(ap, uint64_t) : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
        put_number(u, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, pad, 0);
        break;
      case 'p':
        puts_n("0x", 2);
        put_number((uintptr_t)va_arg(ap, void*), 16, 0, 8, '0', 0);
        break;
      case '%':
        putchar('%');
        break;
      case '\0':
        return;
      default:
        putchar('%');
        putchar(*fmt);
        break;
    }
  }
}

void printf(const char* fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}
