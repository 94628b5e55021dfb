/*
 * Real-mode interrupt test guest, linked and loaded at 0x7C00 (entered with
 * CS=0, IP=0x7C00). Points IVT vectors 0x08 (IRQ 0 at the BIOS's PIC base)
 * and 0x60 at its handlers, programs the PICs (master 0x08, slave 0x70, only
 * IRQ 0 unmasked) and PIT channel 0 (mode 2, 1000 Hz), calls INT 0x60 once,
 * then waits with STI; HLT until 20 timer ticks. Prints
 * "real mode: 20 ticks, int 0x60 ok\n" on port 0xE9 and powers off.
 */
#include "pic_pit.inc"

    .code16
    .text
    .globl _start
_start:
    cli
    xorw    %ax, %ax
    movw    %ax, %ds
    movw    %ax, %ss
    movw    $0x7C00, %sp
    movw    $irq0, 0x08 * 4
    movw    $0, 0x08 * 4 + 2
    movw    $int60, 0x60 * 4
    movw    $0, 0x60 * 4 + 2
    PIC_PIT_1KHZ(0x08, 0x70)
    int     $0x60
    sti
1:  hlt
    cmpw    $20, ticks
    jb      1b
    cli
    movw    $msg, %si
    call    puts
    movw    $int_ok, %si
    cmpw    $1, int60_count
    je      2f
    movw    $int_bad, %si
2:  call    puts
    movw    $0x604, %dx
    movw    $0x2000, %ax
    outw    %ax, %dx
3:  hlt
    jmp     3b

puts:
    movw    $0xE9, %dx
1:  lodsb
    testb   %al, %al
    jz      2f
    outb    %al, %dx
    jmp     1b
2:  ret

irq0:
    incw    ticks
    pushw   %ax
    movb    $0x20, %al                  /* non-specific EOI */
    outb    %al, $0x20
    popw    %ax
    iret

int60:
    incw    int60_count
    iret

ticks:          .word 0
int60_count:    .word 0
msg:            .asciz "real mode: 20 ticks, "
int_ok:         .asciz "int 0x60 ok\n"
int_bad:        .asciz "int 0x60 FAIL\n"

    .section .note.GNU-stack, "", @progbits
