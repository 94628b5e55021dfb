/*
 * Real-mode test guest, linked and loaded at 0x7C00 (entered with CS=0,
 * IP=0x7C00, or through a far jump from the reset vector F000:FFF0).
 * Writes "hello from real mode\n" to the debug port 0xE9, then powers off
 * through ACPI PM1a_CNT (16-bit write of SLP_EN, bit 13, to port 0x604).
 */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw    %ax, %ax
    movw    %ax, %ds
    movw    $msg, %si
    movw    $0xE9, %dx
1:  lodsb
    testb   %al, %al
    jz      2f
    outb    %al, %dx
    jmp     1b
2:  movw    $0x604, %dx
    movw    $0x2000, %ax
    outw    %ax, %dx
3:  hlt
    jmp     3b

msg:
    .asciz  "hello from real mode\n"

    .section .note.GNU-stack, "", @progbits
