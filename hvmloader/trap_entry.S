/*
 * Exception entry stubs.  hvmloader never expects a fault, and without an
 * IDT one would triple-fault into a silent "reboot"; with these, a fault
 * prints where it happened and ends as a crash (pvpanic) instead.
 */
#include "layout.h"

        .text
        .code32

/* Vectors for which the CPU pushes an error code itself. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                    (v) == 21 || (v) == 29 || (v) == 30)

        .globl  trap_stubs
        .balign 16
trap_stubs:
        vec = 0
        .rept   32
        .balign 16
        .if     !HAS_ERR(vec)
        pushl   $0
        .endif
        pushl   $vec
        jmp     trap_common
        vec = vec + 1
        .endr

trap_common:
        /* Stack: vector, error code, EIP, CS, EFLAGS. */
        cld
        movl    $SEL_DATA32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        call    trap_report             /* (vector, error, eip): no return */
1:      cli
        hlt
        jmp     1b
