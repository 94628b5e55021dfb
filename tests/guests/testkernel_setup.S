/*
 * Test kernel, part 1: the real-mode sectors of a bzImage.  Only the setup
 * header matters; loaders using the 32-bit (or 64-bit) boot protocol never
 * run this code, and the 16-bit entry just halts.
 * Field offsets: Documentation/arch/x86/boot.rst.
 */
        .code16
        .section .setup, "a"
        .globl  _setup
_setup:
        cli
1:      hlt
        jmp     1b

        .org    0x1f1
setup_sects:    .byte   1               /* boot sector + 1 setup sector */
root_flags:     .word   0
syssize:        .long   _syssize        /* from testkernel.lds */
ram_size:       .word   0
vid_mode:       .word   0xffff
root_dev:       .word   0
boot_flag:      .word   0xaa55
        /* 0x200: the jump's displacement byte also marks the header end. */
        .byte   0xeb
        .byte   start_of_setup - 2f
2:
header:         .ascii  "HdrS"
version:        .word   0x020f
realmode_swtch: .long   0
start_sys_seg:  .word   0x1000
kernel_version: .word   0
type_of_loader: .byte   0
loadflags:      .byte   0x01            /* LOADED_HIGH */
setup_move_size: .word  0x8000
code32_start:   .long   0x100000
ramdisk_image:  .long   0
ramdisk_size:   .long   0
bootsect_kludge: .long  0
heap_end_ptr:   .word   0
ext_loader_ver: .byte   0
ext_loader_type: .byte  0
cmd_line_ptr:   .long   0
initrd_addr_max: .long  0x7fffffff
kernel_alignment: .long 0x200000
relocatable_kernel: .byte 0
min_alignment:  .byte   21
xloadflags:     .word   0x0001          /* XLF_KERNEL_64: startup_64 at +0x200 */
cmdline_size:   .long   2047
hardware_subarch: .long 0
hardware_subarch_data: .quad 0
payload_offset: .long   0
payload_length: .long   0
setup_data:     .quad   0
pref_address:   .quad   0x100000
init_size:      .long   _init_size      /* from testkernel.lds */
handover_offset: .long  0
kernel_info_offset: .long 0
start_of_setup:
        cli
3:      hlt
        jmp     3b

        .org    1024
