/*
 * Guest for bench_guest_modes: the same copy/fill/sum loops in every CPU
 * mode a firmware could use, each phase bracketed by `out` to port 0x80 so
 * that the host times it.  Entered at 0x100000 in flat 32-bit protected mode
 * with paging off.  Parameters at 0x500: small size (loops), big size (REP),
 * paging kind (0 = 32-bit PSE, 1 = PAE, 2 = long mode).  0x604 <- 0x2000
 * ends the run.
 *
 * Markers: 1..8 phases of a suite; 100 paging being enabled, 101 on;
 * 104 64-bit CPL 0; 106 64-bit CPL 3; 108 32-bit CPL 3 (compatibility mode).
 */
#define SRC     0x01000000
#define DST     0x02000000
#define SMALL   0x500
#define BIG     0x504
#define KIND    0x508
#define PD      0x5000                  /* four PDs for 4 GiB of 2 MiB pages */
#define PDPT    0x4000
#define PML4    0x9000
#define PSE_PD  0x3000

        .macro  MARK n
        movb    $\n, %al
        outb    %al, $0x80
        .endm

/* The suite, assembled once per operand size: 32-bit registers for
 * addresses either way (below 4 GiB); 64-bit mode adds REP MOVSQ. */
        .macro  SUITE wide
        MARK    1                       /* byte loop copy, small */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    SMALL, %ecx
1:      movb    (%esi), %al
        movb    %al, (%edi)
        incl    %esi
        incl    %edi
        decl    %ecx
        jnz     1b
        MARK    2                       /* dword loop copy, small */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    SMALL, %ecx
        shrl    $2, %ecx
1:      movl    (%esi), %eax
        movl    %eax, (%edi)
        addl    $4, %esi
        addl    $4, %edi
        decl    %ecx
        jnz     1b
        MARK    3                       /* REP MOVSB, big */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    BIG, %ecx
        rep movsb
        MARK    4                       /* REP MOVSL, big */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    BIG, %ecx
        shrl    $2, %ecx
        rep movsl
        MARK    5                       /* REP MOVSL backwards, big */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    BIG, %ecx
        leal    -4(%esi,%ecx), %esi
        leal    -4(%edi,%ecx), %edi
        shrl    $2, %ecx
        std
        rep movsl
        cld
        MARK    6                       /* byte checksum loop, small */
        movl    $SRC, %esi
        movl    SMALL, %ecx
        xorl    %edx, %edx
1:      movzbl  (%esi), %eax
        addl    %eax, %edx
        incl    %esi
        decl    %ecx
        jnz     1b
        MARK    7                       /* REP STOSL, big */
        movl    $DST, %edi
        movl    BIG, %ecx
        shrl    $2, %ecx
        xorl    %eax, %eax
        rep stosl
        .if     \wide
        MARK    8                       /* REP MOVSQ, big */
        movl    $SRC, %esi
        movl    $DST, %edi
        movl    BIG, %ecx
        shrl    $3, %ecx
        rep movsq
        .endif
        MARK    9
        ret
        .endm

        .text
        .code32
        .globl  _start
_start:
        cld
        movl    $0x80000, %esp
        lgdt    gdt_desc
        call    suite32                 /* paging off */
        MARK    100
        movl    KIND, %ebx
        cmpl    $2, %ebx
        je      long_mode
        cmpl    $1, %ebx
        je      pae
        /* 32-bit paging with 4 MiB pages. */
        movl    $PSE_PD, %edi
        movl    $0x83, %eax
        movl    $1024, %ecx
1:      movl    %eax, (%edi)
        addl    $0x400000, %eax
        addl    $4, %edi
        decl    %ecx
        jnz     1b
        movl    $0x10, %eax             /* CR4.PSE */
        movl    %eax, %cr4
        movl    $PSE_PD, %eax
        movl    %eax, %cr3
        jmp     paging_on

        /* PAE or long mode: 2048 user-accessible 2 MiB pages. */
pae:
long_mode:
        movl    $PD, %edi
        movl    $0x87, %eax
        movl    $2048, %ecx
1:      movl    %eax, (%edi)
        movl    $0, 4(%edi)
        addl    $0x200000, %eax
        addl    $8, %edi
        decl    %ecx
        jnz     1b
        movl    $PDPT, %edi
        movl    $(PD + 0x07), %eax
        movl    $4, %ecx
1:      movl    %eax, (%edi)
        movl    $0, 4(%edi)
        addl    $0x1000, %eax
        addl    $8, %edi
        decl    %ecx
        jnz     1b
        movl    $0x20, %eax             /* CR4.PAE */
        movl    %eax, %cr4
        movl    $PDPT, %eax
        cmpl    $2, %ebx
        jne     1f
        movl    $(PDPT + 0x07), PML4
        movl    $PML4, %eax
1:      movl    %eax, %cr3
        cmpl    $2, %ebx
        jne     paging_on
        movl    $0xC0000080, %ecx       /* EFER.LME */
        rdmsr
        orl     $0x100, %eax
        wrmsr
paging_on:
        movl    %cr0, %eax
        orl     $0x80000000, %eax
        movl    %eax, %cr0
        MARK    101
        call    suite32                 /* 32-bit code, paging on */
        cmpl    $2, KIND
        jne     done32
        ljmp    $0x28, $cpl0_64

        .code64
cpl0_64:
        MARK    104
        call    suite64
        /* CPL 3 with IOPL 3, so that the markers still reach the host. */
        movq    %rsp, %rax
        pushq   $0x3b
        pushq   %rax
        pushq   $0x3002
        pushq   $0x33
        leaq    cpl3_64(%rip), %rax
        pushq   %rax
        iretq
cpl3_64:
        MARK    106
        call    suite64
        pushq   $0x43
        leaq    cpl3_32(%rip), %rax
        pushq   %rax
        lretq
        .code32
cpl3_32:
        MARK    108
        call    suite32
done32:
        movw    $0x2000, %ax
        movw    $0x604, %dx
        outw    %ax, %dx
        hlt

suite32:
        SUITE   0
        .code64
suite64:
        SUITE   1
        .code32

        .data
        .balign 8
gdt:
        .quad   0, 0
        .quad   0x00cf9a000000ffff      /* 0x10 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x18 data */
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x28 64-bit code */
        .quad   0x00affa000000ffff      /* 0x30 64-bit code, DPL 3 */
        .quad   0x00cff2000000ffff      /* 0x38 data, DPL 3 */
        .quad   0x00cffa000000ffff      /* 0x40 32-bit code, DPL 3 */
gdt_end:
        .balign 4
        .word   0
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt
