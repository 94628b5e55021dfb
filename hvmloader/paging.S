/*
 * Bulk memory work as 64-bit user-mode code: int lm_run(struct lm_op *op).
 *
 * Why the detour: on kvm_pvm (software nested virtualisation) only 64-bit
 * code at CPL 3 runs natively.  Everything else -- paging off, 32-bit
 * paging, and even 64-bit code at CPL 0 -- is emulated one instruction at a
 * time, about 3.5 s per MiB for a byte-copy loop against well under 1 ms
 * per MiB here (bench/bench_hvmloader_copy.cpp measures it).  32-bit
 * paging (PSE or PAE) is refused outright there (#GP on CR0.PG).  On
 * VT-x/AMD-V the round trip costs a few microseconds.
 *
 * The caller runs flat 32-bit protected mode with paging off.  lm_run saves
 * GDTR, IDTR, CR0, CR3, CR4, EFER and the segment selectors, enters long
 * mode on an identity map of the low 4 GiB (user-accessible 2 MiB pages),
 * drops to CPL 3, does the work, comes back through an exception gate and
 * restores every saved value, so the caller sees the state it left.
 * Interrupts stay disabled throughout.
 *
 * Self-contained (own GDT; IDT, TSS and page tables in the work area the
 * caller names in lm_area): hvmloader and the test kernel (tests/guests)
 * both link it.  Not reentrant.
 */
#include "paging.h"

#define MSR_EFER        0xC0000080
#define EFER_LME        0x100
#define CR0_PG          0x80000000
#define CR4_PAE         0x20
#define PTE_TABLE       0x07            /* present, writable, user */
#define PTE_LARGE       0x87            /* ... and a 2 MiB page */
#define LM_LOW_LIMIT    0x40000000      /* what lm_setup maps */

/* Selectors of the GDT below (user ones with RPL 3). */
#define LM_CS32         0x08
#define LM_DS32         0x10
#define LM_CS64         0x18
#define LM_USER_DS      0x23
#define LM_USER_CS64    0x2B
#define LM_TSS          0x30

#define UD_VECTOR       6
#define NR_GATES        32
#define STUB_SIZE       16

/* struct lm_op field offsets (paging.h). */
#define OP_OP           0
#define OP_DST          4
#define OP_SRC          8
#define OP_LEN          12
#define OP_RESULT       16

/* The work area (LM_AREA_SIZE bytes, page-aligned). */
#define AREA_PML4       0x0000
#define AREA_PDPT       0x1000
#define AREA_PD         0x2000          /* four pages: 4 GiB of 2 MiB pages */
#define AREA_IDT        0x6000
#define AREA_TSS        (AREA_IDT + NR_GATES * 16)
#define TSS_SIZE        104

/* Vectors for which the CPU pushes an error code itself. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                    (v) == 21 || (v) == 29 || (v) == 30)

        .text
        .code32

/*
 * One-time setup: 0 if long mode is usable, -1 if not.  Clobbers all but
 * ESP.
 *
 * Only the first GiB is mapped here (512 PDEs); lm_user maps the other
 * three on its first run, natively where this code is emulated (a 2048-entry
 * loop here costs about 6 ms on kvm_pvm).  So all that lm_run touches before
 * that -- this code, the stack, the area -- must lie in the first GiB.
 * 2 MiB pages only: kvm_pvm offers no 1 GiB pages, so a 1 GiB-page path
 * could not be tested here.
 */
lm_setup:
        movl    lm_area, %ebp
        leal    LM_AREA_SIZE(%ebp), %eax
        cmpl    $LM_LOW_LIMIT, %eax
        ja      9f
        cmpl    $LM_LOW_LIMIT, %esp
        jae     9f
        movl    $lm_code_end, %eax
        cmpl    $LM_LOW_LIMIT, %eax
        ja      9f
        movl    $0x80000000, %eax
        cpuid
        cmpl    $0x80000001, %eax
        jb      9f
        movl    $0x80000001, %eax
        cpuid
        testl   $(1 << 29), %edx        /* LM */
        jz      9f

        /* PML4, PDPT, the first PD.  Dwords, not bytes: every step of a
         * REP may be emulated here. */
        leal    AREA_PML4(%ebp), %edi
        movl    $(3 * 4096 / 4), %ecx
        xorl    %eax, %eax
        rep stosl
        leal    AREA_PDPT + PTE_TABLE(%ebp), %eax
        movl    %eax, AREA_PML4(%ebp)
        leal    AREA_PD + PTE_TABLE(%ebp), %eax
        movl    %eax, AREA_PDPT(%ebp)
        /* Unrolled: fewer instructions to emulate. */
        leal    AREA_PD(%ebp), %edi
        movl    $PTE_LARGE, %eax
        movl    $(512 / 8), %ecx
1:      .irp    slot, 0, 1, 2, 3, 4, 5, 6, 7
        movl    %eax, \slot * 8(%edi)
        addl    $0x200000, %eax
        .endr
        addl    $64, %edi
        decl    %ecx
        jnz     1b
        movl    $1, lm_fill

        /* IDT: every exception, the way back included. */
        leal    AREA_IDT(%ebp), %edi
        movl    %edi, lm_idt_desc + 2
        movl    $lm_stubs, %edx
        xorl    %ecx, %ecx
5:      movl    %edx, %eax
        andl    $0xFFFF, %eax
        orl     $(LM_CS64 << 16), %eax
        movl    %eax, (%edi)
        movl    %edx, %eax
        andl    $0xFFFF0000, %eax
        orl     $0x8E00, %eax           /* present, DPL 0, interrupt gate */
        movl    %eax, 4(%edi)
        movl    $0, 8(%edi)
        movl    $0, 12(%edi)
        addl    $16, %edi
        addl    $STUB_SIZE, %edx
        incl    %ecx
        cmpl    $NR_GATES, %ecx
        jne     5b

        /* TSS (only RSP0 is used) and its 64-bit descriptor. */
        leal    AREA_TSS(%ebp), %edi
        movl    $(TSS_SIZE / 4), %ecx
        xorl    %eax, %eax
        rep stosl
        movw    $TSS_SIZE, AREA_TSS + 102(%ebp) /* no I/O bitmap */
        leal    AREA_TSS(%ebp), %eax
        shll    $16, %eax
        orl     $(TSS_SIZE - 1), %eax
        movl    %eax, lm_gdt + LM_TSS
        leal    AREA_TSS(%ebp), %eax
        movl    %eax, %edx
        shrl    $16, %edx
        andl    $0xFF, %edx             /* base 23:16 */
        andl    $0xFF000000, %eax       /* base 31:24 */
        orl     %edx, %eax
        movl    %eax, lm_gdt + LM_TSS + 4
        movl    %ebp, lm_ready
        xorl    %eax, %eax
        ret
9:      movl    $-1, %eax
        ret

/* int lm_run(struct lm_op *op) */
        .globl  lm_run
lm_run:
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    20(%esp), %eax
        movl    %eax, lm_opp
        movl    $LM_UNAVAILABLE, %eax
        cmpl    $0, lm_off
        jne     9f
        movl    lm_area, %ecx
        testl   %ecx, %ecx
        jz      9f
        /* Again after .bss was cleared, or for a new area. */
        cmpl    %ecx, lm_ready
        je      1f
        call    lm_setup
        testl   %eax, %eax
        jnz     9f
1:

        pushfl
        cli
        sgdt    lm_saved_gdtr
        sidt    lm_saved_idtr
        movw    %cs, lm_saved_far + 4
        movw    %ds, lm_saved_ds
        movw    %es, lm_saved_es
        movw    %fs, lm_saved_fs
        movw    %gs, lm_saved_gs
        movw    %ss, lm_saved_ss
        movl    %esp, lm_saved_esp
        movl    %cr0, %eax
        movl    %eax, lm_saved_cr0
        movl    %cr3, %eax
        movl    %eax, lm_saved_cr3
        movl    %cr4, %eax
        movl    %eax, lm_saved_cr4
        movl    $MSR_EFER, %ecx
        rdmsr
        movl    %eax, lm_saved_efer
        movl    %edx, lm_saved_efer + 4

        lgdt    lm_gdt_desc
        /* ltr marks the TSS busy; a busy one cannot be loaded again. */
        movb    $0x89, lm_gdt + LM_TSS + 5
        ljmp    $LM_CS32, $2f
2:      movl    $LM_DS32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        /* PAE alone: no SMEP/SMAP/CET from the caller to trip over. */
        movl    $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    lm_area, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $CR0_PG, %eax
        movl    %eax, %cr0
        ljmp    $LM_CS64, $lm_kernel

        .code64
lm_kernel:
        movw    $LM_TSS, %ax
        ltr     %ax
        lidt    lm_idt_desc(%rip)
        /* The upper halves of registers are undefined after compatibility
         * mode; writing the low half zero-extends. */
        movl    %esp, %esp
        movl    lm_area(%rip), %eax
        movq    %rsp, AREA_TSS + 4(%rax) /* RSP0: where the gates land */
        movq    %rsp, lm_rsp0(%rip)
        leaq    -256(%rsp), %r8
        movl    lm_opp(%rip), %ebx
        movl    OP_OP(%rbx), %eax
        movl    OP_DST(%rbx), %edi
        movl    OP_SRC(%rbx), %esi
        movl    OP_LEN(%rbx), %ecx
        pushq   $LM_USER_DS
        pushq   %r8
        pushq   $0x2                    /* RFLAGS: IF = 0, IOPL 0 */
        pushq   $LM_USER_CS64
        leaq    lm_user(%rip), %r9
        pushq   %r9
        iretq

/* CPL 3.  EAX = op, RDI = dst, RSI = src, RCX = len; result in EDX. */
lm_user:
        cld
        cmpl    $0, lm_fill(%rip)
        je      2f
        /* Map 1-4 GiB: fill the three PDs, then link them (PDEs written
         * before they are reachable are not trapped by a shadow MMU). */
        movl    lm_area(%rip), %r10d
        leaq    AREA_PD + 0x1000(%r10), %r8
        movq    $(0x40000000 + PTE_LARGE), %r9
        movl    $(3 * 512), %r11d
1:      movq    %r9, (%r8)
        addq    $0x200000, %r9
        addq    $8, %r8
        decl    %r11d
        jnz     1b
        leaq    AREA_PD + 0x1000 + PTE_TABLE(%r10), %r9
        movq    %r9, AREA_PDPT + 8(%r10)
        addq    $0x1000, %r9
        movq    %r9, AREA_PDPT + 16(%r10)
        addq    $0x1000, %r9
        movq    %r9, AREA_PDPT + 24(%r10)
        movl    $0, lm_fill(%rip)
2:
        xorl    %edx, %edx
        cmpl    $LM_OP_MEMMOVE, %eax
        je      lm_memmove
        cmpl    $LM_OP_MEMSET, %eax
        je      lm_memset
        cmpl    $LM_OP_SUM8, %eax
        je      lm_sum8
        movl    $-1, %edx
        jmp     lm_done

lm_memmove:
        cmpq    %rsi, %rdi
        jbe     1f
        leaq    (%rsi,%rcx), %rax
        cmpq    %rax, %rdi
        jae     1f
        /* Destination above an overlapping source: from the end down. */
        leaq    -1(%rsi,%rcx), %rsi
        leaq    -1(%rdi,%rcx), %rdi
        movq    %rcx, %rax
        andq    $7, %rcx
        std
        rep movsb
        subq    $7, %rsi
        subq    $7, %rdi
        movq    %rax, %rcx
        shrq    $3, %rcx
        rep movsq
        cld
        jmp     lm_done
1:      movq    %rcx, %rax
        shrq    $3, %rcx
        rep movsq
        movq    %rax, %rcx
        andq    $7, %rcx
        rep movsb
        jmp     lm_done

/* Fill byte in the low 8 bits of SRC. */
lm_memset:
        movzbl  %sil, %eax
        movabsq $0x0101010101010101, %rdx
        imulq   %rdx, %rax
        movq    %rcx, %rdx
        shrq    $3, %rcx
        rep stosq
        movq    %rdx, %rcx
        andq    $7, %rcx
        rep stosb
        xorl    %edx, %edx
        jmp     lm_done

lm_sum8:
        testq   %rcx, %rcx
        jz      2f
1:      movzbl  (%rsi), %eax
        addl    %eax, %edx
        incq    %rsi
        decq    %rcx
        jnz     1b
/* Back to CPL 0 through an exception: kvm_pvm answers INT n from user mode
 * with #UD, so every path ends in the #UD that ud2 raises on purpose. */
2:
lm_done:
        ud2

/* Gate targets (CPL 0): push the vector (and a dummy error code where the
 * CPU pushes none) so that every frame looks alike. */
        .balign STUB_SIZE
lm_stubs:
        vec = 0
        .rept   NR_GATES
        .balign STUB_SIZE
        .if     !HAS_ERR(vec)
        pushq   $0
        .endif
        pushq   $vec
        jmp     lm_gate
        vec = vec + 1
        .endr

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
lm_gate:
        popq    %rax
        cmpl    $UD_VECTOR, %eax
        jne     1f
        leaq    lm_done(%rip), %rcx
        cmpq    %rcx, 8(%rsp)
        jne     1f
        movl    lm_opp(%rip), %ebx
        movl    %edx, OP_RESULT(%rbx)
        xorl    %eax, %eax
        jmp     2f
1:      movl    (%rsp), %ecx
        movl    %ecx, lm_fault_error(%rip)
        movl    8(%rsp), %ecx
        movl    %ecx, lm_fault_rip(%rip)
        movq    %cr2, %rcx
        movl    %ecx, lm_fault_cr2(%rip)
        movl    %eax, lm_fault_vector(%rip)
        movl    $LM_FAULTED, %eax
2:      movl    %eax, lm_status(%rip)
        movq    lm_rsp0(%rip), %rsp
        pushq   $LM_CS32
        leaq    lm_back(%rip), %rax
        pushq   %rax
        lretq

        .code32
lm_back:
        /* An interrupt into CPL 0 left SS null, unusable out of 64-bit mode. */
        movl    $LM_DS32, %eax
        movl    %eax, %ss
        movl    %eax, %ds
        movl    %eax, %es
        movl    %cr0, %eax
        andl    $~CR0_PG, %eax
        movl    %eax, %cr0
        movl    $MSR_EFER, %ecx
        movl    lm_saved_efer, %eax
        movl    lm_saved_efer + 4, %edx
        wrmsr
        movl    lm_saved_cr4, %eax
        movl    %eax, %cr4
        movl    lm_saved_cr3, %eax
        movl    %eax, %cr3
        movl    lm_saved_cr0, %eax
        movl    %eax, %cr0
        lgdt    lm_saved_gdtr
        lidt    lm_saved_idtr
        movl    $3f, lm_saved_far
        ljmp    *lm_saved_far
3:      movw    lm_saved_ss, %ss
        movw    lm_saved_ds, %ds
        movw    lm_saved_es, %es
        movw    lm_saved_fs, %fs
        movw    lm_saved_gs, %gs
        movl    lm_saved_esp, %esp
        popfl
        movl    lm_status, %eax
9:      popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret
lm_code_end:

        .data
        .balign 8
lm_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff      /* LM_CS32 */
        .quad   0x00cf92000000ffff      /* LM_DS32 */
        .quad   0x00af9a000000ffff      /* LM_CS64 */
        .quad   0x00cff2000000ffff      /* LM_USER_DS */
        .quad   0x00affa000000ffff      /* LM_USER_CS64 */
        .quad   0, 0                    /* LM_TSS, built by lm_setup */
lm_gdt_end:
        .balign 4
        .word   0
lm_gdt_desc:
        .word   lm_gdt_end - lm_gdt - 1
        .long   lm_gdt
        .word   0
lm_idt_desc:                            /* read in 64-bit mode: 8-byte base */
        .word   NR_GATES * 16 - 1
        .long   0, 0                    /* base: set by lm_setup */
        .balign 4
        .globl  lm_off
lm_off:         .long 0                 /* 1: act as if there were no long mode */
lm_saved_far:   .long 0, 0              /* offset, CS */

        .globl  lm_area
lm_area:        .long 0

        .globl  lm_fault_vector, lm_fault_error, lm_fault_rip, lm_fault_cr2
        .bss
        .balign 8
lm_rsp0:        .quad 0
lm_saved_efer:  .quad 0
lm_saved_gdtr:  .space 8
lm_saved_idtr:  .space 8
lm_saved_cr0:   .long 0
lm_saved_cr3:   .long 0
lm_saved_cr4:   .long 0
lm_saved_esp:   .long 0
lm_saved_ds:    .word 0
lm_saved_es:    .word 0
lm_saved_fs:    .word 0
lm_saved_gs:    .word 0
lm_saved_ss:    .word 0
        .balign 4
lm_opp:         .long 0
lm_ready:       .long 0                 /* the area lm_setup has filled */
lm_fill:        .long 0                 /* 1: lm_user still has 1-4 GiB to map */
lm_status:      .long 0
lm_fault_vector: .long 0
lm_fault_error: .long 0
lm_fault_rip:   .long 0
lm_fault_cr2:   .long 0
