/*
 * Test guest: a 512-byte boot sector.  It proves where it was really loaded
 * (CS:IP, not its link address) and what DL it got, then powers off through
 * hvmtool's ACPI PM1a_CNT port.  It uses no BIOS services, so it runs both
 * under a BIOS and straight from hvmloader.
 *
 * Prints: "bootsector: hello from 0x7c00, dl=0x80\n"
 */
#define DEBUG_PORT      0xE9
#define PM1A_CNT_PORT   0x604
#define SLP_EN          0x2000

        .code16
        .section .text, "ax"
        .globl  _start
_start:
        cli
        movb    %dl, %bl                /* keep DL before anything */
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        cld

        /* Linear address of _start = CS * 16 + (IP of 1f) - (1f - _start). */
        call    1f
1:      popw    %di
        subw    $(1b - _start), %di
        movw    %cs, %ax
        shlw    $4, %ax
        addw    %ax, %di

        movw    $msg_hello, %si
        call    puts
        movw    %di, %ax
        call    puthex16
        movw    $msg_dl, %si
        call    puts
        movb    %bl, %al
        call    puthex8
        movb    $'\n', %al
        call    putc

        movw    $PM1A_CNT_PORT, %dx
        movw    $SLP_EN, %ax
        outw    %ax, %dx
2:      cli
        hlt
        jmp     2b

putc:   pushw   %dx
        movw    $DEBUG_PORT, %dx
        outb    %al, %dx
        popw    %dx
        ret

puts:   lodsb
        testb   %al, %al
        jz      3f
        call    putc
        jmp     puts
3:      ret

puthex16:
        pushw   %ax
        movb    %ah, %al
        call    puthex8
        popw    %ax
        /* fall through for the low byte */
puthex8:
        pushw   %ax
        shrb    $4, %al
        call    puthex4
        popw    %ax
puthex4:
        andb    $0x0f, %al
        addb    $'0', %al
        cmpb    $'9', %al
        jbe     putc
        addb    $('a' - '0' - 10), %al
        jmp     putc

msg_hello:
        .asciz  "bootsector: hello from 0x"
msg_dl:
        .asciz  ", dl=0x"

        .org    510
        .byte   0x55, 0xaa
