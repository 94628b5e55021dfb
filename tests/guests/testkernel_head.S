/*
 * Test kernel, part 2: protected-mode entry points, linked at 0x100000.
 *
 * startup_32 (code32_start): the 32-bit boot protocol.  Checks what the
 * protocol promises (CS 0x10, DS/ES/SS 0x18, EBX/EDI/EBP 0, IF clear) and
 * passes violations to C as bits, so a broken loader is visible.
 *
 * startup_64 (code32_start + 0x200): the 64-bit protocol.  To share the
 * 32-bit C report it leaves long mode: the loader's page tables identity-map
 * the kernel, so paging can simply be switched off from compatibility mode.
 */
#define SEL_CS32 0x10
#define SEL_DS32 0x18

        .section .text.head, "ax"
        .code32
        .globl  startup_32
startup_32:
        cli
        cld
        xorl    %eax, %eax              /* protocol violations */
        xorl    %ecx, %ecx
        movw    %cs, %cx
        cmpl    $SEL_CS32, %ecx
        je      1f
        orl     $0x01, %eax
1:      movw    %ds, %cx
        cmpl    $SEL_DS32, %ecx
        je      1f
        orl     $0x02, %eax
1:      movw    %es, %cx
        cmpl    $SEL_DS32, %ecx
        je      1f
        orl     $0x04, %eax
1:      movw    %ss, %cx
        cmpl    $SEL_DS32, %ecx
        je      1f
        orl     $0x08, %eax
1:      testl   %ebx, %ebx
        jz      1f
        orl     $0x10, %eax
1:      testl   %edi, %edi
        jz      1f
        orl     $0x20, %eax
1:      testl   %ebp, %ebp
        jz      1f
        orl     $0x40, %eax
        /* The protocol gives no stack: the loader's ESP may point into
         * this image, so our own stack comes before the first push. */
1:      movl    $stack_top, %esp
        pushfl
        popl    %ecx
        testl   $0x200, %ecx
        jz      1f
        orl     $0x80, %eax
        /* The loader's GDT lives in memory that is now ours. */
1:      lgdt    gdt_desc
        ljmp    $SEL_CS32, $1f
1:      movl    $SEL_DS32, %ecx
        movl    %ecx, %ds
        movl    %ecx, %es
        movl    %ecx, %ss
        movl    %ecx, %fs
        movl    %ecx, %gs
        pushl   %eax                    /* violations */
        pushl   $0                      /* boot_params, high half */
        pushl   %esi                    /* boot_params, low half */
        pushl   $32                     /* entry kind */
        call    testkernel_main
2:      cli
        hlt
        jmp     2b

        .org    0x200
        .code64
        .globl  startup_64
startup_64:
        cli
        cld
        /* The 64-bit protocol provides no stack. */
        leaq    stack_top(%rip), %rsp
        movq    %rsi, saved_rsi(%rip)
        lgdt    gdt_desc(%rip)
        pushq   $SEL_CS32
        leaq    compat32(%rip), %rax
        pushq   %rax
        lretq
        .code32
compat32:
        movl    $SEL_DS32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %cr0, %eax
        andl    $~0x80000000, %eax      /* paging off: leaves long mode */
        movl    %eax, %cr0
        movl    $0xc0000080, %ecx       /* EFER.LME off */
        rdmsr
        andl    $~0x100, %eax
        wrmsr
        movl    $stack_top, %esp
        pushl   $0
        pushl   saved_rsi + 4
        pushl   saved_rsi
        pushl   $64
        call    testkernel_main
3:      cli
        hlt
        jmp     3b

        .section .data
        .balign 8
gdt:
        .quad   0
        .quad   0
        .quad   0x00cf9a000000ffff      /* 0x10: flat 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x18: flat data */
gdt_end:
        .balign 4
        .word   0
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt, 0                  /* 64-bit base; ELF32 has no 64-bit relocation */
saved_rsi:
        .quad   0

        .section .bss
        .balign 16
        .space  0x1000
        .globl  stack_top
stack_top:
