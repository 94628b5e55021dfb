/*
 * paging.S: bulk memory work done as 64-bit user-mode code on an identity
 * map, for callers in flat 32-bit protected mode with paging off.  Shared
 * by hvmloader and the test kernel (tests/guests), and by assembly.
 */
#ifndef HVMLOADER_PAGING_H
#define HVMLOADER_PAGING_H

#define LM_OP_MEMMOVE 0 /* dst, src, len: overlap-safe */
#define LM_OP_MEMSET 1  /* dst, src = fill byte, len */
#define LM_OP_SUM8 2    /* src, len: result = 32-bit sum of the bytes */

/* Page tables, IDT and TSS: page-aligned, below 4 GiB, the caller's. */
#define LM_AREA_SIZE 0x7000

#define LM_OK 0
#define LM_UNAVAILABLE (-1) /* no long mode, or no lm_area: nothing done */
#define LM_FAULTED 1        /* an exception ended the work: lm_fault_* say which */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct lm_op {
  uint32_t op;
  uint32_t dst;
  uint32_t src;
  uint32_t len;
  uint32_t result;
};

/* Set before the first lm_run; the area is the tables' for good. */
extern uint32_t lm_area;
/* Nonzero: lm_run acts as if there were no long mode.  Set only in copies of
 * an image, by bench/bench_hvmloader_copy, to time the 32-bit paths. */
extern uint32_t lm_off;
int lm_run(struct lm_op* op);

extern uint32_t lm_fault_vector, lm_fault_error, lm_fault_rip, lm_fault_cr2;
#endif

#endif
