/*
 * PVH test kernel, entry: Xen's PVH ABI (flat 32-bit protected mode, paging
 * off, EBX = physical address of hvm_start_info). The Xen ELF note below is
 * what tells a loader where this entry is.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

        .section .text.head, "ax"
        .code32
        .globl  pvh_start
pvh_start:
        cli
        cld
        movl    $stack_top, %esp
        movl    %cr0, %eax
        pushl   %eax                    /* cr0 */
        pushl   %ebx                    /* hvm_start_info */
        call    pvhkernel_main
1:      cli
        hlt
        jmp     1b

        .section .note.Xen, "a", @note
        .balign 4
        .long   2f - 1f                 /* namesz */
        .long   4f - 3f                 /* descsz */
        .long   XEN_ELFNOTE_PHYS32_ENTRY
1:      .asciz  "Xen"
2:      .balign 4
3:      .long   pvh_start
4:      .balign 4

        .section .bss
        .balign 16
        .space  0x2000
stack_top:
