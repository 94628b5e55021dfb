#include "config/xl_keys_known.hpp"

#include <algorithm>
#include <map>

namespace hvmtool::config {
namespace {

const std::vector<std::string> kHonoured = {"name",
                                            "type",
                                            "builder",
                                            "memory",
                                            "maxmem",
                                            "vcpus",
                                            "maxvcpus",
                                            "kernel",
                                            "ramdisk",
                                            "cmdline",
                                            "root",
                                            "extra",
                                            "firmware",
                                            "bios",
                                            "firmware_override",
                                            "bootloader",
                                            "bootloader_args",
                                            "disk",
                                            "on_poweroff",
                                            "on_reboot",
                                            "on_crash",
                                            "mmio_hole",
                                            "serial"};

constexpr std::string_view kNoDeviceModel = "hvmtool runs no device model (QEMU); ignored";
constexpr std::string_view kNoDevice = "this device kind is not supported by hvmtool yet; ignored";
constexpr std::string_view kNoScheduling = "CPU placement, pools and scheduling are not supported yet; ignored";
constexpr std::string_view kPlatformDecides = "the platform sets this feature itself; ignored";
constexpr std::string_view kNotYet = "not supported by hvmtool yet; ignored";

// The groups of xl 4.17's keys hvmtool does not honour, by reason.
const std::map<std::string_view, std::vector<std::string>>& ignored_groups() {
  static const std::map<std::string_view, std::vector<std::string>> groups = {
      {kNoDeviceModel,
       {"boot",
        "device_model",
        "device_model_args",
        "device_model_override",
        "device_model_stubdomain_override",
        "device_model_stubdomain_seclabel",
        "device_model_user",
        "device_model_version",
        "display",
        "dm_restrict",
        "gfx_passthru",
        "hdtype",
        "keymap",
        "nographic",
        "opengl",
        "sdl",
        "soundhw",
        "spice",
        "spice_clipboard_sharing",
        "spice_image_compression",
        "spice_streaming_video",
        "spiceagent_mouse",
        "spicedisable_ticketing",
        "spicehost",
        "spicepasswd",
        "spiceport",
        "spicetls_port",
        "spiceusbredirection",
        "spicevdagent",
        "stdvga",
        "stubdomain_cmdline",
        "stubdomain_kernel",
        "stubdomain_memory",
        "stubdomain_ramdisk",
        "usb",
        "usbdevice",
        "usbversion",
        "vga",
        "videoram",
        "vnc",
        "vncdisplay",
        "vnclisten",
        "vncpasswd",
        "vncunused",
        "vncviewer",
        "xauthority",
        "xen_platform_pci",
        "xen_platform_pci_bar_uc",
        "bios_path_override",
        "acpi_firmware",
        "smbios_firmware",
        "smbios"}},
      {kNoDevice,
       {"vif",
        "vif2",
        "pci",
        "pci_msitranslate",
        "pci_permissive",
        "pci_power_mgmt",
        "pci_seize",
        "vtpm",
        "vkb",
        "vkb_device",
        "vfb",
        "channel",
        "p9",
        "pvcalls",
        "vdispl",
        "vsnd",
        "virtio",
        "dtdev",
        "usbctrl",
        "usbdev",
        "vuart",
        "rdm",
        "rdm_mem_boundary",
        "iomem",
        "ioports",
        "irqs",
        "passthrough",
        "tee",
        "arm_sci"}},
      {kNoScheduling,
       {"cpus", "cpus_soft", "cpu_weight", "cap", "pool", "vnuma", "period", "slice", "latency", "extratime",
        "llc_colors"}},
      {kPlatformDecides,
       {"acpi",
        "acpi_laptop_slate",
        "acpi_s3",
        "acpi_s4",
        "apic",
        "pae",
        "hap",
        "hpet",
        "nestedhvm",
        "viridian",
        "timer_mode",
        "tsc_mode",
        "localtime",
        "rtc_timeoffset",
        "cpuid",
        "vpmu",
        "altp2m",
        "altp2m_count",
        "altp2mhvm",
        "nx",
        "oos",
        "msr_relaxed",
        "mca_caps",
        "e820_host",
        "shadow_memory",
        "vpt_align",
        "hvm_pirq",
        "vendor_device",
        "ms_vm_genid",
        "trap_unmapped_accesses",
        "gic_version",
        "nr_spis",
        "sve",
        "device_tree",
        "max_event_channels",
        "max_grant_frames",
        "max_grant_version",
        "max_maptrack_frames",
        "vmtrace_buf_kb",
        "xenstore_feature_mask",
        "xenstore_quota",
        "xend_suspend_evtchn_compat"}},
      {kNotYet,
       {"uuid", "seclabel", "init_seclabel", "driver_domain", "nomigrate", "on_soft_reset", "on_watchdog", "pvshim",
        "pvshim_cmdline", "pvshim_extra", "pvshim_path", "bootloader_restrict", "bootloader_user"}},
  };
  return groups;
}

}  // namespace

bool xl_key_honoured(std::string_view key) {
  return std::find(kHonoured.begin(), kHonoured.end(), key) != kHonoured.end();
}

std::string_view xl_key_ignored_because(std::string_view key) {
  for (const auto& [reason, keys] : ignored_groups())
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return reason;
  return {};
}

const std::vector<std::string>& xl_all_keys() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = kHonoured;
    for (const auto& [reason, keys] : ignored_groups()) v.insert(v.end(), keys.begin(), keys.end());
    return v;
  }();
  return all;
}

}  // namespace hvmtool::config
