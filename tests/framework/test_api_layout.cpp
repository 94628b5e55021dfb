// The public structs a plugin shares with the framework cross the library
// boundary by layout: a plugin built against older headers reads the bytes
// where its copy of the header put them. Their sizes, alignments and member
// offsets are pinned here for one API version, so that a layout change
// without a version bump (and a kApiChanges entry) fails.
#define BOOST_TEST_MODULE api_layout
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <sstream>

#include <hvmtool/hvmtool.hpp>

using namespace hvmtool;

namespace {

// The API version the layouts below were taken from.
constexpr unsigned kPinnedApiVersion = 4;

// One line per type: "Name size/align member@offset ...", x86-64 with
// libstdc++ (what hvmtool builds for). A failure prints the line as it is
// now, to paste here once the version is bumped. Members that are references
// (StageContext's, PlatformContext's) have no offset to take; the size pins
// them.
const std::vector<std::string> kPinned = {
    "GuestRange 16/8 start@0 size@8",
    "SharedRing 24/8 frame@0 port@16",
    "EntryKind 1/1",
    "PopulateStats 24/8 extents_1g@0 extents_2m@8 pages_4k@16",
    "PopulatedMemory 32/8 ram@0 special_pages@24",
    "PlacedModule 48/8 name@0 where@32",
    "BuildState 336/8 uuid@0 store@24 console@48 entry_kind@72 entry@80 start_info@96 zero_page@112 page_tables@128 "
    "mp_table@144 acpi_rsdp@160 kernel@176 ramdisk@200 cmdline@224 modules@248 memory@272 flash_window@312",
    "Segment 24/8 base@0 limit@8 selector@12 type@14 present@15 dpl@16 db@17 s@18 l@19 g@20 unusable@21",
    "DescriptorTable 16/8 base@0 limit@8",
    "VcpuContext 408/8 rax@0 rbx@8 rcx@16 rdx@24 rsi@32 rdi@40 rsp@48 rbp@56 r8@64 r9@72 r10@80 r11@88 r12@96 r13@104 "
    "r14@112 r15@120 rip@128 rflags@136 cs@144 ds@168 es@192 fs@216 gs@240 ss@264 tr@288 ldt@312 gdt@336 idt@352 "
    "cr0@368 cr2@376 cr3@384 cr4@392 efer@400",
    "SourceLocation 40/8 file@0 line@32 column@36",
    "ParamValue 72/8 text@0 where@32",
    "DomainType 4/4",
    "ShutdownAction 4/4",
    "DiskConfig 152/8 target@0 format@40 vdev@72 readonly@104 where@112",
    "DomainConfig 600/8 name@0 type@32 memory@40 maxmem@48 vcpus@56 maxvcpus@60 firmware@64 bios@96 kernel@128 "
    "ramdisk@168 cmdline@208 disks@240 bootloader_args@264 logfile@288 on_poweroff@328 on_reboot@332 on_crash@336 "
    "mmio_hole@344 timeouts@352 restart_limit@464 restart_window@472 where@480 firmware_where@520 bios_where@560",
    "ShutdownReason 4/4",
    "ConsoleChannel 4/4",
    "DomainEvent 40/8 kind@0 reason@4 detail@8",
    "GuestMapping 56/8",
    "StorePermission 8/4 domid@0 access@4",
    "LoadRule 4/4",
    "FirmwareImage 88/8 name@0 path@32 rule@72 max_size@80",
    "FirmwareSet 112/8 loader@0 modules@88",
    "DomainCreateInfo 96/8 name@0 type@32 uuid@36 max_vcpus@52 max_memory@56 console@64",
    "DomainSummary 96/8 id@0 name@8 memory@40 vcpus@48 state@56 owner_pid@88",
    "PlatformFeatures 8/4 xen_special_pages@0 ioapic@1 pv_domains@2 lapic@3 lapic_id_step@4",
    "PlatformContext 24/8",
    "PluginParams 120/8",
    "StageSlot 4/4",
    "BootPayload 152/8 kernel@0 ramdisk@40 cmdline@80 scratch_dir@112",
    "StageContext 672/8 firmware@16 firmware_images@24 console@64 domain@96 boot@104 state@256 fate@592 cancelled@640 "
    "jobs_in_flight@656",
};

template <typename T>
class Layout {
 public:
  explicit Layout(const char* name) { out_ << name << " " << sizeof(T) << "/" << alignof(T); }
  Layout& at(const char* member, std::size_t offset) {
    out_ << " " << member << "@" << offset;
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

#pragma GCC diagnostic push
// offsetof on a class with std::string members is only conditionally
// supported; GCC and Clang support it, and the offsets are what is pinned.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
#define HVMTOOL_AT(T, m) at(#m, offsetof(T, m))

std::vector<std::string> layouts_now() {
  return {
      Layout<GuestRange>("GuestRange").HVMTOOL_AT(GuestRange, start).HVMTOOL_AT(GuestRange, size).str(),
      Layout<SharedRing>("SharedRing").HVMTOOL_AT(SharedRing, frame).HVMTOOL_AT(SharedRing, port).str(),
      Layout<EntryKind>("EntryKind").str(),
      Layout<PopulateStats>("PopulateStats")
          .HVMTOOL_AT(PopulateStats, extents_1g)
          .HVMTOOL_AT(PopulateStats, extents_2m)
          .HVMTOOL_AT(PopulateStats, pages_4k)
          .str(),
      Layout<PopulatedMemory>("PopulatedMemory")
          .HVMTOOL_AT(PopulatedMemory, ram)
          .HVMTOOL_AT(PopulatedMemory, special_pages)
          .str(),
      Layout<PlacedModule>("PlacedModule").HVMTOOL_AT(PlacedModule, name).HVMTOOL_AT(PlacedModule, where).str(),
      Layout<BuildState>("BuildState")
          .HVMTOOL_AT(BuildState, uuid)
          .HVMTOOL_AT(BuildState, store)
          .HVMTOOL_AT(BuildState, console)
          .HVMTOOL_AT(BuildState, entry_kind)
          .HVMTOOL_AT(BuildState, entry)
          .HVMTOOL_AT(BuildState, start_info)
          .HVMTOOL_AT(BuildState, zero_page)
          .HVMTOOL_AT(BuildState, page_tables)
          .HVMTOOL_AT(BuildState, mp_table)
          .HVMTOOL_AT(BuildState, acpi_rsdp)
          .HVMTOOL_AT(BuildState, kernel)
          .HVMTOOL_AT(BuildState, ramdisk)
          .HVMTOOL_AT(BuildState, cmdline)
          .HVMTOOL_AT(BuildState, modules)
          .HVMTOOL_AT(BuildState, memory)
          .HVMTOOL_AT(BuildState, flash_window)
          .str(),
      Layout<Segment>("Segment")
          .HVMTOOL_AT(Segment, base)
          .HVMTOOL_AT(Segment, limit)
          .HVMTOOL_AT(Segment, selector)
          .HVMTOOL_AT(Segment, type)
          .HVMTOOL_AT(Segment, present)
          .HVMTOOL_AT(Segment, dpl)
          .HVMTOOL_AT(Segment, db)
          .HVMTOOL_AT(Segment, s)
          .HVMTOOL_AT(Segment, l)
          .HVMTOOL_AT(Segment, g)
          .HVMTOOL_AT(Segment, unusable)
          .str(),
      Layout<DescriptorTable>("DescriptorTable")
          .HVMTOOL_AT(DescriptorTable, base)
          .HVMTOOL_AT(DescriptorTable, limit)
          .str(),
      Layout<VcpuContext>("VcpuContext")
          .HVMTOOL_AT(VcpuContext, rax)
          .HVMTOOL_AT(VcpuContext, rbx)
          .HVMTOOL_AT(VcpuContext, rcx)
          .HVMTOOL_AT(VcpuContext, rdx)
          .HVMTOOL_AT(VcpuContext, rsi)
          .HVMTOOL_AT(VcpuContext, rdi)
          .HVMTOOL_AT(VcpuContext, rsp)
          .HVMTOOL_AT(VcpuContext, rbp)
          .HVMTOOL_AT(VcpuContext, r8)
          .HVMTOOL_AT(VcpuContext, r9)
          .HVMTOOL_AT(VcpuContext, r10)
          .HVMTOOL_AT(VcpuContext, r11)
          .HVMTOOL_AT(VcpuContext, r12)
          .HVMTOOL_AT(VcpuContext, r13)
          .HVMTOOL_AT(VcpuContext, r14)
          .HVMTOOL_AT(VcpuContext, r15)
          .HVMTOOL_AT(VcpuContext, rip)
          .HVMTOOL_AT(VcpuContext, rflags)
          .HVMTOOL_AT(VcpuContext, cs)
          .HVMTOOL_AT(VcpuContext, ds)
          .HVMTOOL_AT(VcpuContext, es)
          .HVMTOOL_AT(VcpuContext, fs)
          .HVMTOOL_AT(VcpuContext, gs)
          .HVMTOOL_AT(VcpuContext, ss)
          .HVMTOOL_AT(VcpuContext, tr)
          .HVMTOOL_AT(VcpuContext, ldt)
          .HVMTOOL_AT(VcpuContext, gdt)
          .HVMTOOL_AT(VcpuContext, idt)
          .HVMTOOL_AT(VcpuContext, cr0)
          .HVMTOOL_AT(VcpuContext, cr2)
          .HVMTOOL_AT(VcpuContext, cr3)
          .HVMTOOL_AT(VcpuContext, cr4)
          .HVMTOOL_AT(VcpuContext, efer)
          .str(),
      Layout<SourceLocation>("SourceLocation")
          .HVMTOOL_AT(SourceLocation, file)
          .HVMTOOL_AT(SourceLocation, line)
          .HVMTOOL_AT(SourceLocation, column)
          .str(),
      Layout<ParamValue>("ParamValue").HVMTOOL_AT(ParamValue, text).HVMTOOL_AT(ParamValue, where).str(),
      Layout<DomainType>("DomainType").str(),
      Layout<ShutdownAction>("ShutdownAction").str(),
      Layout<DiskConfig>("DiskConfig")
          .HVMTOOL_AT(DiskConfig, target)
          .HVMTOOL_AT(DiskConfig, format)
          .HVMTOOL_AT(DiskConfig, vdev)
          .HVMTOOL_AT(DiskConfig, readonly)
          .HVMTOOL_AT(DiskConfig, where)
          .str(),
      Layout<DomainConfig>("DomainConfig")
          .HVMTOOL_AT(DomainConfig, name)
          .HVMTOOL_AT(DomainConfig, type)
          .HVMTOOL_AT(DomainConfig, memory)
          .HVMTOOL_AT(DomainConfig, maxmem)
          .HVMTOOL_AT(DomainConfig, vcpus)
          .HVMTOOL_AT(DomainConfig, maxvcpus)
          .HVMTOOL_AT(DomainConfig, firmware)
          .HVMTOOL_AT(DomainConfig, bios)
          .HVMTOOL_AT(DomainConfig, kernel)
          .HVMTOOL_AT(DomainConfig, ramdisk)
          .HVMTOOL_AT(DomainConfig, cmdline)
          .HVMTOOL_AT(DomainConfig, disks)
          .HVMTOOL_AT(DomainConfig, bootloader_args)
          .HVMTOOL_AT(DomainConfig, logfile)
          .HVMTOOL_AT(DomainConfig, on_poweroff)
          .HVMTOOL_AT(DomainConfig, on_reboot)
          .HVMTOOL_AT(DomainConfig, on_crash)
          .HVMTOOL_AT(DomainConfig, mmio_hole)
          .HVMTOOL_AT(DomainConfig, timeouts)
          .HVMTOOL_AT(DomainConfig, restart_limit)
          .HVMTOOL_AT(DomainConfig, restart_window)
          .HVMTOOL_AT(DomainConfig, where)
          .HVMTOOL_AT(DomainConfig, firmware_where)
          .HVMTOOL_AT(DomainConfig, bios_where)
          .str(),
      Layout<ShutdownReason>("ShutdownReason").str(),
      Layout<ConsoleChannel>("ConsoleChannel").str(),
      Layout<DomainEvent>("DomainEvent")
          .HVMTOOL_AT(DomainEvent, kind)
          .HVMTOOL_AT(DomainEvent, reason)
          .HVMTOOL_AT(DomainEvent, detail)
          .str(),
      Layout<GuestMapping>("GuestMapping").str(),
      Layout<StorePermission>("StorePermission")
          .HVMTOOL_AT(StorePermission, domid)
          .HVMTOOL_AT(StorePermission, access)
          .str(),
      Layout<LoadRule>("LoadRule").str(),
      Layout<FirmwareImage>("FirmwareImage")
          .HVMTOOL_AT(FirmwareImage, name)
          .HVMTOOL_AT(FirmwareImage, path)
          .HVMTOOL_AT(FirmwareImage, rule)
          .HVMTOOL_AT(FirmwareImage, max_size)
          .str(),
      Layout<FirmwareSet>("FirmwareSet").HVMTOOL_AT(FirmwareSet, loader).HVMTOOL_AT(FirmwareSet, modules).str(),
      Layout<DomainCreateInfo>("DomainCreateInfo")
          .HVMTOOL_AT(DomainCreateInfo, name)
          .HVMTOOL_AT(DomainCreateInfo, type)
          .HVMTOOL_AT(DomainCreateInfo, uuid)
          .HVMTOOL_AT(DomainCreateInfo, max_vcpus)
          .HVMTOOL_AT(DomainCreateInfo, max_memory)
          .HVMTOOL_AT(DomainCreateInfo, console)
          .str(),
      Layout<DomainSummary>("DomainSummary")
          .HVMTOOL_AT(DomainSummary, id)
          .HVMTOOL_AT(DomainSummary, name)
          .HVMTOOL_AT(DomainSummary, memory)
          .HVMTOOL_AT(DomainSummary, vcpus)
          .HVMTOOL_AT(DomainSummary, state)
          .HVMTOOL_AT(DomainSummary, owner_pid)
          .str(),
      Layout<PlatformFeatures>("PlatformFeatures")
          .HVMTOOL_AT(PlatformFeatures, xen_special_pages)
          .HVMTOOL_AT(PlatformFeatures, ioapic)
          .HVMTOOL_AT(PlatformFeatures, pv_domains)
          .HVMTOOL_AT(PlatformFeatures, lapic)
          .HVMTOOL_AT(PlatformFeatures, lapic_id_step)
          .str(),
      Layout<PlatformContext>("PlatformContext").str(),
      Layout<PluginParams>("PluginParams").str(),
      Layout<StageSlot>("StageSlot").str(),
      Layout<BootPayload>("BootPayload")
          .HVMTOOL_AT(BootPayload, kernel)
          .HVMTOOL_AT(BootPayload, ramdisk)
          .HVMTOOL_AT(BootPayload, cmdline)
          .HVMTOOL_AT(BootPayload, scratch_dir)
          .str(),
      Layout<StageContext>("StageContext")
          .HVMTOOL_AT(StageContext, firmware)
          .HVMTOOL_AT(StageContext, firmware_images)
          .HVMTOOL_AT(StageContext, console)
          .HVMTOOL_AT(StageContext, domain)
          .HVMTOOL_AT(StageContext, boot)
          .HVMTOOL_AT(StageContext, state)
          .HVMTOOL_AT(StageContext, fate)
          .HVMTOOL_AT(StageContext, cancelled)
          .HVMTOOL_AT(StageContext, jobs_in_flight)
          .str(),
  };
}

#undef HVMTOOL_AT
#pragma GCC diagnostic pop

std::string first_word(const std::string& s) { return s.substr(0, s.find(' ')); }

}  // namespace

BOOST_AUTO_TEST_CASE(the_pins_are_for_this_api_version) {
  BOOST_TEST(kApiVersion == kPinnedApiVersion,
             "the layouts in " __FILE__ " were pinned for plugin API "
                 << kPinnedApiVersion << ", this is API " << kApiVersion
                 << ": re-pin them (the failures of public_struct_layouts_match_the_api_version print the lines)");
  BOOST_TEST(kApiChanges[std::size(kApiChanges) - 1].version == kApiVersion,
             "framework/include/hvmtool/version.hpp: kApiChanges has no entry for API "
                 << kApiVersion << ": say what changed, the loader quotes it to old plugins");
}

BOOST_AUTO_TEST_CASE(public_struct_layouts_match_the_api_version) {
  const std::vector<std::string> now = layouts_now();
  std::string all;
  for (const std::string& l : now) all += "\n    \"" + l + "\",";
  BOOST_REQUIRE_MESSAGE(now.size() == kPinned.size(), "pinned " << kPinned.size() << " layouts, checking " << now.size()
                                                                << ": pin all of them in " __FILE__ ":" << all);
  for (std::size_t i = 0; i < now.size(); ++i) {
    BOOST_TEST_CONTEXT("the layout of " << first_word(now[i])) {
      BOOST_TEST(now[i] == kPinned[i],
                 "a plugin built against the API "
                     << kPinnedApiVersion
                     << " headers would read the wrong bytes: bump HVMTOOL_API_VERSION in "
                        "framework/include/hvmtool/version.hpp, add what changed to kApiChanges there, and pin the "
                        "new layout in " __FILE__ ": \""
                     << now[i] << "\"");
    }
  }
}
