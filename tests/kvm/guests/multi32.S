/*
 * Flat 32-bit test guest, linked and loaded at 0x100000, entered like
 * hvmloader (CR0 = PE|ET, paging off, flat 4 GiB segments, interrupts off).
 * EAX selects what it does (0, the default, is the kvm-hello demo):
 *
 *   0  "hello from flat32, ebx=0xXXXXXXXX\n" on port 0xE9, power off
 *   1  reboot through port 0xCF9 (RST_CPU|SYS_RST)
 *   2  pvpanic: write 1 to port 0x505
 *   3  triple fault (IDT limit 0, then ud2: #UD -> #DF -> shutdown; an int3
 *      there is an emulation failure on kvm_pvm, not a triple fault)
 *   4  garbage: thousands of random port and MMIO accesses, then
 *      "survived\n" on 0xE9, power off
 *   5  16550 UART at 0x3F8 probed the way Linux's 8250 driver does, then a
 *      line on the serial port, power off
 *   6  read the dword at 0xA0000 (the VGA hole): "vga=0xXXXXXXXX\n", power off
 *   7  spin forever incrementing the dword at 0x500
 *   8  CPUID 0x40000000 signature (12 bytes) + "\n" on 0xE9, power off
 *   9  "rep outsb to the debug port\n" with one string instruction, power off
 *  10  "seabios debug port\n" on port 0x402, power off
 *  11  memcheck: ECX pages from EBX, stride 4 KiB: write the address, read
 *      back; "memcheck ok\n" or "memcheck FAIL\n" on 0xE9, power off
 *  12  "cpuid 1.ecx=X 40000000.eax=X 40000001.eax=X\n" on 0xE9 (8 hex digits
 *      each: the hypervisor bit, KVM's highest leaf, its features), power off
 *  13  long mode: identity-map the first GiB (page tables at 0x1000-0x3FFF),
 *      set CR4.PAE, EFER.LME, CR0.PG, far-jump to 64-bit code that prints
 *      "64\n" on 0xE9 and powers off
 *  14  interrupts: own GDT and IDT, PIC at vectors 0x20/0x28 with only IRQ 0
 *      unmasked, PIT channel 0 at 1000 Hz; INT 0x40 once, then STI and HLT
 *      until 20 timer ticks: "pit: 20 ticks, int 0x40 ok\n", power off
 *
 * Power off = 16-bit write of SLP_EN (bit 13) to ACPI PM1a_CNT, port 0x604.
 */
#include "pic_pit.inc"

    .code32
    .text
    .globl _start
_start:
    movl    $stack_top, %esp
    movl    %eax, %edi                  /* action */
    movl    %ebx, %ebp                  /* saved EBX */
    cmpl    $(ntable), %edi
    jae     act_hello
    jmp     *table(,%edi,4)

table:
    .long act_hello, act_reboot, act_pvpanic, act_triple, act_garbage, act_uart
    .long act_vga, act_spin, act_cpuid, act_outsb, act_seabios, act_memcheck
    .long act_cpuid_leaves, act_longmode, act_ticks
    .set ntable, (. - table) / 4

/* --- helpers ------------------------------------------------------------- */

/* puts: ESI = NUL-terminated string, DX = port */
puts:
    lodsb
    testb   %al, %al
    jz      1f
    outb    %al, %dx
    jmp     puts
1:  ret

/* puthex: EAX = value, DX = port; 8 lowercase hex digits */
puthex:
    pushl   %ecx
    pushl   %ebx
    movl    %eax, %ebx
    movl    $8, %ecx
1:  roll    $4, %ebx
    movl    %ebx, %eax
    andl    $0xF, %eax
    movb    hexdigits(%eax), %al
    outb    %al, %dx
    loop    1b
    popl    %ebx
    popl    %ecx
    ret

poweroff:
    movw    $0x604, %dx
    movw    $0x2000, %ax
    outw    %ax, %dx
1:  hlt
    jmp     1b

/* rand: ESI = state; EAX = next (LCG) */
rand:
    imull   $1103515245, %esi, %esi
    addl    $12345, %esi
    movl    %esi, %eax
    rorl    $13, %eax
    ret

/* --- actions --------------------------------------------------------------- */

act_hello:
    movw    $0xE9, %dx
    movl    $s_hello, %esi
    call    puts
    movl    %ebp, %eax
    call    puthex
    movb    $'\n', %al
    outb    %al, %dx
    jmp     poweroff

act_reboot:
    movw    $0xCF9, %dx
    movb    $0x06, %al
    outb    %al, %dx
    jmp     .

act_pvpanic:
    movw    $0x505, %dx
    movb    $1, %al
    outb    %al, %dx
    jmp     .

act_triple:
    lidt    null_idt
    ud2
    jmp     .

act_garbage:
    movl    $0x2545F491, %esi
    movl    $6000, %ecx
g_loop:
    pushl   %ecx
    call    rand
    movl    %eax, %ebx
    call    rand
    movl    %eax, %edx
    andl    $0xFFFF, %edx
    movl    %ebx, %ecx
    andl    $7, %ecx
    cmpl    $6, %ecx
    jae     g_mmio
    /* ports: keep off the legacy devices KVM emulates (< 0x100) and the
       ports that end the domain on purpose */
    cmpl    $0x100, %edx
    jb      g_next
    cmpl    $0x505, %edx
    je      g_next
    movl    %edx, %eax
    andl    $0xFFF8, %eax
    cmpl    $0x600, %eax
    je      g_next
    cmpl    $0xCF8, %eax
    je      g_next
    movl    %ebx, %eax
    shrl    $8, %eax                    /* data */
    cmpl    $0, %ecx
    je      g_outb
    cmpl    $1, %ecx
    je      g_outw
    cmpl    $2, %ecx
    je      g_outl
    cmpl    $3, %ecx
    je      g_inb
    cmpl    $4, %ecx
    je      g_inw
    inl     %dx, %eax
    jmp     g_next
g_outb: outb %al, %dx
    jmp     g_next
g_outw: outw %ax, %dx
    jmp     g_next
g_outl: outl %eax, %dx
    jmp     g_next
g_inb:  inb %dx, %al
    jmp     g_next
g_inw:  inw %dx, %ax
    jmp     g_next
g_mmio:
    /* MMIO: half in the VGA hole, half in 0xD0000000-0xDFFFFFFF (no RAM) */
    movl    %ebx, %eax
    testl   $0x100, %ebx
    jz      1f
    andl    $0x1FFFF, %eax
    addl    $0xA0000, %eax
    jmp     2f
1:  andl    $0x0FFFFFFF, %eax
    orl     $0xD0000000, %eax
2:  andl    $0xFFFFFFFC, %eax
    cmpl    $7, %ecx
    je      3f
    movl    (%eax), %edx
    jmp     g_next
3:  movl    %esi, (%eax)
g_next:
    popl    %ecx
    decl    %ecx
    jnz     g_loop
    movw    $0xE9, %dx
    movl    $s_survived, %esi
    call    puts
    jmp     poweroff

act_uart:
    movl    $0x3F8, %ebx                /* base */
    /* 115200 8N1: DLAB, divisor 1, 8 data bits */
    leal    3(%ebx), %edx
    movb    $0x80, %al
    outb    %al, %dx
    movl    %ebx, %edx
    movb    $1, %al
    outb    %al, %dx
    leal    1(%ebx), %edx
    xorb    %al, %al
    outb    %al, %dx
    leal    3(%ebx), %edx
    movb    $0x03, %al
    outb    %al, %dx
    /* scratch register */
    leal    7(%ebx), %edx
    movb    $0xA5, %al
    outb    %al, %dx
    inb     %dx, %al
    movl    $s_scratch_ok, %esi
    cmpb    $0xA5, %al
    je      1f
    movl    $s_scratch_bad, %esi
1:  pushl   %esi
    /* loopback: MCR = LOOP|OUT2|RTS, MSR high nibble must read 0x90 */
    leal    4(%ebx), %edx
    movb    $0x1A, %al
    outb    %al, %dx
    leal    6(%ebx), %edx
    inb     %dx, %al
    andb    $0xF0, %al
    movl    $s_loop_ok, %esi
    cmpb    $0x90, %al
    je      1f
    movl    $s_loop_bad, %esi
1:  pushl   %esi
    leal    4(%ebx), %edx
    movb    $0x0B, %al                  /* DTR|RTS|OUT2 */
    outb    %al, %dx
    /* FIFO: FCR = enable|clear, IIR bits 7:6 must read 11 */
    leal    2(%ebx), %edx
    movb    $0x07, %al
    outb    %al, %dx
    inb     %dx, %al
    andb    $0xC0, %al
    movl    $s_fifo_ok, %esi
    cmpb    $0xC0, %al
    je      1f
    movl    $s_fifo_bad, %esi
1:  pushl   %esi
    movl    $s_uart, %esi
    call    serial_puts
    movl    8(%esp), %esi
    call    serial_puts
    movl    4(%esp), %esi
    call    serial_puts
    movl    0(%esp), %esi
    call    serial_puts
    addl    $12, %esp
    jmp     poweroff

/* serial_puts: ESI = string; polls LSR.THRE before each byte (what a
   polled console does) */
serial_puts:
1:  movw    $0x3FD, %dx
2:  inb     %dx, %al
    testb   $0x20, %al
    jz      2b
    lodsb
    testb   %al, %al
    jz      3f
    movw    $0x3F8, %dx
    outb    %al, %dx
    jmp     1b
3:  ret

act_vga:
    movl    0xA0000, %ecx
    movw    $0xE9, %dx
    movl    $s_vga, %esi
    call    puts
    movl    %ecx, %eax
    call    puthex
    movb    $'\n', %al
    outb    %al, %dx
    jmp     poweroff

act_spin:
1:  incl    0x500
    jmp     1b

act_cpuid:
    movl    $0x40000000, %eax
    cpuid
    movl    %ebx, sig
    movl    %ecx, sig+4
    movl    %edx, sig+8
    movl    $sig, %esi
    movl    $12, %ecx
    movw    $0xE9, %dx
    rep outsb
    movb    $'\n', %al
    outb    %al, %dx
    jmp     poweroff

act_cpuid_leaves:
    movl    $1, %eax
    cpuid
    pushl   %ecx
    movl    $0x40000000, %eax
    cpuid
    pushl   %eax
    movl    $0x40000001, %eax
    cpuid
    pushl   %eax
    movw    $0xE9, %dx
    movl    $s_leaf1, %esi
    call    puts
    movl    8(%esp), %eax
    call    puthex
    movl    $s_leaf40000000, %esi
    call    puts
    movl    4(%esp), %eax
    call    puthex
    movl    $s_leaf40000001, %esi
    call    puts
    movl    (%esp), %eax
    call    puthex
    movb    $'\n', %al
    outb    %al, %dx
    jmp     poweroff

act_outsb:
    movl    $s_outsb, %esi
    movl    $(s_outsb_end - s_outsb), %ecx
    movw    $0xE9, %dx
    cld
    rep outsb
    jmp     poweroff

act_seabios:
    movw    $0x402, %dx
    movl    $s_seabios, %esi
    call    puts
    jmp     poweroff

act_memcheck:
    movl    %ebp, %ebx                  /* address */
    movl    %ecx, %edi                  /* pages */
    testl   %edi, %edi
    jz      2f
1:  movl    %ebx, (%ebx)
    cmpl    %ebx, (%ebx)
    jne     3f
    addl    $4096, %ebx
    decl    %edi
    jnz     1b
2:  movl    $s_mem_ok, %esi
    jmp     4f
3:  movl    $s_mem_bad, %esi
4:  movw    $0xE9, %dx
    call    puts
    jmp     poweroff

act_longmode:
    movl    $0x1000, %edi               /* PML4, PDPT, PD: zeroed */
    xorl    %eax, %eax
    movl    $(3 * 1024), %ecx
    cld
    rep stosl
    movl    $0x2003, 0x1000             /* PML4[0] -> PDPT */
    movl    $0x3003, 0x2000             /* PDPT[0] -> PD */
    movl    $0x3000, %edi
    movl    $0x83, %eax                 /* 2 MiB, present, writable */
    movl    $512, %ecx
1:  movl    %eax, (%edi)
    addl    $0x200000, %eax
    addl    $8, %edi
    loop    1b
    lgdt    lm_gdt_desc
    movl    %cr4, %eax
    orl     $0x20, %eax                 /* PAE */
    movl    %eax, %cr4
    movl    $0x1000, %eax
    movl    %eax, %cr3
    movl    $0xC0000080, %ecx           /* EFER.LME */
    rdmsr
    orl     $0x100, %eax
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000000, %eax           /* PG: long mode is active */
    movl    %eax, %cr0
    ljmp    $0x08, $lm_code64
lm_code64:
    /* 64-bit code, as bytes (this file is assembled for i386):
       mov dx,0xe9; mov al,'6'; out dx,al; mov al,'4'; out dx,al;
       mov al,'\n'; out dx,al; mov dx,0x604; mov ax,0x2000; out dx,ax;
       1: hlt; jmp 1b */
    .byte 0x66, 0xBA, 0xE9, 0x00, 0xB0, '6', 0xEE, 0xB0, '4', 0xEE, 0xB0, 0x0A, 0xEE
    .byte 0x66, 0xBA, 0x04, 0x06, 0x66, 0xB8, 0x00, 0x20, 0x66, 0xEF, 0xF4, 0xEB, 0xFD

act_ticks:
    lgdt    int_gdt_desc                /* a GDT of our own: the entry GDTR is not one */
    ljmp    $0x08, $1f
1:  movl    $0x10, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    movl    $idt, %edi                  /* IDT: gates 0x20 (IRQ 0) and 0x40 */
    movl    $irq0_handler, %eax
    movl    $0x20, %ebx
    call    set_gate
    movl    $int40_handler, %eax
    movl    $0x40, %ebx
    call    set_gate
    lidt    idt_desc
    PIC_PIT_1KHZ(0x20, 0x28)
    int     $0x40
    sti
1:  hlt
    cmpl    $20, ticks
    jb      1b
    cli
    movw    $0xE9, %dx
    movl    $s_ticks, %esi
    call    puts
    movl    $s_int_ok, %esi
    cmpl    $1, int40_count
    je      2f
    movl    $s_int_bad, %esi
2:  call    puts
    jmp     poweroff

/* set_gate: EDI = IDT, EBX = vector, EAX = handler; 32-bit interrupt gate, CS 0x08 */
set_gate:
    movw    %ax, (%edi,%ebx,8)
    movw    $0x08, 2(%edi,%ebx,8)
    movw    $0x8E00, 4(%edi,%ebx,8)
    shrl    $16, %eax
    movw    %ax, 6(%edi,%ebx,8)
    ret

irq0_handler:
    incl    ticks
    pushl   %eax
    movb    $0x20, %al                  /* non-specific EOI */
    outb    %al, $0x20
    popl    %eax
    iret

int40_handler:
    incl    int40_count
    iret

/* --- data ---------------------------------------------------------------------- */

hexdigits:      .ascii "0123456789abcdef"
s_hello:        .asciz "hello from flat32, ebx=0x"
s_survived:     .asciz "survived\n"
s_uart:         .asciz "uart:"
s_scratch_ok:   .asciz " scratch ok,"
s_scratch_bad:  .asciz " scratch FAIL,"
s_loop_ok:      .asciz " loopback ok,"
s_loop_bad:     .asciz " loopback FAIL,"
s_fifo_ok:      .asciz " fifo ok\n"
s_fifo_bad:     .asciz " fifo FAIL\n"
s_vga:          .asciz "vga=0x"
s_outsb:        .ascii "rep outsb to the debug port\n"
s_outsb_end:
s_seabios:      .asciz "seabios debug port\n"
s_mem_ok:       .asciz "memcheck ok\n"
s_mem_bad:      .asciz "memcheck FAIL\n"
s_leaf1:        .asciz "cpuid 1.ecx="
s_leaf40000000: .asciz " 40000000.eax="
s_leaf40000001: .asciz " 40000001.eax="
s_ticks:        .asciz "pit: 20 ticks, "
s_int_ok:       .asciz "int 0x40 ok\n"
s_int_bad:      .asciz "int 0x40 FAIL\n"
    .balign 4
null_idt:       .word 0
                .long 0
sig:            .space 12
ticks:          .long 0
int40_count:    .long 0
    .balign 8
lm_gdt:         .quad 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
lm_gdt_desc:    .word 23
                .long lm_gdt
int_gdt:        .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
int_gdt_desc:   .word 23
                .long int_gdt
idt_desc:       .word 0x41 * 8 - 1
                .long idt
    .balign 8
idt:            .space 0x41 * 8
    .balign 16
stack:          .space 1024
stack_top:

    .section .note.GNU-stack, "", @progbits
