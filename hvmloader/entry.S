/*
 * First instructions.  The builder guarantees flat 32-bit segments with
 * paging off, but not a usable GDTR or stack, so establish both before any
 * C runs.  EBX carries the hvm_start_info address on the modern entry path
 * and garbage on the legacy (JMP at address 0) path; C decides which.
 */
#include "layout.h"

        .section .text.entry, "ax"
        .code32
        .globl  _start
_start:
        cli
        cld
        lgdt    gdt_desc
        ljmp    $SEL_CODE32, $1f
1:      movl    $SEL_DATA32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        /* The builder zeroes .bss on a fresh domain; a restarted one may not.
         * Dwords: with paging off, kvm_pvm emulates each step of a REP. */
        movl    $_bss_start, %edi
        movl    $_bss_end, %ecx
        subl    %edi, %ecx
        movl    %ecx, %edx
        shrl    $2, %ecx
        xorl    %eax, %eax
        rep stosl
        movl    %edx, %ecx
        andl    $3, %ecx
        rep stosb
        movl    $stack_top, %esp
        xorl    %ebp, %ebp
        pushl   %ebx
        call    hvmloader_main
2:      cli
        hlt
        jmp     2b

        .section .data
        .balign 8
gdt:
        .quad   0
        .quad   0x00009a000000ffff      /* SEL_CODE16: base 0, 64 KiB */
        .quad   0x00cf9a000000ffff      /* SEL_CODE32: flat 4 GiB */
        .quad   0x00cf92000000ffff      /* SEL_DATA32: flat 4 GiB */
        .quad   0x000092000000ffff      /* SEL_DATA16: base 0, 64 KiB */
gdt_end:
        .balign 4
        .word   0
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt

        .section .bss
        .balign 16
        .space  0x4000
stack_top:
