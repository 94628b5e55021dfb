/*
 * A BIOS image (SeaBIOS's bios.bin) ends exactly at 1 MiB so that its last
 * 16 bytes are the reset vector at 0xFFFF0, as on a real PC; Xen's
 * hvmloader loads it the same way.  Entry is CS:IP = F000:FFF0 in real
 * mode, i.e. what the CPU would see after reset.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

uint32_t bios_load_base(const struct module *fw)
{
    if (fw->size > BIOS_MAX_SIZE || fw->size < 16) {
        printf("firmware: image is %u bytes, must be 16..%u\n", fw->size,
               BIOS_MAX_SIZE);
        crash();
    }
    return BIOS_END - fw->size;
}

static int is_seabios(const struct module *fw)
{
    static const char tag[] = "SeaBIOS";
    const uint8_t *p = phys(fw->paddr);
    uint32_t i;

    for (i = 0; i + sizeof(tag) - 1 <= fw->size; i++)
        if (!memcmp(p + i, tag, sizeof(tag) - 1))
            return 1;
    return 0;
}

void boot_bios(const struct module *fw)
{
    uint32_t base = bios_load_base(fw);
    int seabios = is_seabios(fw);

    memmove(phys(base), phys(fw->paddr), fw->size);
    printf("Loaded %s image at 0x%08x-0x%08x\n", seabios ? "SeaBIOS" : "BIOS",
           base, BIOS_END);
    printf("Invoking %s ...\n", seabios ? "SeaBIOS" : "BIOS");
    realmode_jump(0xF000, 0xFFF0, 0);
}
