/*
 * Leaving hvmloader.  Both exits copy a small blob to TRAMP_BASE in
 * conventional memory and continue there, because hvmloader lives at
 * 1 MiB: a real-mode target cannot reach it, and a Linux kernel is copied
 * on top of it.  The blob carries its own GDT (same selectors as
 * hvmloader's) so nothing at 1 MiB is needed once we jump.
 *
 * The blob is linked inside hvmloader; T() turns a label into the address
 * it has after the copy.
 */
#include "layout.h"

#define T(x)    (TRAMP_BASE + ((x) - tramp_start))

        .text
        .code32

/* Copy the blob below 1 MiB.  Clobbers ESI, EDI, ECX. */
copy_blob:
        movl    $tramp_start, %esi
        movl    $TRAMP_BASE, %edi
        movl    $(tramp_end - tramp_start), %ecx
        cld
        rep movsb
        ret

/* void realmode_jump(uint32_t seg, uint32_t off, uint32_t dl) */
        .globl  realmode_jump
realmode_jump:
        cli
        call    copy_blob
        movl    4(%esp), %eax
        movw    %ax, T(rm_target) + 2
        movl    8(%esp), %eax
        movw    %ax, T(rm_target)
        movl    12(%esp), %eax
        movb    %al, T(rm_dl)
        jmp     T(tramp_realmode)

/* void linux_jump(src, dst, len, entry, boot_params) */
        .globl  linux_jump
linux_jump:
        cli
        call    copy_blob
        movl    4(%esp), %eax
        movl    %eax, T(lx_src)
        movl    8(%esp), %eax
        movl    %eax, T(lx_dst)
        movl    12(%esp), %eax
        movl    %eax, T(lx_len)
        movl    16(%esp), %eax
        movl    %eax, T(lx_entry)
        movl    20(%esp), %eax
        movl    %eax, T(lx_bp)
        jmp     T(tramp_linux)

/* ---------------- the blob: position-fixed at TRAMP_BASE ---------------- */
        .section .data.tramp, "aw"
        .balign 16
        .globl  tramp_start, tramp_end  /* sized by hvmloader.lds */
tramp_start:

        .code32
tramp_realmode:
        lgdt    T(tgdt_desc)
        ljmp    $SEL_CODE16, $T(1f)
        .code16
        /* 16-bit protected mode: load 64 KiB data segments so real mode
         * inherits sane limits (not "unreal" 4 GiB ones). */
1:      movw    $SEL_DATA16, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movl    %cr0, %eax
        andl    $~0x80000001, %eax      /* PE and PG off */
        movl    %eax, %cr0
        ljmp    $0, $T(2f)
2:      xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movw    $BOOTSECT_ADDR, %sp
        lidt    T(rm_idt_desc)
        xorl    %eax, %eax
        xorl    %ebx, %ebx
        xorl    %ecx, %ecx
        xorl    %esi, %esi
        xorl    %edi, %edi
        xorl    %ebp, %ebp
        xorl    %edx, %edx
        movb    T(rm_dl), %dl
        ljmp    *T(rm_target)

        .code32
tramp_linux:
        lgdt    T(tgdt_desc)
        ljmp    $SEL_CODE32, $T(1f)
1:      movl    $SEL_DATA32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        /* hvmloader (and its stack) is overwritten below: no stack use. */
        /* Dwords, not bytes: paging is off, and kvm_pvm emulates every
         * step of a REP here. */
        movl    T(lx_src), %esi
        movl    T(lx_dst), %edi
        movl    T(lx_len), %edx
        cmpl    %esi, %edi
        jbe     2f
        /* Destination above source, maybe overlapping: from the top down,
         * the odd bytes first. */
        leal    -1(%esi,%edx), %esi
        leal    -1(%edi,%edx), %edi
        movl    %edx, %ecx
        andl    $3, %ecx
        std
        rep movsb
        subl    $3, %esi
        subl    $3, %edi
        movl    %edx, %ecx
        shrl    $2, %ecx
        rep movsl
        cld
        jmp     3f
2:      cld
        movl    %edx, %ecx
        shrl    $2, %ecx
        rep movsl
        movl    %edx, %ecx
        andl    $3, %ecx
        rep movsb
        /* Boot protocol: ESI = boot_params, EBP = EDI = EBX = 0. */
3:      movl    T(lx_entry), %eax
        movl    T(lx_bp), %esi
        xorl    %ebx, %ebx
        xorl    %ecx, %ecx
        xorl    %edx, %edx
        xorl    %edi, %edi
        xorl    %ebp, %ebp
        jmp     *%eax

        .balign 8
tgdt:
        .quad   0
        .quad   0x00009a000000ffff      /* SEL_CODE16 */
        .quad   0x00cf9a000000ffff      /* SEL_CODE32 = __BOOT_CS */
        .quad   0x00cf92000000ffff      /* SEL_DATA32 = __BOOT_DS */
        .quad   0x000092000000ffff      /* SEL_DATA16 */
tgdt_end:
        .balign 4
        .word   0
tgdt_desc:
        .word   tgdt_end - tgdt - 1
        .long   T(tgdt)
        .word   0
rm_idt_desc:                            /* the real-mode IVT at 0 */
        .word   0x3ff
        .long   0
rm_target:                              /* offset, segment */
        .word   0, 0
rm_dl:  .byte   0
        .balign 4
lx_src:   .long 0
lx_dst:   .long 0
lx_len:   .long 0
lx_entry: .long 0
lx_bp:    .long 0
tramp_end:
